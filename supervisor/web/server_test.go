package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
)

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) log(level config.LogLevel, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, msg)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// sockDir returns a short temp dir: unix socket paths are limited to 107 bytes.
func sockDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "web")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// start runs a Server for cfg and returns it with its stderr buffer.
func start(t *testing.T, cfg *config.Config, b rpc.Backend) (*Server, *logLines, *bytes.Buffer) {
	t.Helper()
	logs := &logLines{}
	s := New(cfg, b, logs.log)
	var stderr bytes.Buffer
	s.Stderr = &stderr
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s, logs, &stderr
}

func unixClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}

const getStateCall = "<?xml version='1.0'?>\n<methodCall>\n<methodName>supervisor.getState</methodName>\n<params>\n</params>\n</methodCall>\n"

func TestUnixSocketServesRPCWithMode(t *testing.T) { // CFG-UNIX-02, CFG-UNIX-06, HTTP-01
	dir := sockDir(t)
	sock := filepath.Join(dir, "s.sock")
	cfg := &config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: sock, Chmod: 0o760}}
	s, logs, _ := start(t, cfg, rpctest.New())

	st, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o760 {
		t.Errorf("socket mode %v, want socket 0760", st.Mode())
	}
	if _, err := os.Stat(sock + "." + strconv.Itoa(os.Getpid())); !os.IsNotExist(err) {
		t.Errorf("temporary socket name left behind: %v", err)
	}
	if got, want := logs.String(), "Server 'unix_http_server' running without any HTTP authentication checking"; got != want {
		t.Errorf("log = %q, want %q", got, want)
	}
	resp, err := unixClient(sock).Post("http://localhost/RPC2", "text/xml", strings.NewReader(getStateCall))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<string>RUNNING</string>") {
		t.Fatalf("status %d body %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	if sv := resp.Header.Get("Server"); sv != ServerHeader {
		t.Errorf("Server %q", sv)
	}
	s.Close()
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket file not removed at Close: %v", err)
	}
}

func TestUnixStaleSocketIsReplaced(t *testing.T) { // CFG-UNIX-05
	dir := sockDir(t)
	sock := filepath.Join(dir, "s.sock")
	// A socket file nobody listens on, as a crashed supervisord leaves it.
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()

	old := staleRetryDelay
	staleRetryDelay = time.Millisecond
	defer func() { staleRetryDelay = old }()

	cfg := &config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: sock, Chmod: 0o700}}
	_, _, stderr := start(t, cfg, rpctest.New())
	if got, want := stderr.String(), "Unlinking stale socket "+sock+"\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
	if _, err := unixClient(sock).Post("http://localhost/RPC2", "text/xml", strings.NewReader(getStateCall)); err != nil {
		t.Fatal(err)
	}
}

func TestUnixSocketInUse(t *testing.T) { // CFG-UNIX-05
	dir := sockDir(t)
	sock := filepath.Join(dir, "s.sock")
	cfg := &config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: sock, Chmod: 0o700}}
	start(t, cfg, rpctest.New())

	second := New(cfg, rpctest.New(), nil)
	err := second.Listen()
	var le *ListenError
	if !errors.As(err, &le) || le.Msg != addrInUse {
		t.Fatalf("second Listen = %v, want %q", err, addrInUse)
	}
	// The first server's socket must survive the attempt.
	if _, err := unixClient(sock).Post("http://localhost/RPC2", "text/xml", strings.NewReader(getStateCall)); err != nil {
		t.Fatalf("first server lost its socket: %v", err)
	}
}

func TestUnixSocketDirMissing(t *testing.T) {
	cfg := &config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: filepath.Join(sockDir(t), "no", "s.sock"), Chmod: 0o700}}
	err := New(cfg, rpctest.New(), nil).Listen()
	if err == nil || !strings.HasPrefix(err.Error(), "Cannot open an HTTP server: socket.error reported errno.ENOENT (2)") {
		t.Fatalf("Listen = %v", err)
	}
}

func TestInetPortInUse(t *testing.T) { // CFG-INET-03
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	cfg := &config.Config{InetHTTPServer: &config.InetHTTPServer{Host: "127.0.0.1", Port: port}}
	err = New(cfg, rpctest.New(), nil).Listen()
	if err == nil || err.Error() != addrInUse {
		t.Fatalf("Listen = %v", err)
	}
}

