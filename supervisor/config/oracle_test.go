package config

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const pythonSupervisord = "/usr/bin/supervisord"

// needOracle skips (or fails under CI) when Debian's supervisor is missing.
func needOracle(t *testing.T, bin string) {
	t.Helper()
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("oracle %s missing (install the Debian supervisor package: make deps)", bin)
		}
		t.Skipf("oracle %s missing; install the Debian supervisor package to run this test", bin)
	}
}

var (
	processHeader = regexp.MustCompile(`^\[(program|fcgi-program|eventlistener):[^\n]*\]`)
	autostartLine = regexp.MustCompile(`^(autostart\s*[=:]\s*)(\S+)(.*)$`)
)

// neutralize makes every process autostart=false, so that running Python's
// supervisord on the course's configs never starts sshd or nginx. It only
// replaces values that are valid booleans, so accept/reject is unchanged.
func neutralize(text string) string {
	lines := strings.SplitAfter(text, "\n")
	var out strings.Builder
	for _, line := range lines {
		if m := autostartLine.FindStringSubmatch(strings.TrimRight(line, "\r\n")); m != nil {
			if _, err := boolean(m[2]); err == nil {
				line = m[1] + "false" + m[3] + "\n"
			}
		}
		out.WriteString(line)
		if processHeader.MatchString(line) {
			if !strings.HasSuffix(line, "\n") {
				out.WriteString("\n")
			}
			out.WriteString("autostart=false\n")
		}
	}
	return out.String()
}

func neutralizeTree(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".conf") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(p, []byte(neutralize(string(data))), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a poller.
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

// pythonResult is what Python's supervisord did with a config.
type pythonResult struct {
	accepted bool
	exit     int
	errLine  string // first line starting with "Error: "
	output   string
}

// runPython starts Python's supervisord in the foreground on path, waits
// until it reports "supervisord started" or exits, and stops it again.
func runPython(path, dir string, env []string) (pythonResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, pythonSupervisord, "-n", "-c", path)
	cmd.Dir = dir
	cmd.Env = env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Own process group, so the stop signal reaches any child too; and a
	// parent-death signal, so that a killed test run leaves no supervisord.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		return pythonResult{}, fmt.Errorf("start %s: %w", pythonSupervisord, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var res pythonResult
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var waitErr error
loop:
	for {
		select {
		case waitErr = <-done:
			break loop
		case <-tick.C:
			if strings.Contains(out.String(), "supervisord started with pid") {
				res.accepted = true
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
				select {
				case waitErr = <-done:
				case <-time.After(20 * time.Second):
					_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
					waitErr = <-done
				}
				break loop
			}
		case <-ctx.Done():
			<-done // CommandContext has killed the group
			return res, fmt.Errorf("python supervisord neither started nor exited within the deadline:\n%s", out.String())
		}
	}
	var ee *exec.ExitError
	if errors.As(waitErr, &ee) {
		res.exit = ee.ExitCode()
	}
	res.output = out.String()
	for _, line := range strings.Split(res.output, "\n") {
		if strings.HasPrefix(line, "Error: ") {
			res.errLine = line
			break
		}
	}
	return res, nil
}

// oracleJobs bounds concurrent Python runs: each spends most of its time
// starting up and shutting down, so a few overlap well even on 2 cores.
const oracleJobs = 4

// TestOracleAgreement runs every testdata config through our Load and
// Debian's Python supervisord 4.2.5 and checks they agree on accept/reject,
// and that our message is the start of Python's first "Error:" line.
func TestOracleAgreement(t *testing.T) {
	needOracle(t, pythonSupervisord)
	if testing.Short() {
		t.Skip("starts one Python supervisord per config")
	}
	names := testConfigs(t)
	type job struct {
		root, path string
		env        []string
		py         pythonResult
		err        error
	}
	jobs := make([]*job, len(names))
	for i, name := range names {
		root := stage(t)
		neutralizeTree(t, root)
		jobs[i] = &job{root: root, path: filepath.Join(root, "cfg", name),
			env: []string{"HOME=/home/tester", "PATH=/usr/bin:/bin", "LAB=supervisor-lab", "LANG=C.UTF-8",
				"TEST_PORT=" + strconv.Itoa(freePort(t)), "TEST_PORT2=" + strconv.Itoa(freePort(t))}}
	}
	sem := make(chan struct{}, oracleJobs)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			j.py, j.err = runPython(j.path, j.root, j.env)
		}()
	}
	wg.Wait()
	for i, name := range names {
		j := jobs[i]
		t.Run(name, func(t *testing.T) {
			if j.err != nil {
				t.Fatal(j.err)
			}
			_, ourErr := loadIn(j.root, j.path, j.env)
			py := j.py
			if (ourErr == nil) != py.accepted {
				t.Fatalf("disagree: ours err=%v; python accepted=%v exit=%d output:\n%s", ourErr, py.accepted, py.exit, py.output)
			}
			if ourErr == nil {
				return
			}
			var ce *Error
			if !errors.As(ourErr, &ce) {
				t.Fatalf("our error is not *Error: %v", ourErr)
			}
			if py.exit != 2 {
				t.Errorf("python exit status %d, want 2", py.exit)
			}
			want := "Error: " + firstLine(ce.PythonText())
			if !strings.HasPrefix(py.errLine, want) {
				t.Errorf("message differs:\n ours:   %s\n python: %s", want, py.errLine)
			}
		})
	}
}

var chdirMu sync.Mutex

// loadIn runs Load with root as working directory, as Python runs there
// (relative default paths such as supervisord.log resolve against it).
func loadIn(root, path string, env []string) (cfg *Config, err error) {
	withDir(root, func() { cfg, err = Load(path, Options{Environ: env}) })
	return cfg, err
}

// withDir runs f with dir as the working directory.
func withDir(dir string, f func()) {
	chdirMu.Lock()
	defer chdirMu.Unlock()
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	if err := os.Chdir(dir); err != nil {
		panic(err)
	}
	defer func() {
		if err := os.Chdir(wd); err != nil {
			panic(fmt.Sprintf("cannot return to %s: %v", wd, err))
		}
	}()
	f()
}
