package serve

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/supervisorlab/supervisorlab/checker/runner"
	"github.com/supervisorlab/supervisorlab/sandbox"
)

// session is one browser's lab: its sandbox, its shell and its latest results.
type session struct {
	id, csrf string

	mu       sync.Mutex
	sb       sandbox.Sandbox
	creating chan struct{} // closed when a running sandbox creation ends
	results  map[int]runner.StepResult
	shell    *shell
	lastSeen time.Time
	active   int  // open terminals and running checks; an active session is never idle
	gone     bool // reclaimed: must not get a sandbox again
	checking sync.Mutex
}

func (s *session) touch() {
	s.mu.Lock()
	s.lastSeen = time.Now()
	s.mu.Unlock()
}

// sandbox returns the session's sandbox, creating it on first use.
func (s *session) sandbox(ctx context.Context, create func(context.Context, string) (sandbox.Sandbox, error)) (sandbox.Sandbox, error) {
	for {
		s.mu.Lock()
		if s.sb != nil {
			sb := s.sb
			s.mu.Unlock()
			return sb, nil
		}
		if ch := s.creating; ch != nil {
			s.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		s.creating = ch
		s.mu.Unlock()
		// Creation outlives the request that triggered it: a reload must not waste it.
		sb, err := create(context.WithoutCancel(ctx), "serve-"+s.id[:12])
		s.mu.Lock()
		gone := s.gone
		if !gone && err == nil {
			s.sb = sb
		}
		s.creating = nil
		s.mu.Unlock()
		close(ch)
		if gone && err == nil {
			sb.Stop(context.WithoutCancel(ctx)) // reclaimed meanwhile: do not leak it
			return nil, errNoSession
		}
		return sb, err
	}
}

// begin and end bracket a use of the session that keeps it from being reclaimed.
func (s *session) begin() {
	s.mu.Lock()
	s.active++
	s.mu.Unlock()
}

func (s *session) end() {
	s.mu.Lock()
	s.active--
	s.lastSeen = time.Now()
	s.mu.Unlock()
}

// discard stops the shell and the sandbox; the session can start afresh.
func (s *session) discard(ctx context.Context) {
	s.mu.Lock()
	sb, sh := s.sb, s.shell
	s.sb, s.shell = nil, nil
	s.results = map[int]runner.StepResult{}
	s.mu.Unlock()
	if sh != nil {
		sh.close()
	}
	if sb != nil {
		sb.Stop(ctx)
	}
}

// shell is a login shell on a pty in the sandbox. It outlives WebSocket connections: a
// reconnecting browser re-attaches and gets the recent output replayed.
type shell struct {
	in     *io.PipeWriter
	resize chan sandbox.WindowSize
	done   chan struct{}
	cancel context.CancelFunc

	mu      sync.Mutex
	backlog []byte            // last output, replayed on attach
	out     func([]byte) bool // the attached terminal, nil when detached
	gen     int               // counts attaches, so an old connection's detach leaves a newer one
}

const backlogSize = 64 << 10

func startShell(sb sandbox.Sandbox, size sandbox.WindowSize) *shell {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	sh := &shell{in: pw, resize: make(chan sandbox.WindowSize, 4), done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(sh.done)
		defer pr.Close()
		sb.Exec(ctx, sandbox.ExecRequest{
			Argv: []string{"/bin/bash", "-l"},
			User: sandbox.Student,
			TTY:  &sandbox.TTY{In: pr, Out: sh, Size: size, Resize: sh.resize, Term: "xterm-256color"},
		})
	}()
	return sh
}

// Write receives pty output.
func (sh *shell) Write(p []byte) (int, error) {
	sh.mu.Lock()
	sh.backlog = append(sh.backlog, p...)
	if over := len(sh.backlog) - backlogSize; over > 0 {
		sh.backlog = append(sh.backlog[:0], sh.backlog[over:]...)
	}
	out := sh.out
	sh.mu.Unlock()
	if out != nil {
		out(append([]byte(nil), p...))
	}
	return len(p), nil
}

// attach makes out the terminal (a second tab takes over from the first) and returns the
// backlog to replay first and the attach's number for detach.
func (sh *shell) attach(out func([]byte) bool) ([]byte, int) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.out = out
	sh.gen++
	return append([]byte(nil), sh.backlog...), sh.gen
}

func (sh *shell) detach(gen int) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen == gen {
		sh.out = nil
	}
}

func (sh *shell) exited() bool {
	select {
	case <-sh.done:
		return true
	default:
		return false
	}
}

func (sh *shell) close() {
	sh.in.Close()
	sh.cancel()
	<-sh.done
}
