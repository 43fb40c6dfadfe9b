package config

import (
	"os"
	"path/filepath"
	"testing"
)

// writeConfig writes files (name → content) into a temp dir and returns
// the path of the first name given as main.
func writeConfig(t *testing.T, main string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, main)
}

func TestLoadMinimal(t *testing.T) {
	path := writeConfig(t, "s.conf", map[string]string{"s.conf": "[supervisord]\nlogfile=%(here)s/l.log\npidfile=%(here)s/p.pid\n[program:a]\ncommand=/bin/echo a;b ;c\n"})
	cfg, err := Load(path, Options{Environ: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Groups) != 1 || cfg.Groups[0].Programs[0].Command != "/bin/echo a;b" {
		t.Fatalf("groups = %+v", cfg.Groups)
	}
}
