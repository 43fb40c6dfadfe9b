package rpc_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
)

func faultOf(t *testing.T, v any, err error) *rpc.Fault {
	t.Helper()
	var f *rpc.Fault
	if !errors.As(err, &f) {
		t.Fatalf("want a fault, got %#v, %v", v, err)
	}
	return f
}

// TestShutdownState: every supervisor.* method but sendRemoteCommEvent
// refuses with SHUTDOWN_STATE while mood < RUNNING; system.* still works
// (RPC-SYS-05, reference §4.5).
func TestShutdownState(t *testing.T) {
	for _, mood := range []rpc.SupervisorState{rpc.SupervisorShutdown, rpc.SupervisorRestarting} {
		fake := fakeFor(t.TempDir())
		defer fake.Close()
		fake.SetMood(mood)
		srv := rpc.NewServer(fake, nil)
		ctx := context.Background()
		v, err := srv.Call(ctx, "system.listMethods", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range v.([]any) {
			name := m.(string)
			if !strings.HasPrefix(name, "supervisor.") {
				continue
			}
			sig, _ := srv.Call(ctx, "system.methodSignature", []any{name})
			var args []any
			for _, typ := range sig.([]any)[1:] {
				switch typ {
				case "string":
					args = append(args, "cat")
				case "int":
					args = append(args, int64(0))
				case "boolean":
					args = append(args, true)
				}
			}
			if name == "supervisor.signalAllProcesses" || name == "supervisor.signalProcessGroup" {
				args[len(args)-1] = "HUP"
			}
			v, err := srv.Call(ctx, name, args)
			if name == "supervisor.sendRemoteCommEvent" {
				if err != nil || v != true {
					t.Errorf("%s during mood %d: %v, %v", name, mood, v, err)
				}
				continue
			}
			if f := faultOf(t, v, err); f.String() != "SHUTDOWN_STATE" || f.Code != 6 {
				t.Errorf("%s during mood %d: %v", name, mood, f)
			}
		}
	}
}

// TestWaitDoesNotBlockOthers: a start that waits for startsecs must not
// hold up other clients, and ends when its client goes away (issue 5).
func TestWaitDoesNotBlockOthers(t *testing.T) {
	dir := t.TempDir()
	fake := rpctest.New(rpctest.Program{Group: "slow", Name: "slow", Argv: []string{"sleep", "1000"},
		Startsecs: time.Hour, StdoutLog: filepath.Join(dir, "slow.out")})
	defer fake.Close()
	srv := rpc.NewServer(fake, nil)

	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := srv.Call(ctx, "supervisor.startProcess", []any{"slow", true})
		done <- err
	}()
	// Wait until the process is STARTING, then use the server meanwhile.
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := srv.Call(context.Background(), "supervisor.getProcessInfo", []any{"slow"})
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := v.(rpc.Struct).Get("statename"); st == "STARTING" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never STARTING")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, m := range []string{"supervisor.getState", "supervisor.getAllProcessInfo"} {
		if _, err := srv.Call(context.Background(), m, nil); err != nil {
			t.Fatalf("%s while a start waits: %v", m, err)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("startProcess returned before startsecs: %v", err)
	default:
	}
	// A stop from another client ends the wait with ABNORMAL_TERMINATION
	// in 4.2.5; here we cancel the waiting client instead.
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait returned %v", err)
	}
	// The waiter's goroutines are gone.
	deadline = time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+1 {
		t.Errorf("goroutines: %d before, %d after", before, n)
	}
}

// TestStartWaitAbnormal: a process that dies while STARTING ends a
// waiting start with SPAWN_ERROR (startsecs not reached).
func TestStartWaitAbnormal(t *testing.T) {
	fake := rpctest.New(rpctest.Program{Group: "quick", Name: "quick", Argv: []string{"true"}, Startsecs: time.Hour})
	defer fake.Close()
	srv := rpc.NewServer(fake, nil)
	v, err := srv.Call(context.Background(), "supervisor.startProcess", []any{"quick"})
	if f := faultOf(t, v, err); f.String() != "SPAWN_ERROR: quick" {
		t.Fatalf("got %v", f)
	}
}

