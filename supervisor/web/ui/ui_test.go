package ui

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
	"github.com/supervisorlab/supervisorlab/supervisor/web"
)

type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) log(_ config.LogLevel, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, msg)
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

type fixture struct {
	base    string
	backend *rpctest.Backend
	logs    *logLines
	ui      *UI
	srv     *web.Server
	dir     string
}

const evilName = `<i>x"&'</i>`

// serve starts a web.Server with the UI on a loopback port, backed by
// real child processes: "sleeper" (running, prints HTML into its log) and
// an evil-named one (stopped).
func serve(t *testing.T) *fixture { return serveAuth(t, "", "") }

func serveAuth(t *testing.T, user, pass string) *fixture {
	t.Helper()
	dir := t.TempDir()
	b := rpctest.New(
		rpctest.Program{Group: "sleeper", Name: "sleeper",
			Argv:      []string{"/bin/sh", "-c", `echo '<script>alert(1)</script> hello'; exec sleep 600`},
			StdoutLog: filepath.Join(dir, "sleeper.out"), StderrLog: filepath.Join(dir, "sleeper.err")},
		rpctest.Program{Group: "g", Name: evilName, Argv: []string{"/bin/sleep", "600"},
			StdoutLog: filepath.Join(dir, "evil.out")},
	)
	t.Cleanup(b.Close)
	logs := &logLines{}
	cfg := &config.Config{InetHTTPServer: &config.InetHTTPServer{Name: "inet_http_server", Host: "127.0.0.1", Port: 0, Username: user, Password: pass}}
	s := web.New(cfg, b, logs.log)
	u := Register(s, b)
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve() }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.StartProcess(ctx, "sleeper", "sleeper"); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitStarted(ctx, "sleeper", "sleeper"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{base: "http://" + s.Addrs()[0].String(), backend: b, logs: logs, ui: u, srv: s, dir: dir}
	if user != "" {
		return f
	}
	// The child writes its line right after exec; wait for it.
	waitFor(t, func() bool {
		data, _ := os.ReadFile(filepath.Join(dir, "sleeper.out"))
		return strings.Contains(string(data), "hello")
	})
	return f
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (f *fixture) get(t *testing.T, path string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(f.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func (f *fixture) post(t *testing.T, form url.Values, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", f.base+"/index.html", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var tokenRE = regexp.MustCompile(`name="token" value="([0-9a-f]+)"`)

func (f *fixture) token(t *testing.T) string {
	t.Helper()
	_, _, body := f.get(t, "/")
	m := tokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", body)
	}
	return m[1]
}

func (f *fixture) state(t *testing.T, g, n string) rpc.ProcessState {
	t.Helper()
	p, err := f.backend.ProcessInfo(g, n)
	if err != nil {
		t.Fatal(err)
	}
	return p.State
}

func TestStatusPage(t *testing.T) { // WEB-01, WEB-02, WEB-03, WEB-08
	f := serve(t)
	for _, path := range []string{"/", "/index.html"} {
		code, hdr, body := f.get(t, path)
		if code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		for k, v := range map[string]string{
			"Content-Type": "text/html;charset=utf-8", "Pragma": "no-cache",
			"Cache-Control": "no-cache", "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
		} {
			if hdr.Get(k) != v {
				t.Errorf("GET %s: %s = %q, want %q", path, k, hdr.Get(k), v)
			}
		}
		for _, want := range []string{
			"<title>Supervisor Status</title>",
			`<span class="statusrunning">running</span>`,
			`<span class="statusnominal">stopped</span>`,
			"Not started",
			`href="tail.html?processname=sleeper"`,
			`href="logtail/sleeper/stderr"`,
			`value="stop"`, `value="restartall"`, `value="stopall"`,
			"pid ", "uptime ",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: missing %q", path, want)
			}
		}
		if strings.Contains(body, evilName) || !strings.Contains(body, "&lt;i&gt;x&#34;&amp;&#39;&lt;/i&gt;") {
			t.Errorf("process name not HTML-escaped")
		}
	}
}

func TestActions(t *testing.T) { // WEB-04
	f := serve(t)
	tok := f.token(t)
	evil := "g:" + evilName
	tests := []struct {
		action, name, msg string
		after             rpc.ProcessState
	}{
		{"stop", "sleeper", "Process sleeper stopped", rpc.StateStopped},
		{"stop", "sleeper", "ERROR: Process sleeper: not running", rpc.StateStopped},
		{"start", "sleeper", "Process sleeper started", rpc.StateRunning},
		{"start", "sleeper", "ERROR: Process sleeper: already started", rpc.StateRunning},
		{"restart", "sleeper", "Process sleeper restarted", rpc.StateRunning},
		{"clearlog", "sleeper", "Log for sleeper cleared", rpc.StateRunning},
		{"start", "nosuch", "No such process named nosuch", rpc.StateRunning},
		{"stopall", "", "All stopped at ", rpc.StateStopped},
		{"restartall", "", "All restarted at ", rpc.StateRunning},
		{"stop", evil, "Process " + evil + " stopped", rpc.StateRunning},
	}
	for _, tt := range tests {
		code, body := f.post(t, url.Values{"token": {tok}, "action": {tt.action}, "processname": {tt.name}}, nil)
		if code != 200 {
			t.Fatalf("%s %s: status %d after redirect", tt.action, tt.name, code)
		}
		m := regexp.MustCompile(`<div class="status_msg" role="status">([^<]*)</div>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s %s: no message", tt.action, tt.name)
		}
		msg := strings.NewReplacer("&#34;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(m[1])
		if !strings.HasPrefix(msg, tt.msg) {
			t.Errorf("%s %s: message %q, want prefix %q", tt.action, tt.name, msg, tt.msg)
		}
		if got := f.state(t, "sleeper", "sleeper"); got != tt.after {
			t.Errorf("%s %s: sleeper is %v, want %v", tt.action, tt.name, got, tt.after)
		}
	}
	data, _ := os.ReadFile(filepath.Join(f.dir, "sleeper.out"))
	if strings.Contains(string(data), "<script>") && len(data) > 200 {
		t.Errorf("clearlog did not clear: %q", data)
	}
}

func TestForgedPostRefused(t *testing.T) {
	f := serve(t)
	tok := f.token(t)
	tests := []struct {
		name string
		form url.Values
		hdr  map[string]string
	}{
		{"no token", url.Values{"action": {"stop"}, "processname": {"sleeper"}}, nil},
		{"wrong token", url.Values{"token": {strings.Repeat("0", len(tok))}, "action": {"stop"}, "processname": {"sleeper"}}, nil},
		{"cross origin", url.Values{"token": {tok}, "action": {"stop"}, "processname": {"sleeper"}}, map[string]string{"Origin": "http://evil.example"}},
		{"stopall no token", url.Values{"action": {"stopall"}}, nil},
	}
	for _, tt := range tests {
		code, _ := f.post(t, tt.form, tt.hdr)
		if code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", tt.name, code)
		}
		if got := f.state(t, "sleeper", "sleeper"); got != rpc.StateRunning {
			t.Fatalf("%s: the action ran: sleeper is %v", tt.name, got)
		}
	}
	if n := strings.Count(f.logs.String(), "web UI: refused POST /index.html"); n != len(tests) {
		t.Errorf("%d refusal log lines, want %d:\n%s", n, len(tests), f.logs)
	}
}

func TestGetActionLinksDoNothing(t *testing.T) { // 4.2.5 acts on GET; we do not
	f := serve(t)
	for _, a := range []string{"stop", "stopall", "clearlog"} {
		code, _, body := f.get(t, "/index.html?processname=sleeper&action="+a)
		if code != 200 || !strings.Contains(body, "Nothing was done") {
			t.Errorf("GET action=%s: %d, body lacks the notice", a, code)
		}
	}
	if got := f.state(t, "sleeper", "sleeper"); got != rpc.StateRunning {
		t.Fatalf("GET link acted: sleeper is %v", got)
	}
	_, _, body := f.get(t, "/index.html?action=refresh")
	if !strings.Contains(body, "Page refreshed at ") {
		t.Errorf("refresh: no message")
	}
}

func TestTailPage(t *testing.T) { // WEB-06
	f := serve(t)
	tests := []struct {
		query, want, not string
	}{
		{"processname=sleeper", "&lt;script&gt;alert(1)&lt;/script&gt; hello", "<script>"},
		{"processname=sleeper&limit=5000", `limit=5000`, "<script>"},
		{"", "No process name found", ""},
		{"processname=..%2F..%2Fetc%2Fpasswd", "No such process named ../../etc/passwd", "root:"},
		{"processname=%2Fetc%2Fpasswd", "No such process named /etc/passwd", "root:"},
	}
	for _, tt := range tests {
		code, _, body := f.get(t, "/tail.html?"+tt.query)
		if code != 200 {
			t.Errorf("%s: status %d", tt.query, code)
		}
		if !strings.Contains(body, tt.want) {
			t.Errorf("%s: body lacks %q:\n%s", tt.query, tt.want, body)
		}
		if tt.not != "" && strings.Contains(body, tt.not) {
			t.Errorf("%s: body has %q", tt.query, tt.not)
		}
	}
	_, _, body := f.get(t, "/tail.html?processname=sleeper")
	if !strings.Contains(body, "<title>Supervisor tail of process sleeper</title>") {
		t.Errorf("tail title missing")
	}
}

// readSome reads from a following log tail until want appears.
func readSome(t *testing.T, base, path, want string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return resp.StatusCode, ""
	}
	var got strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(got.String(), want) {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			t.Fatalf("%s: %v after %q", path, err, got.String())
		}
	}
	return 200, got.String()
}

func TestLogtail(t *testing.T) { // WEB-09
	f := serve(t)
	if code, body := readSome(t, f.base, "/logtail/sleeper", "hello"); code != 200 || !strings.Contains(body, "<script>") {
		t.Errorf("logtail/sleeper: %d %q", code, body)
	}
	// Follows appended data.
	go func() {
		time.Sleep(200 * time.Millisecond)
		fh, err := os.OpenFile(filepath.Join(f.dir, "sleeper.err"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err == nil {
			_, _ = fh.WriteString("later line\n")
			_ = fh.Close()
		}
	}()
	if code, _ := readSome(t, f.base, "/logtail/sleeper/stderr", "later line"); code != 200 {
		t.Errorf("logtail stderr: %d", code)
	}
}

func TestLogtailRefusesOtherFiles(t *testing.T) {
	f := serve(t)
	for _, path := range []string{
		"/logtail/..%2F..%2Fetc%2Fpasswd",
		"/logtail/%2Fetc%2Fpasswd",
		"/logtail/sleeper/..%2F..%2F..%2Fetc%2Fpasswd",
		"/logtail/sleeper/../../etc/passwd",
		"/logtail/sleeper/stdin",
		"/logtail/nosuch",
		"/logtail/",
		"/logtail/g:" + url.PathEscape(evilName) + "/stderr", // no stderr log configured
	} {
		req, _ := http.NewRequest("GET", f.base+path, nil)
		req.URL.Opaque = path // send the path exactly as written, no cleaning
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode != 404 || strings.Contains(string(body), "root:") {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
	if !strings.Contains(f.logs.String(), "web UI: refused GET /logtail/") {
		t.Errorf("refusals not logged:\n%s", f.logs)
	}
}

func TestSmallViews(t *testing.T) { // WEB-07, HTTP-02
	f := serve(t)
	code, hdr, body := f.get(t, "/ok.html")
	if code != 200 || body != "OK" || hdr.Get("Content-Type") != "text/plain" {
		t.Errorf("ok.html: %d %q %q", code, hdr.Get("Content-Type"), body)
	}
	if code, hdr, _ := f.get(t, "/stylesheets/supervisor.css"); code != 200 || hdr.Get("Content-Type") != "text/css" {
		t.Errorf("stylesheet: %d %q", code, hdr.Get("Content-Type"))
	}
	if code, hdr, body := f.get(t, "/images/icon.png"); code != 200 || hdr.Get("Content-Type") != "image/png" || !strings.HasPrefix(body, "\x89PNG") {
		t.Errorf("icon: %d %q", code, hdr.Get("Content-Type"))
	}
	for _, tt := range []struct {
		method, path string
		want         int
	}{{"HEAD", "/", 404}, {"PUT", "/", 400}, {"POST", "/tail.html", 400}, {"POST", "/logtail/sleeper", 400}, {"GET", "/nope.html", 404}} {
		req, _ := http.NewRequest(tt.method, f.base+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}
}

func TestAuthAsForRPC(t *testing.T) { // AUTH-01: every handler is protected
	f := serveAuth(t, "admin", "{SHA}"+"d033e22ae348aeb5660fc2140aec35850c4da997") // sha1("admin")
	for _, path := range []string{"/", "/index.html", "/tail.html?processname=sleeper", "/metrics", "/logtail/sleeper", "/mainlogtail", "/ok.html"} {
		if code, _, _ := f.get(t, path); code != http.StatusUnauthorized {
			t.Errorf("GET %s without credentials: %d, want 401", path, code)
		}
	}
	req, _ := http.NewRequest("GET", f.base+"/metrics", nil)
	req.SetBasicAuth("admin", "admin")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/metrics with credentials: %d", resp.StatusCode)
	}
}

// TestShutdownEndsFollowingTails: an open /logtail does not hold up the
// server's graceful Shutdown.
func TestShutdownEndsFollowingTails(t *testing.T) {
	f := serve(t)
	if code, _ := readSomeKeep(t, f.base, "/logtail/sleeper", "hello"); code != 200 {
		t.Fatalf("logtail: %d", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a tail open: %v", err)
	}
}

// readSomeKeep is readSome but leaves the response open until the test ends.
func readSomeKeep(t *testing.T, base, path, want string) (int, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	var got strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(got.String(), want) {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			t.Fatalf("%s: %v after %q", path, err, got.String())
		}
	}
	return resp.StatusCode, got.String()
}
