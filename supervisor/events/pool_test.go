package events

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestPool(t *testing.T, bus *Bus, name string, size int, types ...Type) (*Pool, *recLog) {
	t.Helper()
	log := &recLog{}
	p := NewPool(bus, PoolConfig{Name: name, Events: types, BufferSize: size, Server: "supervisor", Logger: log})
	t.Cleanup(p.Close)
	return p, log
}

func groupEvents(bus *Bus, names ...string) {
	for _, n := range names {
		bus.Publish(ProcessGroup{Group: n})
	}
}

// EVL-01/EVL-03: a real listener gets header and payload intact, in
// order, with global serials and poolserials.
func TestPoolDeliversToRealListener(t *testing.T) {
	bus := NewBus()
	other, _ := newTestPool(t, bus, "other", 10, TypeProcessGroup)
	_ = other
	p, log := newTestPool(t, bus, "lst", 10, TypeProcessState, TypeProcessGroup)
	l := p.AddListener("lst_00")
	out := filepath.Join(t.TempDir(), "events.log")
	startListener(t, l, "sh", script("ok.sh"), out)

	bus.Publish(Tick{Period: 5, When: 5}) // nobody wants it: uses no serial
	groupEvents(bus, "web")
	bus.Publish(ProcessState{Process: "web", Group: "web", From: "STOPPED", To: "STARTING"})
	bus.Publish(ProcessState{Process: "web", Group: "web", From: "STARTING", To: "RUNNING", PID: 99})

	recs := waitRecords(t, out, 3)
	want := []string{
		"ver:3.0 server:supervisor serial:0 pool:lst poolserial:0 eventname:PROCESS_GROUP_ADDED len:14",
		"ver:3.0 server:supervisor serial:1 pool:lst poolserial:1 eventname:PROCESS_STATE_STARTING len:56",
		"ver:3.0 server:supervisor serial:2 pool:lst poolserial:2 eventname:PROCESS_STATE_RUNNING len:56",
	}
	payloads := []string{"groupname:web\n", "processname:web groupname:web from_state:STOPPED tries:0",
		"processname:web groupname:web from_state:STARTING pid:99"}
	for i, r := range recs {
		if r.header != want[i] || r.payload != payloads[i] {
			t.Errorf("event %d:\n got %q %q\nwant %q %q", i, r.header, r.payload, want[i], payloads[i])
		}
	}
	// Log lines are written just after the state changes; wait for them.
	waitFor(t, "protocol lines in the main log", func() bool {
		return log.has("DEBG lst_00: ACKNOWLEDGED -> READY") && log.has("DEBG event 0 sent to listener lst_00") &&
			log.has("DEBG lst_00: event was processed") && log.has("DEBG lst_00: BUSY -> ACKNOWLEDGED") &&
			log.count("DEBG event 2 sent") == 1
	})
	if log.count("WARN") != 0 || log.count("ERRO") != 0 {
		t.Errorf("unexpected warnings:\n%s", strings.Join(log.all(), "\n"))
	}
}

// EVL-05: overflow discards the oldest with the exact ERRO line; nothing
// is sent before a listener is READY and RUNNING.
func TestPoolOverflowEVL05(t *testing.T) {
	bus := NewBus()
	p, log := newTestPool(t, bus, "lst", 3, TypeProcessGroup)
	l := p.AddListener("lst_00")
	for i := range 5 {
		groupEvents(bus, fmt.Sprintf("g%d", i))
	}
	if p.Buffered() != 3 {
		t.Fatalf("buffered %d, want 3", p.Buffered())
	}
	want := []string{"ERRO pool lst event buffer overflowed, discarding event 0",
		"ERRO pool lst event buffer overflowed, discarding event 1"}
	for _, w := range want {
		if !log.has(w) {
			t.Errorf("missing %q in\n%s", w, strings.Join(log.all(), "\n"))
		}
	}
	if st := p.Stats(); st != (PoolStats{Accepted: 5, Discarded: 2, Buffered: 3}) {
		t.Errorf("stats %+v", st)
	}
	out := filepath.Join(t.TempDir(), "events.log")
	startListener(t, l, "sh", script("ok.sh"), out)
	recs := waitRecords(t, out, 3)
	waitFor(t, "three processed", func() bool { return p.Stats().Processed == 3 })
	if st := p.Stats(); st != (PoolStats{Accepted: 5, Sent: 3, Processed: 3, Discarded: 2}) {
		t.Errorf("stats %+v", st)
	}
	for i, r := range recs {
		if got, want := r.fields["serial"], fmt.Sprint(i+2); got != want {
			t.Errorf("event %d has serial %s, want %s", i, got, want)
		}
		if got, want := r.payload, fmt.Sprintf("groupname:g%d\n", i+2); got != want {
			t.Errorf("event %d payload %q, want %q", i, got, want)
		}
	}
}

