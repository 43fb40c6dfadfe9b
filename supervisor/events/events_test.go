package events

import (
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// EVT-01: every 4.2.5 type, abstract ones included, and the hierarchy.
func TestTypesEVT01(t *testing.T) {
	want := []string{"EVENT", "PROCESS_STATE", "PROCESS_STATE_STOPPED", "PROCESS_STATE_EXITED",
		"PROCESS_STATE_STARTING", "PROCESS_STATE_STOPPING", "PROCESS_STATE_BACKOFF", "PROCESS_STATE_FATAL",
		"PROCESS_STATE_RUNNING", "PROCESS_STATE_UNKNOWN", "PROCESS_COMMUNICATION",
		"PROCESS_COMMUNICATION_STDOUT", "PROCESS_COMMUNICATION_STDERR", "PROCESS_LOG", "PROCESS_LOG_STDOUT",
		"PROCESS_LOG_STDERR", "REMOTE_COMMUNICATION", "SUPERVISOR_STATE_CHANGE",
		"SUPERVISOR_STATE_CHANGE_RUNNING", "SUPERVISOR_STATE_CHANGE_STOPPING", "TICK", "TICK_5", "TICK_60",
		"TICK_3600", "PROCESS_GROUP", "PROCESS_GROUP_ADDED", "PROCESS_GROUP_REMOVED"}
	var got []string
	for _, ty := range Types() {
		got = append(got, ty.String())
		back, ok := ParseType(strings.ToLower(ty.String()))
		if !ok || back != ty {
			t.Errorf("ParseType(%q) = %v, %v", strings.ToLower(ty.String()), back, ok)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("types:\n got %v\nwant %v", got, want)
	}
	abstract := map[Type]bool{TypeEvent: true, TypeProcessState: true, TypeProcessCommunication: true,
		TypeProcessLog: true, TypeSupervisorStateChange: true, TypeTick: true, TypeProcessGroup: true}
	for _, ty := range Types() {
		if ty.Abstract() != abstract[ty] {
			t.Errorf("%v.Abstract() = %v", ty, ty.Abstract())
		}
		if !ty.Is(TypeEvent) {
			t.Errorf("%v is not an EVENT", ty)
		}
	}
	tests := []struct {
		t, sub Type
		want   bool
	}{
		{TypeProcessStateRunning, TypeProcessState, true},
		{TypeProcessStateRunning, TypeProcessStateRunning, true},
		{TypeProcessStateRunning, TypeProcessStateExited, false},
		{TypeProcessLogStderr, TypeProcessLog, true},
		{TypeProcessLogStderr, TypeProcessCommunication, false},
		{TypeTick60, TypeTick, true},
		{TypeTick60, TypeProcessGroup, false},
		{TypeProcessGroupRemoved, TypeProcessGroup, true},
		{TypeRemoteCommunication, TypeEvent, true},
		{TypeProcessState, TypeProcessStateRunning, false},
	}
	for _, tc := range tests {
		if got := tc.t.Is(tc.sub); got != tc.want {
			t.Errorf("%v.Is(%v) = %v, want %v", tc.t, tc.sub, got, tc.want)
		}
	}
	if n := 0; true {
		for _, ty := range Types() {
			if ty.Is(TypeProcessState) && !ty.Abstract() {
				n++
			}
		}
		if n != 8 {
			t.Errorf("PROCESS_STATE has %d concrete subtypes, want 8", n)
		}
	}
	if _, err := ParseTypes([]string{"PROCESS_STATE", "FOO"}); err == nil || err.Error() != "Unknown event type FOO" {
		t.Errorf("ParseTypes error = %v", err)
	}
}

// §6.1 payload texts, byte for byte.
func TestPayloads(t *testing.T) {
	tests := []struct {
		ev      Event
		typ     string
		payload string
	}{
		{ProcessState{Process: "cat", Group: "cat", From: "STOPPED", To: "STARTING", Tries: 0},
			"PROCESS_STATE_STARTING", "processname:cat groupname:cat from_state:STOPPED tries:0"},
		{ProcessState{Process: "cat", Group: "g", From: "STARTING", To: "RUNNING", PID: 42},
			"PROCESS_STATE_RUNNING", "processname:cat groupname:g from_state:STARTING pid:42"},
		{ProcessState{Process: "cat", Group: "g", From: "STARTING", To: "BACKOFF", Tries: 3},
			"PROCESS_STATE_BACKOFF", "processname:cat groupname:g from_state:STARTING tries:3"},
		{ProcessState{Process: "cat", Group: "g", From: "RUNNING", To: "STOPPING", PID: 42},
			"PROCESS_STATE_STOPPING", "processname:cat groupname:g from_state:RUNNING pid:42"},
		{ProcessState{Process: "cat", Group: "g", From: "RUNNING", To: "EXITED", PID: 42, Expected: true},
			"PROCESS_STATE_EXITED", "processname:cat groupname:g from_state:RUNNING expected:1 pid:42"},
		{ProcessState{Process: "cat", Group: "g", From: "RUNNING", To: "EXITED", PID: 42},
			"PROCESS_STATE_EXITED", "processname:cat groupname:g from_state:RUNNING expected:0 pid:42"},
		{ProcessState{Process: "cat", Group: "g", From: "BACKOFF", To: "STOPPED"},
			"PROCESS_STATE_STOPPED", "processname:cat groupname:g from_state:BACKOFF pid:0"},
		{ProcessState{Process: "cat", Group: "g", From: "BACKOFF", To: "FATAL"},
			"PROCESS_STATE_FATAL", "processname:cat groupname:g from_state:BACKOFF"},
		{ProcessState{Process: "cat", Group: "g", From: "RUNNING", To: "UNKNOWN"},
			"PROCESS_STATE_UNKNOWN", "processname:cat groupname:g from_state:RUNNING"},
		{ProcessLog{Process: "p", Group: "g", PID: 7, Channel: "stdout", Data: []byte("hi\n")},
			"PROCESS_LOG_STDOUT", "processname:p groupname:g pid:7 channel:stdout\nhi\n"},
		{ProcessLog{Process: "p", Group: "g", PID: 7, Channel: "stderr", Data: []byte("a\xffb'")},
			"PROCESS_LOG_STDERR", "processname:p groupname:g pid:7 channel:stderr\nUndecodable: b\"a\\xffb'\""},
		{ProcessCommunication{Process: "p", Group: "g", PID: 7, Channel: "stdout", Data: []byte("x y")},
			"PROCESS_COMMUNICATION_STDOUT", "processname:p groupname:g pid:7\nx y"},
		{ProcessCommunication{Process: "p", Group: "g", PID: 7, Channel: "stderr", Data: nil},
			"PROCESS_COMMUNICATION_STDERR", "processname:p groupname:g pid:7\n"},
		{RemoteCommunication{Kind: "deploy", Data: "v2"}, "REMOTE_COMMUNICATION", "type:deploy\nv2"},
		{SupervisorState{}, "SUPERVISOR_STATE_CHANGE_RUNNING", ""},
		{SupervisorState{Stopping: true}, "SUPERVISOR_STATE_CHANGE_STOPPING", ""},
		{Tick{Period: 5, When: 1700000005}, "TICK_5", "when:1700000005"},
		{Tick{Period: 60, When: 1700000040}, "TICK_60", "when:1700000040"},
		{Tick{Period: 3600, When: 1699999200}, "TICK_3600", "when:1699999200"},
		{ProcessGroup{Group: "web"}, "PROCESS_GROUP_ADDED", "groupname:web\n"},
		{ProcessGroup{Group: "web", Removed: true}, "PROCESS_GROUP_REMOVED", "groupname:web\n"},
	}
	for _, tc := range tests {
		if got := tc.ev.Type().String(); got != tc.typ {
			t.Errorf("%#v: type %s, want %s", tc.ev, got, tc.typ)
		}
		if got := tc.ev.Payload(); got != tc.payload {
			t.Errorf("%s payload:\n got %q\nwant %q", tc.typ, got, tc.payload)
		}
	}
}

// EVL-01: len counts characters, like Python's len(str); the
// PROCESS_GROUP_* newline is counted.
func TestHeaderEVL01(t *testing.T) {
	tests := []struct {
		payload string
		want    string
	}{
		{"groupname:web\n", "ver:3.0 server:supervisor serial:3 pool:lst poolserial:1 eventname:PROCESS_GROUP_ADDED len:14\n"},
		{"héllo ✓", "ver:3.0 server:supervisor serial:3 pool:lst poolserial:1 eventname:PROCESS_GROUP_ADDED len:7\n"},
		{"", "ver:3.0 server:supervisor serial:3 pool:lst poolserial:1 eventname:PROCESS_GROUP_ADDED len:0\n"},
	}
	for _, tc := range tests {
		if got := Header("supervisor", 3, "lst", 1, TypeProcessGroupAdded, tc.payload); got != tc.want {
			t.Errorf("Header(%q):\n got %q\nwant %q", tc.payload, got, tc.want)
		}
	}
}

// EVT-04: undecodable data is rendered with Python's repr(bytes); checked
// against the system Python.
func TestBytesReprMatchesPython(t *testing.T) {
	py := pythonOrSkip(t)
	inputs := [][]byte{[]byte("plain"), []byte("it's"), []byte(`say "hi"`), []byte(`'both" `),
		[]byte("\x00\x01\t\n\r\x7f\x80\xff\\"), {}, []byte("é"), []byte("\xc3")}
	var hexes []string
	for _, in := range inputs {
		hexes = append(hexes, strings.ToUpper(hexString(in)))
	}
	js, _ := json.Marshal(hexes)
	out, err := exec.Command(py, "-c", `import json,sys
for h in json.loads(sys.argv[1]): print(json.dumps(repr(bytes.fromhex(h))))`, string(js)).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, in := range inputs {
		var want string
		if err := json.Unmarshal([]byte(lines[i]), &want); err != nil {
			t.Fatal(err)
		}
		if got := pyBytesRepr(in); got != want {
			t.Errorf("pyBytesRepr(%q) = %s, Python says %s", in, got, want)
		}
	}
}

func hexString(b []byte) string {
	const h = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, h[c>>4], h[c&15])
	}
	return string(out)
}

