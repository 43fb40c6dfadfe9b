package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"golang.org/x/sys/unix"
)

const bb25Programs = `
[program:p1]
command=/bin/sleep 1000
priority=1
startsecs=0
[program:b]
command=/bin/sleep 1000
priority=3
startsecs=0
[program:p3]
command=/bin/sleep 1000
priority=3
startsecs=0
[program:p5]
command=/bin/sleep 1000
priority=5
startsecs=0
`

// BB-25: stop all in ascending order, SIGHUP reload in the same pid with
// fresh processes, shutdown in descending order, pidfile and socket gone.
func TestReloadAndShutdownOrderBB25(t *testing.T) {
	dir := shortDir(t)
	in := startSupervisord(t, dir, bb25Programs)
	ctx := context.Background()
	for _, n := range []string{"p1", "b", "p3", "p5"} {
		in.waitState(n, "RUNNING", 10*time.Second)
	}
	res, err := in.client.StopAllProcesses(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range res {
		order = append(order, r.Name)
	}
	if !slices.Equal(order, []string{"p1", "b", "p3", "p5"}) {
		t.Errorf("stop all order %v", order)
	}
	if _, err := in.client.StartAllProcesses(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := in.client.StopProcess(ctx, "p3", true); err != nil {
		t.Fatal(err)
	}
	pidBefore, _ := os.ReadFile(filepath.Join(dir, "sd.pid"))
	oldPid := in.info("p1").PID
	in.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "reload", 15*time.Second, func() bool {
		p, err := in.client.GetProcessInfo(ctx, "p3")
		return err == nil && p.StateName == "RUNNING"
	})
	if p := in.info("p1"); p.PID == oldPid || p.StateName != "RUNNING" {
		t.Errorf("p1 after reload: %+v (old pid %d)", p, oldPid)
	}
	pidAfter, _ := os.ReadFile(filepath.Join(dir, "sd.pid"))
	if string(pidBefore) != string(pidAfter) || strings.TrimSpace(string(pidAfter)) != strconv.Itoa(in.cmd.Process.Pid) {
		t.Errorf("pidfile %q then %q, pid %d", pidBefore, pidAfter, in.cmd.Process.Pid)
	}
	if !in.logHas("WARN received SIGHUP indicating restart request") {
		t.Error("no SIGHUP line")
	}
	if n := strings.Count(strings.Join(in.logLines(), "\n"), "INFO supervisord started with pid "+strconv.Itoa(in.cmd.Process.Pid)); n != 2 {
		t.Errorf("started lines = %d", n)
	}
	mark := len(in.logLines())
	if err := in.client.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if code := in.wait(20 * time.Second); code != 0 {
		t.Errorf("exit %d", code)
	}
	lines := in.logLines()[mark:]
	idx := func(n string) int { return indexOf(lines, "stopped: "+n+" ") }
	if !(idx("p5") < idx("b") && idx("p5") < idx("p3") && idx("b") < idx("p1") && idx("p3") < idx("p1") && idx("p5") >= 0) {
		t.Errorf("shutdown order:\n%s", strings.Join(lines, "\n"))
	}
	for _, f := range []string{"sd.pid", "sock"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
}

// BB-19/BB-20: reread reports added/changed/removed; a changed group member
// makes the whole group changed; add/remove follow 4.2.5's rules.
func TestRereadAddRemoveBB19BB20(t *testing.T) {
	dir := shortDir(t)
	const before = `
[program:a]
command=/bin/sleep 1000
startsecs=0
[program:b]
command=/bin/sleep 1000
startsecs=0
[group:g]
programs=x,y
[program:x]
command=/bin/sleep 1000
startsecs=0
[program:y]
command=/bin/sleep 1000
startsecs=0
`
	in := startSupervisord(t, dir, before)
	ctx := context.Background()
	in.waitState("a", "RUNNING", 10*time.Second)
	yPid := in.waitState("g:y", "RUNNING", 10*time.Second).PID
	after := strings.Replace(before, "[program:b]\ncommand=/bin/sleep 1000\nstartsecs=0\n", "[program:c]\ncommand=/bin/sleep 1000\nstartsecs=0\n", 1)
	after = strings.Replace(after, "[program:a]\ncommand=/bin/sleep 1000", "[program:a]\ncommand=/bin/sleep 1001", 1)
	after = strings.Replace(after, "[program:x]\ncommand=/bin/sleep 1000", "[program:x]\ncommand=/bin/sleep 1002", 1)
	writeConf(t, dir, after)
	added, changed, removed, err := in.client.ReloadConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(added, []string{"c"}) || !slices.Equal(changed, []string{"a", "g"}) || !slices.Equal(removed, []string{"b"}) {
		t.Errorf("reread: added %v changed %v removed %v", added, changed, removed)
	}
	var f *rpc.Fault
	if err := in.client.RemoveProcessGroup(ctx, "a"); !errors.As(err, &f) || f.Code != rpc.FaultStillRunning {
		t.Errorf("remove running = %v", err)
	}
	if err := in.client.AddProcessGroup(ctx, "a"); !errors.As(err, &f) || f.Code != rpc.FaultAlreadyAdded {
		t.Errorf("add active = %v", err)
	}
	if err := in.client.AddProcessGroup(ctx, "bogus"); !errors.As(err, &f) || f.Code != rpc.FaultBadName {
		t.Errorf("add bogus = %v", err)
	}
	// What `supervisorctl update` does.
	for _, g := range []string{"b", "g"} {
		if _, err := in.client.StopProcessGroup(ctx, g, true); err != nil {
			t.Fatal(err)
		}
		if err := in.client.RemoveProcessGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []string{"g", "c"} {
		if err := in.client.AddProcessGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	in.waitState("c", "RUNNING", 10*time.Second)
	if p := in.waitState("g:y", "RUNNING", 10*time.Second); p.PID == yPid {
		t.Errorf("g:y kept pid %d: the whole group must restart", yPid)
	}
	if _, err := in.client.GetProcessInfo(ctx, "b"); !errors.As(err, &f) || f.Code != rpc.FaultBadName {
		t.Errorf("b after remove = %v", err)
	}
	added, changed, removed, _ = in.client.ReloadConfig(ctx)
	if len(added)+len(removed) != 0 || !slices.Equal(changed, []string{"a"}) {
		t.Errorf("second reread: %v %v %v", added, changed, removed)
	}
}

func TestDaemonizes(t *testing.T) {
	dir := shortDir(t)
	conf := writeConf(t, dir, "[program:s]\ncommand=/bin/sleep 1000\n")
	body, _ := os.ReadFile(conf)
	os.WriteFile(conf, []byte(strings.Replace(string(body), "nodaemon=true", "nodaemon=false\ndirectory="+dir+"\numask=077", 1)), 0o644)
	cmd := supervisordCmd(t, "-c", conf)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("parent: %v %s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "sd.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL); killChildren(dir) })
	if pid == cmd.Process.Pid || pid <= 0 {
		t.Fatalf("pidfile %d, parent %d", pid, cmd.Process.Pid)
	}
	if sid, _ := unix.Getsid(pid); sid != pid {
		t.Errorf("daemon sid %d, want its own session %d", sid, pid)
	}
	if cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); cwd != dir {
		t.Errorf("daemon cwd %q", cwd)
	}
	in := &instance{t: t, dir: dir}
	waitFor(t, "log lines", 10*time.Second, func() bool { return in.logHas("spawned: 's'") })
	for _, want := range []string{"INFO daemonizing the supervisord process", "INFO set current directory: '" + dir + "'", fmt.Sprintf("INFO supervisord started with pid %d", pid)} {
		if !in.logHas(want) {
			t.Errorf("log lacks %q:\n%s", want, strings.Join(in.logLines(), "\n"))
		}
	}
	syscall.Kill(pid, syscall.SIGTERM)
	waitFor(t, "daemon exit", 15*time.Second, func() bool { return syscall.Kill(pid, 0) != nil })
	if !in.logHas("WARN received SIGTERM indicating exit request") {
		t.Error("no SIGTERM line")
	}
}

func TestSecondInstanceRefused(t *testing.T) {
	dir := shortDir(t)
	in := startSupervisord(t, dir, "")
	cmd := supervisordCmd(t, "-c", in.conf)
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), "Error: Another program is already listening on a port that one of our HTTP servers is configured to use.  Shut this program down first before starting supervisord.") {
		t.Errorf("second instance: exit %d, output %q", code, out)
	}
	if _, err := in.client.GetPID(context.Background()); err != nil {
		t.Errorf("first instance hurt: %v", err)
	}
}

