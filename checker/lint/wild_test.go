package lint

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
)

// TestWildCorpus lints the 47 real labs beside the repository: the errors are the three broken
// blocks and one real `ps aux|grep rsyslog` check that can never fail.
func TestWildCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "labs-wild")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found (it lives beside the repository): %v", dir, err)
		}
		t.Skipf("%s not found; skipping", dir)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9][0-9]-*.md"))
	if len(files) != 47 {
		t.Fatalf("%d files, want 47", len(files))
	}
	var errs []string
	for _, f := range files {
		lab, _ := labdoc.Load(f)
		if lab == nil {
			t.Fatalf("%s did not load", f)
		}
		for _, fd := range Lab(context.Background(), lab) {
			if !fd.Warning {
				s := fd.String()
				errs = append(errs, s[strings.LastIndex(s, "/")+1:])
			}
		}
	}
	sort.Strings(errs)
	want := []string{
		"003-lq1-lab1945-linux.md:154: step-1: check 2 (\"check service\"): `ps … | grep` also matches",
		"008-lq1230-lab9466-java.md:146: step-1: error: no space after",
		"012-lq1230-lab9471-java.md:886: step-7: name: list item indented",
		"046-lq1403-lab12919-linux-tabs-05f08c5.md:373: step-4: script: line indented",
	}
	if len(errs) != len(want) {
		t.Fatalf("errors:\n%s", strings.Join(errs, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(errs[i], want[i]) {
			t.Errorf("got  %s\nwant %s…", errs[i], want[i])
		}
	}
}
