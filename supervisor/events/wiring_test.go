package events

import (
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// A pool built from a parsed [eventlistener:x] with numprocs=2: events
// go to whichever listener is READY first, each exactly once.
func TestPoolFromConfigTwoListeners(t *testing.T) {
	cfg, err := config.Load(filepath.Join(testdata, "pool.conf"), config.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var g *config.Group
	for _, x := range cfg.Groups {
		if x.Kind == config.KindEventListener {
			g = x
		}
	}
	if g == nil {
		t.Fatal("no eventlistener group")
	}
	log := &recLog{}
	pc, err := PoolConfigFor(g, cfg.Supervisord.Identifier, log)
	if err != nil {
		t.Fatal(err)
	}
	if pc.Name != "watch" || pc.BufferSize != 4 || pc.Server != "labsup" ||
		!slices.Equal(pc.Events, []Type{TypeProcessState, TypeProcessGroup, TypeTick60}) {
		t.Fatalf("pool config %+v", pc)
	}
	bus := NewBus()
	p := NewPool(bus, pc)
	t.Cleanup(p.Close)
	dir := t.TempDir()
	var logs []string
	for _, prog := range g.Programs {
		l := p.AddListener(prog.Name)
		out := filepath.Join(dir, prog.Name+".log")
		logs = append(logs, out)
		startListener(t, l, "sh", script("ok.sh"), out)
	}
	const n = 40
	for i := range n {
		// Publish only while there is room, so nothing overflows.
		waitFor(t, "room in the buffer", func() bool { return p.Buffered() < 4 })
		bus.Publish(ProcessState{Process: "p", Group: "p", From: "STARTING", To: "RUNNING", PID: i})
	}
	var serials []string
	waitFor(t, "all events", func() bool {
		serials = serials[:0]
		for _, f := range logs {
			for _, r := range readRecords(t, f) {
				serials = append(serials, r.fields["serial"])
			}
		}
		return len(serials) >= n
	})
	sort.Slice(serials, func(i, j int) bool {
		return len(serials[i]) < len(serials[j]) || len(serials[i]) == len(serials[j]) && serials[i] < serials[j]
	})
	for i, s := range serials {
		if s != itoa(int64(i)) {
			t.Fatalf("serials %v: event %d missing or repeated", serials, i)
		}
	}
	if log.count("ERRO") != 0 {
		t.Errorf("errors:\n%s", strings.Join(log.all(), "\n"))
	}
	bad := *g
	bad.Events = []string{"PROCESS_STATE", "NOPE"}
	if _, err := PoolConfigFor(&bad, "x", nil); err == nil || err.Error() != "Unknown event type NOPE in [eventlistener:watch] events" {
		t.Errorf("bad events: %v", err)
	}
}

// A rejected event goes back to the head; a full buffer then loses its
// oldest waiting event, with the ERRO line (4.2.5's _acceptEvent(head=True)).
func TestRebufferAtHeadOverflows(t *testing.T) {
	bus := NewBus()
	p, log := newTestPool(t, bus, "lst", 2, TypeProcessGroup)
	l := p.AddListener("l")
	var mu sync.Mutex
	var sent []string
	l.Spawned(1, WriteFunc(func(b []byte) error {
		p2 := string(b)
		mu.Lock()
		sent = append(sent, p2[strings.Index(p2, "serial:")+7:strings.Index(p2, " pool:")])
		mu.Unlock()
		return nil
	}))
	l.SetRunning(true)
	l.Feed(1, []byte("READY\n"))
	groupEvents(bus, "a")
	waitFor(t, "BUSY", func() bool { return l.State() == Busy })
	groupEvents(bus, "b", "c") // buffer full: [1 2]
	l.SetRunning(false)
	l.Feed(1, []byte("RESULT 4\nFAIL"))
	if !log.has("ERRO pool lst event buffer overflowed, discarding event 1") {
		t.Errorf("main log:\n%s", strings.Join(log.all(), "\n"))
	}
	l.SetRunning(true)
	l.Feed(1, []byte("READY\n"))
	waitFor(t, "BUSY", func() bool { return l.State() == Busy })
	l.Feed(1, []byte("RESULT 2\nOKREADY\n"))
	waitFor(t, "third write", func() bool { mu.Lock(); defer mu.Unlock(); return len(sent) == 3 })
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"0", "0", "2"}; !slices.Equal(sent, want) {
		t.Errorf("sent serials %v, want %v", sent, want)
	}
}

// EVL-07 with a real process whose stdin is closed.
func TestPoolEPIPERealListener(t *testing.T) {
	bus := NewBus()
	p, log := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	l := p.AddListener("closed")
	startListener(t, l, "sh", script("closed_stdin.sh"))
	waitFor(t, "READY", func() bool { return l.State() == Ready })
	groupEvents(bus, "a")
	waitFor(t, "epipe", func() bool {
		return log.has("DEBG epipe occurred while sending event 0 to listener closed, listener state unchanged")
	})
	if l.State() != Ready || p.Buffered() != 1 {
		t.Errorf("state %v, %d buffered", l.State(), p.Buffered())
	}
}

// Pools come and go with groups; none leaves a goroutine behind.
func TestPoolsLeaveNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	bus := NewBus()
	for range 50 {
		p := NewPool(bus, PoolConfig{Name: "x", Events: []Type{TypeEvent}})
		l := p.AddListener("x")
		l.Spawned(1, WriteFunc(func([]byte) error { return nil }))
		l.SetRunning(true)
		l.Feed(1, []byte("READY\n"))
		bus.Publish(ProcessGroup{Group: "g"})
		p.Close()
		p.Close()
	}
	if bus.Wants(TypeProcessGroupAdded) {
		t.Error("closed pools still subscribed")
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func BenchmarkPublishUnwanted(b *testing.B) {
	bus := NewBus()
	NewPool(bus, PoolConfig{Name: "x", Events: []Type{TypeProcessGroup}}).Close()
	data := []byte("some output line\n")
	o := &Output{Bus: bus, Process: "p", Group: "p", Channel: "stdout", EventsEnabled: true}
	b.ReportAllocs()
	for b.Loop() {
		o.Write(data)
	}
}

func BenchmarkPublishToPool(b *testing.B) {
	bus := NewBus()
	p := NewPool(bus, PoolConfig{Name: "x", Events: []Type{TypeProcessState}, BufferSize: 10})
	defer p.Close()
	ev := ProcessState{Process: "p", Group: "p", From: "STARTING", To: "RUNNING", PID: 1}
	b.ReportAllocs()
	for b.Loop() {
		bus.Publish(ev)
	}
}

// The engine-facing ProcessStateChanged with what 4.2.5-style hooks know:
// no pid at STARTING, output fed with pid 0, a lazily resolved stdin.
func TestProcessStateChangedWiring(t *testing.T) {
	bus := NewBus()
	p, _ := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	l := p.AddListener("lst_00")
	out := filepath.Join(t.TempDir(), "events.log")
	for run := range 2 {
		cmd := exec.Command("sh", script("ok.sh"), out)
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		var mu sync.Mutex
		var w io.Writer // set once started, as a process's pipes are
		l.ProcessStateChanged("STARTING", 0, WriteFunc(func(b []byte) error {
			mu.Lock()
			defer mu.Unlock()
			if w == nil {
				return errors.New("not running")
			}
			_, err := w.Write(b)
			return err
		}))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		w = stdin
		mu.Unlock()
		fed := make(chan struct{})
		go func() {
			defer close(fed)
			buf := make([]byte, 512)
			for {
				n, err := stdout.Read(buf)
				l.Feed(0, buf[:n])
				if err != nil {
					return
				}
			}
		}()
		l.ProcessStateChanged("RUNNING", cmd.Process.Pid, nil)
		groupEvents(bus, "g"+itoa(int64(run)))
		waitRecords(t, out, run+1)
		waitFor(t, "READY", func() bool { return l.State() == Ready })
		l.ProcessStateChanged("STOPPING", cmd.Process.Pid, nil)
		_ = cmd.Process.Kill()
		<-fed
		_ = cmd.Wait()
		l.ProcessStateChanged("STOPPED", cmd.Process.Pid, nil)
	}
	recs := readRecords(t, out)
	if len(recs) != 2 || recs[1].payload != "groupname:g1\n" || recs[1].fields["serial"] != "1" {
		t.Errorf("records %+v", recs)
	}
}

// autoAck wires l to an in-process listener that answers OK at once and
// records the header lines it was sent.
func autoAck(l *Listener) func() []string {
	var mu sync.Mutex
	var headers []string
	l.Spawned(1, WriteFunc(func(b []byte) error {
		h, _, _ := strings.Cut(string(b), "\n")
		mu.Lock()
		headers = append(headers, h)
		mu.Unlock()
		l.Feed(1, []byte("RESULT 2\nOKREADY\n"))
		return nil
	}))
	l.SetRunning(true)
	l.Feed(1, []byte("READY\n"))
	return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), headers...) }
}

