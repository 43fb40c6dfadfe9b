package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/logfile"
)

// Options are what a Process needs from supervisord.
type Options struct {
	// Logger is the main log; nil discards.
	Logger *logfile.Logger
	// Reaper delivers exit statuses; required.
	Reaper *Reaper
	// Hook receives every state change, in order, without any process
	// lock held. It must not call methods that change this process's state
	// synchronously (queue the work instead).
	Hook func(Event)
	// GlobalEnv is [supervisord] environment=, applied before the program's
	// own. config.Load already merges it into Program.Environment, so
	// supervisord leaves this empty; it serves hand-built configs.
	GlobalEnv config.Env
	// Identifier and ChildLogDir name AUTO log files.
	Identifier  string
	ChildLogDir string
	// MayAutoSpawn reports whether supervisord's mood allows automatic
	// spawns (autostart, autorestart, backoff retries; PST-20). nil: yes.
	MayAutoSpawn func() bool
	// Output, when set, receives every chunk the child writes ("stdout" or
	// "stderr") outside capture blocks, after it is logged (PROCESS_LOG_*,
	// listener protocol); the slice must not be retained.
	// pid identifies the run that wrote it.
	Output func(p *Process, channel string, pid int, data []byte)
	// Comm, when set, receives each block a child wrote between
	// <!--XSUPERVISOR:BEGIN--> and <!--XSUPERVISOR:END--> on a channel
	// with *_capture_maxbytes > 0 (PROCESS_COMMUNICATION events).
	Comm func(p *Process, channel string, pid int, data []byte)
	// Stdin, when set, is the child's fd 0 instead of a pipe: the shared
	// listening socket of an [fcgi-program:x] group (CFG-FCGI-03).
	Stdin *os.File
	// StripANSI removes ANSI escape sequences from output ([supervisord]
	// strip_ansi).
	StripANSI bool
}

// Info is a snapshot of a process for getProcessInfo.
type Info struct {
	Name, Group   string
	Start, Stop   time.Time // zero when never
	State         State
	SpawnErr      string
	ExitStatus    int
	StdoutLogfile string
	StderrLogfile string
	PID           int
}

// run is one spawned child.
type run struct {
	pid   int
	stdin *os.File
	done  chan struct{} // closed when all output pipes reached EOF
}

// Process is one supervised process. All methods are safe for concurrent
// use.
type Process struct {
	cfg  *config.Program
	opts Options

	deliverMu sync.Mutex // orders Hook calls

	mu             sync.Mutex
	state          State
	cur            *run
	laststart      time.Time // wall and monotonic
	laststop       time.Time
	spawnErr       string
	exitStatus     int
	backoff        int
	killing        bool
	gen            uint64 // invalidates stale timers
	timer          *time.Timer
	changed        chan struct{}
	pending        []Event
	stdoutPath     string
	stderrPath     string
	stdoutLog      *logfile.Writer
	stderrLog      *logfile.Writer
	lastStopReport time.Time
	closed         bool
	syslog         syslogSink
}

