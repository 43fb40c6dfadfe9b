package events

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// CAP-02, observed: Debian's 4.2.5 loses a short tail after an END token
// when the process exits; our Output, fed the same bytes, keeps it.
func TestOracleCaptureTailCAP02(t *testing.T) {
	const supervisord = "/usr/bin/supervisord"
	if _, err := os.Stat(supervisord); err != nil {
		if isCI() {
			t.Fatalf("oracle %s missing in CI", supervisord)
		}
		t.Skipf("oracle %s not installed", supervisord)
	}
	dir := t.TempDir()
	const output = "before\n<!--XSUPERVISOR:BEGIN-->msg<!--XSUPERVISOR:END-->after\n"
	conf := fmt.Sprintf(`[supervisord]
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
nodaemon=true

[program:talker]
command=/bin/sh -c 'printf "%[2]s"; sleep 0.3'
startsecs=0
autorestart=false
stdout_logfile=%[1]s/talker.log
stdout_capture_maxbytes=1024
`, dir, "before\\n<!--XSUPERVISOR:BEGIN-->msg<!--XSUPERVISOR:END-->after\\n")
	path := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(supervisord, "-c", path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-waited:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-waited
		}
	}()
	waitFor(t, "talker to exit", func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "supervisord.log"))
		return bytes.Contains(b, []byte("exited: talker"))
	})
	py, _ := os.ReadFile(filepath.Join(dir, "talker.log"))
	if string(py) != "before\n" {
		t.Logf("4.2.5 no longer loses the tail? its log: %q", py)
	}

	var ours bytes.Buffer
	o := &Output{Channel: "stdout", CaptureMaxbytes: 1024, Log: func(b []byte) { ours.Write(b) }}
	o.Write([]byte(output))
	o.Close()
	if ours.String() != "before\nafter\n" {
		t.Errorf("our log %q, want %q", ours.String(), "before\nafter\n")
	}
	t.Logf("4.2.5 logged %q, we log %q", py, ours.String())
}