func TestSIGUSR2ReopensLogs(t *testing.T) {
	dir := shortDir(t)
	in := startSupervisord(t, dir, "[program:o]\ncommand=/bin/sh -c 'echo one; sleep 0.3; echo two; exec sleep 1000'\nstdout_logfile="+dir+"/o.out\n")
	waitFor(t, "first line", 10*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "o.out"))
		return strings.HasPrefix(string(b), "one\n")
	})
	os.Rename(filepath.Join(dir, "sd.log"), filepath.Join(dir, "sd.log.old"))
	os.Rename(filepath.Join(dir, "o.out"), filepath.Join(dir, "o.out.old"))
	in.cmd.Process.Signal(syscall.SIGUSR2)
	// As in 4.2.5, both lines still go to the old file; then a new one opens.
	waitFor(t, "reopened main log", 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(dir, "sd.log"))
		return err == nil
	})
	old, _ := os.ReadFile(filepath.Join(dir, "sd.log.old"))
	if !strings.Contains(string(old), "INFO received SIGUSR2 indicating log reopen request\n") ||
		!strings.Contains(string(old), "INFO supervisord logreopen\n") {
		t.Errorf("old log:\n%s", old)
	}
	waitFor(t, "second line in new child log", 10*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "o.out"))
		return string(b) == "two\n"
	})
}