// EVT-05: one global serial from 0, only for events someone receives;
// delivery by type hierarchy.
func TestBusSerialsAndHierarchy(t *testing.T) {
	b := NewBus()
	var mu sync.Mutex
	var states, all []string
	unsubState := b.Subscribe([]Type{TypeProcessState}, func(ev Event, serial int64) {
		mu.Lock()
		defer mu.Unlock()
		states = append(states, ev.Type().String()+"#"+itoa(serial))
	})
	if b.Wants(TypeTick5) {
		t.Fatal("TICK_5 wanted without a subscriber")
	}
	if s := b.Publish(Tick{Period: 5, When: 5}); s != -1 {
		t.Fatalf("unwanted event got serial %d", s)
	}
	b.Publish(ProcessState{Process: "a", Group: "a", From: "STOPPED", To: "STARTING"})
	unsubAll := b.Subscribe([]Type{TypeEvent}, func(ev Event, serial int64) {
		mu.Lock()
		defer mu.Unlock()
		all = append(all, ev.Type().String()+"#"+itoa(serial))
	})
	b.Publish(Tick{Period: 60, When: 60})
	b.Publish(ProcessState{Process: "a", Group: "a", From: "STARTING", To: "RUNNING", PID: 1})
	unsubState()
	unsubState() // twice is harmless
	b.Publish(ProcessGroup{Group: "x"})
	unsubAll()
	if s := b.Publish(ProcessGroup{Group: "y"}); s != -1 || b.Serial() != 3 {
		t.Fatalf("after unsubscribing: serial %d, bus serial %d", s, b.Serial())
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"PROCESS_STATE_STARTING#0", "PROCESS_STATE_RUNNING#2"}; !slices.Equal(states, want) {
		t.Errorf("PROCESS_STATE subscriber got %v, want %v", states, want)
	}
	if want := []string{"TICK_60#1", "PROCESS_STATE_RUNNING#2", "PROCESS_GROUP_ADDED#3"}; !slices.Equal(all, want) {
		t.Errorf("EVENT subscriber got %v, want %v", all, want)
	}
}

// Concurrent publishers: every subscriber sees serials in increasing order.
func TestBusConcurrentOrder(t *testing.T) {
	b := NewBus()
	var mu sync.Mutex
	var seen [2][]int64
	for i := range 2 {
		b.Subscribe([]Type{TypeEvent}, func(_ Event, serial int64) {
			mu.Lock()
			seen[i] = append(seen[i], serial)
			mu.Unlock()
		})
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				b.Publish(RemoteCommunication{Kind: itoa(int64(g))})
			}
		}()
	}
	wg.Wait()
	for i := range 2 {
		if len(seen[i]) != 1600 {
			t.Fatalf("subscriber %d saw %d events", i, len(seen[i]))
		}
		for j, s := range seen[i] {
			if s != int64(j) {
				t.Fatalf("subscriber %d: event %d has serial %d", i, j, s)
			}
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func pythonOrSkip(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import supervisor.childutils").Run(); err != nil {
		if isCI() {
			t.Fatalf("python3 with supervisor is required in CI: %v", err)
		}
		t.Skipf("no %s with the supervisor package: %v", py, err)
	}
	return py
}

func isCI() bool { return os.Getenv("CI") == "true" }