// EVL-03: FAIL makes the pool send the same event again.
func TestPoolRedeliversOnFail(t *testing.T) {
	bus := NewBus()
	p, log := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	l := p.AddListener("lst_00")
	out := filepath.Join(t.TempDir(), "events.log")
	startListener(t, l, "sh", script("fail_once.sh"), out)
	groupEvents(bus, "a", "b")
	recs := waitRecords(t, out, 3)
	var got []string
	for _, r := range recs {
		got = append(got, r.fields["serial"]+"/"+r.fields["poolserial"]+"/"+strings.TrimSpace(r.payload))
	}
	if want := "0/0/groupname:a 0/0/groupname:a 1/1/groupname:b"; strings.Join(got, " ") != want {
		t.Errorf("deliveries %q, want %q", strings.Join(got, " "), want)
	}
	waitFor(t, "three processed", func() bool { return p.Stats().Processed == 2 })
	if st := p.Stats(); st != (PoolStats{Accepted: 2, Sent: 3, Processed: 2, Rejected: 1}) {
		t.Errorf("stats %+v", st)
	}
	waitFor(t, "the rejection lines", func() bool {
		return log.has("WARN lst_00: event was rejected") && log.count("DEBG rebuffering event 0 for pool lst (buf size=") == 1
	})
}

// EVL-04: a listener that dies while BUSY; the event goes to its next run.
func TestPoolRedeliversAfterListenerDeath(t *testing.T) {
	bus := NewBus()
	p, _ := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	l := p.AddListener("lst_00")
	dir := t.TempDir()
	first := startListener(t, l, "sh", script("die_busy.sh"), filepath.Join(dir, "first.log"))
	groupEvents(bus, "a", "b")
	waitFor(t, "first run to die", first.exited)
	recs := readRecords(t, filepath.Join(dir, "first.log"))
	if len(recs) != 1 || recs[0].fields["serial"] != "0" {
		t.Fatalf("first run got %+v", recs)
	}
	if n := p.Buffered(); n != 2 {
		t.Fatalf("after the death %d events are buffered, want 2", n)
	}
	out := filepath.Join(dir, "second.log")
	startListener(t, l, "sh", script("ok.sh"), out)
	recs = waitRecords(t, out, 2)
	if recs[0].fields["serial"] != "0" || recs[0].payload != "groupname:a\n" || recs[1].fields["serial"] != "1" {
		t.Errorf("second run got %+v", recs)
	}
}

// EVL-02: bytes other than READY\n put the listener in UNKNOWN for good.
func TestPoolGarbageListenerEVL02(t *testing.T) {
	bus := NewBus()
	p, log := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	bad := p.AddListener("bad")
	good := p.AddListener("good")
	startListener(t, bad, "sh", script("garbage.sh"))
	want := "WARN bad: has entered the UNKNOWN state and will no longer receive events, " +
		"this usually indicates the process violated the eventlistener protocol"
	waitFor(t, "the UNKNOWN lines", func() bool { return log.has(want) && log.has("DEBG bad: ACKNOWLEDGED -> UNKNOWN") })
	if bad.State() != Unknown {
		t.Fatalf("state %v", bad.State())
	}
	out := filepath.Join(t.TempDir(), "good.log")
	startListener(t, good, "sh", script("ok.sh"), out)
	groupEvents(bus, "a")
	if recs := waitRecords(t, out, 1); recs[0].payload != "groupname:a\n" {
		t.Errorf("good listener got %+v", recs)
	}
	bad.Feed(1, []byte("READY\n")) // a stale pid changes nothing
	bad.Feed(0, []byte("READY\n")) // nor does more output: UNKNOWN is permanent
	if bad.State() != Unknown {
		t.Errorf("state %v after more output", bad.State())
	}
}

