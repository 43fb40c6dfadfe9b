// Package rpctest provides a small but real rpc.Backend for tests of the
// XML-RPC and HTTP layers: it runs real child processes (os/exec), writes
// their output to real log files and follows 4.2.5's state rules closely
// enough for wire-level tests (STARTING → RUNNING after startsecs, stop →
// STOPPING → STOPPED, exits → EXITED/BACKOFF). It is not supervisord: no
// backoff retries, autorestart, events or rotation.
package rpctest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// Program configures one process of the fake.
type Program struct {
	Group, Name string
	Priority    int
	Argv        []string
	Startsecs   time.Duration
	Stopsignal  syscall.Signal
	// StdoutLog and StderrLog are log paths ("" for none).
	StdoutLog, StderrLog string
}

// Backend is the fake supervisord. The zero value is not usable; use New.
type Backend struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	mood    rpc.SupervisorState
	groups  []*group
	pending []Program // "last-read config" for reloadConfig/addProcessGroup

	// MainLog is the main log path ("" for none).
	MainLog string
	// Ident is getIdentification's answer (default "supervisor").
	Ident string
	// Events records sendRemoteCommEvent calls as "type\ndata".
	Events []string
	// ReloadErr, when set, is returned by ReloadConfig as CANT_REREAD.
	ReloadErr string
}

type group struct {
	name  string
	prio  int
	procs []*proc
}

type proc struct {
	cfg        Program
	state      rpc.ProcessState
	start      time.Time
	stop       time.Time
	spawnErr   string
	exitStatus int
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	stopping   bool
}

// New returns a running fake with the given programs active.
func New(progs ...Program) *Backend {
	b := &Backend{changed: make(chan struct{}), mood: rpc.SupervisorRunning, Ident: "supervisor"}
	for _, p := range progs {
		b.add(p)
	}
	b.pending = append(b.pending, progs...)
	return b
}

func (b *Backend) add(p Program) {
	if p.Stopsignal == 0 {
		p.Stopsignal = syscall.SIGTERM
	}
	for _, g := range b.groups {
		if g.name == p.Group {
			g.procs = append(g.procs, &proc{cfg: p})
			return
		}
	}
	b.groups = append(b.groups, &group{name: p.Group, prio: p.Priority, procs: []*proc{{cfg: p}}})
}

// SetPending replaces the "last-read config" that reloadConfig compares
// and addProcessGroup activates from.
func (b *Backend) SetPending(progs ...Program) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = progs
}

// SetMood sets supervisord's state (SHUTDOWN_STATE tests).
func (b *Backend) SetMood(s rpc.SupervisorState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mood = s
}

// Close kills every child and waits for them.
func (b *Backend) Close() {
	b.mu.Lock()
	var cmds []*exec.Cmd
	for _, g := range b.groups {
		for _, p := range g.procs {
			if p.cmd != nil && p.cmd.Process != nil {
				_ = p.cmd.Process.Kill()
				cmds = append(cmds, p.cmd)
			}
		}
	}
	b.mu.Unlock()
	// Wait until the reaper goroutines have seen every exit.
	for {
		b.mu.Lock()
		busy := false
		for _, g := range b.groups {
			for _, p := range g.procs {
				if p.cmd != nil {
					busy = true
				}
			}
		}
		ch := b.changed
		b.mu.Unlock()
		if !busy {
			return
		}
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			return
		}
	}
}

func (b *Backend) notify() {
	close(b.changed)
	b.changed = make(chan struct{})
}

func (b *Backend) find(g, n string) (*proc, error) {
	for _, gr := range b.groups {
		if gr.name != g {
			continue
		}
		for _, p := range gr.procs {
			if p.cfg.Name == n {
				return p, nil
			}
		}
	}
	return nil, rpc.Code(rpc.FaultBadName)
}

// Identification implements rpc.Backend.
func (b *Backend) Identification() string { return b.Ident }

// PID implements rpc.Backend.
func (b *Backend) PID() int { return os.Getpid() }

// State implements rpc.Backend.
func (b *Backend) State() rpc.SupervisorState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mood
}

