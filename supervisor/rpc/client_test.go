package rpc_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// serveUnix serves s on a unix socket in a short temp dir.
func serveUnix(t testing.TB, h http.Handler) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rpc")
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); os.RemoveAll(dir) })
	return "unix://" + sock
}

// exerciseClient runs the typed client through the oracle configuration
// (oracleConf / fakeFor) and checks every answer; it is run against our
// server and against Python's.
func exerciseClient(t *testing.T, c *rpc.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	wantFault := func(err error, code int, text string) {
		t.Helper()
		var f *rpc.Fault
		if !errors.As(err, &f) || f.Code != code || f.String() != text {
			t.Fatalf("got %v, want fault %d %q", err, code, text)
		}
	}
	v, err := c.GetAPIVersion(ctx)
	must(err)
	if v != "3.0" {
		t.Errorf("api version %q", v)
	}
	sv, err := c.GetSupervisorVersion(ctx)
	must(err)
	if sv != "4.2.5" {
		t.Errorf("version %q", sv)
	}
	st, err := c.GetState(ctx)
	must(err)
	if st != (rpc.State{Code: 1, Name: "RUNNING"}) {
		t.Errorf("state %+v", st)
	}
	pid, err := c.GetPID(ctx)
	must(err)
	if pid <= 0 {
		t.Errorf("pid %d", pid)
	}
	_, err = c.GetProcessInfo(ctx, "bogus")
	wantFault(err, rpc.FaultBadName, "BAD_NAME: bogus")
	must(c.StartProcess(ctx, "cat", true))
	err = c.StartProcess(ctx, "cat", true)
	wantFault(err, rpc.FaultAlreadyStarted, "ALREADY_STARTED: cat")
	p, err := c.GetProcessInfo(ctx, "cat")
	must(err)
	if p.StateName != "RUNNING" || p.PID == 0 || p.Namespec() != "cat" {
		t.Errorf("cat: %+v", p)
	}
	rs, err := c.StartProcessGroup(ctx, "grp", true)
	must(err)
	want := []rpc.Result{{"a", "grp", 80, "OK"}, {"b", "grp", 80, "OK"}}
	if !reflect.DeepEqual(rs, want) {
		t.Errorf("startProcessGroup = %+v", rs)
	}
	all, err := c.GetAllProcessInfo(ctx)
	must(err)
	if len(all) != 4 || all[1].Namespec() != "grp:a" {
		t.Errorf("getAllProcessInfo = %+v", all)
	}
	must(c.SignalProcess(ctx, "grp:a", "CONT"))
	err = c.SignalProcess(ctx, "grp:a", "NOPE")
	wantFault(err, rpc.FaultBadSignal, "BAD_SIGNAL: NOPE")
	rs, err = c.StopAllProcesses(ctx, true)
	must(err)
	if len(rs) != 3 {
		t.Errorf("stopAllProcesses = %+v", rs)
	}
	tail, err := c.TailProcessStdoutLog(ctx, "cat", 0, 10)
	must(err)
	if tail.Overflow || tail.Data != "" {
		t.Errorf("tail = %+v", tail)
	}
	added, changed, removed, err := c.ReloadConfig(ctx)
	must(err)
	if len(added)+len(changed)+len(removed) != 0 {
		t.Errorf("reloadConfig = %v %v %v", added, changed, removed)
	}
	sig, err := c.MethodSignature(ctx, "supervisor.tailProcessStdoutLog")
	must(err)
	if !reflect.DeepEqual(sig, []string{"array", "string", "int", "int"}) {
		t.Errorf("signature %v", sig)
	}
	methods, err := c.ListMethods(ctx)
	must(err)
	if len(methods) != 41 {
		t.Errorf("%d methods", len(methods))
	}
	res, err := c.Multicall(ctx,
		rpc.MulticallOp{Method: "supervisor.getAPIVersion"},
		rpc.MulticallOp{Method: "supervisor.stopProcess", Params: []any{"cat"}})
	must(err)
	if len(res) != 2 || res[0] != "3.0" {
		t.Fatalf("multicall = %#v", res)
	}
	wantFault(res[1].(error), rpc.FaultNotRunning, "NOT_RUNNING: cat")
	cfgs, err := c.GetAllConfigInfo(ctx)
	must(err)
	if len(cfgs) != 4 || cfgs[0]["name"] != "a" || fmt.Sprint(cfgs[0]["stopsignal"]) != "15" {
		t.Errorf("getAllConfigInfo[0] = %v", cfgs[0])
	}
}

func TestClientAgainstOurs(t *testing.T) {
	dir := t.TempDir()
	fake := fakeFor(dir)
	defer fake.Close()
	url := serveUnix(t, rpc.NewServer(fake, nil))
	c, err := rpc.NewClient(url, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	exerciseClient(t, c)
}

func TestClientAgainstPython(t *testing.T) {
	dir := t.TempDir()
	o := startOracle(t, dir)
	c, err := rpc.NewClient("unix://"+o.sock, "", "")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	exerciseClient(t, c)
}

func TestClientHTTPErrors(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="default"`)
		rpc.WriteHTTPError(w, 401)
	})
	c, err := rpc.NewClient(serveUnix(t, h), "u", "p")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetState(context.Background())
	var he *rpc.HTTPError
	if !errors.As(err, &he) || he.StatusCode != 401 {
		t.Fatalf("got %v", err)
	}
	for _, bad := range []string{"ftp://x", "unix://", "http://"} {
		if _, err := rpc.NewClient(bad, "", ""); err == nil {
			t.Errorf("NewClient(%q) accepted", bad)
		}
	}
}
