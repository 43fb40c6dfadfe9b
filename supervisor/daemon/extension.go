package daemon

import (
	"sync"

	"github.com/supervisorlab/supervisorlab/supervisor/process"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/web"
)

// Extension plugs a feature (events and listeners, web UI, metrics) into
// supervisord without the daemon importing it: the feature registers
// itself from an init function, and cmd/supervisord imports it.
type Extension struct {
	Name string
	// Attach runs for every generation (startup and each reload) after the
	// Supervisor and its HTTP front end exist and before any group is
	// created or any listener bound: subscribe with the Supervisor's On*
	// methods and register handlers with servers.Handle here. detach (may
	// be nil) runs when the generation ends, after every process stopped.
	Attach func(s *Supervisor, servers *web.Server) (detach func(), err error)
}

var (
	extMu      sync.Mutex
	extensions []Extension
)

// Register adds an extension; call it from an init function.
func Register(e Extension) {
	extMu.Lock()
	defer extMu.Unlock()
	extensions = append(extensions, e)
}

func registered() []Extension {
	extMu.Lock()
	defer extMu.Unlock()
	return append([]Extension(nil), extensions...)
}

// subscribers are the callbacks extensions attached to one Supervisor.
type subscribers struct {
	mu      sync.Mutex
	events  []func(process.Event)
	output  []func(p *process.Process, channel string, pid int, data []byte)
	comm    []func(p *process.Process, channel string, pid int, data []byte)
	state   []func(rpc.SupervisorState)
	groups  []func(group string, added bool)
	hasOut  bool
	hasComm bool
}

// OnProcessEvent subscribes to every process state change (PROCESS_STATE_*).
// Callbacks run in order for each process, outside any process lock, and
// must not block for long.
func (s *Supervisor) OnProcessEvent(fn func(process.Event)) {
	s.subs.mu.Lock()
	s.subs.events = append(s.subs.events, fn)
	s.subs.mu.Unlock()
}

// OnOutput subscribes to every chunk of child output outside capture
// blocks (PROCESS_LOG_*, event listener protocol); pid is the run's.
func (s *Supervisor) OnOutput(fn func(p *process.Process, channel string, pid int, data []byte)) {
	s.subs.mu.Lock()
	s.subs.output = append(s.subs.output, fn)
	s.subs.hasOut = true
	s.subs.mu.Unlock()
}

// OnComm subscribes to capture-mode blocks (PROCESS_COMMUNICATION_*).
func (s *Supervisor) OnComm(fn func(p *process.Process, channel string, pid int, data []byte)) {
	s.subs.mu.Lock()
	s.subs.comm = append(s.subs.comm, fn)
	s.subs.hasComm = true
	s.subs.mu.Unlock()
}

// OnStateChange subscribes to supervisord's own state: RUNNING once the
// generation has started, then SHUTDOWN or RESTARTING when it is asked to
// stop (SUPERVISOR_STATE_CHANGE_*).
func (s *Supervisor) OnStateChange(fn func(rpc.SupervisorState)) {
	s.subs.mu.Lock()
	s.subs.state = append(s.subs.state, fn)
	s.subs.mu.Unlock()
}

// OnGroupChange subscribes to groups added and removed at run time
// (PROCESS_GROUP_ADDED/REMOVED); the initial groups are not reported.
func (s *Supervisor) OnGroupChange(fn func(group string, added bool)) {
	s.subs.mu.Lock()
	s.subs.groups = append(s.subs.groups, fn)
	s.subs.mu.Unlock()
}

func (s *Supervisor) emitEvent(ev process.Event) {
	s.subs.mu.Lock()
	fns := s.subs.events
	s.subs.mu.Unlock()
	for _, fn := range fns {
		fn(ev)
	}
}

func (s *Supervisor) emitOutput(p *process.Process, channel string, pid int, data []byte) {
	s.subs.mu.Lock()
	fns := s.subs.output
	s.subs.mu.Unlock()
	for _, fn := range fns {
		fn(p, channel, pid, data)
	}
}

func (s *Supervisor) emitComm(p *process.Process, channel string, pid int, data []byte) {
	s.subs.mu.Lock()
	fns := s.subs.comm
	s.subs.mu.Unlock()
	for _, fn := range fns {
		fn(p, channel, pid, data)
	}
}

func (s *Supervisor) emitState(st rpc.SupervisorState) {
	s.subs.mu.Lock()
	fns := s.subs.state
	s.subs.mu.Unlock()
	for _, fn := range fns {
		fn(st)
	}
}

func (s *Supervisor) emitGroup(name string, added bool) {
	s.subs.mu.Lock()
	fns := s.subs.groups
	s.subs.mu.Unlock()
	for _, fn := range fns {
		fn(name, added)
	}
}
