package lint

import (
	"testing"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
)

// FuzzOutcome feeds arbitrary scripts to the can-never-fail/pass heuristics (not bash -n, which
// runs a process): no panic, and every finding lies within the script.
func FuzzOutcome(f *testing.F) {
	for _, s := range []string{
		"#!/bin/bash\nps -ef | grep nginx\n", "ps|", "ps -ef|grep -v grep|grep x || true", "exit 0", "exit",
		"#!/bin/bash\nset -e\nexit 0\n", "ps aux | grep [n]ginx && exit 1", "# only\n#comment", "ps (|",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		c := labdoc.Check{Name: "f", Script: script, ScriptLine: 10}
		n := 1
		for _, r := range script {
			if r == '\n' {
				n++
			}
		}
		for _, p := range outcome(c) {
			if p.line < 10 || p.line >= 10+n {
				t.Fatalf("finding at line %d outside the script (lines 10..%d): %s", p.line, 9+n, p.msg)
			}
		}
	})
}
