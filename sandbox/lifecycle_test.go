package sandbox

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestControllerKilled: the sandbox outlives a SIGKILLed controller, a new
// controller finds it, and Stop leaves nothing behind.
func TestControllerKilled(t *testing.T) {
	needRoot(t)
	root := testRoot(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SBX_TEST_CONTROLLER="+root)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		GC(context.Background(), root)
		if s, err := Open("crash", root); err == nil {
			s.Stop(context.Background())
		}
	})
	line, _ := bufio.NewReader(out).ReadString('\n')
	if !strings.HasPrefix(line, "ready ") {
		t.Fatalf("controller: %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()

	s, err := Open("crash", root)
	if err != nil {
		t.Fatalf("sandbox gone with its controller: %v", err)
	}
	if out, _ := run(t, s, Student, "echo alive"); out != "alive\n" {
		t.Fatalf("got %q", out)
	}
	if cleaned, err := GC(context.Background(), root); err != nil || len(cleaned) != 0 {
		t.Errorf("GC touched a running sandbox: %v, %v", cleaned, err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	assertGone(t, s)
	if _, err := Open("crash", root); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Open after Stop: %v", err)
	}
}

// TestAgentKilled: killing PID 1 kills the sandbox; Exec says so; GC cleans.
func TestAgentKilled(t *testing.T) {
	needRoot(t)
	root := testRoot(t)
	s, err := Create(context.Background(), "t", Options{StateRoot: root, Rootfs: HostRootfs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	// A daemon (like nginx) that must die with the agent.
	if out, _ := run(t, s, Root, "setsid sleep 1000 >/dev/null 2>&1 < /dev/null & echo started"); out != "started\n" {
		t.Fatalf("got %q", out)
	}
	p := s.proc
	p.Kill()
	p.Wait()
	s.proc = nil
	_, err = s.Exec(context.Background(), ExecRequest{Argv: []string{"true"}})
	if !errors.Is(err, ErrNotRunning) {
		t.Errorf("Exec on a dead sandbox: %v", err)
	}
	if _, err := Open("t", root); !errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), "lab gc") {
		t.Errorf("Open on a dead sandbox: %v", err)
	}
	cleaned, err := GC(context.Background(), root)
	if err != nil || len(cleaned) != 1 || cleaned[0] != "t" {
		t.Fatalf("GC = %v, %v", cleaned, err)
	}
	assertGone(t, s)
}

func TestCreateErrors(t *testing.T) {
	needRoot(t)
	root := testRoot(t)
	ctx := context.Background()
	for _, name := range []string{"", "../x", "A", strings.Repeat("a", 40)} {
		if _, err := Create(ctx, name, Options{StateRoot: root}); err == nil || !strings.Contains(err.Error(), "sandbox name") {
			t.Errorf("name %q: err = %v", name, err)
		}
	}
	_, err := Create(ctx, "x", Options{StateRoot: root, Rootfs: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "no bin/sh in it") {
		t.Errorf("empty rootfs: err = %v", err)
	}
	s := newSandbox(t, Options{StateRoot: root})
	if _, err := Create(ctx, s.Name(), Options{StateRoot: root}); !errors.Is(err, ErrExists) {
		t.Errorf("second Create: %v", err)
	}
}

// TestLimits: a fork bomb, a memory hog and a disk filler stay inside.
func TestLimits(t *testing.T) {
	s := newSandbox(t, Options{PidsMax: 40, MemoryMax: 64 << 20, UpperSize: 16 << 20, TmpSize: 8 << 20})
	if len(s.st.Cgroups) == 0 {
		t.Log("cgroups not writable: limits are rlimits")
	}
	tests := []struct{ name, user, script, want string }{
		{"fork bomb", Student, "out=$( (for i in $(seq 100); do sleep 2 & done; wait) 2>&1 ); case $out in *fork*) echo capped;; esac", "capped\n"},
		{"memory hog", Root, "python3 -c 'x = bytearray(256 << 20); print(\"allocated\")' 2>/dev/null; echo exit=$?", "exit=137\n"},
		{"disk filler", Root, "dd if=/dev/zero of=/big bs=1M count=64 2>&1 | grep -o 'No space left on device' | head -1; rm -f /big", "No space left on device\n"},
		{"tmp filler", Student, "dd if=/dev/zero of=/tmp/big bs=1M count=64 2>&1 | grep -o 'No space left on device' | head -1", "No space left on device\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := run(t, s, tt.user, tt.script)
			if out != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
		})
	}
	// Still usable afterwards.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := run(t, s, Student, "echo ok")
		if out == "ok\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sandbox unusable after the limits tests: %q", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStudentWrecksSandbox: after rm -rf /etc /home, root and checks still
// work, the student gets an explained error, and reset repairs everything.
func TestStudentWrecksSandbox(t *testing.T) {
	needRoot(t)
	root := testRoot(t)
	ctx := context.Background()
	o := StartOptions{Lab: "wreck", Rootfs: HostRootfs, StateRoot: root}
	s, _, err := Ensure(ctx, o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { StopLab(ctx, root, "wreck") })
	run(t, s, Root, "rm -rf /etc /home")
	if out, _ := run(t, s, Root, "id -u; pwd"); out != "0\n/root\n" {
		t.Errorf("root after rm -rf /etc: %q", out)
	}
	res, err := s.Check(ctx, "ls /home/shiyanlou", CheckOptions{})
	if err != nil || res.Passed || !strings.Contains(string(res.Output), "No such file") {
		t.Errorf("check after rm -rf /home: %+v %q %v", res, res.Output, err)
	}
	_, err = s.Exec(ctx, ExecRequest{Argv: []string{"true"}, User: Student})
	if err == nil || !strings.Contains(err.Error(), "lab reset") {
		t.Errorf("student after rm -rf /etc: %v", err)
	}
	fresh, err := ResetLab(ctx, root, "wreck")
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := run(t, fresh, Student, "id -un; test -f /etc/passwd && echo etc"); out != "shiyanlou\netc\n" {
		t.Errorf("after reset: %q", out)
	}
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Fatalf("host damaged: %v", err)
	}
}

// TestUncommittedAgentExits: an agent whose controller dies before
// recording its pid (commit pipe closed unsent) exits by itself, so no
// unrecorded sandbox survives a controller killed mid-start.
func TestUncommittedAgentExits(t *testing.T) {
	needRoot(t)
	dir := stateDir(testRoot(t), "u")
	if err := os.MkdirAll(dir+"/root", 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := initConfig{Name: "u", Dir: dir, Lower: dir + "/lower", Hostname: "h", UpperSize: 1 << 20, TmpSize: 1 << 20, MapsIDs: true}
	proc, syncR, commitW, err := startInit(&cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Kill(); proc.Wait() })
	line, _ := bufio.NewReader(syncR).ReadString('\n')
	syncR.Close()
	if line != "ready\n" {
		t.Fatalf("agent said %q", line)
	}
	commitW.Close() // the controller "dies" here
	exited := make(chan struct{})
	go func() { proc.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("uncommitted agent still runs")
	}
}
