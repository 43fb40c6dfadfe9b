package webext

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/daemon"
	"github.com/supervisorlab/supervisorlab/supervisor/web/internal/browsertest"
)

// TestMain lets the test binary act as supervisord (with this package's
// extension registered by init), so the end-to-end test runs the real
// daemon in a child process.
func TestMain(m *testing.M) {
	if os.Getenv("WEBEXT_RUN_SUPERVISORD") == "1" {
		os.Exit(daemon.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitBody(t *testing.T, u, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := get(t, u)
		if code == 200 && strings.Contains(body, want) {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q (last %d: %.300s)", u, want, code, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startSupervisord runs our supervisord (this test binary, see TestMain)
// with one program "sleeper" on an inet port and returns the base URL,
// the config directory and its combined output.
func startSupervisord(t *testing.T) (string, string, *strings.Builder) {
	t.Helper()
	return startWith(t, os.Args[0])
}

// startWith runs bin (ours or 4.2.5) on the same configuration.
func startWith(t *testing.T, bin string) (string, string, *strings.Builder) {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	conf := filepath.Join(dir, "supervisord.conf")
	text := fmt.Sprintf(`[supervisord]
logfile=%%(here)s/supervisord.log
pidfile=%%(here)s/supervisord.pid
childlogdir=%%(here)s
[inet_http_server]
port=127.0.0.1:%d
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[program:sleeper]
command=/bin/sleep 600
startsecs=0
stdout_logfile=%%(here)s/sleeper.out
`, port)
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-c", conf)
	cmd.Env = append(os.Environ(), "WEBEXT_RUN_SUPERVISORD=1")
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	return fmt.Sprintf("http://127.0.0.1:%d", port), dir, out
}

// TestChromiumAgainstSupervisord: the browser test against our real
// supervisord rather than the rpctest backend.
func TestChromiumAgainstSupervisord(t *testing.T) {
	base, _, _ := startSupervisord(t)
	waitBody(t, base+"/", `<span class="statusrunning">running</span>`)
	out := browsertest.ClickStop(t, base+"/", "sleeper", filepath.Join(t.TempDir(), "s.png"))
	if !strings.Contains(out, "MESSAGE Process sleeper stopped") || !strings.Contains(out, "STATE stopped") {
		t.Errorf("browser output:\n%s", out)
	}
	waitBody(t, base+"/metrics", `supervisor_process_state{group="sleeper",name="sleeper"} 0`)
}

// TestSupervisordServesUIAndMetrics runs our supervisord with the
// extension, stops a program from the status page and reads /metrics.
func TestSupervisordServesUIAndMetrics(t *testing.T) {
	base, dir, out := startSupervisord(t)
	page := waitBody(t, base+"/", `<span class="statusrunning">running</span>`)
	m := regexp.MustCompile(`name="token" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no token:\n%s", page)
	}
	resp, err := http.PostForm(base+"/index.html", url.Values{"token": {m[1]}, "action": {"stop"}, "processname": {"sleeper"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "Process sleeper stopped") || !strings.Contains(string(body), `<span class="statusnominal">stopped</span>`) {
		t.Fatalf("after Stop: %d\n%s\nsupervisord output:\n%s", resp.StatusCode, body, out.String())
	}
	metrics := waitBody(t, base+"/metrics", `supervisor_process_state{group="sleeper",name="sleeper"} 0`)
	for _, want := range []string{
		`supervisor_process_starts_total{group="sleeper",name="sleeper"} 1`,
		`supervisor_processes{state="STOPPED"} 1`,
		"supervisor_up 1",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, metrics)
		}
	}
	resp, err = http.PostForm(base+"/index.html", url.Values{"action": {"start"}, "processname": {"sleeper"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged POST: %d, want 403", resp.StatusCode)
	}
	waitLog := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(dir, "supervisord.log"))
		if strings.Contains(string(data), "WARN web UI: refused POST /index.html") {
			break
		}
		if time.Now().After(waitLog) {
			t.Fatalf("refusal not in the main log:\n%s", data)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBookmarksMatchOracle: the URLs of 4.2.5's web UI answer with the
// same status on 4.2.5 and on ours, so bookmarks keep working.
func TestBookmarksMatchOracle(t *testing.T) { // HTTP-01, WEB-01, WEB-06, WEB-07, WEB-09
	const oracle = "/usr/bin/supervisord"
	if _, err := os.Stat(oracle); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("oracle /usr/bin/supervisord missing")
		}
		t.Skip("oracle /usr/bin/supervisord missing")
	}
	paths := []string{
		"/", "/index.html", "/tail.html?processname=sleeper", "/tail.html",
		"/ok.html", "/stylesheets/supervisor.css", "/images/icon.png", "/nonexistent.html", "/logtail/nosuch",
	}
	status := func(base string) map[string]int {
		waitBody(t, base+"/ok.html", "OK")
		out := map[string]int{}
		for _, p := range paths {
			code, _ := get(t, base+p)
			out[p] = code
		}
		return out
	}
	pyBase, _, _ := startWith(t, oracle)
	ourBase, _, _ := startSupervisord(t)
	py, ours := status(pyBase), status(ourBase)
	for _, p := range paths {
		if py[p] != ours[p] {
			t.Errorf("GET %s: 4.2.5 %d, ours %d", p, py[p], ours[p])
		}
	}
	// Following tails never end; compare the opening status only.
	for _, p := range []string{"/logtail/sleeper", "/logtail/sleeper/stderr", "/mainlogtail"} {
		a, b := headStatus(t, pyBase+p), headStatus(t, ourBase+p)
		if a != b {
			t.Errorf("GET %s: 4.2.5 %d, ours %d", p, a, b)
		}
	}
}

func headStatus(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
