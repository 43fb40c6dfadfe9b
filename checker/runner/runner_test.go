package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
)

func run(t *testing.T, l *Local, script string, timeout time.Duration) Result {
	t.Helper()
	res, err := l.Run(context.Background(), Script{Name: "t", Text: script, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestLocalRun(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LAB_SECRET_FROM_CALLER", "leak")
	tests := []struct {
		name, script string
		code         int
		out          string
	}{
		{"pass", "#!/bin/bash\ntrue\n", 0, ""},
		{"fail", "#!/bin/bash\nexit 3\n", 3, ""},
		{"no shebang runs bash", "echo $BASH_VERSION | grep -q . && echo bash", 0, "bash\n"},
		{"shebang with argument", "#!/bin/bash -e\nfalse\necho unreachable\n", 1, ""},
		{"env shebang", "#!/usr/bin/env bash\necho via-env\n", 0, "via-env\n"},
		{"stderr and stdout in order", "echo a; echo b >&2; echo c", 0, "a\nb\nc\n"},
		{"clean environment", "echo \"[$LAB_SECRET_FROM_CALLER]\" $PATH", 0, "[] " + CleanPath + "\n"},
		{"working directory", "pwd", 0, dir + "\n"},
		{"missing interpreter", "#!/no/such/interp\ntrue\n", 127, "lab: t: bad interpreter: /no/such/interp\n"},
		{"utf-8 output", "echo 没有启动 nginx", 0, "没有启动 nginx\n"},
		{"signal", "kill -TERM $$", 128 + 15, ""},
	}
	l := &Local{Dir: dir}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, l, tt.script, 0)
			if res.ExitCode != tt.code || string(res.Output) != tt.out || res.TimedOut {
				t.Errorf("got exit %d output %q timedout %v, want %d %q", res.ExitCode, res.Output, res.TimedOut, tt.code, tt.out)
			}
		})
	}
}

func TestLocalOutputCapped(t *testing.T) {
	l := &Local{Dir: t.TempDir(), OutputLimit: 1000}
	res := run(t, l, "head -c 300000 /dev/zero | tr '\\0' x; echo done >&2", 0)
	if res.ExitCode != 0 || len(res.Output) != 1000 || !res.Truncated {
		t.Fatalf("exit %d, %d bytes kept, truncated %v", res.ExitCode, len(res.Output), res.Truncated)
	}
}

// gone reports whether pid has exited (absent or a zombie nobody reaped yet).
func gone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && i+2 < len(s) && s[i+2] == 'Z'
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !gone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still running", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// A hung script that forked is killed with its whole group when the timeout expires.
func TestLocalTimeoutKillsGroup(t *testing.T) {
	dir := t.TempDir()
	l := &Local{Dir: dir}
	res := run(t, l, "sleep 1000 & echo $! > child.pid\necho started\nsleep 1000\n", 300*time.Millisecond)
	if !res.TimedOut || res.ExitCode != 128+9 || string(res.Output) != "started\n" {
		t.Fatalf("timed out %v, exit %d, output %q", res.TimedOut, res.ExitCode, res.Output)
	}
	waitGone(t, readPid(t, filepath.Join(dir, "child.pid")))
}

// What a passing script leaves running in its group does not outlive the check.
func TestLocalLeftoversKilled(t *testing.T) {
	dir := t.TempDir()
	l := &Local{Dir: dir}
	res := run(t, l, "sleep 1000 >/dev/null 2>&1 & echo $! > child.pid\n", 0)
	if res.ExitCode != 0 || res.TimedOut {
		t.Fatalf("exit %d timedout %v", res.ExitCode, res.TimedOut)
	}
	waitGone(t, readPid(t, filepath.Join(dir, "child.pid")))
}

// A daemon that left the group but kept the output pipe does not hang the check.
func TestLocalEscapedDaemonHoldsPipe(t *testing.T) {
	dir := t.TempDir()
	l := &Local{Dir: dir, Grace: 100 * time.Millisecond}
	res := run(t, l, "setsid sleep 1000 & echo $! > d.pid; echo ok\n", 0)
	pid := readPid(t, filepath.Join(dir, "d.pid"))
	defer func() {
		p, _ := os.FindProcess(pid)
		_ = p.Kill()
	}()
	if res.ExitCode != 0 || string(res.Output) != "ok\n" {
		t.Fatalf("exit %d output %q", res.ExitCode, res.Output)
	}
}

func TestLocalContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Local{Dir: t.TempDir()}
	done := make(chan error, 1)
	go func() {
		_, err := l.Run(ctx, Script{Name: "t", Text: "sleep 1000"})
		done <- err
	}()
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func TestInterpreter(t *testing.T) {
	for script, want := range map[string]string{
		"true":                       DefaultShell,
		"#!/bin/sh\ntrue":            "/bin/sh",
		"#! /usr/bin/env python3\nx": "/usr/bin/env python3",
		"#!/bin/bash -e -x\n":        "/bin/bash -e -x",
		"#!\n":                       DefaultShell,
	} {
		if got := strings.Join(Interpreter(script), " "); got != want {
			t.Errorf("Interpreter(%q) = %q, want %q", script, got, want)
		}
	}
}

const stepLab = "# L\n\n## Step one\n\n```checker\n" +
	"- name: first\n  script: |\n    #!/bin/bash\n    echo one; exit 1\n  error: first failed\n  hint: do step one\n" +
	"- name: second\n  script: |\n    #!/bin/bash\n    echo two\n  error: second failed\n" +
	"- name: slow\n  script: |\n    #!/bin/bash\n    sleep 1000\n  error: too slow\n  timeout: 0.2\n" +
	"```\n"

func TestRunStep(t *testing.T) {
	lab, err := labdoc.Parse("lab.md", []byte(stepLab))
	if err != nil {
		t.Fatal(err)
	}
	l := &Local{Dir: t.TempDir()}
	sr, err := RunStep(context.Background(), l, lab, lab.Steps[0], Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := []Status{}
	for _, c := range sr.Checks {
		got = append(got, c.Status)
	}
	if sr.Passed || strings.Join(statusStrings(got), ",") != "fail,not-run,not-run" {
		t.Fatalf("passed %v statuses %v", sr.Passed, got)
	}
	var seen []string
	onCheck := func(c CheckResult) { seen = append(seen, c.Name+":"+string(c.Status)) }
	sr, err = RunStep(context.Background(), l, lab, lab.Steps[0], Options{All: true, OnCheck: onCheck})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, " ") != "first:fail second:pass slow:fail" {
		t.Errorf("OnCheck saw %q", seen)
	}
	c := sr.Checks
	if c[0].Status != Fail || c[1].Status != Pass || c[2].Status != Fail || !c[2].TimedOut || c[2].Timeout != 200*time.Millisecond {
		t.Fatalf("with -a: %+v", c)
	}

	var text bytes.Buffer
	WriteText(&text, sr, Style{Verbose: true})
	want := "step-1  Step one\n" +
		"  ✗ first\n      first failed\n      hint: do step one\n      | one\n" +
		"  ✓ second\n      | two\n" +
		"  ✗ slow\n      too slow\n      (timed out after 0.2s)\n"
	if text.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", text.String(), want)
	}
	var colored bytes.Buffer
	WriteText(&colored, sr, Style{Color: true})
	if !strings.Contains(colored.String(), red+"✗"+reset) {
		t.Errorf("no colour: %q", colored.String())
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, Report{Lab: "lab.md", Steps: []StepResult{sr}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema int
		Steps  []struct {
			Step   int
			Checks []map[string]any
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	ch := doc.Steps[0].Checks
	if doc.Schema != 1 || ch[0]["status"] != "fail" || ch[0]["error"] != "first failed" || ch[1]["error"] != nil ||
		ch[2]["timeout_s"] != 0.2 || ch[2]["timed_out"] != true || ch[1]["output"] != "two\n" {
		t.Errorf("json: %s", js.String())
	}
}

func statusStrings(s []Status) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return out
}

func TestProgress(t *testing.T) {
	p := Progress{Dir: filepath.Join(t.TempDir(), "state")}
	if got, err := p.Steps("/a/lab.md"); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := p.Record("/a/lab.md", []StepResult{{Step: 1, Passed: true}, {Step: 2}}, now); err != nil {
		t.Fatal(err)
	}
	if err := p.Record("/a/lab.md", []StepResult{{Step: 2, Passed: true}}, now); err != nil {
		t.Fatal(err)
	}
	if err := p.Record("/b/lab.md", []StepResult{{Step: 1}}, now); err != nil {
		t.Fatal(err)
	}
	got, err := p.Steps("/a/lab.md")
	if err != nil || len(got) != 2 || !got[1].Passed || !got[2].Passed || !got[1].At.Equal(now) {
		t.Fatalf("got %v %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(p.Dir, "progress.json"), []byte("{oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Steps("/a/lab.md"); err == nil || !strings.Contains(err.Error(), "progress.json") {
		t.Fatalf("damaged file: %v", err)
	}
}

func TestStateDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if d, _ := StateDir(); d != "/x/state/supervisorlab" {
		t.Errorf("got %s", d)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/h")
	if d, _ := StateDir(); d != "/h/.local/state/supervisorlab" {
		t.Errorf("got %s", d)
	}
}
