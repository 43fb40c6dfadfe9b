package pidproxy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const asPidproxy = "SUPERVISORLAB_TEST_AS_PIDPROXY"

func TestMain(m *testing.M) {
	if os.Getenv(asPidproxy) == "1" {
		os.Exit(Main(os.Args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestUsage(t *testing.T) {
	var out bytes.Buffer
	if code := Main([]string{"/usr/bin/pidproxy"}, &out, &out); code != 1 {
		t.Errorf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "pidproxy: run a command and pass the signals") ||
		!strings.Contains(out.String(), "Usage: /usr/bin/pidproxy <pidfile name> <command> [<cmdarg1> ...]\n") {
		t.Errorf("usage:\n%s", out.String())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A command that backgrounds a sleeper and writes its pid: TERM to
// pidproxy reaches the sleeper and pidproxy exits 0.
func TestForwardsSignalsToPidfile(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "child.pid")
	script := filepath.Join(dir, "daemonish.sh")
	os.WriteFile(script, []byte("#!/bin/sh\nsleep 1000 &\necho $! > "+pidfile+"\nwait\n"), 0o755)
	cmd := exec.Command(os.Args[0], pidfile, script)
	cmd.Env = append(os.Environ(), asPidproxy+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	waitFor(t, "pidfile", func() bool {
		b, _ := os.ReadFile(pidfile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return pid > 0
	})
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("pidproxy: %v %s", err, out.String())
	}
	waitFor(t, "sleeper gone", func() bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		return err != nil || strings.Contains(string(b), ") Z ")
	})
}

func TestExitsWithItsCommand(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	start := time.Now()
	if code := Main([]string{"pidproxy", filepath.Join(dir, "none.pid"), "/bin/true"}, &out, &out); code != 0 {
		t.Errorf("exit %d: %s", code, out.String())
	}
	t.Logf("returned after %v", time.Since(start))
}
