package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

func TestRereadErrorIsCantReread(t *testing.T) {
	dir := shortDir(t)
	in := startSupervisord(t, dir, "[program:a]\ncommand=/bin/sleep 1000\n")
	os.WriteFile(in.conf, []byte(strings.Replace(mustRead(t, in.conf), "command=/bin/sleep 1000", "command=/bin/sleep 1000\nautorestart=maybe", 1)), 0o644)
	var f *rpc.Fault
	if _, _, _, err := in.client.ReloadConfig(context.Background()); !errors.As(err, &f) || f.Code != rpc.FaultCantReread {
		t.Errorf("reloadConfig = %v", err)
	}
	// SIGHUP with a broken config ends supervisord with a usage error (SIG-03).
	in.cmd.Process.Signal(syscall.SIGHUP)
	if code := in.wait(20 * time.Second); code != 2 {
		t.Errorf("exit %d, output %s", code, in.out.String())
	}
	if !strings.Contains(in.out.String(), "Error: ") {
		t.Errorf("no error printed: %q", in.out.String())
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCheckConfigFlag(t *testing.T) {
	dir := t.TempDir()
	conf := writeConf(t, dir, "[program:a]\ncommand=/bin/true\n")
	cmd := supervisordCmd(t, "--check-config", "-c", conf)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("valid config: %v %s", err, out)
	}
	os.WriteFile(conf, []byte(mustRead(t, conf)+"[program:b]\n"), 0o644)
	cmd = supervisordCmd(t, "--check-config", "-c", conf)
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "does not specify a command") {
		t.Errorf("invalid config: exit %d %s", cmd.ProcessState.ExitCode(), out)
	}
}

func TestMinfdsTooHighIsUsageError(t *testing.T) {
	dir := t.TempDir()
	conf := writeConf(t, dir, "")
	cmd := supervisordCmd(t, "-c", conf, "--minfds", "2000000000")
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), `Error: The minimum number of file descriptors required to run this process is 2000000000 as per the "minfds" command-line argument or config file setting.`) {
		t.Errorf("exit %d: %s", cmd.ProcessState.ExitCode(), out)
	}
}

func TestUserDropsPrivileges(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to drop privileges")
	}
	dir := shortDir(t)
	os.Chmod(dir, 0o777)
	conf := writeConf(t, dir, "[program:s]\ncommand=/bin/sleep 1000\nstartsecs=0\n")
	os.WriteFile(conf, []byte(strings.Replace(mustRead(t, conf), "nodaemon=true", "nodaemon=true\nuser=nobody", 1)), 0o644)
	in := &instance{t: t, dir: dir, conf: conf, out: &lockedBuffer{}, done: make(chan struct{})}
	in.cmd = supervisordCmd(t, "-c", conf)
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { in.cmd.Wait(); close(in.done) }()
	t.Cleanup(func() { in.cmd.Process.Kill(); <-in.done; killChildren(dir) })
	waitFor(t, "spawn", 10*time.Second, func() bool { return in.logHas("spawned: 's'") })
	if !in.logHas("INFO Set uid to user 65534 succeeded") || in.logHas("Supervisor is running as root") {
		t.Errorf("log:\n%s\n%s", strings.Join(in.logLines(), "\n"), in.out.String())
	}
	st, _ := os.ReadFile(filepath.Join("/proc", itoa(in.cmd.Process.Pid), "status"))
	if !strings.Contains(string(st), "\nUid:\t65534\t65534\t65534\t65534\n") {
		t.Errorf("supervisord status:\n%s", st)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Writing the echoed log to a closed pipe must not kill supervisord.
func TestSurvivesClosedStdout(t *testing.T) {
	dir := shortDir(t)
	conf := writeConf(t, dir, "[program:s]\ncommand=/bin/sh -c 'while :; do echo tick; sleep 0.05; done'\nstartsecs=0\n")
	cmd := supervisordCmd(t, "-c", conf, "-e", "debug")
	pr, pw, _ := os.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	pr.Close() // every later echo gets EPIPE
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done; killChildren(dir) })
	in := &instance{t: t, dir: dir}
	waitFor(t, "debug output lines", 10*time.Second, func() bool {
		return strings.Count(strings.Join(in.logLines(), "\n"), "'s' stdout output") > 5
	})
	select {
	case <-done:
		t.Fatalf("supervisord died: %v", cmd.ProcessState)
	default:
	}
}
