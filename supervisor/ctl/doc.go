// Package ctl is supervisorctl: the command-line and interactive client that
// drives a supervisord over XML-RPC, byte-compatible with Supervisor 4.2.5.
//
// It owns option parsing (4.2.5's getopt rules and messages), the
// [supervisorctl] settings, the XML-RPC transport over unix:// and http://
// server URLs with basic auth, every command of 4.2.5's default plugin with
// its exact output and LSB exit statuses, the `tail -f`/`fg` log streams, and
// the interactive shell with its own small line editor (raw terminal mode,
// history, tab completion of commands and process names).
//
// The model follows 4.2.5's Controller: one command line is split into a
// command word and its argument string, the command runs against the server
// and sets an exit status that persists until the program ends; the shell
// always exits 0. Where 4.2.5 lets a Python exception escape a command it
// prints `error: <class 'X'>, <text>: file: <f> line: <n>`; we print the same
// line (with the file and line 4.2.5 on Debian reports) so scripts that match
// on it keep working.
package ctl
