package labcli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
	"github.com/supervisorlab/supervisorlab/checker/lint"
)

// lint prints every problem of each FILE as FILE:LINE: message; exit 1 when any is an error.
func (c Config) lint(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("lint", stderr)
	pos, err := parseArgs(fl, args)
	if err != nil {
		return usageErr(stderr, "lint", err)
	}
	if len(pos) == 0 {
		fmt.Fprintln(stderr, "lab lint: want at least one lab file (lab lint FILE...)")
		return exitUsage
	}
	code := exitOK
	errs, warns := 0, 0
	for _, file := range pos {
		if fi, err := os.Stat(file); err == nil && fi.IsDir() {
			file = filepath.Join(file, "lab.md")
		}
		lab, err := labdoc.Load(file)
		if lab == nil {
			fmt.Fprintf(stderr, "lab lint: %v\n", err)
			code = exitUsage
			continue
		}
		for _, f := range lint.Lab(context.Background(), lab) {
			fmt.Fprintln(stdout, f)
			if f.Warning {
				warns++
			} else {
				errs++
			}
		}
	}
	if errs > 0 && code == exitOK {
		code = exitFail
	}
	if errs+warns > 0 {
		fmt.Fprintf(stderr, "lab lint: %d %s, %d %s\n", errs, plural(errs, "error"), warns, plural(warns, "warning"))
	}
	return code
}
