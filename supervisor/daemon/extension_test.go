package daemon

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/logfile"
	"github.com/supervisorlab/supervisorlab/supervisor/process"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// In-process Supervisor: subscribers see state changes, group changes and
// supervisord's own state, in order.
func TestSubscribers(t *testing.T) {
	dir := t.TempDir()
	prog := func(name string) *config.Program {
		return &config.Program{
			Name: name, ProgramName: name, Group: name, Command: "/bin/sleep 1000", Argv: []string{"/bin/sleep", "1000"},
			Autostart: true, Startsecs: 0, Startretries: 3, Exitcodes: []int{0}, Stopsignal: 15, Stopwaitsecs: 5,
		}
	}
	cfg := &config.Config{
		Supervisord: config.Supervisord{Identifier: "supervisor", Childlogdir: dir},
		Groups:      []*config.Group{{Name: "a", Priority: 1, Programs: []*config.Program{prog("a")}}},
	}
	next := &config.Config{Supervisord: cfg.Supervisord, Groups: append(cfg.Groups, &config.Group{Name: "b", Priority: 2, Programs: []*config.Program{prog("b")}})}
	reaper := process.NewReaper(false, nil)
	defer reaper.Close()
	s := New(cfg, logfile.NewLogger(config.LevelInfo, nil, nil), reaper, func() (*config.Config, error) { return next, nil })
	var mu sync.Mutex
	var got []string
	add := func(x string) { mu.Lock(); got = append(got, x); mu.Unlock() }
	s.OnProcessEvent(func(ev process.Event) { add(ev.Name + ":" + ev.To.String()) })
	s.OnGroupChange(func(g string, added bool) {
		if added {
			add("+" + g)
		} else {
			add("-" + g)
		}
	})
	s.OnStateChange(func(st rpc.SupervisorState) { add("supervisor:" + st.String()) })
	if err := s.MakeGroups(); err != nil {
		t.Fatal(err)
	}
	s.emitState(rpc.SupervisorRunning)
	s.AutostartAll()
	if _, _, _, err := s.ReloadConfig(); err != nil {
		t.Fatal(err)
	}
	if err := s.AddProcessGroup("b"); err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.StopAllGroups(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveProcessGroup("b"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"supervisor:RUNNING", "a:STARTING", "a:RUNNING", "+b", "b:STARTING", "b:RUNNING",
		"supervisor:SHUTDOWN", "b:STOPPING", "b:STOPPED", "a:STOPPING", "a:STOPPED", "-b",
	}
	// A state change is visible before its hook has run; wait for the
	// last one to be delivered.
	waitFor(t, "all events", 5*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= len(want)
	})
	s.Close()
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}
