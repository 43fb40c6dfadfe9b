package runner

import (
	"context"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// BenchmarkLocalRun compares Local.Run of a trivial check (`true`, no shebang: bash reads it from
// a temporary file) with exec'ing `bash -c true` directly, in one process: the runner's own
// overhead without the lab binary's start-up. Medians of many runs: bash-ms, local-ms, overhead-ms.
func BenchmarkLocalRun(b *testing.B) {
	l := &Local{Dir: b.TempDir()}
	median := func(f func() error) float64 {
		var ms []float64
		for range 40 * b.N {
			start := time.Now()
			if err := f(); err != nil {
				b.Fatal(err)
			}
			ms = append(ms, float64(time.Since(start).Microseconds())/1000)
		}
		slices.Sort(ms)
		return ms[len(ms)/2]
	}
	b.ResetTimer()
	bash := median(func() error { return exec.Command("bash", "-c", "true").Run() })
	local := median(func() error {
		res, err := l.Run(context.Background(), Script{Name: "t", Text: "true"})
		if err == nil && res.ExitCode != 0 {
			b.Fatalf("exit %d: %s", res.ExitCode, res.Output)
		}
		return err
	})
	b.ReportMetric(bash, "bash-ms")
	b.ReportMetric(local, "local-ms")
	b.ReportMetric(local-bash, "overhead-ms")
}
