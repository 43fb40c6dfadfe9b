package ctl

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The compatibility suite runs every scenario of testdata/ctl/scenarios.txt
// with Debian's supervisorctl (the oracle) and with ours against the same
// supervisord, and compares stdout, stderr and exit status.
//
// The server is Debian's /usr/bin/supervisord unless SUPERVISORLAB_SUPERVISORD
// names another binary (ours), which runs the same comparison against it.

const (
	oracleCtl = "/usr/bin/supervisorctl"
	oracleSvd = "/usr/bin/supervisord"
)

// TestMain lets the test binary act as supervisorctl, so the suite runs our
// real command line (re-exec'd) without a separate build step.
func TestMain(m *testing.M) {
	if os.Getenv("SUPERVISORLAB_CTL_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// needOracle skips (or fails on CI) when Debian's supervisor is missing.
func needOracle(t *testing.T) {
	t.Helper()
	for _, p := range []string{oracleCtl, oracleSvd} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("oracle %s missing: install Debian's supervisor package (make deps)", p)
			}
			t.Skipf("oracle %s missing; install Debian's supervisor package to run this test", p)
		}
	}
}

func serverBinary() string {
	if p := os.Getenv("SUPERVISORLAB_SUPERVISORD"); p != "" {
		return p
	}
	return oracleSvd
}

type scenario struct {
	name   string
	line   int
	server string
	setup  []string
	append string
	args   []string
	stdin  string
}

func unescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(s)
}

func loadScenarios(t *testing.T, path string) []scenario {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []scenario
	var cur *scenario
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		if name, ok := strings.CutPrefix(line, "=== "); ok {
			out = append(out, scenario{name: strings.TrimSpace(name), line: n, server: "base"})
			cur = &out[len(out)-1]
			continue
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok || cur == nil {
			t.Fatalf("%s:%d: expected `key: value` inside a scenario", path, n)
		}
		val = strings.TrimPrefix(val, " ")
		switch key {
		case "server":
			cur.server = val
		case "setup":
			cur.setup = append(cur.setup, val)
		case "append":
			cur.append += unescape(val)
		case "stdin":
			cur.stdin = unescape(val)
		case "args":
			for _, a := range strings.Fields(val) {
				if a == "''" {
					a = ""
				}
				cur.args = append(cur.args, a)
			}
		default:
			t.Fatalf("%s:%d: unknown key %q", path, n, key)
		}
	}
	return out
}

