package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func testSearch(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	_, tried := Search("/opt/sv/bin/supervisord")
	want := []string{"/opt/sv/etc/supervisord.conf", "/opt/sv/supervisord.conf", "supervisord.conf",
		"etc/supervisord.conf", "/etc/supervisord.conf", "/etc/supervisor/supervisord.conf"}
	expect(t, "order", tried, want)
	_, tried = Search("supervisord")
	expect(t, "bare argv0", tried[:2], []string{"etc/supervisord.conf", "supervisord.conf"})
	// A file in the working directory wins over /etc.
	if err := os.MkdirAll("etc", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("etc/supervisord.conf", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := Search("/opt/sv/bin/supervisord"); got != "etc/supervisord.conf" {
		t.Fatalf("Search = %q, want etc/supervisord.conf", got)
	}
	if err := os.WriteFile("supervisord.conf", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := Search("/opt/sv/bin/supervisord"); got != "supervisord.conf" {
		t.Fatalf("Search = %q, want supervisord.conf", got)
	}
}

func testNotFound(t *testing.T) {
	err := NotFoundError([]string{"a", "b"})
	expect(t, "message", err.Error(), "No config file found at default paths (a, b); use the -c option to specify a config file at a different path")
}

func testSearchNeverFails(t *testing.T) {
	// CLI-SEARCH-03 is a warning supervisord prints when searching as root;
	// the config package's part is that Search itself never fails.
	if _, tried := Search(""); len(tried) != 6 {
		t.Fatalf("tried %d paths", len(tried))
	}
}

func testLoadClientDefaults(t *testing.T) {
	cfg, err := LoadClient("", Options{})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "defaults", cfg.Supervisorctl, Supervisorctl{ServerURL: "http://localhost:9001", Prompt: "supervisor"})
	path := writeConfig(t, "c.conf", map[string]string{"c.conf": "[include]\nfiles=nothing\n[supervisorctl]\nserverurl=unix://%(here)s/s.sock\nprompt=lab\nusername=%(ENV_U)s\n"})
	cfg, err = LoadClient(path, Options{Environ: []string{"U=bob"}})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "ctl", cfg.Supervisorctl, Supervisorctl{ServerURL: "unix://" + filepath.Dir(path) + "/s.sock", Prompt: "lab", Username: "bob"})
	expect(t, "include ignored", len(cfg.Infos)+len(cfg.Warnings), 0)
}

func testLoadClientNoSection(t *testing.T) {
	path := writeConfig(t, "c.conf", map[string]string{"c.conf": "[supervisord]\n"})
	_, err := LoadClient(path, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), ".ini file does not include supervisorctl section") {
		t.Fatalf("err = %v", err)
	}
}

func testMissingFile(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "nope.conf"), Options{})
	expect(t, "missing", err.Error(), "could not find config file "+filepath.Join(dir, "nope.conf"))
	_, err = Load(dir, Options{})
	expect(t, "directory", err.Error(), "could not read config file "+dir)
	_, err = LoadClient(filepath.Join(dir, "nope.conf"), Options{})
	expect(t, "client missing", err.Error(), "could not find config file "+filepath.Join(dir, "nope.conf"))
}

func TestCheckConfig(t *testing.T) {
	path := writeConfig(t, "s.conf", map[string]string{"s.conf": refHeader +
		"[inet_http_server]\nport=127.0.0.1:9001\n[program:a]\ncommand=/bin/cat\ncomand=typo\n[include]\nfiles=none/*.conf\n"})
	var out, errb bytes.Buffer
	if code := CheckConfig(path, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		path + `:9: unknown key "comand" in section [program:a] is ignored`,
		`No file matches via include "` + filepath.Dir(path) + `/none/*.conf"`,
		"is valid: 1 group(s), 1 process(es)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	bad := writeConfig(t, "s.conf", map[string]string{"s.conf": refHeader + "[inet_http_server]\nfile = /tmp/supervisor.sock # 套接字路径\n"})
	out.Reset()
	errb.Reset()
	if code := CheckConfig(bad, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	want := "Error: section [inet_http_server] has no port value (file: '" + bad + "', line 5); [inet_http_server] listens on TCP and needs port= (e.g. port=127.0.0.1:9001); file= belongs to [unix_http_server]\n"
	expect(t, "stderr", errb.String(), want)
}

// testReloadRereadsIncludes shows a second Load re-evaluates include globs,
// and testDeterministic that equal files give equal configs while any
// changed key changes the program (what reread/update compare).
func testReloadRereadsIncludes(t *testing.T) {
	path := writeConfig(t, "s.conf", map[string]string{"s.conf": refHeader + "[include]\nfiles=d/*.ini\n", "d/a.ini": "[program:a]\ncommand=/bin/cat\n"})
	c1, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), "d/b.ini"), []byte("[program:b]\ncommand=/bin/cat\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c2, err := Load(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "groups before/after", []int{len(c1.Groups), len(c2.Groups)}, []int{1, 2})
}

func testDeterministic(t *testing.T) {
	files := map[string]string{"s.conf": refHeader + "[program:a]\ncommand=/bin/cat\nautorestart=true\n"}
	path := writeConfig(t, "s.conf", files)
	c1, _ := Load(path, Options{Environ: []string{}})
	c2, _ := Load(path, Options{Environ: []string{}})
	if !reflect.DeepEqual(c1, c2) {
		t.Fatal("two loads of one file differ")
	}
	if err := os.WriteFile(path, []byte(refHeader+"[program:a]\ncommand=/bin/cat\nautorestart=false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c3, _ := Load(path, Options{Environ: []string{}})
	if reflect.DeepEqual(c1.Groups[0].Programs[0], c3.Groups[0].Programs[0]) {
		t.Fatal("changed autorestart did not change the program")
	}
}

// TestCLIRows runs the command-line and reload rows by their reference IDs.
func TestCLIRows(t *testing.T) {
	for _, row := range []struct {
		id string
		f  func(*testing.T)
	}{
		{"CLI-SEARCH-01", testSearch},
		{"CLI-SEARCH-02", testNotFound},
		{"CLI-SEARCH-03", testSearchNeverFails},
		{"CLI-SEARCH-04", testLoadClientDefaults},
		{"CLI-SEARCH-05/client", testLoadClientNoSection},
		{"CLI-SEARCH-06", testMissingFile},
		{"CFG-INC-05", testReloadRereadsIncludes},
		{"CFG-PROG-09", testDeterministic},
	} {
		t.Run(row.id, row.f)
	}
}