// EVL-03: a RESULT line whose length is no integer.
func TestPoolBadResultLine(t *testing.T) {
	bus := NewBus()
	p, log := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	l := p.AddListener("lst_00")
	startListener(t, l, "sh", script("bad_result.sh"))
	groupEvents(bus, "a")
	waitFor(t, "the bad result line", func() bool { return log.has("WARN lst_00: bad result line: 'RESULT two'") })
	if l.State() != Unknown {
		t.Fatalf("state %v", l.State())
	}
	waitFor(t, "event back in the buffer", func() bool { return p.Buffered() == 1 })
}

// A listener flooding stdout: refused cleanly (UNKNOWN), memory bounded,
// the event kept.
func TestPoolFloodingListener(t *testing.T) {
	bus := NewBus()
	p, log := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	l := p.AddListener("lst_00")
	lp := startListener(t, l, "sh", script("flood.sh"))
	groupEvents(bus, "a")
	waitFor(t, "the bad result line", func() bool { return log.count("WARN lst_00: bad result line: 'xxxx") == 1 })
	if l.State() != Unknown {
		t.Fatalf("state %v", l.State())
	}
	waitFor(t, "event back in the buffer", func() bool { return p.Buffered() == 1 })
	lp.kill(t) // the rest of the flood is read and dropped
	p.mu.Lock()
	held := cap(l.buf)
	p.mu.Unlock()
	if held > 2*maxResultLine+8192 {
		t.Errorf("listener holds %d bytes of output", held)
	}
}

// A hung listener: the publisher never blocks, even on events larger than
// a pipe buffer; the buffer overflows; Close returns once the process dies.
func TestPoolHungListenerDoesNotBlockPublisher(t *testing.T) {
	before := runtime.NumGoroutine()
	bus := NewBus()
	log := &recLog{}
	p := NewPool(bus, PoolConfig{Name: "lst", Events: []Type{TypeProcessLog}, BufferSize: 5, Server: "s", Logger: log})
	l := p.AddListener("lst_00")
	lp := startListener(t, l, "sh", script("hang.sh"))
	waitFor(t, "READY", func() bool { return l.State() == Ready })
	big := bytes.Repeat([]byte("z"), 1<<20)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			bus.Publish(ProcessLog{Process: "p", Group: "p", PID: i, Channel: "stdout", Data: big})
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Publish blocked on a hung listener")
	}
	waitFor(t, "BUSY", func() bool { return l.State() == Busy })
	// Every event is accounted for: discarded with a line, buffered, or
	// the one in flight.
	if n, b := log.count("ERRO pool lst event buffer overflowed"), p.Buffered(); n+b+1 != 50 || b > 5 {
		t.Errorf("%d overflow lines and %d buffered; want 50 events in all with 1 in flight", n, b)
	}
	p.Close()
	lp.kill(t)
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

// EVL-07: a write that fails (the listener closed stdin) makes the pool
// try the next listener and keep the event.
func TestPoolEPIPETriesNextListener(t *testing.T) {
	bus := NewBus()
	p, log := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	broken := p.AddListener("broken")
	good := p.AddListener("good")
	broken.Spawned(1, WriteFunc(func([]byte) error { return fmt.Errorf("write |1: broken pipe") }))
	broken.SetRunning(true)
	broken.Feed(1, []byte("READY\n"))
	groupEvents(bus, "a")
	waitFor(t, "epipe", func() bool {
		return log.has("DEBG epipe occurred while sending event 0 to listener broken, listener state unchanged")
	})
	if broken.State() != Ready || p.Buffered() != 1 {
		t.Fatalf("broken listener %v, %d buffered", broken.State(), p.Buffered())
	}
	out := filepath.Join(t.TempDir(), "good.log")
	startListener(t, good, "sh", script("ok.sh"), out)
	if recs := waitRecords(t, out, 1); recs[0].fields["serial"] != "0" {
		t.Errorf("good got %+v", recs)
	}
}