// TestMulticallDeferred: calls that wait complete before the next starts.
func TestMulticallDeferred(t *testing.T) {
	fake := rpctest.New(rpctest.Program{Group: "s", Name: "s", Argv: []string{"sleep", "1000"}, Startsecs: 200 * time.Millisecond})
	defer fake.Close()
	srv := rpc.NewServer(fake, nil)
	calls := []any{
		map[string]any{"methodName": "supervisor.startProcess", "params": []any{"s"}},
		map[string]any{"methodName": "supervisor.getProcessInfo", "params": []any{"s"}},
		map[string]any{"methodName": "supervisor.stopProcess", "params": []any{"s"}},
		map[string]any{"methodName": "supervisor.getProcessInfo", "params": []any{"s"}},
		"not a struct",
		map[string]any{"methodName": int64(5)},
		map[string]any{"methodName": "supervisor.getState", "params": "x"},
	}
	v, err := srv.Call(context.Background(), "system.multicall", []any{calls})
	if err != nil {
		t.Fatal(err)
	}
	res := v.([]any)
	if res[0] != true || res[2] != true {
		t.Fatalf("results %#v", res)
	}
	if st, _ := res[1].(rpc.Struct).Get("statename"); st != "RUNNING" {
		t.Errorf("after a waited start: %v", st)
	}
	if st, _ := res[3].(rpc.Struct).Get("statename"); st != "STOPPED" {
		t.Errorf("after a waited stop: %v", st)
	}
	for i, want := range map[int]string{4: "INCORRECT_PARAMETERS", 5: "UNKNOWN_METHOD", 6: "INCORRECT_PARAMETERS"} {
		fs, _ := res[i].(rpc.Struct).Get("faultString")
		if fs != want {
			t.Errorf("result %d: %v, want %s", i, res[i], want)
		}
	}
}

// TestBadArgumentTypes: where Python's code would crash with HTTP 500 on
// a wrongly typed argument, we answer with a fault (a deliberate
// improvement; observed on 4.2.5: AttributeError tracebacks).
func TestBadArgumentTypes(t *testing.T) {
	srv := rpc.NewServer(fakeFor(t.TempDir()), nil)
	tests := []struct {
		method string
		args   []any
		want   string
	}{
		{"supervisor.getProcessInfo", []any{int64(5)}, "INCORRECT_PARAMETERS"},
		{"supervisor.getProcessInfo", []any{nil}, "INCORRECT_PARAMETERS"},
		{"supervisor.readLog", []any{"a", int64(0)}, "INCORRECT_PARAMETERS"},
		{"supervisor.startProcess", []any{[]any{}}, "INCORRECT_PARAMETERS"},
		{"supervisor.signalProcess", []any{"cat", []any{}}, "BAD_SIGNAL: []"},
		{"system.multicall", []any{"abc"}, "INCORRECT_PARAMETERS"},
		{"supervisor.sendProcessStdin", []any{"cat", []any{"x"}}, "INCORRECT_PARAMETERS: ['x']"},
		{"supervisor.readLog", []any{"5", "0"}, ""}, // int("5") works in Python too
	}
	for _, tt := range tests {
		v, err := srv.Call(context.Background(), tt.method, tt.args)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s%v: %v", tt.method, tt.args, err)
			}
			continue
		}
		if f := faultOf(t, v, err); f.String() != tt.want {
			t.Errorf("%s%v: %q, want %q", tt.method, tt.args, f.String(), tt.want)
		}
	}
}

// TestLogOffsetsMatchPython compares ReadLogRange and TailLog with
// 4.2.5's own readFile and tailFile (options.py) over many offsets.
func TestLogOffsetsMatchPython(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat("/usr/lib/python3/dist-packages/supervisor/options.py"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("oracle supervisor package missing")
		}
		t.Skip("Debian supervisor package not installed")
	}
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	vals := []int64{-20, -11, -10, -3, -1, 0, 1, 3, 9, 10, 11, 20}
	script := `
import json, sys
from supervisor.options import readFile, tailFile
path, vals = sys.argv[1], json.loads(sys.argv[2])
out = []
for o in vals:
    for l in vals:
        try:
            r = readFile(path, o, l).decode()
        except ValueError as e:
            r = "!" + e.args[0]
        t = tailFile(path, o, l)
        out.append([o, l, r, t[0], t[1], t[2]])
print(json.dumps(out))
`
	jv, _ := json.Marshal(vals)
	out, err := exec.Command(py, "-c", script, path, string(jv)).Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	var rows [][]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		o, l := int64(r[0].(float64)), int64(r[1].(float64))
		b, err := rpc.ReadLogRange(path, o, l)
		got := string(b)
		if err != nil {
			got = "!" + err.Error()
		}
		if got != r[2].(string) {
			t.Errorf("readFile(%d, %d): ours %q, python %q", o, l, got, r[2])
		}
		data, next, over := rpc.TailLog(path, o, l)
		if string(data) != r[3].(string) || next != int64(r[4].(float64)) || over != r[5].(bool) {
			t.Errorf("tailFile(%d, %d): ours [%q %d %v], python %v", o, l, data, next, over, r[3:])
		}
	}
	if len(rows) != len(vals)*len(vals) {
		t.Fatalf("%d rows", len(rows))
	}

}

