// Package process owns one supervised process: how it is spawned (process
// group, pipes, user, directory, umask, environment with the SUPERVISOR_*
// variables), its output captured into rotating log files, and Supervisor
// 4.2.5's state machine (reference §3):
//
//	STOPPED --start--> STARTING --startsecs--> RUNNING --exit--> EXITED
//	STARTING --exit before startsecs / spawn error--> BACKOFF
//	BACKOFF --after 1s, 2s, 3s ...--> STARTING, or FATAL after startretries
//	RUNNING/STARTING --stop--> STOPPING --exit--> STOPPED
//	STOPPING --stopwaitsecs--> SIGKILL (repeated every stopwaitsecs)
//	EXITED --autorestart--> STARTING (at once)
//
// It is event driven: exits come from the Reaper (SIGCHLD), delays from
// timers; nothing polls. Where 4.2.5 reacts on its next 1-second tick we
// react at once, so the observable order of log lines is the same but the
// latencies are milliseconds. One bound is kept on purpose: a process that
// dies less than a second after its spawn is restarted one second after
// that spawn (4.2.5's loop gives the same rate), so a crash loop cannot
// spin a CPU; a process that ran longer is restarted at once.
//
// Output: each pipe is read by its own goroutine into the rotating log
// files (package logfile), syslog, capture mode (<!--XSUPERVISOR:BEGIN-->
// blocks go to Options.Comm) and Options.Output. Setup failures that 4.2.5
// reports from its forked child (chdir, setuid, exec) are reported by a
// stand-in child (/bin/sh) so the logs read the same: "spawned", the
// reason on stderr, exit status 127.
//
// Every state change is reported to Options.Hook after the process lock is
// released, in order, so an event bus can subscribe without seeing torn
// state.
package process
