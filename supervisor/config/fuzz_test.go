package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// addTestdataSeeds seeds a fuzz target with every testdata config.
func addTestdataSeeds(f *testing.F) {
	f.Helper()
	err := filepath.WalkDir(testdataDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".golden") {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(SampleConf))
	f.Add([]byte(uncomment(SampleConf)))
}

// FuzzLoad feeds arbitrary bytes to Load: it must never panic, and every
// failure must be an *Error whose text is one line.
func FuzzLoad(f *testing.F) {
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "supervisord.conf")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, Options{Environ: []string{"HOME=/root"}, Hostname: "fuzz"})
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			if strings.ContainsAny(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err.Error())
			}
			return
		}
		for _, g := range cfg.Groups {
			for _, p := range g.Programs {
				if (p.Argv == nil) == (p.CommandErr == nil) {
					t.Fatalf("process %s: Argv %q and CommandErr %v", p.Name, p.Argv, p.CommandErr)
				}
			}
		}
	})
}

// FuzzParseINI checks the tokenizer alone: no panic, and a successful
// parse is stable when the same text is read a second time on top.
func FuzzParseINI(f *testing.F) {
	addTestdataSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc := newDoc()
		if perr := doc.read(data, "fuzz"); perr != nil {
			if perr.line < 1 {
				t.Fatalf("error without line: %q", perr.msg)
			}
			return
		}
		before := len(doc.sections)
		if perr := doc.read(data, "fuzz"); perr != nil {
			t.Fatalf("second read failed: %s", perr.msg)
		}
		if len(doc.sections) != before {
			t.Fatalf("re-reading added sections: %d → %d", before, len(doc.sections))
		}
	})
}

// FuzzExpand checks the % formatter and the shlex dialects never panic.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"%(program_name)s", "%(process_num)02d", "%%", "%", "%(x", "A=1,B=\"2\"", `a "b c" 'd'`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = pyFormat(s, expansions{"program_name": "p", "process_num": 3})
		_, _ = SplitCommand(s)
		_, _ = parseEnvironment(s)
	})
}