// inet starts an inet server on a free port with the given credentials.
func inet(t *testing.T, user, pass string) (string, *logLines) {
	t.Helper()
	cfg := &config.Config{InetHTTPServer: &config.InetHTTPServer{Name: "inet_http_server", Host: "127.0.0.1", Port: 0, Username: user, Password: pass}}
	s, logs, _ := start(t, cfg, rpctest.New())
	return "http://" + s.Addrs()[0].String(), logs
}

func TestHTTPRules(t *testing.T) { // HTTP-01, HTTP-02
	base, logs := inet(t, "", "")
	if !strings.Contains(logs.String(), "Server 'inet_http_server' running without any HTTP authentication checking") {
		t.Errorf("no CRIT line: %q", logs.String())
	}
	tests := []struct {
		method, path, body string
		want               int
	}{
		{"GET", "/RPC2", "", 400},
		{"POST", "/RPC2", getStateCall, 200},
		{"POST", "/RPC2/anything?x=1", getStateCall, 200},
		{"POST", "/RPC2", "<methodCall>", 400},
		{"POST", "/RPC2", "<methodCall><params/></methodCall>", 400},
		{"HEAD", "/", "", 404},
		{"PUT", "/", "x", 400},
		{"GET", "/nonexistent", "", 404},
		{"GET", "//RPC2/../x", "", 404},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	base, _ := inet(t, "", "")
	big := strings.Repeat("x", rpc.DefaultMaxBody+1)
	resp, err := http.Post(base+"/RPC2", "text/xml", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestKeepAlive(t *testing.T) { // HTTP-03
	base, _ := inet(t, "", "")
	client := &http.Client{Transport: &http.Transport{}}
	reused := 0
	for i := 0; i < 3; i++ {
		trace := &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
			if ci.Reused {
				reused++
			}
		}}
		req, _ := http.NewRequest("POST", base+"/RPC2", strings.NewReader(getStateCall))
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if reused != 2 {
		t.Errorf("connection reused %d times, want 2", reused)
	}
}

func TestHTTP10KeepAlive(t *testing.T) {
	base, _ := inet(t, "", "")
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	for i := 0; i < 2; i++ {
		io.WriteString(conn, "POST /RPC2 HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: "+strconv.Itoa(len(getStateCall))+"\r\n\r\n"+getStateCall)
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
}

func TestBasicAuth(t *testing.T) { // AUTH-01..03
	sum := sha1.Sum([]byte("s3cret"))
	for _, stored := range []string{"s3cret", "{SHA}" + hex.EncodeToString(sum[:])} {
		t.Run(stored, func(t *testing.T) {
			base, logs := inet(t, "admin", stored)
			if strings.Contains(logs.String(), "without any HTTP authentication") {
				t.Errorf("CRIT line logged although auth is on")
			}
			tests := []struct {
				name, header string
				want         int
			}{
				{"none", "", 401},
				{"right", "Basic YWRtaW46czNjcmV0", 200},             // admin:s3cret
				{"lower-case scheme", "basic YWRtaW46czNjcmV0", 200}, // admin:s3cret
				{"wrong password", "Basic YWRtaW46bm8=", 401},        // admin:no
				{"wrong user", "Basic cm9vdDpzM2NyZXQ=", 401},        // root:s3cret
				{"no colon", "Basic YWRtaW4=", 401},                  // admin
				{"other scheme", "Bearer abc", 401},
				{"bad base64", "Basic YWRtaW46c", 400},
				{"hash given as password", "Basic " + b64("admin:"+hex.EncodeToString(sum[:])), 401},
			}
			for _, tt := range tests {
				for _, path := range []string{"/RPC2", "/", "/ok.html"} {
					req, _ := http.NewRequest("POST", base+path, strings.NewReader(getStateCall))
					if tt.header != "" {
						req.Header.Set("Authorization", tt.header)
					}
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					want := tt.want
					if want == 200 && path != "/RPC2" {
						want = 400 // past auth, the static handler refuses POST
					}
					if resp.StatusCode != want {
						t.Errorf("%s %s: status %d, want %d", tt.name, path, resp.StatusCode, want)
					}
					if want == 401 {
						if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="default"` {
							t.Errorf("%s: WWW-Authenticate %q", tt.name, got)
						}
						if !resp.Close {
							t.Errorf("%s: 401 without Connection: close", tt.name)
						}
					}
				}
			}
		})
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestHandleRegistersRoutes(t *testing.T) {
	cfg := &config.Config{InetHTTPServer: &config.InetHTTPServer{Host: "127.0.0.1"}}
	s := New(cfg, rpctest.New(), nil)
	s.Handle("/ok.html", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "OK") }))
	s.Handle("/logtail/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path) }))
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	defer func() { s.Close(); <-done }()
	base := "http://" + s.Addrs()[0].String()
	for path, want := range map[string]string{"/ok.html": "OK", "/logtail/foo/stderr": "/logtail/foo/stderr"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != want {
			t.Errorf("%s: %q", path, b)
		}
	}
}

func TestUnixSocketChown(t *testing.T) { // CFG-UNIX-03
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root")
	}
	dir := sockDir(t)
	sock := filepath.Join(dir, "s.sock")
	cfg := &config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: sock, Chmod: 0o770,
		Chown: &config.UserGroup{User: "nobody", UID: 65534, GID: -1}}}
	start(t, cfg, rpctest.New())
	st, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	if sys.Uid != 65534 || sys.Gid != 0 || st.Mode().Perm() != 0o770 {
		t.Errorf("owner %d:%d mode %v", sys.Uid, sys.Gid, st.Mode())
	}
}

func TestInetAllInterfaces(t *testing.T) { // CFG-INET-01 "*:port" → Host ""
	cfg := &config.Config{InetHTTPServer: &config.InetHTTPServer{Port: 0}}
	s, _, _ := start(t, cfg, rpctest.New())
	addr := s.Addrs()[0].(*net.TCPAddr)
	if !addr.IP.IsUnspecified() {
		t.Errorf("bound to %v, want all interfaces", addr)
	}
	resp, err := http.Post("http://"+net.JoinHostPort("127.0.0.1", strconv.Itoa(addr.Port))+"/RPC2", "text/xml", strings.NewReader(getStateCall))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestShutdownAnswersInFlight: Shutdown lets a request that is being
// answered finish (supervisor.shutdown's own response) and removes the
// socket.
func TestShutdownAnswersInFlight(t *testing.T) {
	dir := sockDir(t)
	sock := filepath.Join(dir, "s.sock")
	fake := rpctest.New(rpctest.Program{Group: "p", Name: "p", Argv: []string{"sleep", "1000"}, Startsecs: 300 * time.Millisecond})
	defer fake.Close()
	s := New(&config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: sock, Chmod: 0o700}}, fake, nil)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve() }()
	c, err := rpc.NewClient("unix://"+sock, "", "")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan error, 1)
	go func() { started <- c.StartProcess(context.Background(), "p", true) }()
	waitState(t, fake, "STARTING")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-started; err != nil {
		t.Errorf("in-flight start: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left behind: %v", err)
	}
}

func waitState(t *testing.T, b rpc.Backend, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := b.ProcessInfo("p", "p")
		if err == nil && info.State.String() == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never %s", want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestUnixSocketPathIsARegularFile(t *testing.T) {
	dir := sockDir(t)
	path := filepath.Join(dir, "precious.txt")
	if err := os.WriteFile(path, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New(&config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: path, Chmod: 0o700}}, rpctest.New(), nil)
	var stderr bytes.Buffer
	s.Stderr = &stderr
	err := s.Listen()
	if err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Fatalf("Listen = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "keep me" {
		t.Errorf("file was touched: %q", b)
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q", stderr.String())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
}

func TestShutdownWithoutServe(t *testing.T) {
	before := openFDs(t)
	dir := sockDir(t)
	sock := filepath.Join(dir, "s.sock")
	s := New(&config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: sock, Chmod: 0o700},
		InetHTTPServer: &config.InetHTTPServer{Host: "127.0.0.1"}}, rpctest.New(), nil)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := openFDs(t); after > before {
		t.Errorf("fds %d → %d", before, after)
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left: %v", err)
	}
	if err := s.Listen(); err == nil {
		t.Error("Listen after Shutdown succeeded")
	}
}
