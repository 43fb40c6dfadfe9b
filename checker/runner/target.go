package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Script is one check script to run.
type Script struct {
	Name    string        // the check's name, for messages
	Text    string        // the script as written in the lab
	Timeout time.Duration // 0: DefaultTimeout
}

// Result is what running a Script produced. A script that could not be started (a missing
// interpreter) is a Result with exit status 127 and the reason in Output, as a shell would report it.
type Result struct {
	ExitCode  int    // 0 passes; 128+n when killed by signal n
	Output    []byte // stdout and stderr interleaved, at most the target's limit
	Truncated bool   // output went past the limit and the rest was dropped
	TimedOut  bool   // killed (with its process group) when the timeout expired
	Duration  time.Duration
}

// Target runs check scripts somewhere: on this machine (Local) or inside a student's sandbox
// (through its agent, provided by the sandbox package). An error means the target itself failed
// (say the sandbox is unreachable), not the check.
type Target interface {
	Run(ctx context.Context, s Script) (Result, error)
}

// Defaults for scripts.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultOutputLimit = 64 << 10
	DefaultShell       = "/bin/bash"
	StudentHome        = "/home/shiyanlou"
	// CleanPath is the PATH checks see: root's usual path on Debian.
	CleanPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// Local runs scripts on this machine, each in its own process group with a clean environment.
type Local struct {
	// Dir is the working directory; "" means /home/shiyanlou when it exists, else the current one.
	Dir string
	// Env is added to the clean environment (PATH, HOME, USER, LOGNAME, SHELL, LANG, PWD).
	Env []string
	// OutputLimit caps the kept output; 0 means DefaultOutputLimit.
	OutputLimit int
	// Grace is how long output is still read after the script exits, for a daemon it started
	// outside its process group that still holds the pipe; 0 means 500ms.
	Grace time.Duration
}

// Run runs s and returns its result; only a failure to prepare the run (no temporary file) is an error.
func (l *Local) Run(ctx context.Context, s Script) (Result, error) {
	start := time.Now()
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	limit := l.OutputLimit
	if limit <= 0 {
		limit = DefaultOutputLimit
	}
	out := &capped{limit: limit}

	// The script goes to a file that its interpreter reads: no exec of a file just written
	// (which can fail with ETXTBSY while another goroutine forks), and $0 names a real file.
	f, err := os.CreateTemp("", "lab-check-*")
	if err != nil {
		return Result{}, fmt.Errorf("run %s: %w", s.Name, err)
	}
	defer os.Remove(f.Name())
	_, werr := f.WriteString(s.Text)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return Result{}, fmt.Errorf("run %s: %w", s.Name, werr)
	}

	argv := Interpreter(s.Text)
	if _, err := os.Stat(argv[0]); err != nil && strings.Contains(argv[0], "/") {
		msg := fmt.Sprintf("lab: %s: bad interpreter: %s\n", s.Name, argv[0])
		return Result{ExitCode: 127, Output: []byte(msg), Duration: time.Since(start)}, nil
	}
	cmd := exec.Command(argv[0], append(argv[1:], f.Name())...)
	cmd.Dir = l.dir()
	cmd.Env = append(cleanEnv(cmd.Dir), l.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r, w, err := os.Pipe()
	if err != nil {
		return Result{}, fmt.Errorf("run %s: %w", s.Name, err)
	}
	defer r.Close()
	cmd.Stdout, cmd.Stderr = w, w // one pipe keeps stdout and stderr in order
	err = cmd.Start()
	w.Close()
	if err != nil {
		msg := fmt.Sprintf("lab: %s: %v\n", s.Name, err)
		return Result{ExitCode: 127, Output: []byte(msg), Duration: time.Since(start)}, nil
	}
	pgid := cmd.Process.Pid
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			out.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var res Result
	select {
	case <-waited:
	case <-timer.C:
		res.TimedOut = true
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-waited
	case <-ctx.Done():
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-waited
		return Result{}, ctx.Err()
	}
	// A check leaves nothing behind: whatever it started in its group goes with it.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	grace := l.Grace
	if grace <= 0 {
		grace = 500 * time.Millisecond
	}
	_ = r.SetReadDeadline(time.Now().Add(grace))
	<-copied

	res.ExitCode = exitCode(cmd.ProcessState)
	res.Output, res.Truncated = out.bytes()
	res.Duration = time.Since(start)
	return res, nil
}

func (l *Local) dir() string {
	if l.Dir != "" {
		return l.Dir
	}
	if fi, err := os.Stat(StudentHome); err == nil && fi.IsDir() {
		return StudentHome
	}
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return "/"
}

func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// Interpreter returns the command that runs script (the script's file is appended): its shebang
// as Linux reads it (the interpreter and at most one argument), or DefaultShell.
func Interpreter(script string) []string {
	if !strings.HasPrefix(script, "#!") {
		return []string{DefaultShell}
	}
	line, _, _ := strings.Cut(script[2:], "\n")
	line = strings.TrimSpace(line)
	if line == "" {
		return []string{DefaultShell}
	}
	interp, arg, _ := strings.Cut(line, " ")
	if i := strings.IndexByte(interp, '\t'); i >= 0 {
		interp, arg = interp[:i], interp[i+1:]+" "+arg
	}
	if arg = strings.TrimSpace(arg); arg != "" {
		return []string{interp, arg}
	}
	return []string{interp}
}

var (
	userOnce sync.Once
	userName string
	userHome string
)

// cleanEnv is the environment a check starts with: nothing of the caller's own.
func cleanEnv(dir string) []string {
	userOnce.Do(func() {
		// Checks run as root on the lab machine. Run by someone else (an instructor's --local),
		// they keep that user's name and home. Not os/user: it would make the binary link libc.
		userName, userHome = "root", "/root"
		if os.Geteuid() != 0 {
			userName, userHome = os.Getenv("USER"), os.Getenv("HOME")
			if userName == "" {
				userName = strconv.Itoa(os.Geteuid())
			}
		}
	})
	return []string{
		"PATH=" + CleanPath,
		"HOME=" + userHome,
		"USER=" + userName,
		"LOGNAME=" + userName,
		"SHELL=" + DefaultShell,
		"LANG=C.UTF-8",
		"PWD=" + dir,
	}
}

// capped keeps the first limit bytes written to it.
type capped struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	limit     int
	truncated bool
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := c.limit - c.buf.Len()
	if len(p) > room {
		c.truncated = true
		p = p[:max(room, 0)]
	}
	c.buf.Write(p)
	return len(p), nil
}

func (c *capped) bytes() ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.buf.Bytes()), c.truncated
}

// ErrNoSandbox is returned by whoever looks for the student's sandbox when none is running.
var ErrNoSandbox = errors.New("no sandbox is running")
