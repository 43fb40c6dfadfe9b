package daemon

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/events"
	"github.com/supervisorlab/supervisorlab/supervisor/logfile"
	"github.com/supervisorlab/supervisorlab/supervisor/process"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// Group is an active process group.
type Group struct {
	Config *config.Group
	// Procs are in ascending process priority (the config's order).
	Procs []*process.Process
	// socket is an [fcgi-program:x] group's listening socket.
	socket *os.File
	// pool dispatches events to an [eventlistener:x] group's processes.
	pool *events.Pool
}

// release closes the processes' files and the group's socket.
func (g *Group) release(log *logfile.Logger) {
	for _, p := range g.Procs {
		p.Close()
	}
	if g.pool != nil {
		g.pool.Close()
		g.pool = nil
	}
	if g.socket != nil {
		log.Info("Closing socket %s", g.Config.Socket)
		g.socket.Close()
		g.socket = nil
	}
}

// Unstopped returns the processes not in a stopped state.
func (g *Group) Unstopped() []*process.Process {
	var out []*process.Process
	for _, p := range g.Procs {
		if !p.State().IsStopped() {
			out = append(out, p)
		}
	}
	return out
}

// stopAll is 4.2.5's group stop_all: descending priority; RUNNING and
// STARTING are stopped, BACKOFF gives up (STOP-05).
func (g *Group) stopAll() {
	for i := len(g.Procs) - 1; i >= 0; i-- {
		p := g.Procs[i]
		switch p.State() {
		case process.Running, process.Starting:
			_ = p.Stop()
		case process.Backoff:
			p.GiveUp()
		}
	}
}

// Supervisor owns the active groups of one supervisord generation (one
// config load; a reload makes a new Supervisor with the same pid).
type Supervisor struct {
	log      *logfile.Logger
	reaper   *process.Reaper
	loadFunc func() (*config.Config, error)
	subs     subscribers
	bus      *events.Bus // nil: no event system

	mood    atomic.Int32 // rpc.SupervisorState
	moodCh  chan struct{}
	moodSet sync.Once

	mu      sync.Mutex
	active  *config.Config // what groups were made from
	pending *config.Config // last read by ReloadConfig
	groups  map[string]*Group
}

// New makes a Supervisor for cfg. load re-reads the configuration for
// ReloadConfig. Groups are created by Start.
func New(cfg *config.Config, log *logfile.Logger, reaper *process.Reaper, load func() (*config.Config, error)) *Supervisor {
	s := &Supervisor{
		log: log, reaper: reaper, loadFunc: load,
		moodCh: make(chan struct{}, 1),
		active: cfg, pending: cfg,
		groups: map[string]*Group{},
	}
	s.mood.Store(int32(rpc.SupervisorRunning))
	return s
}

// Logger returns the main log.
func (s *Supervisor) Logger() *logfile.Logger { return s.log }

// Mood returns supervisord's state.
func (s *Supervisor) Mood() rpc.SupervisorState { return rpc.SupervisorState(s.mood.Load()) }

// outputHook and commHook are nil without subscribers, so that output is
// not handed around for nothing.
func (s *Supervisor) outputHook() func(*process.Process, string, int, []byte) {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if !s.subs.hasOut {
		return nil
	}
	return s.emitOutput
}

func (s *Supervisor) commHook() func(*process.Process, string, int, []byte) {
	s.subs.mu.Lock()
	defer s.subs.mu.Unlock()
	if !s.subs.hasComm {
		return nil
	}
	return s.emitComm
}

// setMood lowers the mood (never raises it) and wakes the main loop.
func (s *Supervisor) setMood(m rpc.SupervisorState) {
	for {
		cur := s.mood.Load()
		if int32(m) >= cur {
			return
		}
		if s.mood.CompareAndSwap(cur, int32(m)) {
			break
		}
	}
	s.emitState(m)
	select {
	case s.moodCh <- struct{}{}:
	default:
	}
}

// Done is signalled when the mood drops below RUNNING.
func (s *Supervisor) Done() <-chan struct{} { return s.moodCh }

func (s *Supervisor) mayAutoSpawn() bool { return s.Mood() >= rpc.SupervisorRunning }

// makeGroup creates the processes of gc (AUTO log files included).
func (s *Supervisor) makeGroup(gc *config.Group) (*Group, error) {
	g := &Group{Config: gc}
	sd := s.active.Supervisord
	if gc.Kind == config.KindFCGI {
		s.log.Info("Creating socket %s", gc.Socket)
		sock, err := openFCGISocket(gc)
		if err != nil {
			return nil, fmt.Errorf("Could not create FastCGI socket %s: %v", gc.Socket, err)
		}
		g.socket = sock
	}
	for _, pc := range gc.Programs {
		p, err := process.New(pc, process.Options{
			Logger:       s.log,
			Reaper:       s.reaper,
			Hook:         s.emitEvent,
			Identifier:   sd.Identifier,
			ChildLogDir:  sd.Childlogdir,
			MayAutoSpawn: s.mayAutoSpawn,
			StripANSI:    sd.StripAnsi,
			Output:       s.outputHook(),
			Comm:         s.commHook(),
			Stdin:        g.socket,
		})
		if err != nil {
			g.release(s.log)
			return nil, err
		}
		g.Procs = append(g.Procs, p)
	}
	if err := s.makePool(g); err != nil {
		g.release(s.log)
		return nil, err
	}
	return g, nil
}

