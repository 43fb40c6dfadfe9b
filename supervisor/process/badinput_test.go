package process

import (
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// A log path that cannot be opened is a spawn error with 4.2.5's text.
func TestUnopenableLogIsSpawnError(t *testing.T) {
	h := newHarness(t)
	cfg := h.program("l", "/bin/sleep", "1000")
	cfg.Stdout.Logfile = h.dir // a directory: EISDIR
	cfg.Startretries = 0
	p := h.start(cfg)
	p.Autostart()
	waitState(t, p, Fatal, 5*time.Second)
	if in := p.Info(); in.SpawnErr != "unknown error making dispatchers for 'l': EISDIR" {
		t.Errorf("spawnerr %q", in.SpawnErr)
	}
}

// A full disk loses log output but not the process; the error is logged
// once, not once per write.
func TestFullDiskKeepsRunning(t *testing.T) {
	h := newHarness(t)
	cfg := h.program("f", "/bin/sh", "-c", "for i in 1 2 3 4 5; do echo line $i; sleep 0.05; done; exec sleep 1000")
	cfg.Stdout = config.LogSpec{Logfile: "/dev/full"}
	cfg.Startsecs = 0
	p := h.start(cfg)
	p.Autostart()
	waitFor(t, "write error logged", 5*time.Second, func() bool { return h.log.count("could not write stdout log of f") > 0 })
	time.Sleep(400 * time.Millisecond) // the remaining lines are written meanwhile
	if n := h.log.count("could not write stdout log of f"); n != 1 {
		t.Errorf("error logged %d times:\n%s", n, strings.Join(h.log.lines(), "\n"))
	}
	if st := p.State(); st != Running {
		t.Errorf("state %v", st)
	}
}

// In reap-all mode (supervisord, perhaps PID 1) a child nobody registered
// is reaped and reported (PST-22).
func TestReaperReapsUnknownPids(t *testing.T) {
	var mu sync.Mutex
	got := map[int]syscall.WaitStatus{}
	r := NewReaper(true, func(pid int, ws syscall.WaitStatus) {
		mu.Lock()
		got[pid] = ws
		mu.Unlock()
	})
	defer r.Close()
	pid, err := syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 7"}, &syscall.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "unknown pid reaped", 5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		_, ok := got[pid]
		return ok
	})
	mu.Lock()
	es, msg := DecodeWaitStatus(got[pid])
	mu.Unlock()
	if es != 7 || msg != "exit status 7" {
		t.Errorf("status %d %q", es, msg)
	}
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	if err := writeFileMode(noexec, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		argv []string
		cmd  string
		kind CommandKind
		msg  string
	}{
		{[]string{"nosuch_abc"}, "nosuch_abc", CommandNotFound, "can't find command 'nosuch_abc'"},
		{[]string{"/no/such"}, "/no/such", CommandNotFound, "can't find command '/no/such'"},
		{[]string{dir}, dir, CommandNotExecutable, "command at '" + dir + "' is a directory"},
		{[]string{noexec}, noexec, CommandNotExecutable, "command at '" + noexec + "' is not executable"},
		{nil, "   ", CommandBad, "command is empty"},
	}
	for _, tt := range tests {
		_, err := ResolveCommand(&config.Program{Command: tt.cmd, Argv: tt.argv})
		ce, ok := err.(*CommandError)
		if !ok || ce.Kind != tt.kind || ce.Msg != tt.msg {
			t.Errorf("%q: %v", tt.argv, err)
		}
	}
	// PATH from the program's environment= wins over supervisord's.
	path, err := ResolveCommand(&config.Program{Argv: []string{"sh"}, Environment: config.Env{{Key: "PATH", Value: "/nonexistent:/bin"}}})
	if err != nil || path != "/bin/sh" {
		t.Errorf("PATH lookup = %q, %v", path, err)
	}
}
