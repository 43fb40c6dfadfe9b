package daemon

import (
	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/events"
	"github.com/supervisorlab/supervisorlab/supervisor/process"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// UseEvents connects the Supervisor to an event bus (reference §6): it
// publishes process state, log and communication events, group and
// supervisor state changes, and runs an [eventlistener:x] group's
// processes as the listeners of a pool. Call it before MakeGroups; keep
// one bus across reloads so serials continue (EVT-05).
func (s *Supervisor) UseEvents(bus *events.Bus) {
	s.bus = bus
	s.OnProcessEvent(s.publishProcessEvent)
	s.OnOutput(s.publishOutput)
	s.OnComm(func(p *process.Process, channel string, pid int, data []byte) {
		cfg := p.Config()
		bus.Publish(events.ProcessCommunication{Process: cfg.Name, Group: cfg.Group, PID: pid, Channel: channel, Data: append([]byte(nil), data...)})
	})
	s.OnStateChange(func(st rpc.SupervisorState) {
		bus.Publish(events.SupervisorState{Stopping: st != rpc.SupervisorRunning})
	})
	s.OnGroupChange(func(group string, added bool) {
		bus.Publish(events.ProcessGroup{Group: group, Removed: !added})
	})
}

// makePool creates the listener pool of an [eventlistener:x] group.
func (s *Supervisor) makePool(g *Group) error {
	if s.bus == nil || g.Config.Kind != config.KindEventListener {
		return nil
	}
	cfg, err := events.PoolConfigFor(g.Config, s.active.Supervisord.Identifier, s.log)
	if err != nil {
		return err
	}
	g.pool = events.NewPool(s.bus, cfg)
	for _, pc := range g.Config.Programs {
		g.pool.AddListener(pc.Name)
	}
	return nil
}

// listenerFor returns the pool listener run by p, or nil.
func (s *Supervisor) listenerFor(p *process.Process) *events.Listener {
	g := s.group(p.Config().Group)
	if g == nil || g.pool == nil {
		return nil
	}
	return g.pool.Listener(p.Name())
}

func (s *Supervisor) publishProcessEvent(e process.Event) {
	s.bus.Publish(events.ProcessState{
		Process: e.Name, Group: e.Group, From: e.From.String(), To: e.To.String(),
		PID: e.PID, Tries: e.Tries, Expected: e.Expected,
	})
	l := s.listenerFor(e.Process)
	if l == nil {
		return
	}
	if e.To == process.Starting {
		// Hooks run after the spawn completed, so the new run's pid is known.
		if pid := e.Process.PID(); pid != 0 {
			l.Spawned(pid, events.WriteFunc(e.Process.SendStdin))
		}
	}
	if e.To == process.Running {
		l.SetRunning(true)
	} else if e.From == process.Running {
		l.SetRunning(false)
	}
	switch e.To {
	case process.Exited, process.Backoff, process.Stopped, process.Fatal, process.Unknown:
		if e.PID != 0 {
			l.Exited(e.PID)
		}
	}
}

func (s *Supervisor) publishOutput(p *process.Process, channel string, pid int, data []byte) {
	if channel == "stdout" {
		if l := s.listenerFor(p); l != nil {
			l.Feed(pid, data) // a listener's stdout is the protocol
			return
		}
	}
	cfg := p.Config()
	spec, typ := cfg.Stdout, events.TypeProcessLogStdout
	if channel == "stderr" {
		spec, typ = cfg.Stderr, events.TypeProcessLogStderr
	}
	if !spec.EventsEnabled || !s.bus.Wants(typ) {
		return
	}
	s.bus.Publish(events.ProcessLog{Process: cfg.Name, Group: cfg.Group, PID: pid, Channel: channel, Data: append([]byte(nil), data...)})
}
