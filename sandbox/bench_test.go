package sandbox

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/sandbox/image"
)

// benchRootfs is the cached Debian image when present (no build in a
// benchmark), else the host's /.
func benchRootfs(b *testing.B) string {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("sandbox benchmarks need root")
	}
	r := image.DefaultRecipe()
	h, err := r.Hash()
	if err == nil {
		dir := filepath.Join(image.DefaultCacheRoot, "images", h)
		if _, err := os.Stat(filepath.Join(dir, "recipe.json")); err == nil {
			return filepath.Join(dir, "rootfs")
		}
	}
	b.Log("no cached image: using --rootfs host")
	return HostRootfs
}

func benchRoot(b *testing.B) string {
	d, err := os.MkdirTemp("", "sbx")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// promptWriter signals once a shell prompt ("$ ") shows up.
type promptWriter struct {
	mu   sync.Mutex
	seen []byte
	once sync.Once
	ch   chan struct{}
}

func (w *promptWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.seen = append(w.seen, p...)
	if strings.Contains(string(w.seen), "$ ") {
		w.once.Do(func() { close(w.ch) })
	}
	w.mu.Unlock()
	return len(p), nil
}

// BenchmarkStartToPrompt: from nothing to the student's login shell
// printing its prompt, against `unshare --fork --pid --mount-proc true`.
func BenchmarkStartToPrompt(b *testing.B) {
	rootfs := benchRootfs(b)
	root := benchRoot(b)
	ctx := context.Background()
	var total time.Duration
	var toPrompt, toCreate []time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s, err := Create(ctx, "bench", Options{StateRoot: root, Rootfs: rootfs})
		if err != nil {
			b.Fatal(err)
		}
		toCreate = append(toCreate, time.Since(start))
		w := &promptWriter{ch: make(chan struct{})}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() {
			_, err := s.Exec(sctx, ExecRequest{Argv: []string{"/bin/bash", "-l"}, User: Student, TTY: &TTY{Out: w, Size: WindowSize{Rows: 24, Cols: 80}}})
			done <- err
		}()
		select {
		case <-w.ch:
		case err := <-done:
			b.Fatalf("shell ended before its prompt: %v", err)
		case <-time.After(30 * time.Second):
			b.Fatal("no prompt")
		}
		total += time.Since(start)
		toPrompt = append(toPrompt, time.Since(start))
		b.StopTimer()
		cancel()
		<-done
		s.Stop(ctx)
		b.StartTimer()
	}
	b.StopTimer()
	perOp := total / time.Duration(b.N)
	var base time.Duration
	const runs = 5
	for i := 0; i < runs; i++ {
		start := time.Now()
		if err := exec.Command("unshare", "--fork", "--pid", "--mount-proc", "true").Run(); err != nil {
			b.Fatal(err)
		}
		base += time.Since(start)
	}
	base /= runs
	b.ReportMetric(float64(perOp.Microseconds())/1000, "ms-to-prompt")
	b.ReportMetric(float64(median(toPrompt).Microseconds())/1000, "ms-to-prompt-p50")
	b.ReportMetric(float64(median(toCreate).Microseconds())/1000, "ms-create-p50")
	b.ReportMetric(float64(base.Microseconds())/1000, "ms-unshare-true")
	b.ReportMetric(float64(perOp)/float64(base), "x-unshare")
}

// BenchmarkExecTrue: one round trip of `true` through the agent.
func BenchmarkExecTrue(b *testing.B) {
	rootfs := benchRootfs(b)
	ctx := context.Background()
	s, err := Create(ctx, "bench", Options{StateRoot: benchRoot(b), Rootfs: rootfs})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Stop(ctx)
	n := max(b.N, 200) // one iteration says little: average over 200 at least
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < n; i++ {
		st, err := s.Exec(ctx, ExecRequest{Argv: []string{"/bin/true"}})
		if err != nil || st.Code != 0 {
			b.Fatal(st, err)
		}
	}
	perExec := time.Since(start) / time.Duration(n)
	// The same machine's plain fork+exec of /bin/true from Go, as a yardstick.
	start = time.Now()
	for i := 0; i < n; i++ {
		if err := exec.Command("/bin/true").Run(); err != nil {
			b.Fatal(err)
		}
	}
	local := time.Since(start) / time.Duration(n)
	b.ReportMetric(float64(perExec.Microseconds())/1000, "ms/exec")
	b.ReportMetric(float64(local.Microseconds())/1000, "ms/local-exec")
	b.ReportMetric(float64(perExec)/float64(local), "x-local")
}

// BenchmarkIdleOverhead: memory a sandbox costs beyond its processes: the
// agent's RSS and what the sandbox's memory cgroup is charged while idle.
func BenchmarkIdleOverhead(b *testing.B) {
	rootfs := benchRootfs(b)
	ctx := context.Background()
	s, err := Create(ctx, "bench", Options{StateRoot: benchRoot(b), Rootfs: rootfs})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Stop(ctx)
	for i := 0; i < 20; i++ { // warm the agent's paths
		s.Exec(ctx, ExecRequest{Argv: []string{"/bin/true"}})
	}
	b.ReportMetric(float64(rssKB(s.Pid()))/1024, "MB-agent-RSS")
	b.ReportMetric(float64(pssKB(s.Pid()))/1024, "MB-agent-PSS")
	for _, cg := range s.st.Cgroups {
		if strings.Contains(cg, "/memory/") {
			if v, err := os.ReadFile(filepath.Join(cg, "memory.usage_in_bytes")); err == nil {
				n, _ := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
				b.ReportMetric(n/(1<<20), "MB-cgroup")
			}
		}
	}
}

// BenchmarkTwentySandboxes: 20 sandboxes at once, each serving nginx.
func BenchmarkTwentySandboxes(b *testing.B) {
	rootfs := benchRootfs(b)
	if rootfs == HostRootfs {
		b.Skip("needs the cached image")
	}
	root := benchRoot(b)
	ctx := context.Background()
	const n = 20
	var sbs []*Local
	defer func() {
		for _, s := range sbs {
			s.Stop(ctx)
		}
	}()
	start := time.Now()
	var rss int
	for i := 0; i < n; i++ {
		s, err := Create(ctx, fmt.Sprintf("b%d", i), Options{StateRoot: root, Rootfs: rootfs})
		if err != nil {
			b.Fatal(err)
		}
		sbs = append(sbs, s)
		st, err := s.Exec(ctx, ExecRequest{Argv: []string{"sh", "-c", "service nginx start && curl -sf -o /dev/null http://127.0.0.1/"}, Stdout: io.Discard})
		if err != nil || st.Code != 0 {
			b.Fatalf("sandbox %d: %+v %v", i, st, err)
		}
	}
	elapsed := time.Since(start)
	var pss int
	for _, s := range sbs {
		rss += rssKB(s.Pid())
		pss += pssKB(s.Pid())
	}
	b.ReportMetric(float64(pss)/1024/n, "MB-agent-PSS/sandbox")
	b.ReportMetric(float64(elapsed.Milliseconds())/n, "ms/sandbox-with-nginx")
	b.ReportMetric(float64(rss)/1024/n, "MB-agent-RSS/sandbox")
}

func rssKB(pid int) int {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// pssKB is the proportional set size: text pages shared by all agents
// count once in total, not once per agent.
func pssKB(pid int) int {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
