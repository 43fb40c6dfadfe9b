package process

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/logfile"
)

// syncBuffer collects main-log output from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

var stampRE = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `)

// lines returns the main log without timestamps.
func (b *syncBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := stampRE.ReplaceAllString(b.buf.String(), "")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func (b *syncBuffer) count(substr string) int {
	n := 0
	for _, l := range b.lines() {
		if strings.Contains(l, substr) {
			n++
		}
	}
	return n
}

type harness struct {
	t      *testing.T
	dir    string
	log    *syncBuffer
	reaper *Reaper
	mu     sync.Mutex
	events []Event
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), log: &syncBuffer{}}
	h.reaper = NewReaper(false, nil)
	t.Cleanup(h.reaper.Close)
	return h
}

func engineScript(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "engine", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// program returns a Program with 4.2.5's defaults, logging to files in the
// harness directory.
func (h *harness) program(name string, argv ...string) *config.Program {
	return &config.Program{
		Name: name, ProgramName: name, Group: name,
		Command: strings.Join(argv, " "), Argv: argv,
		Priority: 999, Autostart: true, Autorestart: config.RestartUnexpected,
		Startsecs: 1, Startretries: 3, Exitcodes: []int{0},
		Stopsignal: syscall.SIGTERM, Stopwaitsecs: 10,
		Stdout: config.LogSpec{Logfile: filepath.Join(h.dir, name+".out"), Maxbytes: 50 << 20, Backups: 10},
		Stderr: config.LogSpec{Logfile: filepath.Join(h.dir, name+".err"), Maxbytes: 50 << 20, Backups: 10},
	}
}

func (h *harness) start(cfg *config.Program) *Process {
	h.t.Helper()
	p, err := New(cfg, Options{
		Logger: logfile.NewLogger(config.LevelInfo, nil, h.log),
		Reaper: h.reaper,
		Hook: func(ev Event) {
			h.mu.Lock()
			h.events = append(h.events, ev)
			h.mu.Unlock()
		},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() {
		if p.State().IsRunning() || p.State() == Stopping {
			p.mu.Lock()
			p.cfg.Stopwaitsecs = 0 // escalate at once
			p.mu.Unlock()
			_ = p.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = p.WaitStopped(ctx)
		}
		p.Close()
	})
	return p
}

func (h *harness) transitions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, ev := range h.events {
		out = append(out, ev.From.String()+">"+ev.To.String())
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitState(t *testing.T, p *Process, want State, timeout time.Duration) {
	t.Helper()
	waitFor(t, p.Name()+" "+want.String(), timeout, func() bool { return p.State() == want })
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return string(b)
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func writeFileMode(path string, mode os.FileMode) error {
	return os.WriteFile(path, []byte("#!/bin/sh\n"), mode)
}