// EVT-05: one serial shared by every pool that receives an event, a
// poolserial per pool; a pool made anew (reload) restarts its poolserial
// while the bus's serial goes on.
func TestSerialsAcrossPoolsAndReloadEVT05(t *testing.T) {
	bus := NewBus()
	a := NewPool(bus, PoolConfig{Name: "a", Events: []Type{TypeProcessState}, Server: "s"})
	b := NewPool(bus, PoolConfig{Name: "b", Events: []Type{TypeEvent}, Server: "s"})
	defer b.Close()
	gotA, gotB := autoAck(a.AddListener("a")), autoAck(b.AddListener("b"))
	bus.Publish(ProcessGroup{Group: "g"})
	bus.Publish(ProcessState{Process: "p", Group: "g", From: "STOPPED", To: "STARTING"})
	waitFor(t, "deliveries", func() bool { return len(gotA()) == 1 && len(gotB()) == 2 })
	a.Close()
	a2 := NewPool(bus, PoolConfig{Name: "a", Events: []Type{TypeProcessState}, Server: "s"})
	defer a2.Close()
	gotA2 := autoAck(a2.AddListener("a"))
	bus.Publish(ProcessState{Process: "p", Group: "g", From: "STARTING", To: "RUNNING", PID: 5})
	waitFor(t, "deliveries after reload", func() bool { return len(gotA2()) == 1 && len(gotB()) == 3 })
	want := map[string][]string{
		"a": {"ver:3.0 server:s serial:1 pool:a poolserial:0 eventname:PROCESS_STATE_STARTING len:52"},
		"b": {"ver:3.0 server:s serial:0 pool:b poolserial:0 eventname:PROCESS_GROUP_ADDED len:12",
			"ver:3.0 server:s serial:1 pool:b poolserial:1 eventname:PROCESS_STATE_STARTING len:52",
			"ver:3.0 server:s serial:2 pool:b poolserial:2 eventname:PROCESS_STATE_RUNNING len:51"},
		"a2": {"ver:3.0 server:s serial:2 pool:a poolserial:0 eventname:PROCESS_STATE_RUNNING len:51"},
	}
	for name, got := range map[string][]string{"a": gotA(), "b": gotB(), "a2": gotA2()} {
		if !slices.Equal(got, want[name]) {
			t.Errorf("pool %s got\n%q\nwant\n%q", name, got, want[name])
		}
	}
}

// Output fed under the real pid before a STARTING report without pid is
// adopted when RUNNING brings the pid.
func TestProcessStateChangedAdoptsEarlyOutput(t *testing.T) {
	bus := NewBus()
	p, _ := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	l := p.AddListener("l")
	l.ProcessStateChanged("STARTING", 0, WriteFunc(func([]byte) error { return nil }))
	l.Feed(77, []byte("READY\n"))
	if l.State() != Acknowledged {
		t.Fatalf("state %v before the pid is known", l.State())
	}
	l.ProcessStateChanged("RUNNING", 77, nil)
	if st := l.State(); st != Ready && st != Busy {
		t.Fatalf("state %v after RUNNING", st)
	}
	l.ProcessStateChanged("EXITED", 78, nil) // another run's exit: ignored
	groupEvents(bus, "g")
	waitFor(t, "BUSY", func() bool { return l.State() == Busy })
	l.ProcessStateChanged("EXITED", 77, nil)
	waitFor(t, "the event back in the buffer", func() bool { return p.Buffered() == 1 })
}
