package labdoc

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedDir finds <repo>/../shared/<sub>: the corpus lives beside the repository, never in it.
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", sub)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found (it lives beside the repository): %v", dir, err)
		}
		t.Skipf("%s not found (it lives beside the repository); skipping", dir)
	}
	return dir
}

// TestWildCorpus loads the 47 real labs and compares every checker block with the oracle's
// expected.tsv: step numbering, fence line, item count and names, and ok/repaired/broken.
func TestWildCorpus(t *testing.T) {
	dir := sharedDir(t, "labs-wild")
	f, err := os.Open(filepath.Join(dir, "expected.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type row struct {
		step, line, items int
		names, status     string
	}
	want := map[string][]row{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	sc.Scan() // header
	rows := 0
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 6 {
			t.Fatalf("bad expected.tsv row %q", sc.Text())
		}
		step, _ := strconv.Atoi(c[1])
		line, _ := strconv.Atoi(c[2])
		items, _ := strconv.Atoi(c[3])
		want[c[0]] = append(want[c[0]], row{step, line, items, c[4], c[5]})
		rows++
	}
	if rows != 220 {
		t.Fatalf("expected.tsv has %d blocks, want 220", rows)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9]-*.md"))
	if len(files) != 47 {
		t.Fatalf("found %d lab files, want 47", len(files))
	}
	var broken []string
	checked := 0
	for _, path := range files {
		name := filepath.Base(path)
		lab, err := Load(path)
		if lab == nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if de := lab.DocErr(); de != nil {
			t.Errorf("%s: document error: %v", name, de)
		}
		w := want[name]
		if len(lab.Steps) != len(w) {
			t.Errorf("%s: %d steps, want %d", name, len(lab.Steps), len(w))
			continue
		}
		for i, st := range lab.Steps {
			r := w[i]
			checked++
			if st.N != r.step || st.Line != r.line {
				t.Errorf("%s: step %d at line %d, want step %d at line %d", name, st.N, st.Line, r.step, r.line)
			}
			isBroken := strings.HasPrefix(r.status, "broken")
			if st.Broken != isBroken {
				t.Errorf("%s step %d: broken=%v, want status %q (errors: %v)", name, st.N, st.Broken, r.status, lab.StepErr(st.N))
				continue
			}
			if isBroken {
				for _, d := range lab.Errors {
					if d.Step == st.N {
						broken = append(broken, d.String())
					}
				}
				continue
			}
			var names []string
			for _, c := range st.Checks {
				names = append(names, clean(c.Name))
			}
			if len(st.Checks) != r.items || strings.Join(names, " | ") != r.names {
				t.Errorf("%s step %d: checks %q, want %d: %q", name, st.N, names, r.items, r.names)
			}
			repaired := false
			for _, d := range lab.Warnings {
				if d.Step == st.N && strings.Contains(d.Msg, "tab in indentation") {
					repaired = true
				}
			}
			if repaired != (r.status == "repaired-tabs") {
				t.Errorf("%s step %d: tab repair %v, status %q", name, st.N, repaired, r.status)
			}
		}
	}
	if checked != 220 {
		t.Errorf("compared %d blocks, want 220", checked)
	}
	// Exactly the three broken blocks, each named by file:line and field.
	wantBroken := []string{
		"008-lq1230-lab9466-java.md:146: step-1: error: no space after",
		"012-lq1230-lab9471-java.md:886: step-7: name: list item indented 1 spaces",
		"046-lq1403-lab12919-linux-tabs-05f08c5.md:373: step-4: script: line indented 2 spaces",
	}
	if len(broken) != len(wantBroken) {
		t.Fatalf("broken blocks:\n%s\nwant %d", strings.Join(broken, "\n"), len(wantBroken))
	}
	for i, b := range broken {
		if !strings.Contains(b, wantBroken[i]) {
			t.Errorf("broken block %d:\n got %s\nwant …%s…", i, b, wantBroken[i])
		}
	}
}

// clean mirrors oracle.py: tabs and newlines in names become spaces.
func clean(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
