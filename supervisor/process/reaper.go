package process

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Reaper collects the exit status of children on SIGCHLD and hands it to
// the process that spawned them.
//
// In ReapAll mode (supervisord itself, possibly PID 1 in a sandbox) it
// waits for any child, so zombies of grandchildren reparented to us are
// reaped too and reported through the unknown callback (PST-22). Library
// users that run other children of their own (tests) use the targeted mode,
// which waits only for pids it spawned and so never steals a status from
// os/exec.
type Reaper struct {
	mu      sync.Mutex
	all     bool
	procs   map[int]func(syscall.WaitStatus)
	unknown func(pid int, ws syscall.WaitStatus)
	onChld  func()
	sigs    chan os.Signal
	done    chan struct{}
	wg      sync.WaitGroup
}

// NewReaper starts a reaper. unknown may be nil.
func NewReaper(reapAll bool, unknown func(pid int, ws syscall.WaitStatus)) *Reaper {
	r := &Reaper{
		all:     reapAll,
		procs:   make(map[int]func(syscall.WaitStatus)),
		unknown: unknown,
		sigs:    make(chan os.Signal, 1),
		done:    make(chan struct{}),
	}
	signal.Notify(r.sigs, syscall.SIGCHLD)
	r.wg.Add(1)
	go r.loop()
	return r
}

// Close stops listening for SIGCHLD. Children still running are no longer
// reaped by this Reaper.
func (r *Reaper) Close() {
	signal.Stop(r.sigs)
	close(r.done)
	r.wg.Wait()
}

func (r *Reaper) loop() {
	defer r.wg.Done()
	for {
		select {
		case <-r.done:
			return
		case <-r.sigs:
			r.mu.Lock()
			fn := r.onChld
			r.mu.Unlock()
			if fn != nil {
				fn()
			}
			r.reap()
		}
	}
}

// OnSIGCHLD sets a function called each time SIGCHLD is handled, before
// the children are collected (supervisord logs it at debug level).
func (r *Reaper) OnSIGCHLD(fn func()) {
	r.mu.Lock()
	r.onChld = fn
	r.mu.Unlock()
}

// Poke makes the reaper look for exited children now (a SIGCHLD that
// arrived before Notify, for example).
func (r *Reaper) Poke() {
	select {
	case r.sigs <- syscall.SIGCHLD:
	default:
	}
}

type reaped struct {
	pid int
	ws  syscall.WaitStatus
	fn  func(syscall.WaitStatus)
}

func (r *Reaper) reap() {
	var out []reaped
	r.mu.Lock()
	if r.all {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if err == syscall.EINTR {
				continue
			}
			if err != nil || pid <= 0 {
				break
			}
			fn := r.procs[pid]
			delete(r.procs, pid)
			out = append(out, reaped{pid, ws, fn})
		}
	} else {
		for pid, fn := range r.procs {
			var ws syscall.WaitStatus
			got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
			if err == syscall.ECHILD {
				// Someone else reaped it; report it as killed so the state
				// machine does not hang in RUNNING.
				delete(r.procs, pid)
				out = append(out, reaped{pid, syscall.WaitStatus(syscall.SIGKILL), fn})
				continue
			}
			if err != nil || got != pid {
				continue
			}
			delete(r.procs, pid)
			out = append(out, reaped{pid, ws, fn})
		}
	}
	r.mu.Unlock()
	for _, x := range out {
		if x.fn != nil {
			x.fn(x.ws)
		} else if r.unknown != nil {
			r.unknown(x.pid, x.ws)
		}
	}
}

// spawn runs start (a fork) with the registry locked, so that a child that
// exits at once is still known when its SIGCHLD is handled.
func (r *Reaper) spawn(start func() (int, error), onExit func(syscall.WaitStatus)) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, err := start()
	if err == nil {
		r.procs[pid] = onExit
	}
	return pid, err
}
