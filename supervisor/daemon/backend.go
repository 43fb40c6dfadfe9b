package daemon

import (
	"context"
	"errors"
	"os"
	"syscall"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/events"
	"github.com/supervisorlab/supervisorlab/supervisor/process"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

var _ rpc.Backend = (*Supervisor)(nil)

// Identification implements rpc.Backend.
func (s *Supervisor) Identification() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active.Supervisord.Identifier == "" {
		return "supervisor"
	}
	return s.active.Supervisord.Identifier
}

// PID implements rpc.Backend.
func (s *Supervisor) PID() int { return os.Getpid() }

// State implements rpc.Backend.
func (s *Supervisor) State() rpc.SupervisorState { return s.Mood() }

// Groups implements rpc.Backend.
func (s *Supervisor) Groups() []rpc.GroupInfo {
	var out []rpc.GroupInfo
	for _, g := range s.ordered() {
		gi := rpc.GroupInfo{Name: g.Config.Name, Priority: g.Config.Priority}
		for _, p := range g.Procs {
			gi.Processes = append(gi.Processes, p.Name())
		}
		out = append(out, gi)
	}
	return out
}

func (s *Supervisor) lookup(group, name string) (*process.Process, error) {
	if p := s.Process(group, name); p != nil {
		return p, nil
	}
	return nil, rpc.Code(rpc.FaultBadName)
}

// ProcessInfo implements rpc.Backend.
func (s *Supervisor) ProcessInfo(group, name string) (rpc.ProcessInfo, error) {
	p, err := s.lookup(group, name)
	if err != nil {
		return rpc.ProcessInfo{}, err
	}
	in := p.Info()
	return rpc.ProcessInfo{
		Name: in.Name, Group: in.Group, Start: in.Start, Stop: in.Stop,
		State: rpc.ProcessState(in.State), SpawnErr: in.SpawnErr, ExitStatus: in.ExitStatus,
		StdoutLogfile: in.StdoutLogfile, StderrLogfile: in.StderrLogfile, PID: in.PID,
	}, nil
}

// StartProcess implements rpc.Backend.
func (s *Supervisor) StartProcess(ctx context.Context, group, name string) error {
	p, err := s.lookup(group, name)
	if err != nil {
		return err
	}
	err = p.Start()
	var ce *process.CommandError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce):
		if ce.Kind == process.CommandNotFound {
			return rpc.NewFault(rpc.FaultNoFile, ce.Msg)
		}
		return rpc.NewFault(rpc.FaultNotExecutable, ce.Msg)
	case errors.Is(err, process.ErrAlreadyStarted):
		return rpc.Code(rpc.FaultAlreadyStarted)
	case errors.Is(err, process.ErrUnknownState):
		return rpc.NewFault(rpc.FaultFailed, namespec(group, name)+" is in an unknown process state")
	case errors.Is(err, process.ErrSpawn):
		return rpc.Code(rpc.FaultSpawnError)
	case errors.Is(err, process.ErrNotRunning):
		return rpc.Code(rpc.FaultBadName)
	}
	return rpc.NewFault(rpc.FaultFailed, err.Error())
}

func namespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

// WaitStarted implements rpc.Backend.
func (s *Supervisor) WaitStarted(ctx context.Context, group, name string) error {
	p, err := s.lookup(group, name)
	if err != nil {
		return err
	}
	switch err := p.WaitStarted(ctx); {
	case err == nil:
		return nil
	case errors.Is(err, process.ErrSpawn):
		return rpc.Code(rpc.FaultSpawnError)
	case errors.Is(err, process.ErrAbnormal):
		return rpc.Code(rpc.FaultAbnormalTermination)
	default:
		return err
	}
}

// StopProcess implements rpc.Backend.
func (s *Supervisor) StopProcess(ctx context.Context, group, name string) error {
	p, err := s.lookup(group, name)
	if err != nil {
		return err
	}
	switch err := p.Stop(); {
	case err == nil:
		return nil
	case errors.Is(err, process.ErrNotRunning):
		return rpc.Code(rpc.FaultNotRunning)
	default:
		return rpc.NewFault(rpc.FaultFailed, err.Error())
	}
}

// WaitStopped implements rpc.Backend.
func (s *Supervisor) WaitStopped(ctx context.Context, group, name string) error {
	p, err := s.lookup(group, name)
	if err != nil {
		return err
	}
	return p.WaitStopped(ctx)
}

// SignalProcess implements rpc.Backend.
func (s *Supervisor) SignalProcess(group, name string, sig syscall.Signal) error {
	p, err := s.lookup(group, name)
	if err != nil {
		return err
	}
	switch err := p.Signal(sig); {
	case err == nil:
		return nil
	case errors.Is(err, process.ErrNotRunning):
		return rpc.Code(rpc.FaultNotRunning)
	default:
		return rpc.NewFault(rpc.FaultFailed, err.Error())
	}
}

// SendProcessStdin implements rpc.Backend.
func (s *Supervisor) SendProcessStdin(group, name string, data []byte) error {
	p, err := s.lookup(group, name)
	if err != nil {
		return err
	}
	switch err := p.SendStdin(data); {
	case err == nil:
		return nil
	case errors.Is(err, process.ErrNotRunning):
		return rpc.Code(rpc.FaultNotRunning)
	case errors.Is(err, process.ErrNoStdin):
		return rpc.Code(rpc.FaultNoFile)
	default:
		return rpc.NewFault(rpc.FaultFailed, err.Error())
	}
}

