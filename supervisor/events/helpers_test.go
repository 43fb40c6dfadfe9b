package events

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

const testdata = "../../testdata/events"

// recLog records main-log lines as "LEVL message", as 4.2.5 prints them.
type recLog struct {
	mu    sync.Mutex
	lines []string
}

var levelNames = map[config.LogLevel]string{
	config.LevelCritical: "CRIT", config.LevelError: "ERRO", config.LevelWarn: "WARN",
	config.LevelInfo: "INFO", config.LevelDebug: "DEBG", config.LevelTrace: "TRAC", config.LevelBlather: "BLAT",
}

func (r *recLog) Logf(level config.LogLevel, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, levelNames[level]+" "+fmt.Sprintf(format, args...))
}

func (r *recLog) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

func (r *recLog) has(line string) bool {
	for _, l := range r.all() {
		if l == line {
			return true
		}
	}
	return false
}

func (r *recLog) count(prefix string) int {
	n := 0
	for _, l := range r.all() {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// listenerProc is a real listener process wired to a Listener the way the
// engine wires it: stdin as the Listener's writer, stdout chunks fed in,
// Exited after the pipe closes and the process is reaped.
type listenerProc struct {
	cmd  *exec.Cmd
	pid  int
	done chan struct{}
	out  io.ReadCloser
}

func startListener(t *testing.T, l *Listener, argv ...string) *listenerProc {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "PYTHONIOENCODING=utf-8", "PYTHONDONTWRITEBYTECODE=1")
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lp := &listenerProc{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{}), out: stdout}
	l.Spawned(lp.pid, stdin)
	l.SetRunning(true)
	go func() {
		defer close(lp.done)
		buf := make([]byte, 4096)
		for {
			n, err := stdout.Read(buf)
			if n > 0 {
				l.Feed(lp.pid, buf[:n])
			}
			if err != nil {
				break
			}
		}
		_ = cmd.Wait()
		stdin.Close()
		l.Exited(lp.pid)
	}()
	t.Cleanup(func() { lp.kill(t) })
	return lp
}

func (lp *listenerProc) kill(t *testing.T) {
	t.Helper()
	_ = syscall.Kill(-lp.pid, syscall.SIGKILL)
	select {
	case <-lp.done:
	case <-time.After(20 * time.Second):
		t.Errorf("listener %d not reaped", lp.pid)
	}
}

func (lp *listenerProc) exited() bool {
	select {
	case <-lp.done:
		return true
	default:
		return false
	}
}

func script(name string) string { return filepath.Join(testdata, name) }

// record is one event as a listener logged it.
type record struct {
	header  string
	fields  map[string]string
	payload string
}

// readRecords parses a log written by ok.sh and its siblings: a header
// line, then exactly len bytes of payload.
func readRecords(t *testing.T, path string) []record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	var out []record
	s := string(b)
	for s != "" {
		nl := strings.IndexByte(s, '\n')
		if nl < 0 {
			return out // header still being written
		}
		r := record{header: s[:nl], fields: map[string]string{}}
		for _, kv := range strings.Fields(r.header) {
			k, v, _ := strings.Cut(kv, ":")
			r.fields[k] = v
		}
		var n int
		if _, err := fmt.Sscan(r.fields["len"], &n); err != nil {
			t.Fatalf("bad header %q in %s", r.header, path)
		}
		if len(s) < nl+1+n {
			return out // payload still being written
		}
		r.payload = s[nl+1 : nl+1+n]
		s = s[nl+1+n:]
		out = append(out, r)
	}
	return out
}

func waitRecords(t *testing.T, path string, n int) []record {
	t.Helper()
	var recs []record
	waitFor(t, fmt.Sprintf("%d events in %s", n, filepath.Base(path)), func() bool {
		recs = readRecords(t, path)
		return len(recs) >= n
	})
	return recs
}
