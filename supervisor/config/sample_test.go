package config

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// uncomment switches on every commented section header and key line.
func uncomment(text string) string {
	re := regexp.MustCompile(`(?m)^;(\[[a-z_:-]+\]|[a-z_.]+ ?=)`)
	return re.ReplaceAllString(text, "$1")
}

// TestEchoMain checks CLI-ECHO-01: the sample on stdout, arguments ignored, exit 0.
func TestEchoMain(t *testing.T) {
	var out, errb bytes.Buffer
	if code := EchoMain([]string{"--ignored", "x"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if out.String() != SampleConf || errb.Len() != 0 {
		t.Fatalf("output differs from SampleConf (stderr %q)", errb.String())
	}
}

func TestSampleLoads(t *testing.T) {
	for _, tc := range []struct{ name, text string }{
		{"as-printed", SampleConf},
		{"all-uncommented", uncomment(SampleConf)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, "supervisord.conf", map[string]string{"supervisord.conf": tc.text})
			cfg, err := Load(path, Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			for _, w := range cfg.Notes {
				if strings.Contains(w.Message, "unknown") {
					t.Errorf("sample has an unknown key or section: %s", w)
				}
			}
		})
	}
}

// sectionKeys lists keys per section kind of a parsed document.
func sectionKeys(t *testing.T, text string) map[string][]string {
	t.Helper()
	doc := newDoc()
	if perr := doc.read([]byte(text), "sample"); perr != nil {
		t.Fatalf("sample does not parse: %s", perr.msg)
	}
	keys := map[string][]string{}
	for _, s := range doc.sections {
		kind, ok := sectionKind(s.Name)
		if !ok {
			t.Fatalf("unknown section %s", s.Name)
		}
		keys[kind] = append(keys[kind], s.keys...)
	}
	return keys
}

// TestSampleCoversEveryKey checks the uncommented sample against the keys
// Load reads, and against 4.2.5's own sample (same keys, same active lines).
func TestSampleCoversEveryKey(t *testing.T) {
	ours := sectionKeys(t, uncomment(SampleConf))
	for kind, known := range knownKeys {
		have := map[string]bool{}
		for _, k := range ours[kind] {
			have[k] = true
		}
		if kind == "fcgi-program" || kind == "eventlistener" {
			for _, k := range ours["program"] {
				have[k] = true // shared program keys are shown once, under [program:x]
			}
		}
		for k := range known {
			if !have[k] {
				t.Errorf("sample lacks [%s] %s", kind, k)
			}
		}
	}
	bin := "/usr/bin/echo_supervisord_conf"
	needOracle(t, bin)
	pyOut, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	py := sectionKeys(t, uncomment(string(pyOut)))
	for kind, keys := range py {
		have := map[string]bool{}
		for _, k := range ours[kind] {
			have[k] = true
		}
		for _, k := range keys {
			if !have[k] {
				t.Errorf("4.2.5's sample has [%s] %s, ours does not", kind, k)
			}
		}
	}
	active := func(text string) []string {
		var lines []string
		for _, l := range strings.Split(text, "\n") {
			if l != "" && !strings.HasPrefix(l, ";") {
				if i := strings.Index(l, " ;"); i >= 0 {
					l = l[:i]
				}
				lines = append(lines, strings.TrimSpace(l))
			}
		}
		sort.Strings(lines)
		return lines
	}
	if a, b := strings.Join(active(SampleConf), "\n"), strings.Join(active(string(pyOut)), "\n"); a != b {
		t.Errorf("active lines differ from 4.2.5's sample:\nours:\n%s\n4.2.5:\n%s", a, b)
	}
}

// TestSampleAcceptedByPython runs both forms of the sample through
// Python's supervisord, with /tmp moved into a test directory.
func TestSampleAcceptedByPython(t *testing.T) {
	needOracle(t, pythonSupervisord)
	for _, tc := range []struct{ name, text string }{
		{"as-printed", SampleConf},
		{"all-uncommented", uncomment(SampleConf)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, err := os.MkdirTemp("", "svsample")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(root) })
			text := strings.ReplaceAll(tc.text, "/tmp/", root+"/")
			text = strings.ReplaceAll(text, "directory=/tmp", "directory="+root)
			// Dropping to nobody would make Python fail writing its log in
			// our root-owned directory, which is not a config question.
			text = strings.ReplaceAll(text, "\nuser=nobody                 ;", "\nuser=root                   ;")
			text = strings.ReplaceAll(text, "127.0.0.1:9001", "127.0.0.1:"+strconv.Itoa(freePort(t)))
			path := filepath.Join(root, "supervisord.conf")
			if err := os.WriteFile(path, []byte(neutralize(text)), 0o644); err != nil {
				t.Fatal(err)
			}
			env := []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + root}
			_, ourErr := loadIn(root, path, env)
			py, err := runPython(path, root, env)
			if err != nil {
				t.Fatal(err)
			}
			if ourErr != nil || !py.accepted {
				t.Fatalf("ours: %v; python accepted=%v:\n%s", ourErr, py.accepted, py.output)
			}
		})
	}
}
