package labdoc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input panics and that every diagnostic points inside the file.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/labs/*.md")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"", "---", "---\n---\n", "```checker", "```checker\n- a\n```", "```checker\n- name: [\n```",
		"```checker\n- &a {name: x, script: y}\n- *a\n```", "```checker\n\t- name: x\n```",
		"~~~~checker\n- name: x\n  script: |\n\tfoo\n  error:bar\n~~~~\n",
		"---\nversion: !!binary x\n---\n", "\xef\xbb\xbf\r\n```checker\r\n```\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lab, err := Parse("f.md", data)
		if lab == nil {
			t.Fatal("nil lab")
		}
		if (err != nil) != (len(lab.Errors) > 0) {
			t.Fatalf("err %v with %d errors", err, len(lab.Errors))
		}
		n := strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r") + 1
		for _, d := range append(lab.Warnings, lab.Errors...) {
			if d.Line < 1 || d.Line > n+1 || strings.Contains(d.String(), "\n") && !strings.Contains(d.Msg, "\n") {
				t.Fatalf("diagnostic outside the file (%d lines): %s", n, d)
			}
		}
		for i, st := range lab.Steps {
			if st.N != i+1 || (st.Broken && len(st.Checks) > 0) {
				t.Fatalf("step %d: %+v", i+1, st)
			}
		}
	})
}