// Groups implements rpc.Backend.
func (b *Backend) Groups() []rpc.GroupInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]rpc.GroupInfo, 0, len(b.groups))
	for _, g := range b.groups {
		gi := rpc.GroupInfo{Name: g.name, Priority: g.prio}
		for _, p := range g.procs {
			gi.Processes = append(gi.Processes, p.cfg.Name)
		}
		out = append(out, gi)
	}
	return out
}

// ProcessInfo implements rpc.Backend.
func (b *Backend) ProcessInfo(g, n string) (rpc.ProcessInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.find(g, n)
	if err != nil {
		return rpc.ProcessInfo{}, err
	}
	b.tick(p)
	pid := 0
	if p.cmd != nil && p.cmd.Process != nil {
		pid = p.cmd.Process.Pid
	}
	return rpc.ProcessInfo{
		Name: p.cfg.Name, Group: g, Start: p.start, Stop: p.stop, State: p.state,
		SpawnErr: p.spawnErr, ExitStatus: p.exitStatus,
		StdoutLogfile: p.cfg.StdoutLog, StderrLogfile: p.cfg.StderrLog, PID: pid,
	}, nil
}

// tick promotes STARTING to RUNNING once startsecs have passed.
func (b *Backend) tick(p *proc) {
	if p.state == rpc.StateStarting && time.Since(p.start) >= p.cfg.Startsecs {
		p.state = rpc.StateRunning
		b.notify()
	}
}

// StartProcess implements rpc.Backend.
func (b *Backend) StartProcess(ctx context.Context, g, n string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.find(g, n)
	if err != nil {
		return err
	}
	if len(p.cfg.Argv) == 0 {
		return rpc.NewFault(rpc.FaultNotExecutable, "command is empty")
	}
	path, err := exec.LookPath(p.cfg.Argv[0])
	if err != nil {
		if strings.Contains(p.cfg.Argv[0], "/") {
			return rpc.NewFaultf(rpc.FaultNoFile, "can't find command '%s'", p.cfg.Argv[0])
		}
		return rpc.NewFaultf(rpc.FaultNoFile, "can't find command '%s'", p.cfg.Argv[0])
	}
	if p.state.Running() {
		return rpc.Code(rpc.FaultAlreadyStarted)
	}
	if p.state == rpc.StateUnknown {
		return rpc.NewFaultf(rpc.FaultFailed, "%s is in an unknown process state", n)
	}
	if p.cmd != nil {
		// Still STOPPING: 4.2.5's spawn() refuses ("already running") and
		// a waiting start then ends in ABNORMAL_TERMINATION.
		return nil
	}
	cmd := exec.Command(path, p.cfg.Argv[1:]...)
	cmd.Args[0] = p.cfg.Argv[0]
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var files []*os.File
	open := func(path string) (*os.File, error) {
		if path == "" {
			return nil, nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if f != nil {
			files = append(files, f)
		}
		return f, err
	}
	out, err := open(p.cfg.StdoutLog)
	if err == nil {
		var errf *os.File
		errf, err = open(p.cfg.StderrLog)
		if out != nil {
			cmd.Stdout = out
		}
		if errf != nil {
			cmd.Stderr = errf
		}
	}
	closeAll := func() {
		for _, f := range files {
			_ = f.Close()
		}
	}
	if err != nil {
		closeAll()
		p.spawnErr = err.Error()
		p.state = rpc.StateBackoff
		b.notify()
		return rpc.Code(rpc.FaultSpawnError)
	}
	stdin, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	closeAll()
	if err != nil {
		p.spawnErr = err.Error()
		p.state = rpc.StateBackoff
		b.notify()
		return rpc.Code(rpc.FaultSpawnError)
	}
	p.cmd, p.stdin, p.stopping = cmd, stdin, false
	p.start, p.spawnErr, p.exitStatus = time.Now(), "", 0
	p.state = rpc.StateStarting
	b.tick(p)
	b.notify()
	go b.reap(p, cmd)
	return nil
}

func (b *Backend) reap(p *proc, cmd *exec.Cmd) {
	err := cmd.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode() // -1 when killed by a signal
	}
	if p.cmd != cmd {
		return
	}
	p.cmd, p.stdin = nil, nil
	p.stop = time.Now()
	switch {
	case p.stopping:
		p.state = rpc.StateStopped
		p.exitStatus = code
	case p.state == rpc.StateStarting && time.Since(p.start) < p.cfg.Startsecs:
		p.state = rpc.StateBackoff
		p.spawnErr = "Exited too quickly (process log may have details)"
	default:
		p.state = rpc.StateExited
		p.exitStatus = code
	}
	p.stopping = false
	b.notify()
}

