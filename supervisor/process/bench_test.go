package process

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// BenchmarkSpawn200 starts 200 sleepers (startsecs=0) and stops them; one
// iteration is the whole batch. Run with -benchtime 1x.
func BenchmarkSpawn200(b *testing.B) {
	reaper := NewReaper(false, nil)
	defer reaper.Close()
	for i := 0; i < b.N; i++ {
		var procs []*Process
		for j := 0; j < 200; j++ {
			cfg := &config.Program{
				Name: fmt.Sprintf("p%d", j), Group: "g", Command: "/bin/sleep 1000", Argv: []string{"/bin/sleep", "1000"},
				Startretries: 3, Exitcodes: []int{0}, Stopsignal: 15, Stopwaitsecs: 5, Autostart: true,
			}
			p, err := New(cfg, Options{Reaper: reaper})
			if err != nil {
				b.Fatal(err)
			}
			procs = append(procs, p)
		}
		t0 := time.Now()
		for _, p := range procs {
			p.Autostart()
		}
		b.ReportMetric(float64(time.Since(t0).Microseconds())/200, "µs/spawn")
		for _, p := range procs {
			p.Stop()
		}
		for _, p := range procs {
			p.WaitStopped(context.Background())
			p.Close()
		}
	}
}

// BenchmarkRespawnLatency kills an autorestart=true process with SIGKILL
// and measures the time until its replacement has a pid (median of 20).
func BenchmarkRespawnLatency(b *testing.B) {
	reaper := NewReaper(false, nil)
	defer reaper.Close()
	cfg := &config.Program{
		Name: "r", Group: "r", Command: "/bin/sleep 1000", Argv: []string{"/bin/sleep", "1000"},
		Autorestart: config.RestartAlways, Startretries: 3, Exitcodes: []int{0}, Stopsignal: 15, Stopwaitsecs: 5, Autostart: true,
	}
	p, err := New(cfg, Options{Reaper: reaper})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { p.Stop(); p.WaitStopped(context.Background()); p.Close() }()
	p.Autostart()
	for i := 0; i < b.N; i++ {
		var lat []time.Duration
		for j := 0; j < 20; j++ {
			time.Sleep(minRestartInterval) // past the restart floor
			old := p.PID()
			t0 := time.Now()
			syscall.Kill(old, syscall.SIGKILL)
			for {
				ch := p.Changed()
				if pid := p.PID(); pid != 0 && pid != old {
					break
				}
				<-ch
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	}
}
