package daemon

import (
	"context"
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

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

const oracleBinary = "/usr/bin/supervisord"

func requireOracle(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(oracleBinary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("oracle %s missing: %v", oracleBinary, err)
		}
		t.Skipf("oracle %s not installed (Debian package supervisor 4.2.5)", oracleBinary)
	}
}

// lifecycle drives one supervisord (ours or 4.2.5) through the common
// lifecycle and returns its main log without timestamps.
func lifecycle(t *testing.T, cmd *exec.Cmd, dir string) []string {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
		}
		killChildren(dir)
	})
	c, err := rpc.NewClient("unix://"+filepath.Join(dir, "sock"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	state := func(name string) string {
		p, err := c.GetProcessInfo(ctx, name)
		if err != nil {
			return ""
		}
		return p.StateName
	}
	want := map[string]string{"ok": "RUNNING", "q": "FATAL", "t": "EXITED", "k": "RUNNING", "d": "FATAL", "dz": "FATAL"}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := map[string]string{}
		for n := range want {
			got[n] = state(n)
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "sd.log"))
			t.Fatalf("processes did not settle: %v\n%s", got, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := c.StopProcess(ctx, "ok", true); err != nil {
		t.Fatal(err)
	}
	if err := c.SignalProcess(ctx, "k", "KILL"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "k back", 10*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "sd.log"))
		return strings.Count(string(b), "spawned: 'k'") == 2
	})
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("no exit after shutdown")
	}
	b, _ := os.ReadFile(filepath.Join(dir, "sd.log"))
	return strings.Split(strings.TrimSuffix(stamp.ReplaceAllString(string(b), ""), "\n"), "\n")
}

var pidRE = regexp.MustCompile(`\d{2,}`)

// perProgram keeps, for each program, its lines in order with pids and
// paths normalised. Lines that depend on timing ("waiting for") go.
func perProgram(lines []string, names []string) map[string][]string {
	out := map[string][]string{}
	for _, l := range lines {
		if strings.Contains(l, "waiting for") || strings.Contains(l, "INFO hint: ") {
			continue // timing-dependent, or our addition
		}
		for _, n := range names {
			if strings.Contains(l, "'"+n+"'") || strings.Contains(l, " "+n+" ") {
				out[n] = append(out[n], pidRE.ReplaceAllString(l, "N"))
			}
		}
	}
	return out
}

// TestMainLogMatchesOracle runs 4.2.5 and ours on the same programs and
// compares each program's main-log lines (spawned/success/exited/stopped/
// gave up/killed).
func TestMainLogMatchesOracle(t *testing.T) {
	requireOracle(t)
	daemonizes, err := filepath.Abs("../../testdata/engine/daemonizes.sh")
	if err != nil {
		t.Fatal(err)
	}
	programs := `
[program:ok]
command=/bin/sleep 1000
[program:q]
command=/bin/sh -c "exit 3"
startretries=1
[program:t]
command=/bin/true
startsecs=0
autorestart=false
[program:k]
command=/bin/sleep 1000
startsecs=0
autorestart=true
[program:d]
command=/bin/sleep 1000
directory=/nonexistent/dir
startretries=0
[program:dz]
command=` + daemonizes + ` %(here)s/dz.pid
`
	pyDir, goDir := shortDir(t), shortDir(t)
	pyCmd := exec.Command(oracleBinary, "-c", writeConf(t, pyDir, programs))
	goCmd := supervisordCmd(t, "-c", writeConf(t, goDir, programs))
	names := []string{"ok", "q", "t", "k", "d", "dz"}
	py := perProgram(lifecycle(t, pyCmd, pyDir), names)
	goLines := lifecycle(t, goCmd, goDir)
	ours := perProgram(goLines, names)
	if indexOf(goLines, "INFO hint: dz exited with status 0 before startsecs") < 0 {
		t.Error("no beginner hint for the self-daemonizing program")
	}
	// 4.2.5 logs t's success line only when its 1-second tick comes
	// before the SIGCHLD of the instant exit (BB-04 shows it; it is a
	// race there); we always log it.
	for _, m := range []map[string][]string{py, ours} {
		m["t"] = slices.DeleteFunc(m["t"], func(l string) bool { return strings.Contains(l, "success: t ") })
	}
	for _, n := range names {
		t.Logf("%s: %d lines agree", n, len(py[n]))
		if len(py[n]) == 0 {
			t.Errorf("4.2.5 logged nothing for %s", n)
		}
		if !slices.Equal(py[n], ours[n]) {
			t.Errorf("program %s:\n4.2.5:\n  %s\nours:\n  %s", n, strings.Join(py[n], "\n  "), strings.Join(ours[n], "\n  "))
		}
	}
}

