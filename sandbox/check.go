package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Check implements Sandbox: the script runs as root (under bash unless
// opts.Interpreter says otherwise), from a
// memfd passed as fd 3, so it is never on the sandbox's disk and the student
// cannot read or change it; stdin is /dev/null; stdout and stderr are
// captured together up to MaxOutput bytes.
func (s *Local) Check(ctx context.Context, script string, opts CheckOptions) (CheckResult, error) {
	return runCheck(ctx, s, script, opts)
}

// runCheck is Check for any Sandbox whose Exec passes ExtraFiles.
func runCheck(ctx context.Context, sb Sandbox, script string, opts CheckOptions) (CheckResult, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = 64 << 10
	}
	if opts.Dir == "" {
		opts.Dir = "/home/" + Student
	}
	interp := opts.Interpreter
	if len(interp) == 0 {
		interp = []string{"/bin/bash"}
	}
	fd, err := unix.MemfdCreate("lab-check", unix.MFD_CLOEXEC)
	if err != nil {
		return CheckResult{}, fmt.Errorf("check script: %w", err)
	}
	f := os.NewFile(uintptr(fd), "lab-check")
	defer f.Close()
	if _, err := f.WriteString(script); err != nil {
		return CheckResult{}, fmt.Errorf("check script: %w", err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return CheckResult{}, err
	}
	out := &cappedBuffer{max: opts.MaxOutput}
	cctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	start := time.Now()
	st, err := sb.Exec(cctx, ExecRequest{
		// A shell snippet keeps a check working when the student deleted
		// /home/shiyanlou: cd falls back to /.
		Argv:       append(append([]string{"/bin/sh", "-c", `cd "$1" 2>/dev/null || cd /; shift; exec "$@"`, "lab-check", opts.Dir}, interp...), "/proc/self/fd/3"),
		User:       Root,
		Stdout:     out,
		Stderr:     out,
		ExtraFiles: []*os.File{f},
		Dir:        "/",
		KillGroup:  true,
		WaitDelay:  200 * time.Millisecond,
	})
	res := CheckResult{Duration: time.Since(start)}
	res.Output, res.Truncated = out.result()
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		res.TimedOut, res.ExitCode = true, 128+int(unix.SIGKILL)
		return res, nil
	case err != nil:
		return res, err
	}
	res.ExitCode = st.Code
	res.Passed = st.Code == 0
	return res, nil
}

// cappedBuffer keeps the first max bytes written to it.
type cappedBuffer struct {
	mu        sync.Mutex
	buf       []byte
	max       int
	truncated bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.max - len(b.buf)
	if len(p) > room {
		b.truncated = true
		b.buf = append(b.buf, p[:max(room, 0)]...)
	} else {
		b.buf = append(b.buf, p...)
	}
	return len(p), nil // keep draining: a blocked writer would hang the check
}

func (b *cappedBuffer) result() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...), b.truncated
}
