// Package daemon is supervisord itself: it turns a config.Config into
// process groups, starts them in ascending priority, serves the XML-RPC
// Backend (reload diffs, add/remove group, start/stop with wait), handles
// supervisord's signals (TERM/INT/QUIT shut down, HUP reloads, USR2 reopens
// logs), stops groups in descending priority one group at a time at
// shutdown, and implements the supervisord command line (flags, config
// search, privileges, rlimits, pidfile, daemonizing by re-exec).
//
// Supervisor implements rpc.Backend and serves it through package web.
// Its methods are safe for concurrent callers: the RPC server calls them
// from many goroutines while the signal loop runs. Features that live in
// other packages (events and listeners, the web UI, metrics) plug in with
// Register and the Supervisor's On* subscriptions (extension.go).
package daemon