// New prepares a process in the STOPPED state. AUTO log files are created
// now in ChildLogDir, as 4.2.5 does when a group is added (LOG-CH-02).
func New(cfg *config.Program, opts Options) (*Process, error) {
	p := &Process{cfg: cfg, opts: opts, changed: make(chan struct{})}
	p.syslog.name = cfg.Name
	var err error
	if p.stdoutPath, err = p.logPath(cfg.Stdout, "stdout"); err != nil {
		return nil, err
	}
	if !cfg.RedirectStderr {
		if p.stderrPath, err = p.logPath(cfg.Stderr, "stderr"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *Process) logPath(spec config.LogSpec, channel string) (string, error) {
	if !spec.Auto {
		return spec.Logfile, nil
	}
	dir := p.opts.ChildLogDir
	if dir == "" {
		dir = os.TempDir()
	}
	ident := p.opts.Identifier
	if ident == "" {
		ident = "supervisor"
	}
	f, err := os.CreateTemp(dir, p.cfg.Name+"-"+channel+"---"+ident+"-*.log")
	if err != nil {
		return "", fmt.Errorf("create AUTO %s log for %s: %w", channel, p.cfg.Name, err)
	}
	f.Close()
	return f.Name(), nil
}

// Config returns the program configuration the process was made from.
func (p *Process) Config() *config.Program { return p.cfg }

// Name is the process name.
func (p *Process) Name() string { return p.cfg.Name }

// State returns the current state.
func (p *Process) State() State {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// PID returns the pid, 0 when not running.
func (p *Process) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return 0
	}
	return p.cur.pid
}

// Info returns a snapshot of the process.
func (p *Process) Info() Info {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := Info{
		Name: p.cfg.Name, Group: p.cfg.Group, Start: p.laststart, Stop: p.laststop,
		State: p.state, SpawnErr: p.spawnErr, ExitStatus: p.exitStatus,
		StdoutLogfile: p.stdoutPath, StderrLogfile: p.stderrPath,
	}
	if p.cur != nil {
		in.PID = p.cur.pid
	}
	return in
}

// Changed returns a channel closed at the next state change.
func (p *Process) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

func (p *Process) log() *logfile.Logger { return p.opts.Logger }

func (p *Process) mayAutoSpawn() bool {
	return p.opts.MayAutoSpawn == nil || p.opts.MayAutoSpawn()
}

// changeState records a transition and queues its event (delivered by
// flush). Backoff counting follows 4.2.5: the event carries the count
// before it is incremented.
func (p *Process) changeState(to State, expected bool) {
	from := p.state
	if from == to {
		return
	}
	ev := Event{Process: p, Name: p.cfg.Name, Group: p.cfg.Group, From: from, To: to, Tries: p.backoff, Expected: expected}
	if p.cur != nil {
		ev.PID = p.cur.pid
	}
	p.state = to
	if to == Backoff {
		p.backoff++
	}
	p.pending = append(p.pending, ev)
	close(p.changed)
	p.changed = make(chan struct{})
}

// Sync returns once every state change made so far has been delivered to
// the hook. A state is visible (State, Info) a moment before its event is
// delivered; callers that act on a state and care about event order (a
// shutdown stopping the next group) call Sync first.
func (p *Process) Sync() { p.flush() }

// flush delivers queued events to the hook outside p.mu, in order.
func (p *Process) flush() {
	p.deliverMu.Lock()
	defer p.deliverMu.Unlock()
	for {
		p.mu.Lock()
		evs := p.pending
		p.pending = nil
		p.mu.Unlock()
		if len(evs) == 0 {
			return
		}
		if p.opts.Hook != nil {
			for _, ev := range evs {
				p.opts.Hook(ev)
			}
		}
	}
}

// arm replaces the pending timer with one that runs fn (under p.mu) after d.
func (p *Process) arm(d time.Duration, fn func()) {
	p.cancelTimer()
	g := p.gen
	p.timer = time.AfterFunc(d, func() {
		p.mu.Lock()
		if p.gen != g || p.closed {
			p.mu.Unlock()
			return
		}
		p.timer = nil
		fn()
		p.mu.Unlock()
		p.flush()
	})
}

func (p *Process) cancelTimer() {
	p.gen++
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}

// Autostart spawns the process if it has never been started in this
// generation and autostart=true (PST-02).
func (p *Process) Autostart() {
	p.mu.Lock()
	if p.state == Stopped && p.laststart.IsZero() && p.cfg.Autostart && p.mayAutoSpawn() && !p.closed {
		p.spawnLocked()
	}
	p.mu.Unlock()
	p.flush()
}

// Start is an administrative start (startProcess before its wait): command
// checks first (*CommandError), then ErrAlreadyStarted or ErrUnknownState,
// then a spawn; ErrSpawn when the spawn failed at once.
func (p *Process) Start() error {
	if _, err := ResolveCommand(p.cfg); err != nil {
		return err
	}
	defer p.flush()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.state.IsRunning():
		return ErrAlreadyStarted
	case p.state == Unknown:
		return ErrUnknownState
	case p.closed:
		return ErrNotRunning
	}
	p.spawnLocked()
	if p.spawnErr != "" && (p.state == Backoff || p.state == Fatal) {
		return ErrSpawn
	}
	return nil
}

