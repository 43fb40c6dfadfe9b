package rpc_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
)

// oracle is a running Python supervisord 4.2.5 (the Debian package).
type oracle struct {
	sock   string
	client *http.Client
}

const oracleConf = `[unix_http_server]
file=%[1]s/py.sock

[supervisord]
logfile=%[1]s/main.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[program:cat]
command=cat
autostart=false
startsecs=0
stdout_logfile=%[1]s/cat.out
stderr_logfile=%[1]s/cat.err

[program:missing]
command=/nonexistent/prog
autostart=false
startsecs=0
stdout_logfile=%[1]s/missing.out
stderr_logfile=%[1]s/missing.err

[group:grp]
programs=a,b

[program:a]
command=sleep 1000
autostart=false
startsecs=0
stdout_logfile=%[1]s/a.out
stderr_logfile=%[1]s/a.err

[program:b]
command=sleep 1000
autostart=false
startsecs=0
stdout_logfile=%[1]s/b.out
stderr_logfile=%[1]s/b.err
`

// fakeFor returns our test backend configured like oracleConf.
func fakeFor(dir string) *rpctest.Backend {
	p := func(g, n string, argv ...string) rpctest.Program {
		return rpctest.Program{Group: g, Name: n, Priority: 999, Argv: argv,
			StdoutLog: filepath.Join(dir, n+".out"), StderrLog: filepath.Join(dir, n+".err")}
	}
	b := rpctest.New(
		p("cat", "cat", "cat"),
		p("grp", "a", "sleep", "1000"),
		p("grp", "b", "sleep", "1000"),
		p("missing", "missing", "/nonexistent/prog"),
	)
	if _, err := os.Stat(dir); err == nil {
		b.MainLog = filepath.Join(dir, "ours-main.log")
		if err := os.WriteFile(b.MainLog, []byte("main log\n"), 0o644); err != nil {
			panic(err)
		}
	}
	return b
}

func startOracle(t *testing.T, dir string) *oracle {
	t.Helper()
	return startOracleConf(t, dir, fmt.Sprintf(oracleConf, dir))
}

// startOracleConf runs Python's supervisord with conf, which must put its
// socket at dir/py.sock.
func startOracleConf(t testing.TB, dir, confText string) *oracle {
	t.Helper()
	bin := "/usr/bin/supervisord"
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("oracle %s missing: %v", bin, err)
		}
		t.Skipf("oracle %s not installed (Debian package supervisor): %v", bin, err)
	}
	conf := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(conf, []byte(confText), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-c", conf)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	o := newOracleClient(filepath.Join(dir, "py.sock"))
	o.waitUp(t, stderr.String)
	return o
}

func newOracleClient(sock string) *oracle {
	o := &oracle{sock: sock}
	o.client = &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", o.sock)
		},
	}}
	return o
}

