package daemon

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// The test binary doubles as supervisord: with this variable set it runs
// Main instead of the tests, so tests drive a real supervisord process.
const asSupervisord = "SUPERVISORLAB_TEST_AS_SUPERVISORD"

func TestMain(m *testing.M) {
	if os.Getenv(asSupervisord) == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// instance is a supervisord started by a test.
type instance struct {
	t      *testing.T
	dir    string
	conf   string
	cmd    *exec.Cmd
	out    *lockedBuffer
	done   chan struct{}
	client *rpc.Client
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// preamble is §12's common preamble; %[1]s is the test directory.
const preamble = `[unix_http_server]
file=%[1]s/sock
[supervisord]
logfile=%[1]s/sd.log
pidfile=%[1]s/sd.pid
childlogdir=%[1]s
nodaemon=true
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://%[1]s/sock
`

// shortDir returns a temp dir whose socket path fits in sun_path.
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "sdt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func writeConf(t *testing.T, dir, body string) string {
	t.Helper()
	conf := filepath.Join(dir, "sd.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(preamble, dir)+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

func supervisordCmd(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asSupervisord+"=1")
	return cmd
}

// startSupervisord runs supervisord -n -c conf and waits for its socket.
func startSupervisord(t *testing.T, dir, body string) *instance {
	t.Helper()
	in := &instance{t: t, dir: dir, conf: writeConf(t, dir, body), out: &lockedBuffer{}, done: make(chan struct{})}
	in.cmd = supervisordCmd(t, "-c", in.conf)
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.cmd.Wait(); close(in.done) }()
	t.Cleanup(func() {
		select {
		case <-in.done:
		default:
			in.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-in.done:
			case <-time.After(20 * time.Second):
				in.cmd.Process.Kill()
				<-in.done
			}
		}
		killChildren(in.dir)
	})
	c, err := rpc.NewClient("unix://"+filepath.Join(dir, "sock"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	in.client = c
	t.Cleanup(c.Close)
	waitFor(t, "supervisord socket", 15*time.Second, func() bool {
		_, err := c.GetPID(context.Background())
		return err == nil
	})
	return in
}

// killChildren kills leftover processes whose environment points at dir's
// socket (a test that failed half-way must not leak sleepers).
func killChildren(dir string) {
	want := []byte("SUPERVISOR_SERVER_URL=unix://" + filepath.Join(dir, "sock") + "\x00")
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err == nil && bytes.Contains(env, want) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func (in *instance) wait(timeout time.Duration) int {
	in.t.Helper()
	select {
	case <-in.done:
	case <-time.After(timeout):
		in.t.Fatalf("supervisord did not exit; output:\n%s", in.out.String())
	}
	return in.cmd.ProcessState.ExitCode()
}

var stamp = regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `)

// logLines returns the main log without timestamps.
func (in *instance) logLines() []string {
	b, _ := os.ReadFile(filepath.Join(in.dir, "sd.log"))
	s := stamp.ReplaceAllString(string(b), "")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func (in *instance) logHas(substr string) bool {
	for _, l := range in.logLines() {
		if strings.Contains(l, substr) {
			return true
		}
	}
	return false
}

func (in *instance) info(name string) rpc.ProcessStatus {
	in.t.Helper()
	p, err := in.client.GetProcessInfo(context.Background(), name)
	if err != nil {
		in.t.Fatalf("getProcessInfo(%s): %v", name, err)
	}
	return p
}

func (in *instance) waitState(name, state string, timeout time.Duration) rpc.ProcessStatus {
	in.t.Helper()
	var p rpc.ProcessStatus
	waitFor(in.t, name+" "+state, timeout, func() bool {
		var err error
		p, err = in.client.GetProcessInfo(context.Background(), name)
		return err == nil && p.StateName == state
	})
	return p
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func indexOf(lines []string, substr string) int {
	for i, l := range lines {
		if strings.Contains(l, substr) {
			return i
		}
	}
	return -1
}