var statusNorm = regexp.MustCompile(`pid \d+, uptime \d+:\d\d:\d\d|[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`)

// TestPythonCtlStatusMatches runs 4.2.5's supervisorctl status against
// 4.2.5's supervisord and against ours with the same programs.
func TestPythonCtlStatusMatches(t *testing.T) {
	requireOracle(t)
	const programs = `
[program:run]
command=/bin/sleep 1000
startsecs=0
[program:off]
command=/bin/sleep 1000
autostart=false
[program:fatal]
command=nosuchcmd_xyz
startretries=0
[program:done]
command=/bin/true
startsecs=0
autorestart=false
[program:m]
command=/bin/sleep 1000
process_name=%(program_name)s_%(process_num)d
numprocs=2
startsecs=0
`
	status := func(cmd *exec.Cmd, dir string) string {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		defer func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
			}
			killChildren(dir)
		}()
		conf := filepath.Join(dir, "sd.conf")
		var out string
		waitFor(t, "settled status", 60*time.Second, func() bool {
			b, _ := exec.Command("/usr/bin/supervisorctl", "-c", conf, "status").Output()
			out = string(b)
			return strings.Count(out, "RUNNING") == 3 && strings.Contains(out, "FATAL") && strings.Contains(out, "EXITED")
		})
		return statusNorm.ReplaceAllString(out, "X")
	}
	pyDir, goDir := shortDir(t), shortDir(t)
	py := status(exec.Command(oracleBinary, "-c", writeConf(t, pyDir, programs)), pyDir)
	ours := status(supervisordCmd(t, "-c", writeConf(t, goDir, programs)), goDir)
	if py != ours {
		t.Errorf("status differs\n4.2.5:\n%s\nours:\n%s", py, ours)
	}
}