// wait blocks until done(p) reports true or an error.
func (b *Backend) wait(ctx context.Context, g, n string, done func(p *proc) (bool, error)) error {
	for {
		b.mu.Lock()
		p, err := b.find(g, n)
		if err != nil {
			b.mu.Unlock()
			return err
		}
		b.tick(p)
		ok, err := done(p)
		ch := b.changed
		var tick <-chan time.Time
		if p.state == rpc.StateStarting {
			tick = time.After(time.Until(p.start.Add(p.cfg.Startsecs)))
		}
		b.mu.Unlock()
		if ok || err != nil {
			return err
		}
		select {
		case <-ch:
		case <-tick:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitStarted implements rpc.Backend.
func (b *Backend) WaitStarted(ctx context.Context, g, n string) error {
	return b.wait(ctx, g, n, func(p *proc) (bool, error) {
		switch {
		case p.spawnErr != "":
			return false, rpc.Code(rpc.FaultSpawnError)
		case p.state == rpc.StateRunning:
			return true, nil
		case p.state != rpc.StateStarting:
			return false, rpc.Code(rpc.FaultAbnormalTermination)
		}
		return false, nil
	})
}

// StopProcess implements rpc.Backend.
func (b *Backend) StopProcess(ctx context.Context, g, n string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.find(g, n)
	if err != nil {
		return err
	}
	b.tick(p)
	if !p.state.Running() {
		return rpc.Code(rpc.FaultNotRunning)
	}
	if p.state == rpc.StateBackoff || p.cmd == nil {
		p.state = rpc.StateStopped
		b.notify()
		return nil
	}
	if err := p.cmd.Process.Signal(p.cfg.Stopsignal); err != nil {
		return rpc.NewFault(rpc.FaultFailed, err.Error())
	}
	p.stopping = true
	p.state = rpc.StateStopping
	b.notify()
	return nil
}

// WaitStopped implements rpc.Backend.
func (b *Backend) WaitStopped(ctx context.Context, g, n string) error {
	return b.wait(ctx, g, n, func(p *proc) (bool, error) { return p.state.Stopped(), nil })
}

// SignalProcess implements rpc.Backend.
func (b *Backend) SignalProcess(g, n string, sig syscall.Signal) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.find(g, n)
	if err != nil {
		return err
	}
	b.tick(p)
	if !p.state.Signallable() || p.cmd == nil {
		return rpc.Code(rpc.FaultNotRunning)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		return rpc.NewFault(rpc.FaultFailed, err.Error())
	}
	return nil
}

// SendProcessStdin implements rpc.Backend.
func (b *Backend) SendProcessStdin(g, n string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.find(g, n)
	if err != nil {
		return err
	}
	if p.cmd == nil || p.stopping {
		return rpc.Code(rpc.FaultNotRunning)
	}
	if _, err := p.stdin.Write(data); err != nil {
		return rpc.Code(rpc.FaultNoFile)
	}
	return nil
}

// ClearProcessLogs implements rpc.Backend.
func (b *Backend) ClearProcessLogs(g, n string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p, err := b.find(g, n)
	if err != nil {
		return err
	}
	if p.cmd == nil {
		return nil
	}
	for _, path := range []string{p.cfg.StdoutLog, p.cfg.StderrLog} {
		if path != "" {
			if err := os.Truncate(path, 0); err != nil && !errors.Is(err, os.ErrNotExist) {
				return rpc.Code(rpc.FaultFailed)
			}
		}
	}
	return nil
}

// MainLogfile implements rpc.Backend.
func (b *Backend) MainLogfile() string { return b.MainLog }

// ClearMainLog implements rpc.Backend.
func (b *Backend) ClearMainLog() error {
	if b.MainLog == "" {
		return rpc.Code(rpc.FaultNoFile)
	}
	if err := os.Truncate(b.MainLog, 0); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return rpc.Code(rpc.FaultNoFile)
		}
		return rpc.Code(rpc.FaultFailed)
	}
	return nil
}

