package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkCheckOverhead measures what `lab check --local` adds to a trivial check (`true`) end
// to end, against running the same script with plain `bash -c`. It runs the built bin/lab when
// `make build` made one, else one built here with `go build`, else this test binary acting as lab. It reports medians of many runs:
// bash-ms, lab-ms and overhead-ms (the target: under 10 ms).
func BenchmarkCheckOverhead(b *testing.B) {
	dir := b.TempDir()
	lab, _ := filepath.Abs("../../../bin/lab")
	if _, err := os.Stat(lab); err != nil {
		lab = filepath.Join(dir, "lab")
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", lab, ".")
		if out, err := build.CombinedOutput(); err == nil {
			b.Logf("no bin/lab: built %s", lab)
			goto measure
		} else {
			b.Logf("no bin/lab and go build failed (%v): %s", err, out)
		}
		self, err := os.Executable()
		if err != nil {
			b.Fatal(err)
		}
		if err := os.Symlink(self, lab); err != nil { // TestMain runs Main when called "lab"
			b.Fatal(err)
		}
		b.Logf("measuring the test binary")
	}
measure:
	md := filepath.Join(dir, "lab.md")
	if err := os.WriteFile(md, []byte("# T\n```checker\n- name: t\n  script: \"true\"\n  error: e\n```\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "XDG_STATE_HOME="+dir)
	median := func(name string, args ...string) float64 {
		var ms []float64
		for range 40 * b.N {
			cmd := exec.Command(name, args...)
			cmd.Env, cmd.Dir = env, dir
			start := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%s %v: %v\n%s", name, args, err, out)
			}
			ms = append(ms, float64(time.Since(start).Microseconds())/1000)
		}
		slices.Sort(ms)
		return ms[len(ms)/2]
	}
	b.ResetTimer()
	bash := median("bash", "-c", "true")
	labMS := median(lab, "check", "--local", "--lab", md, "step-1")
	b.ReportMetric(bash, "bash-ms")
	b.ReportMetric(labMS, "lab-ms")
	b.ReportMetric(labMS-bash, "overhead-ms")
	b.ReportMetric(labMS/bash, "ratio")
}