// Only RUNNING listeners get events; output before Spawned is replayed.
func TestListenerRunningAndEarlyOutput(t *testing.T) {
	bus := NewBus()
	p, _ := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
	l := p.AddListener("l")
	var mu sync.Mutex
	var got bytes.Buffer
	w := WriteFunc(func(b []byte) error { mu.Lock(); got.Write(b); mu.Unlock(); return nil })
	l.Feed(7, []byte("REA")) // before the engine reports the spawn
	l.Feed(7, []byte("DY\n"))
	l.Spawned(7, w)
	if l.State() != Ready {
		t.Fatalf("state %v after replay", l.State())
	}
	groupEvents(bus, "a")
	time.Sleep(20 * time.Millisecond) // give a wrong dispatch a chance; absence is what we check
	if p.Buffered() != 1 {
		t.Fatalf("event sent to a STARTING listener")
	}
	l.SetRunning(true)
	waitFor(t, "BUSY", func() bool { return l.State() == Busy })
	l.Feed(7, []byte("RESULT 2\nOK"))
	if l.State() != Acknowledged {
		t.Fatalf("state %v after OK", l.State())
	}
	mu.Lock()
	defer mu.Unlock()
	if want := "ver:3.0 server:supervisor serial:0 pool:lst poolserial:0 eventname:PROCESS_GROUP_ADDED len:12\ngroupname:a\n"; got.String() != want {
		t.Errorf("wrote %q, want %q", got.String(), want)
	}
}

// The protocol parser on hand-made chunks, including splits anywhere.
func TestListenerProtocolTable(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		state  ListenerState
		warn   string
		buffer int // events back in the buffer
	}{
		{"ok", []string{"RESULT 2\nOK"}, Acknowledged, "", 0},
		{"ok split", []string{"RES", "ULT", " 2", "\n", "O", "K"}, Acknowledged, "", 0},
		{"ok then ready", []string{"RESULT 2\nOKREADY\n"}, Ready, "", 0},
		{"fail", []string{"RESULT 4\nFAIL"}, Acknowledged, "WARN l: event was rejected", 1},
		{"python int", []string{"RESULT  +0_2 \nOK"}, Acknowledged, "", 0},
		{"no int", []string{"RESULT x\n"}, Unknown, "WARN l: bad result line: 'RESULT x'", 1},
		{"short", []string{"OK\n"}, Unknown, "WARN l: bad result line: 'OK'", 1},
		{"negative", []string{"RESULT -1\n"}, Unknown, "WARN l: bad result line: 'RESULT -1'", 1},
		{"undecodable", []string{"RESULT \xff\n"}, Unknown, `WARN l: bad result line: 'Undecodable: b'RESULT \xff''`, 1},
		{"too long", []string{"RESULT 9999999999\n"}, Unknown, "WARN l: bad result line: 'RESULT 9999999999'", 1},
		{"spurious after ack", []string{"RESULT 2\nOKhello!"}, Unknown, "WARN l: has entered the UNKNOWN state", 0},
		{"zero", []string{"RESULT 0\n"}, Acknowledged, "WARN l: event was rejected", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bus := NewBus()
			p, log := newTestPool(t, bus, "lst", 10, TypeProcessGroup)
			l := p.AddListener("l")
			l.Spawned(1, WriteFunc(func([]byte) error { return nil }))
			l.SetRunning(true)
			l.Feed(1, []byte("READY\n"))
			groupEvents(bus, "a")
			waitFor(t, "BUSY", func() bool { return l.State() == Busy })
			for _, c := range tc.chunks {
				l.Feed(1, []byte(c))
			}
			if tc.state == Ready {
				// a READY listener may at once get the rebuffered event; none here
			}
			if st := l.State(); st != tc.state {
				t.Errorf("state %v, want %v", st, tc.state)
			}
			if tc.warn != "" && log.count(tc.warn) == 0 {
				t.Errorf("missing %q in\n%s", tc.warn, strings.Join(log.all(), "\n"))
			}
			if tc.warn == "" && log.count("WARN") != 0 {
				t.Errorf("unexpected warning in\n%s", strings.Join(log.all(), "\n"))
			}
			if n := p.Buffered(); n != tc.buffer {
				t.Errorf("%d buffered, want %d", n, tc.buffer)
			}
		})
	}
}

func TestPoolConfigFor(t *testing.T) {
	if _, err := ResultHandlerByName("mymod:handler"); err == nil {
		t.Error("a Python entry point resolved")
	}
	if h, err := ResultHandlerByName(DefaultHandlerName); err != nil || h(nil, []byte("OK")) != nil || h(nil, []byte("ok")) == nil {
		t.Errorf("default handler: %v", err)
	}
}
