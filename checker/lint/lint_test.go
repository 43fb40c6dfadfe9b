package lint

import (
	"context"
	"strings"
	"testing"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
)

func TestLint(t *testing.T) {
	tests := []struct {
		name, script string
		want         string // substring of the only finding, "" for none
		warn         bool
	}{
		{"fine", "#!/bin/bash\ntest -f /etc/hostname\n", "", false},
		{"ps grep excluded", "#!/bin/bash\nps -ef|grep -v grep|grep nginx\n", "", false},
		{"ps grep bracket", "#!/bin/bash\nps aux | grep [n]ginx\n", "", false},
		{"pgrep", "#!/bin/bash\npgrep nginx\n", "", false},
		{"ps grep self", "#!/bin/bash\nps -ef | grep nginx\n", ":6: step-1: check 1 (\"c\"): `ps … | grep` also matches", false},
		{"ps grep not last", "#!/bin/bash\nps -ef | grep nginx > /tmp/x\ntest -s /tmp/x\n", "`ps … | grep`", true},
		{"or true", "#!/bin/bash\ngrep x /etc/passwd || true\n", ":6: step-1: check 1 (\"c\"): the script ends with `|| true`", false},
		{"exit 0", "#!/bin/bash\ngrep x /etc/passwd\nexit 0\n", ":7: step-1: check 1 (\"c\"): the script's only exit is its last line", false},
		{"exit 0 with other exit", "#!/bin/bash\ngrep -q x /f || exit 1\nexit 0\n", "", false},
		{"exit 0 with set -e", "#!/bin/bash\nset -e\ngrep -q x /f\nexit 0\n", "", false},
		{"always fails", "#!/bin/bash\necho hi\nexit 2\n", "always ends with `exit 2`: it can never pass", false},
		{"bare exit keeps the last status", "#!/bin/bash\ngrep -q x /f\nexit\n", "", false},
		{"exit status var", "#!/bin/bash\ngrep x /f; r=$?\nexit $r\n", "", false},
		{"syntax error", "#!/bin/bash\nif true; then\necho x\n", ":8: step-1: check 1 (\"c\"): bash -n: syntax error: unexpected end of file", false},
		{"syntax error in middle", "#!/bin/bash\necho )\ntrue\n", ":6: step-1: check 1 (\"c\"): bash -n: syntax error near unexpected token", false},
		{"python not bash-checked", "#!/usr/bin/env python3\nif x\n", "", false},
		{"only comments", "#!/bin/bash\n# todo\n", "runs no command, so it always passes", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "# T\n```checker\n- name: c\n  script: |\n" + indent(tt.script) + "  error: e\n```\n"
			lab, err := labdoc.Parse("l.md", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			fs := Lab(context.Background(), lab)
			if tt.want == "" {
				if len(fs) != 0 {
					t.Fatalf("unexpected findings: %v", fs)
				}
				return
			}
			if len(fs) != 1 || !strings.Contains(fs[0].String(), tt.want) || fs[0].Warning != tt.warn {
				t.Fatalf("findings %v, want one (warning %v) containing %q", fs, tt.warn, tt.want)
			}
		})
	}
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	return b.String()
}

func TestLintEnableChecker(t *testing.T) {
	for src, want := range map[string]int{
		"---\nenable_checker: true\n---\n```checker\n- name: a\n  script: \"#!/bin/bash\\ntrue\"\n  error: e\n```\n":  0,
		"---\nenable_checker: false\n---\n```checker\n- name: a\n  script: \"#!/bin/bash\\ntrue\"\n  error: e\n```\n": 1,
		"---\nshow: step\n---\n```checker\n- name: a\n  script: \"#!/bin/bash\\ntrue\"\n  error: e\n```\n":            1,
		"```checker\n- name: a\n  script: \"#!/bin/bash\\ntrue\"\n  error: e\n```\n":                                  0,
	} {
		lab, err := labdoc.Parse("l.md", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		got := Lab(context.Background(), lab)
		if len(got) != want || want == 1 && (!got[0].Warning || !strings.Contains(got[0].String(), "l.md:1: warning: front matter lacks `enable_checker: true`")) {
			t.Errorf("%q: %v", src, got)
		}
	}
}

func TestLintNamesAndLoad(t *testing.T) {
	src := "```checker\n- name: a\n  script: \"true\"\n- name: a\n  script: \"false\"\n  error: e\n- script: \"true\"\n  error: e\n```\n"
	lab, _ := labdoc.Parse("l.md", []byte(src))
	var got []string
	for _, f := range Lab(context.Background(), lab) {
		got = append(got, f.String())
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{
		`l.md:2: warning: step-1: error: check 1 ("a"): no error message`,
		`l.md:4: warning: step-1: check 2 ("a"): same name as check 1 of this step`,
		`l.md:7: warning: step-1: check 3 (""): empty name`,
		`l.md:5: warning: step-1: script: check 2 ("a"): no shebang`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in\n%s", want, joined)
		}
	}
}