// ClearProcessLogs implements rpc.Backend.
func (s *Supervisor) ClearProcessLogs(group, name string) error {
	p, err := s.lookup(group, name)
	if err != nil {
		return err
	}
	if err := p.ClearLogs(); err != nil {
		return rpc.Code(rpc.FaultFailed)
	}
	return nil
}

// MainLogfile implements rpc.Backend.
func (s *Supervisor) MainLogfile() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active.Supervisord.Logfile
}

// ClearMainLog implements rpc.Backend.
func (s *Supervisor) ClearMainLog() error {
	w := s.log.File()
	if w == nil {
		return rpc.Code(rpc.FaultNoFile)
	}
	if err := w.Clear(); err != nil {
		return rpc.Code(rpc.FaultFailed)
	}
	s.log.Info("reopening log file")
	return nil
}

// ReloadConfig implements rpc.Backend.
func (s *Supervisor) ReloadConfig() (added, changed, removed []string, err error) {
	cfg, err := s.loadFunc()
	if err != nil {
		var ce *config.Error
		msg := err.Error()
		if errors.As(err, &ce) {
			msg = ce.Error()
		}
		return nil, nil, nil, rpc.NewFault(rpc.FaultCantReread, msg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = cfg
	added, changed, removed = diff(s.groups, cfg)
	return added, changed, removed, nil
}

// AddProcessGroup implements rpc.Backend.
func (s *Supervisor) AddProcessGroup(name string) error {
	s.mu.Lock()
	var gc *config.Group
	for _, g := range s.pending.Groups {
		if g.Name == name {
			gc = g
		}
	}
	if gc == nil {
		s.mu.Unlock()
		return rpc.Code(rpc.FaultBadName)
	}
	if _, ok := s.groups[name]; ok {
		s.mu.Unlock()
		return rpc.Code(rpc.FaultAlreadyAdded)
	}
	g, err := s.makeGroup(gc)
	if err != nil {
		s.mu.Unlock()
		return rpc.NewFault(rpc.FaultFailed, err.Error())
	}
	s.groups[name] = g
	s.mu.Unlock()
	s.emitGroup(name, true)
	for _, p := range g.Procs {
		p.Autostart()
	}
	return nil
}

// RemoveProcessGroup implements rpc.Backend.
func (s *Supervisor) RemoveProcessGroup(name string) error {
	s.mu.Lock()
	g, ok := s.groups[name]
	if !ok {
		s.mu.Unlock()
		return rpc.Code(rpc.FaultBadName)
	}
	if len(g.Unstopped()) > 0 {
		s.mu.Unlock()
		return rpc.Code(rpc.FaultStillRunning)
	}
	g.release(s.log)
	delete(s.groups, name)
	s.mu.Unlock()
	s.emitGroup(name, false)
	return nil
}

// AllConfigInfo implements rpc.Backend.
func (s *Supervisor) AllConfigInfo() []rpc.ConfigInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []rpc.ConfigInfo
	for _, gc := range s.pending.Groups {
		_, active := s.groups[gc.Name]
		for _, pc := range gc.Programs {
			ci := rpc.ConfigInfo{
				Name: pc.Name, Group: gc.Name, GroupPrio: gc.Priority, ProcessPrio: pc.Priority,
				Autostart: pc.Autostart, Directory: orNone(pc.Directory), Command: pc.Command,
				Exitcodes: pc.Exitcodes, Killasgroup: pc.Killasgroup, RedirectStderr: pc.RedirectStderr,
				Startretries: pc.Startretries, Startsecs: pc.Startsecs, Stopsignal: int(pc.Stopsignal),
				Stopwaitsecs: pc.Stopwaitsecs, ServerURL: "auto",
				Stdout: configLog(pc.Stdout), Stderr: configLog(pc.Stderr),
			}
			if pc.User != "" {
				uid := pc.UID
				ci.UID = &uid
			}
			// 4.2.5: in use means the group is active, whatever changed.
			ci.InUse = active
			out = append(out, ci)
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func configLog(l config.LogSpec) rpc.ConfigLog {
	cl := rpc.ConfigLog{
		Logfile: orNone(l.Logfile), LogfileBackups: l.Backups, LogfileMaxbytes: l.Maxbytes,
		CaptureMaxbytes: l.CaptureMaxbytes, EventsEnabled: l.EventsEnabled, Syslog: l.Syslog,
	}
	if l.Auto {
		cl.Logfile = "auto" // as 4.2.5 reports it (RPC-19)
	}
	return cl
}

// SendRemoteCommEvent implements rpc.Backend.
func (s *Supervisor) SendRemoteCommEvent(typ, data string) error {
	if s.bus != nil {
		s.bus.Publish(events.RemoteCommunication{Kind: typ, Data: data})
	}
	return nil
}

// Shutdown implements rpc.Backend.
func (s *Supervisor) Shutdown() error {
	s.setMood(rpc.SupervisorShutdown)
	return nil
}

// Restart implements rpc.Backend.
func (s *Supervisor) Restart() error {
	s.setMood(rpc.SupervisorRestarting)
	return nil
}