// waitUp polls getState until the server answers RUNNING.
func (o *oracle) waitUp(t testing.TB, output func() string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body, err := o.post([]byte(rpcCall("supervisor.getState")))
		if err == nil && status == 200 && bytes.Contains(body, []byte("RUNNING")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("supervisord on %s did not come up: %v\n%s", o.sock, err, output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (o *oracle) post(body []byte) (int, []byte, error) {
	resp, err := o.client.Post("http://localhost/RPC2", "text/xml", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func ours(s *rpc.Server, body []byte) (int, []byte) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/RPC2", bytes.NewReader(body))
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// rpcCall builds a request body.
func rpcCall(method string, params ...any) string {
	return string(rpc.EncodeRequest(method, params...))
}

var (
	reUptime = regexp.MustCompile(`^pid \d+, uptime \d+:\d\d:\d\d$`)
	reDate   = regexp.MustCompile(`^[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M$`)
)

// normalize replaces what legitimately differs between two supervisords
// (pids, clocks, temp paths, the main log's content) with placeholders.
func normalize(v any, dir, method string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			switch k {
			case "pid", "start", "stop", "now":
				if n, ok := e.(int64); ok && n != 0 {
					e = "<nonzero>"
				}
			}
			out[k] = normalize(e, dir, method)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e, dir, method)
		}
		return out
	case string:
		s := strings.ReplaceAll(x, dir, "$TMP")
		switch {
		case reUptime.MatchString(s):
			return "pid N, uptime T"
		case reDate.MatchString(s):
			return "<date>"
		}
		return s
	case int64:
		if method == "supervisor.getPID" {
			return "<pid>"
		}
	}
	return v
}

var reName = regexp.MustCompile(`<name>[^<]*</name>`)

type exchange struct {
	status int
	value  any
	fault  *rpc.Fault
	names  string // struct member names in wire order
}

func decodeExchange(t *testing.T, status int, body []byte, dir, method string) exchange {
	t.Helper()
	ex := exchange{status: status}
	if status != 200 {
		return ex
	}
	v, f, err := rpc.DecodeResponse(body)
	if err != nil {
		t.Fatalf("%s: undecodable response: %v\n%s", method, err, body)
	}
	if f != nil {
		f.Detail = strings.ReplaceAll(f.Detail, dir, "$TMP")
	}
	ex.value, ex.fault = normalize(v, dir, method), f
	ex.names = strings.Join(reName.FindAllString(string(body), -1), "")
	return ex
}

func compare(t *testing.T, label, method string, py, us exchange) {
	t.Helper()
	if py.status != us.status {
		t.Errorf("%s: HTTP status: python %d, ours %d", label, py.status, us.status)
		return
	}
	if !reflect.DeepEqual(py.fault, us.fault) {
		t.Errorf("%s: fault: python %v, ours %v", label, py.fault, us.fault)
		return
	}
	if !reflect.DeepEqual(py.value, us.value) {
		t.Errorf("%s: value differs\npython: %#v\nours:   %#v", label, py.value, us.value)
		return
	}
	if py.names != us.names {
		t.Errorf("%s: struct member order differs\npython: %s\nours:   %s", label, py.names, us.names)
	}
}

// TestOracleRequests sends every request of testdata/rpc/requests to
// Python's supervisord and to our handler (over the test backend, set up
// with the same programs) and compares status, fault codes and strings,
// value types, struct keys and key order. (Where 4.2.5 crashes with a 500
// on a wrongly typed argument we deliberately answer with a fault; those
// cases are in TestBadArgumentTypes, not here.)
func TestOracleRequests(t *testing.T) {
	dir := t.TempDir()
	o := startOracle(t, dir)
	fake := fakeFor(dir)
	defer fake.Close()
	srv := rpc.NewServer(fake, nil)

	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "rpc", "requests", "*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no request files: %v", err)
	}
	sort.Strings(files)
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		req, err := rpc.DecodeRequest(body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		pst, pbody, err := o.post(body)
		if err != nil {
			t.Fatalf("%s: python: %v", name, err)
		}
		ust, ubody := ours(srv, body)
		compare(t, name, req.Method,
			decodeExchange(t, pst, pbody, dir, req.Method),
			decodeExchange(t, ust, ubody, dir, req.Method))
	}
}

// TestOracleScenario drives both servers through the same sequence of
// state-changing calls with real processes.
func TestOracleScenario(t *testing.T) {
	dir := t.TempDir()
	o := startOracle(t, dir)
	fake := fakeFor(dir)
	defer fake.Close()
	srv := rpc.NewServer(fake, nil)

	// Both sides use the same log paths, so the log steps read the same
	// file through two implementations of the offset rules.
	for i, st := range scenario {
		if st.method == barrier {
			awaitState(t, o, st.params[0].(string), st.params[1].(string))
			awaitState(t, &inProcess{srv}, st.params[0].(string), st.params[1].(string))
			continue
		}
		body := []byte(rpcCall(st.method, st.params...))
		label := fmt.Sprintf("step %d %s%v", i+1, st.method, st.params)
		pst, pbody, err := o.post(body)
		if err != nil {
			t.Fatalf("%s: python: %v", label, err)
		}
		ust, ubody := ours(srv, body)
		if st.method == "supervisor.sendProcessStdin" {
			// Both cats echo into the same cat.out; let both land.
			waitFileSize(t, filepath.Join(dir, "cat.out"), 12)
		}
		compare(t, label, st.method,
			decodeExchange(t, pst, pbody, dir, st.method),
			decodeExchange(t, ust, ubody, dir, st.method))
	}
}

