package web

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
)

const pyBin = "/usr/bin/supervisord"

func needOracle(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(pyBin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("oracle %s missing: %v", pyBin, err)
		}
		t.Skipf("oracle %s not installed (Debian package supervisor): %v", pyBin, err)
	}
}

// pyConf is a minimal 4.2.5 configuration; %[1]s is the directory,
// %[2]s extra lines for [unix_http_server].
const pyConf = `[unix_http_server]
file=%[1]s/s.sock
%[2]s
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
`

// runPython starts Python's supervisord in dir; the returned channel
// yields its exit error, the buffer its stdout+stderr.
func runPython(t *testing.T, dir, extra string) (*exec.Cmd, *exited, *syncBuffer) {
	t.Helper()
	needOracle(t)
	conf := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(pyConf, dir, extra)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(pyBin, "-n", "-c", conf)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ex := &exited{done: make(chan struct{})}
	go func() { ex.err = cmd.Wait(); close(ex.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-ex.done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-ex.done
		}
	})
	return cmd, ex, out
}

// exited reports a child's exit: done closes, then err is set.
type exited struct {
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitUp(t *testing.T, sock string, out fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := unixClient(sock).Post("http://localhost/RPC2", "text/xml", strings.NewReader(getStateCall))
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("python supervisord did not come up: %v\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type rawReq struct {
	name, method, path, body, auth string
}

type rawResp struct {
	status                         int
	wwwAuth, conn, ctype, bodyText string
}

func doRaw(t *testing.T, sock string, r rawReq) rawResp {
	t.Helper()
	req, _ := http.NewRequest(r.method, "http://localhost"+r.path, strings.NewReader(r.body))
	if r.auth != "" {
		req.Header.Set("Authorization", r.auth)
	}
	// A fresh connection per request: 401 closes the connection anyway.
	c := unixClient(sock)
	c.Transport.(*http.Transport).DisableKeepAlives = true
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", r.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := rawResp{status: resp.StatusCode, wwwAuth: resp.Header.Get("WWW-Authenticate"),
		ctype: resp.Header.Get("Content-Type")}
	if resp.StatusCode != 200 {
		out.bodyText = string(b)
	}
	return out
}

func call1(method, param string) string {
	return "<?xml version='1.0'?><methodCall><methodName>" + method + "</methodName><params><param>" + param + "</param></params></methodCall>"
}

// TestOracleHTTP sends the same raw HTTP requests to Python's supervisord
// and to ours (same auth settings, both on unix sockets) and compares
// status, WWW-Authenticate, Content-Type and error pages (HTTP-01..06,
// AUTH-01..03).
func TestOracleHTTP(t *testing.T) {
	sum := sha1.Sum([]byte("pw"))
	hash := "{SHA}" + hex.EncodeToString(sum[:])
	for _, withAuth := range []bool{false, true} {
		t.Run(fmt.Sprintf("auth=%v", withAuth), func(t *testing.T) {
			pyDir, ourDir := sockDir(t), sockDir(t)
			extra := ""
			ucfg := &config.UnixHTTPServer{File: filepath.Join(ourDir, "s.sock"), Chmod: 0o700}
			if withAuth {
				extra = "username=user\npassword=" + hash + "\n"
				ucfg.Username, ucfg.Password = "user", hash
			}
			_, _, out := runPython(t, pyDir, extra)
			pySock := filepath.Join(pyDir, "s.sock")
			if !withAuth {
				waitUp(t, pySock, out)
			} else {
				waitFor(t, func() bool { _, err := os.Stat(pySock); return err == nil }, out)
			}
			start(t, &config.Config{UnixHTTPServer: ucfg}, rpctest.New(rpctest.Program{Group: "cat", Name: "cat", Argv: []string{"cat"}}))

			good := ""
			if withAuth {
				good = "Basic " + b64("user:pw")
			}
			reqs := []rawReq{
				{"GET /RPC2", "GET", "/RPC2", "", good},
				{"PUT /", "PUT", "/", "x", good},
				{"HEAD /", "HEAD", "/", "", good},
				{"GET /nonexistent", "GET", "/nonexistent", "", good},
				{"POST malformed", "POST", "/RPC2", "<methodCall>", good},
				{"POST not xml", "POST", "/RPC2", "hello", good},
				{"POST no method", "POST", "/RPC2", "<methodCall><params/></methodCall>", good},
				{"POST empty method", "POST", "/RPC2", "<methodCall><methodName></methodName></methodCall>", good},
				{"POST bad int", "POST", "/RPC2", call1("supervisor.readLog", "<value><int>x</int></value>"), good},
				{"POST getState", "POST", "/RPC2", getStateCall, good},
				{"POST RPC2 suffix", "POST", "/RPC2/x?y=1", getStateCall, good},
				{"POST i8 is text", "POST", "/RPC2", call1("supervisor.getProcessInfo", "<value><i8>5</i8></value>"), good},
			}
			if withAuth {
				reqs = append(reqs,
					rawReq{"no auth", "POST", "/RPC2", getStateCall, ""},
					rawReq{"no auth GET /", "GET", "/", "", ""},
					rawReq{"wrong password", "POST", "/RPC2", getStateCall, "Basic " + b64("user:nope")},
					rawReq{"hash as password", "POST", "/RPC2", getStateCall, "Basic " + b64("user:"+hash[5:])},
					rawReq{"digest scheme", "POST", "/RPC2", getStateCall, "Digest abc"},
					rawReq{"bad base64", "POST", "/RPC2", getStateCall, "Basic dXNlcjpw"},
				)
			}
			for _, r := range reqs {
				py := doRaw(t, pySock, r)
				us := doRaw(t, ucfg.File, r)
				if py != us {
					t.Errorf("%s:\npython %+v\nours   %+v", r.name, py, us)
				}
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool, out fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOracleSocketMessages checks our socket texts against what Python's
// supervisord prints in the same situations (CFG-UNIX-05, CFG-UNIX-06).
func TestOracleSocketMessages(t *testing.T) {
	t.Run("in use", func(t *testing.T) {
		dir := sockDir(t)
		cfg := &config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: filepath.Join(dir, "s.sock"), Chmod: 0o700}}
		start(t, cfg, rpctest.New())
		_, done, out := runPython(t, dir, "")
		select {
		case <-done.done:
			if ee, ok := done.err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
				t.Errorf("python exit: %v", done.err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("python supervisord did not refuse the busy socket")
		}
		if !strings.Contains(out.String(), "Error: "+addrInUse+"\n") {
			t.Errorf("python said %q; ours is %q", out.String(), addrInUse)
		}
	})
	t.Run("stale and CRIT", func(t *testing.T) {
		dir := sockDir(t)
		sock := filepath.Join(dir, "s.sock")
		ln, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		ln.Close()
		_, _, out := runPython(t, dir, "")
		waitUp(t, sock, out)
		want := "Unlinking stale socket " + sock + "\n"
		if !strings.Contains(out.String(), want) {
			t.Errorf("python stderr %q lacks %q", out.String(), want)
		}
		mainLog, _ := os.ReadFile(filepath.Join(dir, "main.log"))
		crit := "CRIT Server 'unix_http_server' running without any HTTP authentication checking"
		if !strings.Contains(string(mainLog), crit) {
			t.Errorf("python main log lacks %q:\n%s", crit, mainLog)
		}
	})
}
