package process

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/logfile"
)

// umaskMu serialises the process-wide umask change around fork: Go has no
// per-child umask, so the parent sets it for the instant of the fork.
var umaskMu sync.Mutex

// minRestartInterval bounds how often a process that dies right after its
// spawn is restarted (4.2.5's 1-second loop gives the same bound). A process
// that ran longer than this is restarted at once.
const minRestartInterval = time.Second

// exitDrainWait is how long the exit handling waits for the output pipes to
// reach EOF, so that the log holds the last words of the child before its
// exit is reported. Grandchildren may keep the pipes open; then we go on.
const exitDrainWait = 100 * time.Millisecond

// spawnLocked starts the child (PST-03). p.mu is held.
func (p *Process) spawnLocked() {
	name := p.cfg.Name
	if p.cur != nil {
		p.log().Warn("process '%s' already running", name)
		return
	}
	p.cancelTimer()
	p.killing = false
	p.spawnErr = ""
	p.exitStatus = 0
	p.laststart = time.Now()
	p.changeState(Starting, true)

	filename, err := ResolveCommand(p.cfg)
	if err != nil {
		p.spawnFailedLocked(err.Error())
		return
	}
	if err := p.openLogsLocked(); err != nil {
		if errors.Is(err, syscall.EMFILE) {
			p.spawnFailedLocked(fmt.Sprintf("too many open files to spawn '%s'", name))
		} else {
			p.spawnFailedLocked(fmt.Sprintf("unknown error making dispatchers for '%s': %s", name, errnoName(rootErrno(err))))
		}
		return
	}

	var cred *syscall.Credential
	childMsg := "" // set when 4.2.5's forked child would fail its setup
	if p.cfg.User != "" {
		var uid int
		var why string
		cred, uid, why = credential(p.cfg.User)
		if uid < 0 {
			p.spawnFailedLocked(why)
			return
		}
		if why != "" {
			childMsg = fmt.Sprintf("couldn't setuid to %d: %s", uid, why)
		}
	}

	pp, err := makePipes(p.cfg.RedirectStderr, p.opts.Stdin)
	if err != nil {
		if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
			p.spawnFailedLocked(fmt.Sprintf("too many open files to spawn '%s'", name))
		} else {
			p.spawnFailedLocked(fmt.Sprintf("unknown error making dispatchers for '%s': %s", name, errnoName(rootErrno(err))))
		}
		return
	}
	env := BuildEnv(p.cfg, p.opts.GlobalEnv)
	r := &run{done: make(chan struct{})}
	onExit := func(ws syscall.WaitStatus) { go p.exited(r, ws) }
	var pid int
	if childMsg == "" {
		attr := &syscall.ProcAttr{
			Dir:   p.cfg.Directory,
			Env:   env,
			Files: pp.childFds(),
			Sys:   &syscall.SysProcAttr{Setpgid: true, Credential: cred},
		}
		pid, err = p.opts.Reaper.spawn(func() (int, error) {
			if p.cfg.Umask != nil {
				umaskMu.Lock()
				old := syscall.Umask(int(*p.cfg.Umask))
				defer func() { syscall.Umask(old); umaskMu.Unlock() }()
			}
			return syscall.ForkExec(filename, p.cfg.Argv, attr)
		}, onExit)
		if err != nil {
			var errno syscall.Errno
			errors.As(err, &errno)
			switch {
			case errno == syscall.EAGAIN:
				pp.closeChild()
				pp.closeParent()
				p.spawnFailedLocked(fmt.Sprintf("Too many processes in process table to spawn '%s'", name))
				return
			case p.cfg.Directory != "" && dirProblem(p.cfg.Directory) != nil:
				childMsg = fmt.Sprintf("couldn't chdir to %s: %s", p.cfg.Directory, errnoName(dirProblem(p.cfg.Directory)))
			default:
				childMsg = fmt.Sprintf("couldn't exec %s: %s", p.cfg.Argv[0], errnoName(err))
			}
		}
	}
	if childMsg != "" {
		// Go learns of these failures inside ForkExec, without a pid. A
		// stand-in child reports them the way 4.2.5's forked child does,
		// so the logs and states are the same: a spawned pid that writes
		// the reason to stderr and exits 127.
		pid, err = p.opts.Reaper.spawn(func() (int, error) {
			return syscall.ForkExec(reporterShell, reporterArgv(childMsg), &syscall.ProcAttr{
				Env: env, Files: pp.childFds(), Sys: &syscall.SysProcAttr{Setpgid: true},
			})
		}, onExit)
	}
	pp.closeChild()
	if err != nil {
		pp.closeParent()
		if childMsg != "" {
			p.childFailedLocked(childMsg) // no shell either: write it ourselves
		} else {
			p.spawnFailedLocked(fmt.Sprintf("unknown error during fork for '%s': %s", name, errnoName(rootErrno(err))))
		}
		return
	}
	r.pid = pid
	r.stdin = pp.stdinW
	p.cur = r
	p.startReaders(r, pp)
	p.log().Info("spawned: '%s' with pid %d", name, pid)
	if p.cfg.Startsecs <= 0 {
		p.enterRunningLocked()
	} else {
		p.arm(time.Duration(p.cfg.Startsecs)*time.Second, func() {
			if p.state == Starting {
				p.enterRunningLocked()
			}
		})
	}
}