// TestPythonCtlRereadUpdateMatches is BB-19/BB-20 through 4.2.5's
// supervisorctl, against 4.2.5's supervisord and ours.
func TestPythonCtlRereadUpdateMatches(t *testing.T) {
	requireOracle(t)
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
autostart=false
`
	after := strings.NewReplacer(
		"[program:b]\ncommand=/bin/sleep 1000\n", "[program:c]\ncommand=/bin/sleep 1000\n",
		"[program:a]\ncommand=/bin/sleep 1000", "[program:a]\ncommand=/bin/sleep 1001",
		"[program:x]\ncommand=/bin/sleep 1000", "[program:x]\ncommand=/bin/sleep 1002",
	).Replace(before)
	run := func(cmd *exec.Cmd, dir string) string {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		defer func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
			}
			killChildren(dir)
		}()
		conf := filepath.Join(dir, "sd.conf")
		ctl := func(args ...string) string {
			b, _ := exec.Command("/usr/bin/supervisorctl", append([]string{"-c", conf}, args...)...).CombinedOutput()
			return string(b)
		}
		waitFor(t, "a running", 60*time.Second, func() bool { return strings.Contains(ctl("status", "a"), "RUNNING") })
		ctl("start", "g:y")
		writeConf(t, dir, after)
		var out strings.Builder
		for _, args := range [][]string{{"reread"}, {"avail"}, {"update"}, {"update"}, {"update", "bogus"}, {"remove", "a"}, {"status"}} {
			out.WriteString("$ " + strings.Join(args, " ") + "\n" + ctl(args...))
		}
		return statusNorm.ReplaceAllString(out.String(), "X")
	}
	pyDir, goDir := shortDir(t), shortDir(t)
	py := run(exec.Command(oracleBinary, "-c", writeConf(t, pyDir, before)), pyDir)
	ours := run(supervisordCmd(t, "-c", writeConf(t, goDir, before)), goDir)
	if py != ours {
		t.Errorf("differs\n4.2.5:\n%s\nours:\n%s", py, ours)
	}
}

// TestPythonCtlSessionMatches drives both daemons through a session of
// 4.2.5's supervisorctl commands (BB-05, BB-06, BB-16, signals) and
// compares the transcripts and each program's main-log lines.
func TestPythonCtlSessionMatches(t *testing.T) {
	requireOracle(t)
	script, err := filepath.Abs("../../testdata/engine/trapterm.sh")
	if err != nil {
		t.Fatal(err)
	}
	programs := `
[program:slow]
command=` + script + ` %(here)s/gc.pid
stopwaitsecs=1
startsecs=0
[program:nocmd]
command=nosuchcmd_xyz
startretries=100
[program:r]
command=/bin/sleep 1000
startsecs=0
[group:g]
programs=g1,g2
[program:g1]
command=/bin/sleep 1000
startsecs=0
[program:g2]
command=/bin/sleep 1000
startsecs=0
`
	run := func(cmd *exec.Cmd, dir string) (string, []string) {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		defer func() {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
			}
			killChildren(dir)
			if b, err := os.ReadFile(filepath.Join(dir, "gc.pid")); err == nil {
				exec.Command("kill", "-9", strings.TrimSpace(string(b))).Run()
			}
		}()
		conf := filepath.Join(dir, "sd.conf")
		ctl := func(args ...string) string {
			c := exec.Command("/usr/bin/supervisorctl", append([]string{"-c", conf}, args...)...)
			b, _ := c.CombinedOutput()
			return fmt.Sprintf("%s[exit %d]\n", b, c.ProcessState.ExitCode())
		}
		waitFor(t, "settled", 60*time.Second, func() bool {
			s := ctl("status")
			return strings.Count(s, "RUNNING") == 4 && strings.Contains(s, "BACKOFF")
		})
		var out strings.Builder
		for _, args := range [][]string{
			{"status", "nocmd"}, {"start", "nocmd"}, {"stop", "nocmd"}, {"status", "nocmd"},
			{"start", "g:*"}, {"stop", "g:g1"}, {"start", "g:*"}, {"start", "all"},
			{"signal", "HUP", "r"}, {"status", "r"}, {"signal", "USR1", "nocmd"},
			{"stop", "slow"}, {"status", "slow"}, {"restart", "r"}, {"pid", "nocmd"},
		} {
			out.WriteString("$ " + strings.Join(args, " ") + "\n" + ctl(args...))
		}
		b, _ := os.ReadFile(filepath.Join(dir, "sd.log"))
		lines := strings.Split(stamp.ReplaceAllString(string(b), ""), "\n")
		return statusNorm.ReplaceAllString(out.String(), "X"), lines
	}
	pyDir, goDir := shortDir(t), shortDir(t)
	py, pyLog := run(exec.Command(oracleBinary, "-c", writeConf(t, pyDir, programs)), pyDir)
	ours, goLog := run(supervisordCmd(t, "-c", writeConf(t, goDir, programs)), goDir)
	t.Logf("transcript:\n%s", ours)
	if py != ours {
		t.Errorf("transcripts differ\n4.2.5:\n%s\nours:\n%s", py, ours)
	}
	names := []string{"slow", "r", "g1", "g2"}
	pl, gl := perProgram(pyLog, names), perProgram(goLog, names)
	for _, n := range names {
		if !slices.Equal(pl[n], gl[n]) {
			t.Errorf("program %s:\n4.2.5:\n  %s\nours:\n  %s", n, strings.Join(pl[n], "\n  "), strings.Join(gl[n], "\n  "))
		}
	}
}
