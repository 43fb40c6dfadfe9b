package events

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/process"
)

// The wiring doc.go describes, with the real process engine: a listener
// process (ok.sh) spawned by package process gets the PROCESS_STATE_*
// events of a talker process and of itself, with the pids the engine saw.
func TestWiredToProcessEngine(t *testing.T) {
	reaper := process.NewReaper(false, nil)
	t.Cleanup(reaper.Close)
	bus := NewBus()
	log := &recLog{}
	pool := NewPool(bus, PoolConfig{Name: "watch", Events: []Type{TypeProcessState}, BufferSize: 10,
		Server: "supervisor", Logger: log})
	t.Cleanup(pool.Close)
	dir := t.TempDir()
	out := filepath.Join(dir, "events.log")

	var mu sync.Mutex
	listeners := map[string]*Listener{}
	hook := func(e process.Event) {
		bus.Publish(ProcessState{Process: e.Name, Group: e.Group, From: e.From.String(), To: e.To.String(),
			PID: e.PID, Tries: e.Tries, Expected: e.Expected})
		mu.Lock()
		l := listeners[e.Name]
		mu.Unlock()
		if l != nil {
			l.ProcessStateChanged(e.To.String(), e.PID, WriteFunc(e.Process.SendStdin))
		}
	}
	output := func(p *process.Process, channel string, pid int, data []byte) {
		mu.Lock()
		l := listeners[p.Name()]
		mu.Unlock()
		if l != nil && channel == "stdout" {
			l.Feed(pid, data)
		}
	}
	prog := func(name string, startsecs int, argv ...string) *config.Program {
		return &config.Program{Name: name, ProgramName: name, Group: name, Command: strings.Join(argv, " "), Argv: argv,
			Priority: -1, Autorestart: config.RestartNever, Startsecs: startsecs, Startretries: 3, Exitcodes: []int{0},
			Stopsignal: syscall.SIGTERM, Stopwaitsecs: 10}
	}
	start := func(cfg *config.Program) *process.Process {
		t.Helper()
		p, err := process.New(cfg, process.Options{Reaper: reaper, Hook: hook, Output: output})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = p.Stop()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			_ = p.WaitStopped(ctx)
			p.Close()
		})
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		return p
	}

	lcfg := prog("watch_00", 0, "/bin/sh", absScript(t, "ok.sh"), out)
	mu.Lock()
	listeners[lcfg.Name] = pool.AddListener(lcfg.Name)
	mu.Unlock()
	lp := start(lcfg)
	talker := start(prog("talker", 0, "/bin/sh", "-c", "exit 0"))

	var recs []record
	waitFor(t, "the talker's EXITED event", func() bool {
		recs = readRecords(t, out)
		for _, r := range recs {
			if r.fields["eventname"] == "PROCESS_STATE_EXITED" {
				return true
			}
		}
		return false
	})
	var got []string
	for _, r := range recs {
		got = append(got, r.fields["eventname"]+" "+r.payload)
	}
	lpid := itoa(int64(lp.PID()))
	_ = talker
	want := []string{
		"PROCESS_STATE_STARTING processname:watch_00 groupname:watch_00 from_state:STOPPED tries:0",
		"PROCESS_STATE_RUNNING processname:watch_00 groupname:watch_00 from_state:STARTING pid:" + lpid,
		"PROCESS_STATE_STARTING processname:talker groupname:talker from_state:STOPPED tries:0",
		"PROCESS_STATE_RUNNING processname:talker groupname:talker from_state:STARTING pid:",
		"PROCESS_STATE_EXITED processname:talker groupname:talker from_state:RUNNING expected:1 pid:",
	}
	if len(got) != len(want) {
		t.Fatalf("listener got\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("event %d: %q, want prefix %q", i, got[i], want[i])
		}
	}
	if p3, p4 := got[3][strings.LastIndex(got[3], ":")+1:], got[4][strings.LastIndex(got[4], ":")+1:]; p3 != p4 || p3 == "0" {
		t.Errorf("talker pids %s and %s", p3, p4)
	}
	if log.count("WARN") != 0 || log.count("ERRO") != 0 {
		t.Errorf("main log:\n%s", strings.Join(log.all(), "\n"))
	}
}