// ReloadConfig implements rpc.Backend: compares pending with active by
// group name and program list.
func (b *Backend) ReloadConfig() (added, changed, removed []string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ReloadErr != "" {
		return nil, nil, nil, rpc.NewFault(rpc.FaultCantReread, b.ReloadErr)
	}
	pend := map[string][]string{}
	var order []string
	for _, p := range b.pending {
		if _, ok := pend[p.Group]; !ok {
			order = append(order, p.Group)
		}
		pend[p.Group] = append(pend[p.Group], p.Name+"\x00"+strings.Join(p.Argv, " "))
	}
	active := map[string]bool{}
	for _, g := range b.groups {
		active[g.name] = true
		want, ok := pend[g.name]
		if !ok {
			removed = append(removed, g.name)
			continue
		}
		var have []string
		for _, p := range g.procs {
			have = append(have, p.cfg.Name+"\x00"+strings.Join(p.cfg.Argv, " "))
		}
		if strings.Join(have, "\n") != strings.Join(want, "\n") {
			changed = append(changed, g.name)
		}
	}
	for _, g := range order {
		if !active[g] {
			added = append(added, g)
		}
	}
	return added, changed, removed, nil
}

// AddProcessGroup implements rpc.Backend.
func (b *Backend) AddProcessGroup(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var progs []Program
	for _, p := range b.pending {
		if p.Group == name {
			progs = append(progs, p)
		}
	}
	if len(progs) == 0 {
		return rpc.Code(rpc.FaultBadName)
	}
	for _, g := range b.groups {
		if g.name == name {
			return rpc.Code(rpc.FaultAlreadyAdded)
		}
	}
	for _, p := range progs {
		b.add(p)
	}
	b.notify()
	return nil
}

// RemoveProcessGroup implements rpc.Backend.
func (b *Backend) RemoveProcessGroup(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, g := range b.groups {
		if g.name != name {
			continue
		}
		for _, p := range g.procs {
			if !p.state.Stopped() {
				return rpc.Code(rpc.FaultStillRunning)
			}
		}
		b.groups = append(b.groups[:i], b.groups[i+1:]...)
		b.notify()
		return nil
	}
	return rpc.Code(rpc.FaultBadName)
}

// AllConfigInfo implements rpc.Backend.
func (b *Backend) AllConfigInfo() []rpc.ConfigInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	active := map[string]bool{}
	for _, g := range b.groups {
		active[g.name] = true
	}
	var out []rpc.ConfigInfo
	for _, p := range b.pending {
		out = append(out, rpc.ConfigInfo{
			Name: p.Name, Group: p.Group, GroupPrio: p.Priority, ProcessPrio: 999, InUse: active[p.Group],
			Command: strings.Join(p.Argv, " "), Exitcodes: []int{0}, Startretries: 3,
			Startsecs: int(p.Startsecs / time.Second), Stopsignal: int(syscall.SIGTERM), Stopwaitsecs: 10,
			Stdout: rpc.ConfigLog{Logfile: p.StdoutLog, LogfileBackups: 10, LogfileMaxbytes: 50 << 20},
			Stderr: rpc.ConfigLog{Logfile: p.StderrLog, LogfileBackups: 10, LogfileMaxbytes: 50 << 20},
		})
	}
	return out
}

// SendRemoteCommEvent implements rpc.Backend.
func (b *Backend) SendRemoteCommEvent(typ, data string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.Events = append(b.Events, typ+"\n"+data)
	return nil
}

// Shutdown implements rpc.Backend.
func (b *Backend) Shutdown() error { b.SetMood(rpc.SupervisorShutdown); return nil }

// Restart implements rpc.Backend.
func (b *Backend) Restart() error { b.SetMood(rpc.SupervisorRestarting); return nil }

var _ rpc.Backend = (*Backend)(nil)

// String is for test failure messages.
func (p Program) String() string { return fmt.Sprintf("%s:%s", p.Group, p.Name) }
