package rpc

import (
	"context"
	"syscall"
	"time"
)

// Backend is what the supervisor.* namespace needs from supervisord. The
// daemon implements it; the RPC layer does the rest of rpcinterface.py:
// argument checking, namespec splitting ("a", "g:p", "g:", "g:*"), the
// SHUTDOWN_STATE guard, group and "all" fan-out with their result arrays,
// readLog/tailLog offset math on the log files, descriptions and the wire
// format. So the backend only answers for one process or one group at a
// time and never sees XML-RPC types.
//
// Concurrency: every method may be called from many HTTP requests at
// once. Nothing may hold a lock shared with other requests while it
// waits: WaitStarted and WaitStopped block only their caller, and return
// ctx.Err() when the client goes away or the server closes.
//
// Errors: return a *Fault (NewFault/Code) whose code is the one 4.2.5
// raises in the same situation (reference §4.3, §4.5). Any other error is
// reported as FAILED with its text. For the per-process methods, a fault
// built with Code(c) (no detail) for c in ALREADY_STARTED, SPAWN_ERROR,
// ABNORMAL_TERMINATION, NOT_RUNNING, BAD_NAME and (sendProcessStdin)
// NO_FILE, (clearProcessLogs) FAILED gets the process name filled in
// exactly as the client spelled it, as 4.2.5 does ("NOT_RUNNING: g:p").
//
// Processes are addressed by group name and process name, already split
// and checked against Groups by the RPC layer; a process that vanished in
// between (removeProcessGroup raced) is reported with Code(FaultBadName).
type Backend interface {
	// Identification is [supervisord] identifier (default "supervisor").
	Identification() string
	// PID is supervisord's process id.
	PID() int
	// State is supervisord's mood. Every supervisor.* method except
	// sendRemoteCommEvent fails with SHUTDOWN_STATE while it is below
	// SupervisorRunning.
	State() SupervisorState

	// Groups lists the active process groups in the order supervisord
	// starts them (ascending priority; ties in config order), each with
	// its process names in ascending process priority (ties in config
	// order). startAllProcesses, stopProcessGroup etc. act in this order;
	// getAllProcessInfo re-sorts lexically itself.
	Groups() []GroupInfo

	// ProcessInfo returns the current facts about one process.
	ProcessInfo(group, name string) (ProcessInfo, error)

	// StartProcess does what 4.2.5's startProcess does before it would
	// wait: in this order, NO_FILE / NOT_EXECUTABLE when the command cannot
	// be resolved (detail: the reason, e.g. "can't find command '/x'"),
	// Code(ALREADY_STARTED) when in RUNNING, BACKOFF or STARTING,
	// NewFault(FAILED, "<namespec> is in an unknown process state") when
	// UNKNOWN; then spawns, and returns Code(SPAWN_ERROR) if the spawn
	// failed at once. It must return promptly (no startsecs wait).
	StartProcess(ctx context.Context, group, name string) error
	// WaitStarted blocks until the process is RUNNING (nil), has a spawn
	// error (Code(SPAWN_ERROR)), or is in a state other than STARTING or
	// RUNNING (Code(ABNORMAL_TERMINATION)), or ctx is done (ctx.Err()).
	// It must look at the state before at ctx: called with an already
	// cancelled ctx it is a non-blocking poll (the RPC layer uses that to
	// report settled processes in 4.2.5's order).
	WaitStarted(ctx context.Context, group, name string) error

	// StopProcess asks the process to stop (STOPPING, or STOPPED at once
	// from BACKOFF): Code(NOT_RUNNING) unless in RUNNING, BACKOFF or
	// STARTING; NewFault(FAILED, msg) when the signal could not be sent.
	// It returns without waiting for the exit.
	StopProcess(ctx context.Context, group, name string) error
	// WaitStopped blocks until the process is in STOPPED, EXITED, FATAL
	// or UNKNOWN (nil), or ctx is done (ctx.Err()); state first, as for
	// WaitStarted. 4.2.5 logs
	// "waiting for <name> to stop" meanwhile; that is the backend's job.
	WaitStopped(ctx context.Context, group, name string) error

	// SignalProcess sends sig to the process pid (never its group):
	// Code(NOT_RUNNING) unless RUNNING, STARTING or STOPPING;
	// NewFault(FAILED, msg) when kill fails.
	SignalProcess(group, name string, sig syscall.Signal) error

	// SendProcessStdin writes data to the process stdin: Code(NOT_RUNNING)
	// when it has no pid or is being stopped, Code(NO_FILE) when stdin is
	// closed (EPIPE).
	SendProcessStdin(group, name string, data []byte) error

	// ClearProcessLogs truncates (removes and reopens) the process's
	// current stdout/stderr log files if it has live output dispatchers;
	// for a stopped process it does nothing and returns nil (4.2.5).
	// Code(FAILED) on an I/O error.
	ClearProcessLogs(group, name string) error

	// MainLogfile is [supervisord] logfile as configured ("" when there
	// is none). readLog reads the file directly: a missing file (or
	// "syslog") gives "NO_FILE: <value>", "" gives "NO_FILE", as 4.2.5.
	MainLogfile() string
	// ClearMainLog removes the main log file and reopens it, logging
	// "reopening log file". NewFault(NO_FILE)/Code(FAILED) as 4.2.5.
	ClearMainLog() error

	// ReloadConfig re-reads the configuration from disk (includes too)
	// and makes it the pending one, without touching running groups; it
	// returns the group names added, changed and removed relative to the
	// active groups. A parse error is NewFault(CANT_REREAD, message).
	ReloadConfig() (added, changed, removed []string, err error)
	// AddProcessGroup activates a group of the last-read config:
	// Code(BAD_NAME) if the config has no such group, Code(ALREADY_ADDED)
	// if it is active. (Details are filled in with the name.)
	AddProcessGroup(name string) error
	// RemoveProcessGroup deactivates a group: Code(BAD_NAME) if not
	// active, Code(STILL_RUNNING) if a process is not in a stopped state.
	RemoveProcessGroup(name string) error
	// AllConfigInfo describes every process of the last-read config,
	// active or not (InUse tells). Order does not matter: sorted by name
	// in the RPC layer.
	AllConfigInfo() []ConfigInfo

	// SendRemoteCommEvent emits a REMOTE_COMMUNICATION event. Allowed
	// even during shutdown.
	SendRemoteCommEvent(typ, data string) error

	// Shutdown sets the mood to SHUTDOWN; Restart sets it to RESTARTING.
	// Both return at once: the response is written before supervisord
	// stops its listeners.
	Shutdown() error
	Restart() error
}

