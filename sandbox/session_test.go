package sandbox

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/supervisorlab/supervisorlab/sandbox/internal/term"
)

// screen collects what a pty prints.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor polls until the screen shows want after offset from, and returns
// the offset just past it.
func (s *screen) waitFor(t *testing.T, from int, want string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		out := s.String()
		if i := strings.Index(out[min(from, len(out)):], want); i >= 0 {
			return from + i + len(want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("screen never showed %q; got:\n%s", want, out[min(from, len(out)):])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// userTerminal is the student's terminal: the test types on master, the
// session runs on tty.
func userTerminal(t *testing.T) (master, tty *os.File, scr *screen) {
	t.Helper()
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close(); tty.Close() })
	pty.Setsize(master, &pty.Winsize{Rows: 30, Cols: 100})
	scr = &screen{}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			scr.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	return master, tty, scr
}

func TestShellSession(t *testing.T) {
	s := newSandbox(t, Options{})
	master, tty, scr := userTerminal(t)
	before, err := term.GetState(int(tty.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := Shell(context.Background(), s, ShellRequest{In: tty, Out: tty, Env: []string{"PS1=$ "}})
		done <- result{code, err}
	}()
	typeIn := func(s string) {
		if _, err := master.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	at := 0
	// Markers are computed by the shell, so the echoed input never matches.
	typeIn("echo user=$(id -un) tty=$(tty) $((40+2))z\r")
	at = scr.waitFor(t, at, "user=shiyanlou tty=/dev/pts/0 42z")

	raw, _ := term.GetState(int(tty.Fd()))
	if term.Equal(raw, before) {
		t.Error("caller's terminal is not in raw mode during the session")
	}

	t.Run("ctrl-c interrupts the foreground job", func(t *testing.T) {
		typeIn("sleep 1000\r")
		time.Sleep(200 * time.Millisecond) // let sleep start; the check below holds either way
		typeIn("\x03")
		typeIn("echo $((6*7))after\r")
		at = scr.waitFor(t, at, "42after")
	})
	t.Run("window size follows SIGWINCH", func(t *testing.T) {
		pty.Setsize(master, &pty.Winsize{Rows: 51, Cols: 133})
		syscall.Kill(os.Getpid(), syscall.SIGWINCH)
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(scr.String()[at:], "51 133") {
			if time.Now().After(deadline) {
				t.Fatalf("size never reached the sandbox:\n%s", scr.String()[at:])
			}
			typeIn("stty size\r")
			time.Sleep(50 * time.Millisecond)
		}
		at = len(scr.String())
	})
	t.Run("vim edits a file", func(t *testing.T) {
		typeIn("vim -u NONE -N /tmp/v.txt\r")
		time.Sleep(300 * time.Millisecond) // vim swallows input typed before it set up the terminal
		typeIn("ihello from vim\x1b:wq\r")
		at = scr.waitFor(t, at, "written")
		// Vim flushes typeahead when it leaves: wait for the shell's prompt.
		at = scr.waitFor(t, at, "\x1b[?1049l")
		at = scr.waitFor(t, at, "$ ")
		typeIn("cat /tmp/v.txt | tr a-z A-Z\r")
		at = scr.waitFor(t, at, "HELLO FROM VIM")
	})
	t.Run("less and top", func(t *testing.T) {
		typeIn("less /etc/passwd\r")
		at = scr.waitFor(t, at, "root:")
		typeIn("q")
		at = scr.waitFor(t, at, "$ ")
		typeIn("top -d 0.2\r")
		at = scr.waitFor(t, at, "Tasks:")
		typeIn("q")
		at = scr.waitFor(t, at, "$ ")
		typeIn("echo $((5+5))back\r")
		at = scr.waitFor(t, at, "10back")
	})
	t.Run("ctrl-z suspends", func(t *testing.T) {
		typeIn("sleep 1000\r")
		time.Sleep(200 * time.Millisecond)
		typeIn("\x1a")
		typeIn("jobs -s | grep -c Stopped | sed s/1/one-stopped/\r")
		at = scr.waitFor(t, at, "one-stopped")
		// bash notices the death asynchronously: wait until the job is gone,
		// or exit would stop at "There are stopped jobs".
		typeIn("kill -9 %1; while jobs %1 >/dev/null 2>&1; do sleep 0.05; done; echo k$((1+1))illed\r")
		at = scr.waitFor(t, at, "k2illed")
	})

	typeIn("exit 3\r")
	select {
	case r := <-done:
		if r.err != nil || r.code != 3 {
			t.Fatalf("Shell = %d, %v; want 3, nil", r.code, r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("Shell did not return after exit; screen:\n%q", scr.String()[max(0, at-300):])
	}
	after, _ := term.GetState(int(tty.Fd()))
	if !term.Equal(after, before) {
		t.Error("caller's terminal not restored")
	}

	// Re-attaching opens a new shell in the same sandbox, which still has
	// the file written in the first one; Ctrl-D ends it.
	go func() {
		code, err := Shell(context.Background(), s, ShellRequest{In: tty, Out: tty, Env: []string{"PS1=$ "}})
		done <- result{code, err}
	}()
	typeIn("cat /tmp/v.txt | tr a-z A-Z | tr ' ' _\r")
	at = scr.waitFor(t, at, "HELLO_FROM_VIM")
	scr.waitFor(t, at, "$ ") // ^D typed while cat runs would be cat's EOF
	typeIn("\x04")
	select {
	case r := <-done:
		if r.err != nil || r.code != 0 {
			t.Fatalf("Shell after Ctrl-D = %d, %v", r.code, r.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Shell did not return after Ctrl-D")
	}
}

// TestShellCancelled: ending the session from the caller's side (what
// SIGTERM/SIGHUP to `lab start` do) hangs up the shell and restores the
// caller's terminal.
func TestShellCancelled(t *testing.T) {
	s := newSandbox(t, Options{})
	master, tty, scr := userTerminal(t)
	before, _ := term.GetState(int(tty.Fd()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Shell(ctx, s, ShellRequest{In: tty, Out: tty})
		done <- err
	}()
	master.Write([]byte("echo $((3*3))up\r"))
	scr.waitFor(t, 0, "9up")
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Shell = %v, want context.Canceled", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Shell did not return after cancel")
	}
	if after, _ := term.GetState(int(tty.Fd())); !term.Equal(after, before) {
		t.Error("terminal not restored")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := run(t, s, Root, "pgrep -c -x bash || true")
		if out == "0\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("hung-up shell still runs: %q", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