// supervisord is one running server for the suite.
type supervisord struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startServer renders conf (replacing $T and $PORT) and runs supervisord on
// it in the foreground, waiting until it answers and its autostart
// programs have left STARTING.
func startServer(t *testing.T, dir, template, name, port, extra string, ready []string) *supervisord {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ctl", template))
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.NewReplacer("$T", dir, "$PORT", port).Replace(string(data)) + strings.ReplaceAll(extra, "$T", dir)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(serverBinary(), "-n", "-c", path)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &supervisord{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := exec.Command(oracleCtl, append(ready, "status")...).CombinedOutput()
		if bytes.Contains(out, []byte("RUNNING")) && !bytes.Contains(out, []byte("STARTING")) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("supervisord on %s not ready: %s", path, out)
		}
		select {
		case <-s.done:
			t.Fatalf("supervisord on %s exited early", path)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *supervisord) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

type runResult struct {
	stdout, stderr string
	code           int
}

// runCtl runs a supervisorctl (ours when self is true) with a deadline.
func runCtl(t *testing.T, self bool, args []string, stdin string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if self {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		cmd = exec.CommandContext(ctx, exe, args...)
		cmd.Args[0] = "PROG"
		cmd.Env = append(os.Environ(), "SUPERVISORLAB_CTL_MAIN=1")
	} else {
		cmd = exec.CommandContext(ctx, oracleCtl, args...)
		cmd.Args[0] = "PROG"
		cmd.Env = os.Environ()
	}
	cmd.Stdin = strings.NewReader(stdin)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	if ctx.Err() != nil {
		t.Fatalf("run %v: timed out", args)
	}
	return runResult{o.String(), e.String(), code}
}

var normalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`pid \d+, uptime (\d+ days?, )?\d+:\d\d:\d\d`), "pid PID, uptime UPTIME"},
	{regexp.MustCompile(`(?m)^\d+$`), "NUMBER"},
	{regexp.MustCompile(`[A-Z][a-z]{2} \d\d \d\d:\d\d [AP]M`), "DATE"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`), "TIMESTAMP"},
}

func normalize(s, dir string) string {
	s = strings.ReplaceAll(s, dir, "$T")
	// Python's argv[0] is the script path whatever exec passes.
	s = strings.ReplaceAll(s, oracleCtl, "PROG")
	for _, n := range normalizers {
		s = n.re.ReplaceAllString(s, n.with)
	}
	return s
}

func TestCompatibility(t *testing.T) {
	needOracle(t)
	scenarios := loadScenarios(t, filepath.Join("..", "..", "testdata", "ctl", "scenarios.txt"))
	if len(scenarios) < 40 {
		t.Fatalf("only %d scenarios", len(scenarios))
	}
	dir := t.TempDir()
	idle, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ctl", "idle.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "idle.sh"), idle, 0o755); err != nil {
		t.Fatal(err)
	}
	base := []string{"-c", filepath.Join(dir, "base.conf")}
	authPort := freePort(t)
	startServer(t, dir, "base.conf", "base.conf", "", "", base)
	startServer(t, dir, "auth.conf", "auth.conf", authPort, "", []string{"-s", "http://127.0.0.1:" + authPort, "-u", "user", "-p", "123"})
	norpc := startNoRPC(t, dir)
	_ = norpc
	refused := "http://127.0.0.1:" + freePort(t)

	prefixes := map[string][]string{
		"base":    base,
		"fresh":   nil, // set per run
		"auth":    {"-s", "http://127.0.0.1:" + authPort},
		"norpc":   {"-s", "unix://" + filepath.Join(dir, "norpc.sock")},
		"nosock":  {"-s", "unix://" + filepath.Join(dir, "nosuch.sock")},
		"refused": {"-s", refused},
		"raw":     nil,
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			prefix, ok := prefixes[sc.server]
			if !ok {
				t.Fatalf("scenarios.txt:%d: unknown server %q", sc.line, sc.server)
			}
			var results [2]runResult
			for i, self := range []bool{false, true} {
				runDir := dir
				if sc.server == "fresh" {
					runDir = t.TempDir()
					if err := os.WriteFile(filepath.Join(runDir, "idle.sh"), idle, 0o755); err != nil {
						t.Fatal(err)
					}
					conf := []string{"-c", filepath.Join(runDir, "base.conf")}
					srv := startServer(t, runDir, "base.conf", "base.conf", "", "", conf)
					if sc.append != "" {
						f, err := os.OpenFile(filepath.Join(runDir, "base.conf"), os.O_APPEND|os.O_WRONLY, 0)
						if err != nil {
							t.Fatal(err)
						}
						_, _ = f.WriteString("\n" + strings.ReplaceAll(sc.append, "$T", runDir))
						f.Close()
					}
					defer srv.stop()
					prefix = conf
				}
				for _, s := range sc.setup {
					args := append(append([]string{}, prefix...), strings.Fields(s)...)
					_ = runCtl(t, false, args, "")
				}
				args := append([]string{}, prefix...)
				for _, a := range sc.args {
					args = append(args, strings.ReplaceAll(a, "$T", dir))
				}
				r := runCtl(t, self, args, sc.stdin)
				results[i] = runResult{normalize(r.stdout, runDir), normalize(r.stderr, runDir), r.code}
			}
			py, ours := results[0], results[1]
			if py.stdout != ours.stdout {
				t.Errorf("scenarios.txt:%d: stdout differs\n--- 4.2.5:\n%s--- ours:\n%s", sc.line, py.stdout, ours.stdout)
			}
			if py.stderr != ours.stderr {
				t.Errorf("scenarios.txt:%d: stderr differs\n--- 4.2.5:\n%s--- ours:\n%s", sc.line, py.stderr, ours.stderr)
			}
			if py.code != ours.code {
				t.Errorf("scenarios.txt:%d: exit status 4.2.5=%d ours=%d", sc.line, py.code, ours.code)
			}
		})
	}
}

// startNoRPC runs a supervisord without the supervisor namespace; its
// readiness is the socket answering (status then says "Sorry, ...").
func startNoRPC(t *testing.T, dir string) *supervisord {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "ctl", "norpc.conf"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "norpc.conf")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(data), "$T", dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(serverBinary(), "-n", "-c", path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &supervisord{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(s.stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, _ := exec.Command(oracleCtl, "-s", "unix://"+filepath.Join(dir, "norpc.sock"), "status").CombinedOutput()
		if bytes.Contains(out, []byte("Sorry")) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("norpc supervisord not ready: %s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
