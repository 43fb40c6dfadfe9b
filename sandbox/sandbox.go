package sandbox

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
)

// Sandbox is one student's environment, whatever runs it: the local backend
// ([Local], namespaces on this host) or a pod in a cluster.
type Sandbox interface {
	// Name identifies the sandbox among the user's sandboxes.
	Name() string
	// Exec runs a command inside the sandbox and waits for it. A non-zero
	// exit is reported in ExitStatus, not as an error; errors mean the
	// command could not be run or ctx ended first.
	Exec(ctx context.Context, req ExecRequest) (ExitStatus, error)
	// Check runs a check script as root with a timeout and capped output.
	Check(ctx context.Context, script string, opts CheckOptions) (CheckResult, error)
	// Stop kills everything in the sandbox and removes its state.
	Stop(ctx context.Context) error
}

// The users a sandbox knows by default.
const (
	Root    = "root"
	Student = "shiyanlou"
	// StudentUID is the student's uid and gid, as on the course machines.
	StudentUID = 1000
)

// ExecRequest describes one command to run inside a sandbox.
type ExecRequest struct {
	// Argv is the command; Argv[0] is looked up in the sandbox's PATH when it
	// has no slash.
	Argv []string
	// User is "root" (the default) or a user in the sandbox's /etc/passwd.
	User string
	// Env is added to the defaults (HOME, USER, LOGNAME, SHELL, PATH, LANG,
	// TERM), replacing defaults with the same name.
	Env []string
	// Dir is the working directory; default the user's home, or / when the
	// home is gone.
	Dir string
	// Stdin, Stdout and Stderr are ignored when TTY is set. An *os.File is
	// passed to the command as is; other readers and writers are copied
	// through pipes; nil means /dev/null.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// ExtraFiles become fds 3, 4, ... of the command.
	ExtraFiles []*os.File
	// TTY runs the command on a new pty inside the sandbox, as the session
	// leader with the pty as its controlling terminal.
	TTY *TTY
	// KillGroup kills whatever the command left in its process group when
	// it exits (a check leaves nothing behind; daemons that setsid survive).
	KillGroup bool
	// WaitDelay bounds how long Exec keeps copying output after the command
	// exited, for when a background process still holds stdout (default 1s).
	WaitDelay time.Duration
}

// TTY configures a terminal session.
type TTY struct {
	// In is copied to the pty; Out receives everything the pty prints.
	In  io.Reader
	Out io.Writer
	// Size is the initial window size; Resize delivers later sizes.
	Size   WindowSize
	Resize <-chan WindowSize
	// Term is the TERM variable (default xterm-256color).
	Term string
}

// WindowSize is a terminal size in character cells.
type WindowSize struct{ Rows, Cols uint16 }

// ExitStatus is how a command ended.
type ExitStatus struct {
	// Code is the exit code, or 128+signal when killed by a signal.
	Code int
	// Signal names the signal that killed the command ("" if it exited).
	Signal string
}

// CheckOptions bound a check.
type CheckOptions struct {
	// Timeout defaults to 30s.
	Timeout time.Duration
	// MaxOutput caps captured stdout+stderr bytes (default 64 KiB).
	MaxOutput int
	// Dir defaults to /home/shiyanlou (or / when absent).
	Dir string
	// Interpreter runs the script (its path is appended); default
	// /bin/bash. Callers honouring a shebang pass its interpreter here.
	Interpreter []string
}

// CheckResult is the outcome of one check script.
type CheckResult struct {
	ExitCode  int    // 128+9 when killed at the timeout
	Passed    bool   // exit 0 and not timed out
	Output    []byte // stdout and stderr interleaved, at most MaxOutput bytes
	Truncated bool   // output went past MaxOutput
	TimedOut  bool
	Duration  time.Duration
}

// Errors callers can test with errors.Is.
var (
	ErrNotRunning = errors.New("sandbox is not running")
	ErrExists     = errors.New("sandbox already running")
)