// GroupInfo is one active process group as Groups lists it.
type GroupInfo struct {
	Name     string
	Priority int
	// Processes are the process names in ascending priority.
	Processes []string
}

// ProcessInfo is the raw state of one process. The RPC layer derives the
// remaining getProcessInfo keys from it: now (its own clock), statename,
// logfile (= StdoutLogfile) and description (see Describe), so every front
// end (XML-RPC, web UI) words them the same way.
type ProcessInfo struct {
	Name  string
	Group string
	// Start and Stop are the last start and stop times; zero if never.
	Start time.Time
	Stop  time.Time
	State ProcessState
	// SpawnErr is the last spawn error ("" if none).
	SpawnErr string
	// ExitStatus is the last exit code: -1 when killed by a signal, 0
	// when it has not exited.
	ExitStatus int
	// StdoutLogfile and StderrLogfile are the configured log file paths
	// (AUTO resolved), "" when there is none.
	StdoutLogfile string
	StderrLogfile string
	// PID is 0 when the process is not running.
	PID int
}

// ConfigInfo is one process of the configuration as getAllConfigInfo
// reports it (4.2.5 key set; reference RPC-19). Strings that 4.2.5 reports
// as 'auto' or 'none' (a None or Automatic value) carry those words.
type ConfigInfo struct {
	Name        string
	Group       string
	GroupPrio   int
	ProcessPrio int
	InUse       bool

	Autostart bool
	// Directory is the working directory, or "none" when unset.
	Directory string
	// UID is the numeric uid of user=, nil when unset ("none").
	UID            *int
	Command        string
	Exitcodes      []int
	Killasgroup    bool
	RedirectStderr bool
	Startretries   int
	Startsecs      int
	Stopsignal     int
	Stopwaitsecs   int
	// ServerURL is the program's serverurl= as configured; "" (sent as
	// "none") when unset or AUTO, which is what 4.2.5 reports for both.
	ServerURL string

	Stdout ConfigLog
	Stderr ConfigLog
}

// ConfigLog is the per-channel part of ConfigInfo.
type ConfigLog struct {
	// Logfile is the path (AUTO resolved to the file supervisord made),
	// or "none".
	Logfile         string
	LogfileBackups  int
	LogfileMaxbytes int64
	CaptureMaxbytes int64
	EventsEnabled   bool
	Syslog          bool
}
