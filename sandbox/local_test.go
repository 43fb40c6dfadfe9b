package sandbox

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// needRoot skips tests that need root (namespaces with an identity mapping,
// cgroups), unless CI=true, where a skip would hide a broken environment.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("sandbox tests need root (CI=true)")
		}
		t.Skip("sandbox tests need root")
	}
}

// testRoot returns a short state root (unix socket paths are limited to
// 108 bytes) removed when the test ends.
func testRoot(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "sbx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// newSandbox starts a host-rootfs sandbox that is stopped when the test ends.
func newSandbox(t *testing.T, opts Options) *Local {
	t.Helper()
	needRoot(t)
	if opts.StateRoot == "" {
		opts.StateRoot = testRoot(t)
	}
	if opts.Rootfs == "" {
		opts.Rootfs = HostRootfs
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Create(ctx, "t", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
		assertGone(t, s)
	})
	return s
}

// assertGone checks that a stopped sandbox left nothing behind.
func assertGone(t *testing.T, s *Local) {
	t.Helper()
	if _, err := os.Stat(s.Dir()); !os.IsNotExist(err) {
		t.Errorf("state dir %s still there (%v)", s.Dir(), err)
	}
	if _, err := os.Stat("/proc/" + itoa(s.Pid())); err == nil {
		// A zombie is fine: its namespace is empty by then, and its
		// parent (the host's init after a crash) reaps it.
		if st, zombie, _ := procStartTime(s.Pid()); st == s.st.StartTime && !zombie {
			t.Errorf("agent pid %d still there", s.Pid())
		}
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mi), s.Dir()) {
		t.Errorf("a mount under %s is left on the host", s.Dir())
	}
	for _, cg := range s.st.Cgroups {
		if _, err := os.Stat(cg); err == nil {
			t.Errorf("cgroup %s left behind", cg)
		}
	}
}

// run executes a shell snippet in the sandbox and returns its output.
func run(t *testing.T, s *Local, user, script string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := s.Exec(ctx, ExecRequest{Argv: []string{"/bin/sh", "-c", script}, User: user, Stdout: &out, Stderr: &out})
	if err != nil {
		t.Fatalf("exec %q: %v", script, err)
	}
	return out.String(), st.Code
}

func TestExecBasics(t *testing.T) {
	s := newSandbox(t, Options{})
	tests := []struct {
		name, user, script, want string
		code                     int
	}{
		{"pid 1 is the agent", "", "cat /proc/1/cmdline | tr '\\0' ' '", initArg0 + " t ", 0},
		{"hostname", "", "hostname", "shiyanlou\n", 0},
		{"root", "", "id -u", "0\n", 0},
		{"student", Student, "id -un; id -u; echo $HOME; pwd", "shiyanlou\n1000\n/home/shiyanlou\n/home/shiyanlou\n", 0},
		{"exit code", "", "exit 7", "", 7},
		{"stderr", "", "echo oops >&2", "oops\n", 0},
		{"sudo works for the student", Student, "sudo -n id -u", "0\n", 0},
		{"loopback up", "", "cat /sys/class/net/lo/operstate", "unknown\n", 0},
		{"only lo", "", "ls /sys/class/net", "lo\n", 0},
		{"private tmp", "", "df --output=fstype /tmp | tail -1", "tmpfs\n", 0},
		{"sys read-only", "", "touch /sys/x 2>/dev/null || echo ro", "ro\n", 0},
		{"devpts", "", "test -c /dev/pts/ptmx && echo ok", "ok\n", 0},
		{"orphans reaped", "", "(sleep 0.1 &); sleep 0.5; ps -eo stat= | grep -c Z", "0\n", 1},
		{"student cannot reach the agent socket", Student, "ls /proc/1/fd 2>&1 | grep -c denied", "1\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := run(t, s, tt.user, tt.script)
			if out != tt.want || code != tt.code {
				t.Errorf("got %q exit %d, want %q exit %d", out, code, tt.want, tt.code)
			}
		})
	}
}
