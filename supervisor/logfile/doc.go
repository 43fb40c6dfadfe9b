// Package logfile owns every file supervisord writes logs to: the rotating
// writer used for child stdout/stderr logs and for the main (activity) log,
// the main-log line format of Supervisor 4.2.5 (LOG-01), and the byte-offset
// readers behind readLog/readProcessLog/tailProcessLog (RPC-06, RPC-21).
//
// Rotation follows 4.2.5 (ROT-01..04): the size is checked after each write;
// when it reaches maxbytes the file is renamed to .1 (older backups shift to
// .2 ... .N) and a fresh file is opened. Two things are better than 4.2.5:
// a rotation never splits a UTF-8 sequence across two files (it is delayed
// until the sequence is complete), and files that cannot rotate (pipes,
// terminals, /dev/stdout) are written without rotation instead of failing.
// With backups=0 a full file is truncated, as 4.2.5 does (ROT-02): that
// discards its content, which is documented behaviour, not a bug.
//
// Data is handled as bytes throughout; nothing is decoded.
package logfile