// ordered returns the active groups in start order: ascending priority,
// ties by name (the order config.Config.Groups uses).
func (s *Supervisor) ordered() []*Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Group, 0, len(s.groups))
	for _, g := range s.groups {
		out = append(out, g)
	}
	slices.SortStableFunc(out, func(a, b *Group) int {
		if a.Config.Priority != b.Config.Priority {
			return a.Config.Priority - b.Config.Priority
		}
		return strings.Compare(a.Config.Name, b.Config.Name)
	})
	return out
}

// group returns an active group or nil.
func (s *Supervisor) group(name string) *Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.groups[name]
}

// Process finds an active process.
func (s *Supervisor) Process(group, name string) *process.Process {
	g := s.group(group)
	if g == nil {
		return nil
	}
	for _, p := range g.Procs {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// StopAllGroups stops the groups in descending priority, each one fully
// stopped before the next is signalled, logging "waiting for ... to die"
// every 3 seconds (STOP-05). It returns when everything is stopped or ctx
// is done.
func (s *Supervisor) StopAllGroups(ctx context.Context) error {
	groups := s.ordered()
	var lastReport time.Time
	for i := len(groups) - 1; i >= 0; i-- {
		g := groups[i]
		for {
			g.stopAll()
			if len(g.Unstopped()) == 0 {
				// Their STOPPED events go out before the next group is
				// asked to stop, as in 4.2.5's single-threaded loop.
				for _, p := range g.Procs {
					p.Sync()
				}
				break
			}
			var names []string
			for _, gg := range groups {
				for _, p := range gg.Unstopped() {
					names = append(names, p.Name())
				}
			}
			if time.Since(lastReport) > 3*time.Second {
				lastReport = time.Now()
				s.log.Info("waiting for %s to die", strings.Join(names, ", "))
			}
			if err := waitAnyChange(ctx, g.Unstopped(), time.Until(lastReport.Add(3*time.Second))); err != nil {
				return err
			}
		}
	}
	return nil
}

// waitAnyChange waits until one of procs changes state, d passes, or ctx
// is done.
func waitAnyChange(ctx context.Context, procs []*process.Process, d time.Duration) error {
	if d <= 0 {
		d = time.Millisecond
	}
	t := time.NewTimer(d)
	defer t.Stop()
	ch := make(chan struct{}, 1)
	stop := make(chan struct{})
	defer close(stop)
	for _, p := range procs {
		c := p.Changed()
		go func() {
			select {
			case <-c:
				select {
				case ch <- struct{}{}:
				default:
				}
			case <-stop:
			}
		}()
	}
	select {
	case <-ch:
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// Close releases every process (after StopAllGroups).
func (s *Supervisor) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.groups {
		g.release(s.log)
	}
}

// ReopenLogs reopens the main log and every child log (SIGUSR2).
func (s *Supervisor) ReopenLogs() {
	s.log.Info("supervisord logreopen")
	if err := s.log.Reopen(); err != nil {
		s.log.Error("could not reopen main log: %v", err)
	}
	for _, g := range s.ordered() {
		for _, p := range g.Procs {
			if err := p.ReopenLogs(); err != nil {
				s.log.Error("could not reopen logs of %s: %v", p.Name(), err)
			}
		}
	}
}

// diff compares the pending config with the active groups (4.2.5's
// diff_to_active): any difference in a group's or member's settings marks
// the group changed (CFG-PROG-09).
func diff(active map[string]*Group, next *config.Config) (added, changed, removed []string) {
	seen := map[string]bool{}
	for _, gc := range next.Groups {
		seen[gc.Name] = true
		g, ok := active[gc.Name]
		if !ok {
			added = append(added, gc.Name)
		} else if !sameGroup(g.Config, gc) {
			changed = append(changed, gc.Name)
		}
	}
	for name := range active {
		if !seen[name] {
			removed = append(removed, name)
		}
	}
	slices.Sort(added)
	slices.Sort(changed)
	slices.Sort(removed)
	return
}

// sameGroup compares two group configs ignoring where they were written
// and the names of AUTO log files.
func sameGroup(a, b *config.Group) bool {
	return reflect.DeepEqual(normGroup(a), normGroup(b))
}

func normGroup(g *config.Group) config.Group {
	n := *g
	n.File, n.Line = "", 0
	n.Programs = nil
	for _, p := range g.Programs {
		q := *p
		q.File, q.Line = "", 0
		if q.Stdout.Auto {
			q.Stdout.Logfile = ""
		}
		if q.Stderr.Auto {
			q.Stderr.Logfile = ""
		}
		n.Programs = append(n.Programs, &q)
	}
	return n
}

// reapedUnknown logs a child we did not spawn (PST-22).
func reapedUnknown(log func() *logfile.Logger) func(int, syscall.WaitStatus) {
	return func(pid int, ws syscall.WaitStatus) {
		_, msg := process.DecodeWaitStatus(ws)
		log().Info("reaped unknown pid %d (%s)", pid, msg)
	}
}