func (p *Process) enterRunningLocked() {
	p.backoff = 0
	p.changeState(Running, true)
	p.log().Info("success: %s entered RUNNING state, process has stayed up for > than %d seconds (startsecs)", p.cfg.Name, p.cfg.Startsecs)
}

// spawnFailedLocked records an error found before fork (PST-04).
func (p *Process) spawnFailedLocked(msg string) {
	p.spawnErr = msg
	p.log().Info("spawnerr: %s", msg)
	p.enterBackoffLocked()
}

// reporterShell runs the stand-in child of a failed setup.
const reporterShell = "/bin/sh"

func reporterArgv(msg string) []string {
	return []string{"sh", "-c", `printf '%s\n' "$1" 'supervisor: child process was not spawned' >&2; exit 127`, "sh", "supervisor: " + msg}
}

// childFailedLocked reproduces what 4.2.5's forked child does when setuid,
// chdir or exec fail: it writes the reason to its stderr log and exits 127.
// It is the fallback when not even the stand-in child can run, so there is
// no "spawned:" line.
func (p *Process) childFailedLocked(msg string) {
	w := p.stderrLog
	if p.cfg.RedirectStderr || w == nil {
		w = p.stdoutLog
	}
	if w != nil {
		_, _ = w.Write([]byte("supervisor: " + msg + "\nsupervisor: child process was not spawned\n"))
	}
	p.finishLocked(syscall.WaitStatus(127 << 8))
}

func (p *Process) enterBackoffLocked() {
	p.changeState(Backoff, true)
	p.scheduleBackoffLocked()
}

// scheduleBackoffLocked gives up after startretries (PST-09) or arms the
// linear retry delay (PST-07/08).
func (p *Process) scheduleBackoffLocked() {
	if p.backoff > p.cfg.Startretries {
		p.giveUpLocked()
		p.log().Info("gave up: %s entered FATAL state, too many start retries too quickly", p.cfg.Name)
		return
	}
	p.arm(time.Duration(p.backoff)*time.Second, p.retryLocked)
}

func (p *Process) retryLocked() {
	if p.state != Backoff {
		return
	}
	if !p.mayAutoSpawn() {
		// Shutting down: stay in BACKOFF; the group stop gives up.
		return
	}
	p.spawnLocked()
}

// exited runs when the reaper collected r's status.
func (p *Process) exited(r *run, ws syscall.WaitStatus) {
	t := time.NewTimer(exitDrainWait)
	select {
	case <-r.done:
	case <-t.C:
	}
	t.Stop()
	p.mu.Lock()
	if p.cur != r {
		p.mu.Unlock()
		return
	}
	p.finishLocked(ws)
	p.mu.Unlock()
	p.flush()
}

