package sandbox

import (
	"context"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"

	"github.com/supervisorlab/supervisorlab/sandbox/internal/term"
)

// ShellRequest describes an interactive session.
type ShellRequest struct {
	// User defaults to the student.
	User string
	// Argv defaults to a login bash.
	Argv []string
	// In and Out are the caller's terminal (usually os.Stdin, os.Stdout).
	// When In is a terminal it is put in raw mode for the session and
	// restored afterwards, and its size follows SIGWINCH.
	In, Out *os.File
	Env     []string
}

// Shell runs an interactive session in sb and returns the shell's exit code.
// Each call opens a new shell, so re-attaching to a running sandbox is just
// another Shell. SIGTERM and SIGHUP to the caller end the session (the shell
// is hung up) and the terminal is restored before Shell returns.
func Shell(ctx context.Context, sb Sandbox, req ShellRequest) (int, error) {
	if req.User == "" {
		req.User = Student
	}
	if len(req.Argv) == 0 {
		req.Argv = []string{"/bin/bash", "-l"}
	}
	fd := int(req.In.Fd())
	tty := &TTY{In: req.In, Out: req.Out, Size: WindowSize{Rows: 24, Cols: 80}, Term: os.Getenv("TERM")}
	if term.IsTerminal(fd) {
		if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil && ws.Row > 0 {
			tty.Size = WindowSize{Rows: ws.Row, Cols: ws.Col}
		}
		old, err := term.MakeRaw(fd)
		if err != nil {
			return 0, err
		}
		defer term.Restore(fd, old)
		// A panic unwinds through the deferred Restore too.
		resize := make(chan WindowSize, 1)
		tty.Resize = resize
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, unix.SIGWINCH)
		defer signal.Stop(winch)
		done, exited := make(chan struct{}), make(chan struct{})
		defer func() { close(done); <-exited }()
		go func() {
			defer close(exited)
			for {
				select {
				case <-done:
					close(resize)
					return
				case <-winch:
					if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil {
						select { // keep only the newest size
						case <-resize:
						default:
						}
						resize <- WindowSize{Rows: ws.Row, Cols: ws.Col}
					}
				}
			}
		}()
	}
	ctx, stop := signal.NotifyContext(ctx, unix.SIGTERM, unix.SIGHUP)
	defer stop()
	st, err := sb.Exec(ctx, ExecRequest{Argv: req.Argv, User: req.User, Env: req.Env, TTY: tty})
	if err != nil {
		return 0, err
	}
	return st.Code, nil
}