type panicky struct{ *rpctest.Backend }

func (panicky) Identification() string { panic("boom") }

// TestPanicIsInternalError: HTTP-05 — a crash inside a method is a 500
// with a CRIT line, or a FAILED fault inside multicall; never a dead server.
func TestPanicIsInternalError(t *testing.T) {
	var lines []string
	srv := rpc.NewServer(panicky{rpctest.New()}, func(level config.LogLevel, msg string) {
		if level >= config.LevelError {
			lines = append(lines, msg)
		}
	})
	status, _ := ours(srv, []byte(rpcCall("supervisor.getIdentification")))
	if status != 500 {
		t.Errorf("status %d", status)
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "Handling XML-RPC request with data ") || !strings.Contains(lines[0], "raised an unexpected exception: boom") {
		t.Errorf("log %q", lines)
	}
	v, err := srv.Call(context.Background(), "system.multicall", []any{[]any{
		map[string]any{"methodName": "supervisor.getIdentification"},
		map[string]any{"methodName": "supervisor.getAPIVersion"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	res := v.([]any)
	if fs, _ := res[0].(rpc.Struct).Get("faultString"); fs != "FAILED: panic: boom" || res[1] != "3.0" {
		t.Errorf("multicall %#v", res)
	}
}

// TestInvalidRequestLogged: HTTP-04's ERRO lines.
func TestInvalidRequestLogged(t *testing.T) {
	var lines []string
	srv := rpc.NewServer(rpctest.New(), func(level config.LogLevel, msg string) {
		if level == config.LevelError {
			lines = append(lines, msg)
		}
	})
	ours(srv, []byte("<x"))
	ours(srv, []byte("<methodCall/>"))
	want := []string{
		`XML-RPC request data '<x' is invalid: unmarshallable`,
		`XML-RPC request data '<methodCall/>' is invalid: no method name`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestBinaryLogParsesInPython: log bytes that are not valid XML text
// (ANSI escapes, invalid UTF-8) come back as U+FFFD so that Python's
// xmlrpc.client (and kolo/xmlrpc) can parse the answer; 4.2.5 itself
// sends them raw (or fails with a 500 on invalid UTF-8).
func TestBinaryLogParsesInPython(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "p.out")
	if err := os.WriteFile(log, []byte("\x1b[31mred\x1b[0m \xff ok & <tag>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := rpc.NewServer(rpctest.New(rpctest.Program{Group: "p", Name: "p", Argv: []string{"true"}, StdoutLog: log}), nil)
	_, body := ours(srv, []byte(rpcCall("supervisor.readProcessStdoutLog", "p", int64(0), int64(0))))
	want := "\ufffd[31mred\ufffd[0m \ufffd ok & <tag>\n"
	v, _, err := rpc.DecodeResponse(body)
	if err != nil || v != want {
		t.Fatalf("got %q, %v", v, err)
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no python3")
	}
	cmd := exec.Command("/usr/bin/python3", "-c", "import sys, xmlrpc.client as x; print(repr(x.loads(sys.stdin.buffer.read())[0][0]))")
	cmd.Stdin = strings.NewReader(string(body))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python could not parse: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != `'\ufffd[31mred\ufffd[0m \ufffd ok & <tag>\n'` && got != `'�[31mred�[0m � ok & <tag>\n'` {
		t.Errorf("python read %s", got)
	}
}

// TestStopDuringWaitedStart: another client's stop ends a waiting start
// with ABNORMAL_TERMINATION (RPC-12), without blocking either client.
func TestStopDuringWaitedStart(t *testing.T) {
	fake := rpctest.New(rpctest.Program{Group: "slow", Name: "slow", Argv: []string{"sleep", "1000"}, Startsecs: time.Hour})
	defer fake.Close()
	srv := rpc.NewServer(fake, nil)
	done := make(chan error, 1)
	go func() {
		_, err := srv.Call(context.Background(), "supervisor.startProcess", []any{"slow"})
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, _ := fake.ProcessInfo("slow", "slow")
		if info.State == rpc.StateStarting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never STARTING")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := srv.Call(context.Background(), "supervisor.stopProcess", []any{"slow"}); err != nil {
		t.Fatalf("stop: %v", err)
	}
	err := <-done
	if f := faultOf(t, nil, err); f.String() != "ABNORMAL_TERMINATION: slow" {
		t.Fatalf("waiting start ended with %v", f)
	}
}
