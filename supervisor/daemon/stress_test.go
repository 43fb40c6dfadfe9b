package daemon

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/logfile"
	"github.com/supervisorlab/supervisorlab/supervisor/process"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// Many concurrent callers start, stop, signal and inspect processes while
// some of them crash on their own; afterwards a shutdown must stop
// everything. Run under -race, this looks for data races and deadlocks.
func TestConcurrentCallersStress(t *testing.T) {
	dir := t.TempDir()
	var groups []*config.Group
	for i := 0; i < 8; i++ {
		argv := []string{"/bin/sleep", "1000"}
		if i%3 == 0 {
			argv = []string{"/bin/sh", "-c", "sleep 0.$((RANDOM % 5)); exit 1"}
		}
		name := fmt.Sprintf("p%d", i)
		groups = append(groups, &config.Group{Name: name, Priority: i, Programs: []*config.Program{{
			Name: name, ProgramName: name, Group: name, Command: "x", Argv: argv, Autostart: true,
			Autorestart: config.RestartAlways, Startsecs: i % 2, Startretries: 2, Exitcodes: []int{0},
			Stopsignal: syscall.SIGTERM, Stopwaitsecs: 1,
		}}})
	}
	cfg := &config.Config{Supervisord: config.Supervisord{Identifier: "supervisor", Childlogdir: dir}, Groups: groups}
	reaper := process.NewReaper(false, nil)
	defer reaper.Close()
	s := New(cfg, logfile.NewLogger(config.LevelInfo, nil, nil), reaper, func() (*config.Config, error) { return cfg, nil })
	if err := s.MakeGroups(); err != nil {
		t.Fatal(err)
	}
	s.AutostartAll()

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				name := fmt.Sprintf("p%d", rand.IntN(8))
				wctx, wcancel := context.WithTimeout(ctx, 500*time.Millisecond)
				switch rand.IntN(5) {
				case 0:
					if s.StartProcess(wctx, name, name) == nil {
						_ = s.WaitStarted(wctx, name, name)
					}
				case 1:
					if s.StopProcess(wctx, name, name) == nil {
						_ = s.WaitStopped(wctx, name, name)
					}
				case 2:
					_ = s.SignalProcess(name, name, syscall.SIGCONT)
				case 3:
					_, _ = s.ProcessInfo(name, name)
					_ = s.Groups()
				case 4:
					_ = s.ClearProcessLogs(name, name)
					_ = s.SendProcessStdin(name, name, []byte("x\n"))
				}
				wcancel()
			}
		}()
	}
	wg.Wait()
	s.setMood(rpc.SupervisorShutdown)
	sctx, scancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer scancel()
	if err := s.StopAllGroups(sctx); err != nil {
		t.Fatalf("shutdown did not finish: %v", err)
	}
	for _, g := range s.Groups() {
		for _, n := range g.Processes {
			in, _ := s.ProcessInfo(g.Name, n)
			if !in.State.Stopped() || in.PID != 0 {
				t.Errorf("%s after shutdown: %v pid %d", n, in.State, in.PID)
			}
		}
	}
	s.Close()
}
