package labdoc

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .golden files")

// dump renders a Lab in a stable, readable form for golden files.
func dump(lab *Lab) string {
	var b strings.Builder
	m := lab.Meta
	fmt.Fprintf(&b, "meta: present=%v show=%q version=%q enable_checker=%v timeout=%v\n", m.Present, m.Show, m.Version, m.EnableChecker, m.Timeout)
	keys := make([]string, 0, len(m.Extra))
	for k := range m.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "meta.%s: %v\n", k, m.Extra[k])
	}
	for _, st := range lab.Steps {
		fmt.Fprintf(&b, "step-%d line %d title %q broken=%v\n", st.N, st.Line, st.Title, st.Broken)
		for _, c := range st.Checks {
			fmt.Fprintf(&b, "  check %q line %d script-line %d timeout %v\n    script %q\n    error %q\n", c.Name, c.Line, c.ScriptLine, c.Timeout, c.Script, c.Error)
			if c.Hint != "" {
				fmt.Fprintf(&b, "    hint %q\n", c.Hint)
			}
		}
	}
	for _, d := range lab.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", d)
	}
	for _, d := range lab.Errors {
		fmt.Fprintf(&b, "error: %s\n", d)
	}
	return b.String()
}

func checkGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", golden, got, want)
	}
}

// TestGolden parses each testdata/labs/*.md (one quirk each) and compares with its .golden file.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/labs/*.md")
	if len(files) < 6 {
		t.Fatalf("only %d lab files in testdata/labs", len(files))
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lab, perr := Parse(filepath.Base(path), data)
			if (perr != nil) != (len(lab.Errors) > 0) {
				t.Errorf("error %v but %d errors in lab", perr, len(lab.Errors))
			}
			checkGolden(t, strings.TrimSuffix(path, ".md")+".golden", dump(lab))
		})
	}
}

// TestSeedLab loads the course the project was built for, verbatim, with its quirks.
func TestSeedLab(t *testing.T) {
	path := filepath.Join(sharedDir(t, "seed"), "supervisor-lab.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lab, err := Parse("supervisor-lab.md", data)
	if err != nil {
		t.Fatalf("seed lab does not load: %v", err)
	}
	if len(lab.Steps) != 5 {
		t.Fatalf("seed lab has %d steps, want 5", len(lab.Steps))
	}
	for _, st := range lab.Steps {
		for _, c := range st.Checks {
			if !strings.HasPrefix(c.Script, "#!/bin/bash\n") || strings.Contains(c.Script, "\t") {
				t.Errorf("step-%d %q: script %q", st.N, c.Name, c.Script)
			}
		}
	}
	checkGolden(t, "../../testdata/labs/seed-supervisor-lab.golden", dump(lab))
}
