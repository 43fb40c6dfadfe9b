package labs

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// iniHelper returns the ini() shell function the checks of steps 3, 4 and 6 share.
func iniHelper(t testing.TB) string {
	t.Helper()
	_, steps := readLab(t.(*testing.T))
	m := regexp.MustCompile(`(?s)ini\(\) \{.*?"\$1"; \}`).FindString(steps[2].Checks[0].Script)
	if m == "" {
		t.Fatal("step 3's first check has no ini() helper")
	}
	for i, s := range steps {
		for _, c := range s.Checks {
			if strings.Contains(c.Script, "ini() {") && !strings.Contains(c.Script, m) {
				t.Errorf("step-%d %q: its ini() differs from step 3's; keep the copies identical", i+1, c.Name)
			}
		}
	}
	return m
}

// lookup runs ini FILE SECTION KEY on conf and returns (value, found).
func lookup(t testing.TB, helper, conf, section, key string) (string, bool) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "c.conf")
	if err := os.WriteFile(f, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("bash", "-c", helper+"\nini \"$1\" \"$2\" \"$3\"", "x", f, section, key).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
			return "", false
		}
		t.Fatalf("ini: %v", err)
	}
	return strings.TrimSuffix(string(out), "\n"), true
}

// TestIniHelper pins the check scripts' INI reading to Supervisor's dialect (CFG-FMT-*).
func TestIniHelper(t *testing.T) {
	h := iniHelper(t)
	tests := []struct {
		name, conf, section, key, want string
		found                          bool
	}{
		{"plain", "[a]\nk=v\n", "a", "k", "v", true},
		{"colon delimiter CFG-FMT-04", "[a]\nk: v\n", "a", "k", "v", true},
		{"key case-folded CFG-FMT-04", "[a]\nKey=v\n", "a", "key", "v", true},
		{"inline comment needs whitespace CFG-FMT-03", "[a]\nk=x;y ;c\n", "a", "k", "x;y", true},
		{"hash inline comment", "[a]\nk=x #c\n", "a", "k", "x", true},
		{"hash without space kept", "[a]\nk=x#c\n", "a", "k", "x#c", true},
		{"quotes do not protect CFG-FMT-03", "[a]\nk=bash -c 'a ; b'\n", "a", "k", "bash -c 'a", true},
		{"daemon off; kept", "[p]\ncommand=/usr/sbin/nginx -g 'daemon off;'\n", "p", "command", "/usr/sbin/nginx -g 'daemon off;'", true},
		{"full-line comments CFG-FMT-02", "[a]\n;k=1\n#k=2\n", "a", "k", "", false},
		{"commented header", ";[a]\nk=1\n", "a", "k", "", false},
		{"other section", "[a]\nk=1\n[b]\nk=2\n", "a", "k", "1", true},
		{"last wins CFG-FMT-06", "[a]\nk=1\n[a]\nk=2\n", "a", "k", "2", true},
		{"continuation CFG-FMT-05", "[i]\nfiles = a.conf\n  b.conf\n", "i", "files", "a.conf b.conf", true},
		{"CRLF", "[a]\r\nk=v\r\n", "a", "k", "v", true},
		{"empty value", "[a]\nk=\n", "a", "k", "", true},
		{"no section", "k=v\n", "a", "k", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := lookup(t, h, tt.conf, tt.section, tt.key)
			if got != tt.want || found != tt.found {
				t.Errorf("ini %s %s = %q, %v; want %q, %v", tt.section, tt.key, got, found, tt.want, tt.found)
			}
		})
	}
}

// FuzzIniHelper: on any input the helper answers (found or not, never another exit
// status) and never returns a value still carrying a whitespace-led comment.
func FuzzIniHelper(f *testing.F) {
	for _, s := range []string{"[a]\nk=v\n", "[a]\nk=x ;c\n  y\n", "[a\nk=v", "\x00[a]\nk=\xff", "[a]\n\tk=v\n[a]k=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, conf string) {
		h := iniHelper(t)
		v, found := lookup(t, h, conf, "a", "k")
		if found && (strings.Contains(v, " ;") || strings.Contains(v, "\t;") || strings.Contains(v, " #")) {
			t.Errorf("value %q keeps a comment", v)
		}
	})
}
