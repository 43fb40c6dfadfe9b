package sandbox

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	s := newSandbox(t, Options{})
	ctx := context.Background()
	tests := []struct {
		name      string
		script    string
		opts      CheckOptions
		passed    bool
		code      int
		output    string // substring
		timedOut  bool
		truncated bool
	}{
		// The course's own quirk: a shebang and tab-indented lines.
		{name: "seed style", script: "#!/bin/bash\n\tls -d /home/shiyanlou\n", passed: true, output: "/home/shiyanlou\n"},
		{name: "runs as root in the student's home", script: "id -u; pwd", passed: true, output: "0\n/home/shiyanlou\n"},
		{name: "failure keeps its output", script: "echo nope >&2; exit 3", code: 3, output: "nope\n"},
		{name: "stdin is empty", script: "cat; echo done", passed: true, output: "done\n"},
		{name: "timeout", script: "sleep 100", opts: CheckOptions{Timeout: 300 * time.Millisecond}, code: 137, timedOut: true},
		{name: "interpreter", script: "print(6*7)", opts: CheckOptions{Interpreter: []string{"/usr/bin/python3"}}, passed: true, output: "42\n"},
		{name: "missing interpreter", script: "x", opts: CheckOptions{Interpreter: []string{"/nope/sh"}}, code: 127, output: "/nope/sh"},
		{name: "leaves nothing behind", script: "sleep 1000 & echo bg", passed: true, output: "bg\n"},
		{name: "capped output", script: "head -c 100000 /dev/zero | tr '\\0' x", opts: CheckOptions{MaxOutput: 1000}, passed: true, truncated: true, output: strings.Repeat("x", 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := s.Check(ctx, tt.script, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Passed != tt.passed || res.ExitCode != tt.code || res.TimedOut != tt.timedOut || res.Truncated != tt.truncated {
				t.Errorf("got %+v", res)
			}
			if !strings.Contains(string(res.Output), tt.output) {
				t.Errorf("output %q does not contain %q", res.Output, tt.output)
			}
		})
	}
	// The timed-out check's sleep was killed with it.
	if out, _ := run(t, s, Root, "pgrep -x sleep || echo none"); out != "none\n" {
		t.Errorf("sleep from the timed-out check still runs: %q", out)
	}
}

// TestCheckScriptHiddenFromStudent: while a check runs, the student cannot
// read its script; root can (so the probe itself works).
func TestCheckScriptHiddenFromStudent(t *testing.T) {
	s := newSandbox(t, Options{})
	done := make(chan CheckResult, 1)
	go func() {
		res, err := s.Check(context.Background(), "# SECRET-MARKER\nfor i in $(seq 600); do test -e /tmp/probed && exit 0; sleep 0.05; done; exit 1", CheckOptions{})
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	// The check runs as "/bin/bash /proc/self/fd/3"; "[3]" keeps the
	// probe's own command line from matching.
	probe := `for i in $(seq 200); do pid=$(pgrep -o -f '^/bin/bash /proc/self/fd/[3]') && break; sleep 0.05; done
timeout 5 cat /proc/$pid/fd/3 2>/dev/null | grep -c SECRET-MARKER`
	if out, _ := run(t, s, Student, probe); out != "0\n" {
		t.Errorf("student read the check script: %q", out)
	}
	if out, _ := run(t, s, Root, probe); out == "0\n" {
		t.Errorf("root could not read the script either (%q): the probe proves nothing", out)
	}
	run(t, s, Root, "touch /tmp/probed")
	if res := <-done; !res.Passed {
		t.Errorf("the check did not outlive the probes: %+v", res)
	}
}

func TestExecStdin(t *testing.T) {
	s := newSandbox(t, Options{})
	var out bytes.Buffer
	st, err := s.Exec(context.Background(), ExecRequest{
		Argv: []string{"tr", "a-z", "A-Z"}, Stdin: strings.NewReader("hello\n"), Stdout: &out, User: Student,
	})
	if err != nil || st.Code != 0 || out.String() != "HELLO\n" {
		t.Fatalf("got %q, %+v, %v", out.String(), st, err)
	}
	_, err = s.Exec(context.Background(), ExecRequest{Argv: []string{"no-such-command"}})
	if err == nil || !strings.Contains(err.Error(), "no-such-command: command not found") {
		t.Errorf("missing command: err = %v", err)
	}
	_, err = s.Exec(context.Background(), ExecRequest{Argv: []string{"true"}, User: "nobody-here"})
	if err == nil || !strings.Contains(err.Error(), "user nobody-here: not in the sandbox's /etc/passwd") {
		t.Errorf("missing user: err = %v", err)
	}
	// Cancelling kills the command.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.Exec(ctx, ExecRequest{Argv: []string{"sleep", "100"}}); err != context.DeadlineExceeded {
		t.Errorf("cancelled exec: err = %v", err)
	}
	// Killed by a signal.
	st, err = s.Exec(context.Background(), ExecRequest{Argv: []string{"sh", "-c", "kill -9 $$"}})
	if err != nil || st.Code != 137 || st.Signal != "SIGKILL" {
		t.Errorf("signalled: %+v, %v", st, err)
	}
}
