package serve

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/supervisorlab/supervisorlab/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.MaybeRunInit() // this test binary is also the sandboxes' init agent
	os.Exit(m.Run())
}

// needRoot skips (fails under CI) when host-rootfs sandboxes cannot be made.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("sandboxes with --rootfs host need root")
		}
		t.Skip("sandboxes with --rootfs host need root")
	}
}

// startServer serves testdata/serve/lab.md with host-rootfs sandboxes under a temp dir.
func startServer(t *testing.T, cfg Config) (*httptest.Server, *Server) {
	t.Helper()
	lab, err := LoadLab("../../testdata/serve/lab.md")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if cfg.NewSandbox == nil {
		cfg.NewSandbox = func(ctx context.Context, name string) (sandbox.Sandbox, error) {
			return sandbox.Create(ctx, name, sandbox.Options{StateRoot: root, Rootfs: sandbox.HostRootfs})
		}
	}
	srv := NewServer(cfg, lab, "")
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return hs, srv
}

type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
	page string
}

var csrfRE = regexp.MustCompile(`name="csrf-token" content="([0-9a-f]+)"`)

func open(t *testing.T, base string) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: base, c: &http.Client{Jar: jar}}
	b.reload()
	return b
}

func (b *browser) reload() {
	b.t.Helper()
	u := b.base
	if !strings.Contains(u, "?") {
		u += "/"
	}
	resp, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.t.Fatalf("GET /: %s: %s", resp.Status, body)
	}
	b.page = string(body)
	m := csrfRE.FindStringSubmatch(b.page)
	if m == nil {
		b.t.Fatal("page has no CSRF token")
	}
	b.csrf = m[1]
}

func (b *browser) post(path, csrf string) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, nil)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (b *browser) check(n string) (passed bool, html string) {
	b.t.Helper()
	code, body := b.post("/check/"+n, b.csrf)
	if code != 200 {
		b.t.Fatalf("check %s: %d %s", n, code, body)
	}
	var r struct {
		Passed bool
		HTML   string
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		b.t.Fatal(err)
	}
	return r.Passed, r.HTML
}

func (b *browser) dial(ctx context.Context, origin string) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.base, "http")+"/term?cols=100&rows=30",
		&websocket.DialOptions{HTTPClient: b.c, HTTPHeader: h})
}

// readUntil reads terminal output until it contains want.
func readUntil(t *testing.T, ctx context.Context, c *websocket.Conn, want string) string {
	t.Helper()
	var seen strings.Builder
	for !strings.Contains(seen.String(), want) {
		_, p, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("waiting for %q: %v; saw %q", want, err, seen.String())
		}
		seen.Write(p)
	}
	return seen.String()
}

func TestSecurity(t *testing.T) {
	hs, _ := startServer(t, Config{NewSandbox: func(context.Context, string) (sandbox.Sandbox, error) {
		t.Error("no request here should create a sandbox")
		return nil, os.ErrInvalid
	}})
	b := open(t, hs.URL)
	for _, tt := range []struct{ name, path, csrf string }{
		{"check without token", "/check/1", ""},
		{"check with wrong token", "/check/1", strings.Repeat("0", 32)},
		{"reset without token", "/reset", ""},
	} {
		if code, body := b.post(tt.path, tt.csrf); code != http.StatusForbidden {
			t.Errorf("%s: %d %s, want 403", tt.name, code, body)
		}
	}
	if code, _ := b.post("/check/9", b.csrf); code != http.StatusNotFound {
		t.Errorf("check of a missing step: %d, want 404", code)
	}
	stranger := open(t, hs.URL)
	if code, _ := stranger.post("/check/1", b.csrf); code != http.StatusForbidden {
		t.Errorf("another session's CSRF token accepted: %d", code)
	}
	for _, p := range []string{"/assets/../serve.go", "/assets/%2e%2e/serve.go", "/assets/static/../../serve.go", "/assets/dist/..%2f..%2fserve.go"} {
		resp, err := b.c.Get(hs.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "package serve") {
			t.Errorf("%s served Go source", p)
		}
	}
	resp, err := b.c.Get(hs.URL + "/assets/dist/xterm.js")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("xterm.js: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if c, resp, err := b.dial(ctx, "http://evil.example"); err == nil {
		c.CloseNow()
		t.Error("WebSocket from a foreign origin accepted")
	} else if resp != nil && resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: %s, want 403", resp.Status)
	}
	if !strings.Contains(b.page, "Check step 1") || !strings.Contains(b.page, "Check step 2") {
		t.Error("page lacks the Check buttons")
	}
	if strings.Contains(b.page, "test -e /home") {
		t.Error("page shows a check script")
	}
}