// WaitStarted waits until the process is RUNNING (nil), has a spawn error
// (ErrSpawn) or is neither STARTING nor RUNNING (ErrAbnormal).
func (p *Process) WaitStarted(ctx context.Context) error {
	for {
		p.mu.Lock()
		st, serr, ch := p.state, p.spawnErr, p.changed
		p.mu.Unlock()
		switch {
		case serr != "":
			return ErrSpawn
		case st == Running:
			p.flush()
			return nil
		case st != Starting:
			return ErrAbnormal
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Stop is an administrative stop: ErrNotRunning unless STARTING, RUNNING
// or BACKOFF; BACKOFF becomes STOPPED at once; otherwise the stop signal
// is sent and the process is STOPPING.
func (p *Process) Stop() error {
	defer p.flush()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.state.IsRunning() {
		return ErrNotRunning
	}
	p.lastStopReport = time.Time{}
	return p.killLocked(p.cfg.Stopsignal)
}

// WaitStopped waits until the process is in a stopped state, logging
// "waiting for <name> to stop" at most every 2 seconds (STOP-04).
func (p *Process) WaitStopped(ctx context.Context) error {
	for {
		p.mu.Lock()
		st, ch := p.state, p.changed
		if st == Stopping && time.Since(p.lastStopReport) > 2*time.Second {
			p.lastStopReport = time.Now()
			p.log().Info("waiting for %s to stop", p.cfg.Name)
		}
		p.mu.Unlock()
		if st.IsStopped() {
			p.flush()
			return nil
		}
		select {
		case <-ch:
		case <-time.After(2 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// GiveUp turns BACKOFF into FATAL, as a group stop during shutdown does
// (PST-17).
func (p *Process) GiveUp() {
	p.mu.Lock()
	if p.state == Backoff {
		p.giveUpLocked()
	}
	p.mu.Unlock()
	p.flush()
}

func (p *Process) giveUpLocked() {
	p.cancelTimer()
	p.backoff = 0
	p.changeState(Fatal, true)
}

// Signal sends sig to the process (never its group): ErrNotRunning unless
// RUNNING, STARTING or STOPPING.
func (p *Process) Signal(sig syscall.Signal) error {
	defer p.flush()
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.state.IsSignallable() || p.cur == nil {
		return ErrNotRunning
	}
	pid := p.cur.pid
	p.log().Debug("sending %s (pid %d) sig %s", p.cfg.Name, pid, signame(sig))
	if err := syscall.Kill(pid, sig); err != nil && err != syscall.ESRCH {
		msg := fmt.Sprintf("unknown problem sending sig %s (%d):%v", p.cfg.Name, pid, err)
		p.log().Critical("%s", msg)
		p.changeState(Unknown, true)
		return errors.New(msg)
	}
	return nil
}

// killLocked sends sig with the intention to stop the process (4.2.5 kill).
func (p *Process) killLocked(sig syscall.Signal) error {
	if p.state == Backoff {
		p.log().Debug("Attempted to kill %s, which is in BACKOFF state.", p.cfg.Name)
		p.cancelTimer()
		p.changeState(Stopped, true)
		return nil
	}
	if p.cur == nil {
		msg := fmt.Sprintf("attempted to kill %s with sig %s but it wasn't running", p.cfg.Name, signame(sig))
		p.log().Debug("%s", msg)
		return errors.New(msg)
	}
	asGroup := p.cfg.Stopasgroup
	if p.state == Stopping {
		asGroup = p.cfg.Killasgroup
	}
	pid := p.cur.pid
	grp := ""
	if asGroup {
		grp = "process group "
	}
	p.log().Debug("killing %s (pid %d) %swith signal %s", p.cfg.Name, pid, grp, signame(sig))
	p.killing = true
	p.changeState(Stopping, true)
	p.arm(time.Duration(p.cfg.Stopwaitsecs)*time.Second, p.stopTimeoutLocked)
	target := pid
	if asGroup {
		target = -pid
	}
	if err := syscall.Kill(target, sig); err != nil {
		if err == syscall.ESRCH {
			// It just exited on its own; the reaper will tell.
			return nil
		}
		msg := fmt.Sprintf("unknown problem killing %s (%d):%v", p.cfg.Name, pid, err)
		p.log().Critical("%s", msg)
		p.cancelTimer()
		p.changeState(Unknown, true)
		p.killing = false
		return errors.New(msg)
	}
	return nil
}

// stopTimeoutLocked escalates to SIGKILL; re-armed so it repeats (PST-15).
func (p *Process) stopTimeoutLocked() {
	if p.state != Stopping || p.cur == nil {
		return
	}
	p.log().Warn("killing '%s' (%d) with SIGKILL", p.cfg.Name, p.cur.pid)
	_ = p.killLocked(syscall.SIGKILL) // failures are logged and move to UNKNOWN
}

// SendStdin writes data to the child's stdin.
func (p *Process) SendStdin(data []byte) error {
	p.mu.Lock()
	if p.cur == nil || p.killing || p.state == Stopping {
		p.mu.Unlock()
		return ErrNotRunning
	}
	stdin := p.cur.stdin
	p.mu.Unlock()
	if stdin == nil {
		return ErrNoStdin
	}
	if _, err := stdin.Write(data); err != nil {
		return fmt.Errorf("%w: %v", ErrNoStdin, err)
	}
	return nil
}

// ReopenLogs reopens the child log files (SIGUSR2).
func (p *Process) ReopenLogs() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, w := range []*logfile.Writer{p.stdoutLog, p.stderrLog} {
		if w != nil {
			errs = append(errs, w.Reopen())
		}
	}
	return errors.Join(errs...)
}

// ClearLogs removes and reopens the current log files, only while the
// process has a live child (RPC-22); otherwise it does nothing.
func (p *Process) ClearLogs() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return nil
	}
	var errs []error
	for _, w := range []*logfile.Writer{p.stdoutLog, p.stderrLog} {
		if w != nil {
			errs = append(errs, w.Clear())
		}
	}
	return errors.Join(errs...)
}

// Close cancels timers and closes the log files of a process whose group
// was removed. The process must be stopped.
func (p *Process) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.cancelTimer()
	if p.cur == nil {
		p.closeLogsLocked()
	}
}

func (p *Process) closeLogsLocked() {
	for _, w := range []*logfile.Writer{p.stdoutLog, p.stderrLog} {
		if w != nil {
			w.Close()
		}
	}
	p.stdoutLog, p.stderrLog = nil, nil
}

func (p *Process) expected(es int) bool { return slices.Contains(p.cfg.Exitcodes, es) }