// finishLocked is 4.2.5's finish(): the child is gone.
func (p *Process) finishLocked(ws syscall.WaitStatus) {
	name := p.cfg.Name
	es, msg := decodeWaitStatus(ws)
	now := time.Now()
	p.laststop = now
	ran := now.Sub(p.laststart)
	tooQuickly := ran < time.Duration(p.cfg.Startsecs)*time.Second
	expected := p.expected(es)
	p.cancelTimer()

	switch {
	case p.killing:
		p.killing = false
		p.exitStatus = es
		p.changeState(Stopped, true)
		if expected {
			p.log().Info("stopped: %s (%s)", name, msg)
		} else {
			p.log().Warn("stopped: %s (%s)", name, msg)
		}
	case tooQuickly && p.state == Starting:
		p.exitStatus = 0
		p.spawnErr = "Exited too quickly (process log may have details)"
		p.changeState(Backoff, true)
		p.log().Warn("exited: %s (%s; not expected)", name, msg)
		if es == 0 {
			p.log().Info("hint: %s exited with status 0 before startsecs (%d s): if its command puts itself in the background (daemonizes), run it in the foreground instead (e.g. nginx -g 'daemon off;'); supervisord can only supervise a process that keeps running", name, p.cfg.Startsecs)
		}
	default:
		p.backoff = 0
		p.exitStatus = es
		if p.state == Starting {
			p.enterRunningLocked()
		}
		if expected {
			p.changeState(Exited, true)
			p.log().Info("exited: %s (%s; expected)", name, msg)
		} else {
			p.spawnErr = fmt.Sprintf("Bad exit code %d", es)
			p.changeState(Exited, false)
			p.log().Warn("exited: %s (%s; not expected)", name, msg)
		}
	}
	if p.cur != nil {
		if p.cur.stdin != nil {
			p.cur.stdin.Close()
		}
		p.cur = nil
	}
	if p.closed {
		p.closeLogsLocked()
		return
	}
	switch p.state {
	case Backoff:
		p.scheduleBackoffLocked()
	case Exited:
		restart := false
		switch p.cfg.Autorestart {
		case config.RestartAlways:
			restart = true
		case config.RestartUnexpected:
			restart = !expected
		}
		if restart {
			wait := minRestartInterval - ran
			if wait < 0 {
				wait = 0
			}
			p.arm(wait, func() {
				if p.state == Exited && p.mayAutoSpawn() {
					p.spawnLocked()
				}
			})
		}
	}
}

func dirProblem(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return rootErrno(err)
	}
	if !st.IsDir() {
		return syscall.ENOTDIR
	}
	return nil
}

func rootErrno(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// openLogsLocked opens the log files on first spawn; they stay open across
// respawns.
func (p *Process) openLogsLocked() error {
	if p.stdoutLog == nil && p.stdoutPath != "" {
		w, err := logfile.Open(p.stdoutPath, p.cfg.Stdout.Maxbytes, p.cfg.Stdout.Backups)
		if err != nil {
			return err
		}
		p.stdoutLog = w
	}
	if p.stderrLog == nil && p.stderrPath != "" {
		w, err := logfile.Open(p.stderrPath, p.cfg.Stderr.Maxbytes, p.cfg.Stderr.Backups)
		if err != nil {
			return err
		}
		p.stderrLog = w
	}
	return nil
}

type pipes struct {
	stdin            *os.File // a shared socket instead of the stdin pipe
	stdinR, stdinW   *os.File
	stdoutR, stdoutW *os.File
	stderrR, stderrW *os.File
}

func makePipes(redirect bool, stdin *os.File) (*pipes, error) {
	pp := &pipes{stdin: stdin}
	var err error
	if stdin == nil {
		if pp.stdinR, pp.stdinW, err = os.Pipe(); err != nil {
			return nil, err
		}
	}
	if pp.stdoutR, pp.stdoutW, err = os.Pipe(); err != nil {
		pp.closeChild()
		pp.closeParent()
		return nil, err
	}
	if !redirect {
		if pp.stderrR, pp.stderrW, err = os.Pipe(); err != nil {
			pp.closeChild()
			pp.closeParent()
			return nil, err
		}
	}
	return pp, nil
}

func (pp *pipes) childFds() []uintptr {
	errw := pp.stdoutW
	if pp.stderrW != nil {
		errw = pp.stderrW
	}
	in := pp.stdinR
	if pp.stdin != nil {
		in = pp.stdin
	}
	return []uintptr{in.Fd(), pp.stdoutW.Fd(), errw.Fd()}
}

func (pp *pipes) closeChild() {
	for _, f := range []*os.File{pp.stdinR, pp.stdoutW, pp.stderrW} {
		if f != nil {
			f.Close()
		}
	}
}

func (pp *pipes) closeParent() {
	for _, f := range []*os.File{pp.stdinW, pp.stdoutR, pp.stderrR} {
		if f != nil {
			f.Close()
		}
	}
}