func TestListenRefusesNonLoopbackWithoutToken(t *testing.T) {
	for _, tt := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:0", "", true},
		{"[::1]:0", "", true},
		{"localhost:0", "", true},
		{"0.0.0.0:0", "", false},
		{":0", "", false},
		{"0.0.0.0:0", "s3cret", true},
		{"nonsense", "", false},
	} {
		ln, err := Listen(tt.addr, tt.token)
		if ln != nil {
			ln.Close()
		}
		if (err == nil) != tt.ok && !(tt.addr == "[::1]:0" && err != nil && !strings.Contains(err.Error(), "loopback")) {
			t.Errorf("Listen(%q, %q) = %v, want ok=%v", tt.addr, tt.token, err, tt.ok)
		}
	}
}

func TestToken(t *testing.T) {
	lab, err := LoadLab("../../testdata/serve/lab.md")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Config{}, lab, "s3cret")
	defer srv.Close()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	resp, err := http.Get(hs.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("without token: %s", resp.Status)
	}
	for _, bad := range []string{"?token=wrong", "?token="} {
		resp, err := http.Get(hs.URL + "/" + bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %s", bad, resp.Status)
		}
	}
	b := open(t, hs.URL+"/?token=s3cret") // redirected to / with the session cookie
	b.base = hs.URL
	b.reload() // the cookie alone now suffices
}

// TestCheckInSandbox is the student's path through the server: red check with the author's
// text, the solution typed into the terminal, green check, progress kept on reload, the shell
// kept across a reconnect, and Reset discarding it all.
func TestCheckInSandbox(t *testing.T) {
	needRoot(t)
	hs, _ := startServer(t, Config{})
	b := open(t, hs.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	passed, html := b.check("1")
	if passed || !strings.Contains(html, "there is no file /home/shiyanlou/hello yet") || !strings.Contains(html, "touch creates an empty file") {
		t.Fatalf("step 1 before the solution: passed=%v %s", passed, html)
	}

	c, _, err := b.dial(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Write(ctx, websocket.MessageBinary, []byte("whoami; touch ~/hello; echo MARK-$((6*7))\r"))
	out := readUntil(t, ctx, c, "MARK-42")
	if !strings.Contains(out, "shiyanlou") {
		t.Errorf("whoami output lacks shiyanlou: %q", out)
	}
	c.Write(ctx, websocket.MessageBinary, []byte("export KEPT=yes\r"))
	c.Close(websocket.StatusNormalClosure, "network blip")

	if passed, html := b.check("1"); !passed {
		t.Fatalf("step 1 after the solution: %s", html)
	}
	b.reload()
	if !strings.Contains(b.page, "✓ Step 1 passed") || !strings.Contains(b.page, "1 of 2 steps passed") {
		t.Errorf("reloaded page lost the result")
	}

	c, _, err = b.dial(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	c.Write(ctx, websocket.MessageBinary, []byte("echo kept=$KEPT\r"))
	readUntil(t, ctx, c, "kept=yes")
	c.CloseNow()

	if code, body := b.post("/reset", b.csrf); code != http.StatusNoContent {
		t.Fatalf("reset: %d %s", code, body)
	}
	b.reload()
	if strings.Contains(b.page, "✓") {
		t.Error("page still shows a result after Reset")
	}
	if passed, _ := b.check("1"); passed {
		t.Error("step 1 passes in the fresh sandbox after Reset")
	}
}
