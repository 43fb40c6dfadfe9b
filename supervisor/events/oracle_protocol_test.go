package events

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// protocolLine picks the main-log lines of the listener protocol and of
// buffer overflow, without their timestamps.
var protocolLine = regexp.MustCompile(`^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} )?((?:WARN|ERRO) .*(?:has entered the UNKNOWN state|bad result line|event was rejected|event buffer overflowed).*)$`)

func protocolLines(lines []string) []string {
	var out []string
	for _, l := range lines {
		if m := protocolLine.FindStringSubmatch(l); m != nil {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// The same misbehaving listeners under Debian's supervisord 4.2.5 and
// under our pools produce the same WARN and ERRO lines (EVL-02, EVL-03,
// EVL-05), overflow serials included. Pools are created and
// PROCESS_GROUP_ADDED published in 4.2.5's startup order (by name, each
// group's event right after its pool exists).
func TestOracleProtocolLogLines(t *testing.T) {
	const supervisord = "/usr/bin/supervisord"
	if _, err := os.Stat(supervisord); err != nil {
		if isCI() {
			t.Fatalf("oracle %s missing in CI", supervisord)
		}
		t.Skipf("oracle %s not installed", supervisord)
	}
	type lst struct {
		name, script string
		buffer       int
	}
	listeners := []lst{{"aaa_tiny", "ok.sh", 1}, {"badres", "bad_result.sh", 10}, {"failer", "fail_once.sh", 10},
		{"garbage", "garbage.sh", 10}}

	// Python.
	pyDir := t.TempDir()
	var conf strings.Builder
	fmt.Fprintf(&conf, "[supervisord]\nlogfile=%[1]s/supervisord.log\npidfile=%[1]s/supervisord.pid\nchildlogdir=%[1]s\nnodaemon=true\n", pyDir)
	// Distinct priorities (in name order, so the startup order is kept):
	// 4.2.5 finds "its" process for a rejected event with ==, which
	// compares priorities, so with equal priorities every pool would take
	// every other pool's rejected events. We do not copy that bug.
	for i, l := range listeners {
		fmt.Fprintf(&conf, "\n[eventlistener:%s]\ncommand=/bin/sh %s %s/%s.log\nevents=PROCESS_GROUP\nbuffer_size=%d\npriority=%d\n",
			l.name, absScript(t, l.script), pyDir, l.name, l.buffer, i+1)
	}
	confPath := filepath.Join(pyDir, "supervisord.conf")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(supervisord, "-c", confPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	stopPy := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-waited
		}
	}
	defer stopPy()
	pyLog := func() []string {
		b, _ := os.ReadFile(filepath.Join(pyDir, "supervisord.log"))
		return strings.Split(string(b), "\n")
	}
	done := func(lines []string, failerLog string) bool {
		pl := protocolLines(lines)
		n := 0
		for _, l := range pl {
			if strings.Contains(l, "has entered the UNKNOWN state") {
				n++
			}
		}
		return n == 2 && len(readRecords(t, failerLog)) >= 3
	}
	waitFor(t, "python's listeners to settle", func() bool { return done(pyLog(), filepath.Join(pyDir, "failer.log")) })
	stopPy()
	want := protocolLines(pyLog())

	// Ours.
	goDir := t.TempDir()
	bus := NewBus()
	rec := &recLog{}
	var ls []*Listener
	for _, l := range listeners {
		p := NewPool(bus, PoolConfig{Name: l.name, Events: []Type{TypeProcessGroup}, BufferSize: l.buffer,
			Server: "supervisor", Logger: rec})
		t.Cleanup(p.Close)
		ls = append(ls, p.AddListener(l.name))
		bus.Publish(ProcessGroup{Group: l.name})
	}
	for i, l := range listeners {
		startListener(t, ls[i], "/bin/sh", absScript(t, l.script), filepath.Join(goDir, l.name+".log"))
	}
	waitFor(t, "our listeners to settle", func() bool { return done(rec.all(), filepath.Join(goDir, "failer.log")) })
	got := protocolLines(rec.all())

	if !slices.Equal(got, want) {
		t.Errorf("protocol log lines differ:\n ours\n\t%s\n python\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	// What the well-behaved listeners were sent, byte for byte.
	for _, name := range []string{"failer", "aaa_tiny"} {
		py := readRecords(t, filepath.Join(pyDir, name+".log"))
		ours := readRecords(t, filepath.Join(goDir, name+".log"))
		if len(py) == 0 || !slices.EqualFunc(py, ours, func(a, b record) bool { return a.header == b.header && a.payload == b.payload }) {
			t.Errorf("%s was sent\n ours   %q\n python %q", name, ours, py)
		}
	}
	t.Logf("python:\n\t%s", strings.Join(want, "\n\t"))
	if len(want) < 6 {
		t.Errorf("python logged too little to compare: %q", want)
	}
}