func waitFileSize(t *testing.T, path string, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st, err := os.Stat(path); err == nil && st.Size() >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	mainLog, _ := os.ReadFile(filepath.Join(filepath.Dir(path), "main.log"))
	st, err := os.Stat(path)
	t.Fatalf("%s never reached %d bytes (%v %v); main.log:\n%s", path, n, st, err, mainLog)
}

// scenario is a sequence of state-changing calls with real processes,
// run against two servers configured by oracleConf.
var scenario = []struct {
	method string
	params []any
}{
	{"supervisor.startProcess", []any{"cat"}},
	{"supervisor.startProcess", []any{"cat"}},
	{"supervisor.getProcessInfo", []any{"cat"}},
	{"supervisor.sendProcessStdin", []any{"cat", "hello\n"}},
	{"supervisor.signalProcess", []any{"cat", "SIGCONT"}},
	{"supervisor.signalProcess", []any{"cat", int64(18)}},
	{"supervisor.signalProcess", []any{"cat", "99"}},
	{"supervisor.startProcessGroup", []any{"grp"}},
	{"supervisor.startProcessGroup", []any{"grp"}},
	{"supervisor.getAllProcessInfo", nil},
	{"supervisor.signalProcessGroup", []any{"grp", "CONT"}},
	{"supervisor.stopProcess", []any{"grp:a"}},
	{"supervisor.startAllProcesses", nil},
	{"supervisor.removeProcessGroup", []any{"grp"}},
	{"supervisor.stopProcessGroup", []any{"grp", false}},
	{barrier, []any{"grp:a", "STOPPED"}}, // no wait above: let both settle on both sides
	{barrier, []any{"grp:b", "STOPPED"}},
	{"supervisor.stopAllProcesses", nil},
	{"supervisor.getAllProcessInfo", nil},
	{"supervisor.removeProcessGroup", []any{"grp"}},
	{"supervisor.getAllProcessInfo", nil},
	{"supervisor.addProcessGroup", []any{"grp"}},
	{"supervisor.getProcessInfo", []any{"grp:b"}},
	{"supervisor.tailProcessStdoutLog", []any{"cat", int64(0), int64(3)}},
	{"supervisor.tailProcessStdoutLog", []any{"cat", int64(2), int64(100)}},
	{"supervisor.readProcessStdoutLog", []any{"cat", int64(-3), int64(0)}},
	{"supervisor.readProcessStdoutLog", []any{"cat", int64(1), int64(2)}},
	{"supervisor.readProcessStdoutLog", []any{"cat", int64(0), int64(0)}},
	{"supervisor.readProcessStdoutLog", []any{"cat", int64(100), int64(0)}},
	{"supervisor.readProcessStderrLog", []any{"cat", int64(0), int64(0)}},
	{"system.multicall", []any{[]any{
		map[string]any{"methodName": "supervisor.startProcess", "params": []any{"cat"}},
		map[string]any{"methodName": "supervisor.stopProcess", "params": []any{"cat"}},
		map[string]any{"methodName": "supervisor.stopProcess", "params": []any{"cat"}},
	}}},
}

// barrier in scenario means: poll getProcessInfo(params[0]) on both
// sides until its statename is params[1].
const barrier = "wait-for-state"

type poster interface {
	post(body []byte) (int, []byte, error)
}

type inProcess struct{ s *rpc.Server }

func (p *inProcess) post(body []byte) (int, []byte, error) {
	st, b := ours(p.s, body)
	return st, b, nil
}

func awaitState(t *testing.T, p poster, name, state string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body, err := p.post([]byte(rpcCall("supervisor.getProcessInfo", name)))
		if err != nil {
			t.Fatal(err)
		}
		v, _, _ := rpc.DecodeResponse(body)
		if m, ok := v.(map[string]any); ok && m["statename"] == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never reached %s: %s", name, state, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
