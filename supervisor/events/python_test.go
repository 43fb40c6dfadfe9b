package events

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pyRecord is one line written by testdata/events/pylistener.py.
type pyRecord struct {
	Header      string            `json:"header"`
	Headers     map[string]string `json:"headers"`
	Payload     string            `json:"payload"`
	DataHeaders map[string]string `json:"data_headers"`
	Data        *string           `json:"data"`
}

func readPyRecords(t *testing.T, path string) []pyRecord {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []pyRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r pyRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return out // a line still being written
		}
		out = append(out, r)
	}
	return out
}

func waitPyRecords(t *testing.T, path string, done func([]pyRecord) bool) []pyRecord {
	t.Helper()
	var recs []pyRecord
	waitFor(t, "records in "+filepath.Base(path), func() bool {
		recs = readPyRecords(t, path)
		return done(recs)
	})
	return recs
}

func absScript(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(script(name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A listener written with Python's supervisor.childutils receives our
// events: headers parse, len (in characters) lets it read each payload
// exactly, eventdata() splits the data events.
func TestChildutilsListenerReadsOurEvents(t *testing.T) {
	py := pythonOrSkip(t)
	bus := NewBus()
	p, log := newTestPool(t, bus, "pylst", 20, TypeEvent)
	l := p.AddListener("pylst")
	out := filepath.Join(t.TempDir(), "py.jsonl")
	startListener(t, l, py, absScript(t, "pylistener.py"), out)

	sent := []Event{
		ProcessGroup{Group: "web"},
		ProcessState{Process: "web", Group: "web", From: "STARTING", To: "RUNNING", PID: 4242},
		ProcessLog{Process: "web", Group: "web", PID: 4242, Channel: "stdout", Data: []byte("héllo ✓ 日本\nline2\n")},
		ProcessLog{Process: "web", Group: "web", PID: 4242, Channel: "stderr", Data: []byte("bad \xff byte")},
		ProcessCommunication{Process: "web", Group: "web", PID: 4242, Channel: "stdout", Data: []byte("€uro")},
		RemoteCommunication{Kind: "note", Data: "ünïcode\nmore"},
		SupervisorState{Stopping: true},
		Tick{Period: 60, When: 1700000040},
		ProcessGroup{Group: "web", Removed: true},
	}
	for _, ev := range sent {
		bus.Publish(ev)
	}
	recs := waitPyRecords(t, out, func(r []pyRecord) bool { return len(r) >= len(sent) })
	for i, ev := range sent {
		r := recs[i]
		want := strings.TrimSuffix(Header("supervisor", int64(i), "pylst", int64(i), ev.Type(), ev.Payload()), "\n")
		if r.Header != want {
			t.Errorf("event %d header:\n got %q\nwant %q", i, r.Header, want)
		}
		if r.Payload != ev.Payload() {
			t.Errorf("event %d payload:\n got %q\nwant %q", i, r.Payload, ev.Payload())
		}
		if r.Headers["eventname"] != ev.Type().String() {
			t.Errorf("event %d eventname %q", i, r.Headers["eventname"])
		}
	}
	if got := recs[2].DataHeaders; got["processname"] != "web" || got["channel"] != "stdout" || got["pid"] != "4242" {
		t.Errorf("eventdata headers %v", got)
	}
	if recs[2].Data == nil || *recs[2].Data != "héllo ✓ 日本\nline2\n" {
		t.Errorf("eventdata data %v", recs[2].Data)
	}
	if recs[3].Data == nil || *recs[3].Data != `Undecodable: b'bad \xff byte'` {
		t.Errorf("undecodable data %v", recs[3].Data)
	}
	if n := log.count("WARN"); n != 0 {
		t.Errorf("warnings:\n%s", strings.Join(log.all(), "\n"))
	}
}

// Debian's supervisord 4.2.5, with the same childutils listener, as the
// oracle: for every event it sends (PROCESS_STATE_*, PROCESS_GROUP_ADDED,
// PROCESS_LOG_STDOUT, PROCESS_COMMUNICATION_STDOUT, ...) we render the
// same payload from the same facts, and our pool fed the same events in
// the same order writes the same headers, serials and poolserials included.
func TestOracleEventTextMatchesPython(t *testing.T) {
	py := pythonOrSkip(t)
	const supervisord = "/usr/bin/supervisord"
	if _, err := os.Stat(supervisord); err != nil {
		if isCI() {
			t.Fatalf("oracle %s missing in CI", supervisord)
		}
		t.Skipf("oracle %s not installed", supervisord)
	}
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump.jsonl")
	conf := filepath.Join(dir, "supervisord.conf")
	text := fmt.Sprintf(`[supervisord]
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
identifier=oracle
nodaemon=true
loglevel=debug

[unix_http_server]
file=%[1]s/s.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[eventlistener:dump]
command=%[2]s %[3]s %[4]s
events=PROCESS_STATE,PROCESS_GROUP,PROCESS_LOG,PROCESS_COMMUNICATION,SUPERVISOR_STATE_CHANGE
buffer_size=100
environment=PYTHONIOENCODING="utf-8"

[program:talker]
command=/bin/sh -c 'sleep 1.5; echo hi; printf "<!--XSUPERVISOR:BEGIN-->comm ü<!--XSUPERVISOR:END-->tail-that-is-long-enough\n"; sleep 0.5; exit 3'
startsecs=0
autorestart=false
exitcodes=0
stdout_events_enabled=true
stdout_capture_maxbytes=1024
`, dir, py, absScript(t, "pylistener.py"), dump)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(supervisord, "-c", conf)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-waited
		}
	}
	t.Cleanup(stop)
	recs := waitPyRecords(t, dump, func(r []pyRecord) bool {
		for _, x := range r {
			if x.Headers["eventname"] == "PROCESS_STATE_EXITED" {
				return true
			}
		}
		return false
	})
	stop()

	var ours []Event
	seen := map[string]bool{}
	for i, r := range recs {
		ev, err := eventFromPython(r)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		seen[r.Headers["eventname"]] = true
		t.Logf("python: %s %q", r.Header, r.Payload)
		if got := ev.Payload(); got != r.Payload {
			t.Errorf("%s payload:\n ours   %q\n python %q", r.Headers["eventname"], got, r.Payload)
		}
		ours = append(ours, ev)
	}
	for _, must := range []string{"PROCESS_STATE_STARTING", "PROCESS_STATE_RUNNING", "PROCESS_STATE_EXITED",
		"PROCESS_GROUP_ADDED", "PROCESS_LOG_STDOUT", "PROCESS_COMMUNICATION_STDOUT", "SUPERVISOR_STATE_CHANGE_RUNNING"} {
		if !seen[must] {
			t.Errorf("oracle sent no %s; got %v", must, seen)
		}
	}

	// The talker's output, written as the child wrote it, through our
	// Output gives the same PROCESS_LOG / PROCESS_COMMUNICATION events.
	var pyOut []string
	talkerPID := 0
	for _, r := range recs {
		name := r.Headers["eventname"]
		if !strings.HasPrefix(r.Payload, "processname:talker ") {
			continue
		}
		if name == "PROCESS_STATE_RUNNING" {
			ev, _ := eventFromPython(r)
			talkerPID = ev.(ProcessState).PID
		}
		if strings.HasPrefix(name, "PROCESS_LOG") || strings.HasPrefix(name, "PROCESS_COMMUNICATION") {
			pyOut = append(pyOut, name+"|"+r.Payload)
		}
	}
	obus := NewBus()
	var goOut []string
	obus.Subscribe([]Type{TypeProcessLog, TypeProcessCommunication}, func(ev Event, _ int64) {
		goOut = append(goOut, ev.Type().String()+"|"+ev.Payload())
	})
	o := &Output{Bus: obus, Process: "talker", Group: "talker", PID: talkerPID, Channel: "stdout",
		EventsEnabled: true, CaptureMaxbytes: 1024}
	o.Write([]byte("hi\n"))
	o.Write([]byte("<!--XSUPERVISOR:BEGIN-->comm ü<!--XSUPERVISOR:END-->tail-that-is-long-enough\n"))
	o.Close()
	if strings.Join(goOut, "\n---\n") != strings.Join(pyOut, "\n---\n") {
		t.Errorf("output events:\n ours   %q\n python %q", goOut, pyOut)
	}

	bus := NewBus()
	p, _ := newTestPool(t, bus, "dump", 100, TypeProcessState, TypeProcessGroup, TypeProcessLog,
		TypeProcessCommunication, TypeSupervisorStateChange)
	p.cfg.Server = "oracle"
	for _, ev := range ours {
		bus.Publish(ev)
	}
	l := p.AddListener("dump")
	var mu sync.Mutex
	var written strings.Builder
	l.Spawned(1, WriteFunc(func(b []byte) error { mu.Lock(); written.Write(b); mu.Unlock(); return nil }))
	l.SetRunning(true)
	l.Feed(1, []byte("READY\n"))
	for i := range ours {
		waitFor(t, fmt.Sprintf("event %d sent", i), func() bool { return l.State() == Busy })
		l.Feed(1, []byte("RESULT 2\nOKREADY\n"))
	}
	mu.Lock()
	stream := written.String()
	mu.Unlock()
	for i, r := range recs {
		hdr, rest, ok := strings.Cut(stream, "\n")
		if !ok {
			t.Fatalf("our stream ends before event %d", i)
		}
		if hdr != r.Header {
			t.Errorf("event %d header:\n ours   %q\n python %q", i, hdr, r.Header)
		}
		stream = strings.TrimPrefix(rest, r.Payload)
	}
}

// eventFromPython builds our event from the facts in one oracle record.
func eventFromPython(r pyRecord) (Event, error) {
	name := r.Headers["eventname"]
	ty, ok := ParseType(name)
	if !ok {
		return nil, fmt.Errorf("unknown eventname %q", name)
	}
	kv := map[string]string{}
	first, _, _ := strings.Cut(r.Payload, "\n")
	for _, f := range strings.Fields(first) {
		k, v, _ := strings.Cut(f, ":")
		kv[k] = v
	}
	atoi := func(k string) int { n, _ := strconv.Atoi(kv[k]); return n }
	data := ""
	if r.Data != nil {
		data = *r.Data
	}
	switch {
	case ty.Is(TypeProcessState):
		return ProcessState{Process: kv["processname"], Group: kv["groupname"], From: kv["from_state"],
			To: strings.TrimPrefix(name, "PROCESS_STATE_"), PID: atoi("pid"), Tries: atoi("tries"),
			Expected: kv["expected"] == "1"}, nil
	case ty.Is(TypeProcessLog):
		return ProcessLog{Process: kv["processname"], Group: kv["groupname"], PID: atoi("pid"),
			Channel: kv["channel"], Data: []byte(data)}, nil
	case ty.Is(TypeProcessCommunication):
		return ProcessCommunication{Process: kv["processname"], Group: kv["groupname"], PID: atoi("pid"),
			Channel: strings.ToLower(strings.TrimPrefix(name, "PROCESS_COMMUNICATION_")), Data: []byte(data)}, nil
	case ty.Is(TypeProcessGroup):
		return ProcessGroup{Group: kv["groupname"], Removed: ty == TypeProcessGroupRemoved}, nil
	case ty.Is(TypeSupervisorStateChange):
		return SupervisorState{Stopping: ty == TypeSupervisorStateChangeStopping}, nil
	}
	return nil, fmt.Errorf("no mapping for %s", name)
}
