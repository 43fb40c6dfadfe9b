package config

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// CheckConfig implements `supervisord --check-config -c path`: it loads the
// configuration like supervisord would, prints the info lines and every
// warning (including ignored sections and keys, with file:line) to stdout,
// and returns 0 when the configuration is valid. Otherwise it prints
// "Error: <message>" to stderr and returns 2. An empty path searches the
// default locations from os.Args[0] (CLI-SEARCH-01).
func CheckConfig(path string, stdout, stderr io.Writer) int {
	if path == "" {
		argv0 := ""
		if len(os.Args) > 0 {
			argv0 = os.Args[0]
		}
		found, tried := Search(argv0)
		if found == "" {
			fmt.Fprintf(stderr, "Error: %v\n", NotFoundError(tried))
			return 2
		}
		path = found
	}
	cfg, err := Load(path, Options{})
	if err != nil {
		var ce *Error
		if !errors.As(err, &ce) {
			ce = &Error{Msg: err.Error()}
		}
		fmt.Fprintf(stderr, "Error: %s\n", ce.Error())
		return 2
	}
	for _, info := range cfg.Infos {
		fmt.Fprintf(stdout, "INFO %s\n", info)
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stdout, "WARN %s\n", w)
	}
	for _, n := range cfg.Notes {
		fmt.Fprintf(stdout, "WARN %s\n", n)
	}
	fmt.Fprintf(stdout, "configuration file %s is valid: %d group(s), %d process(es)\n", path, len(cfg.Groups), cfg.countProcesses())
	return 0
}

func (c *Config) countProcesses() int {
	n := 0
	for _, g := range c.Groups {
		n += len(g.Programs)
	}
	return n
}

// String renders the diagnostic as "file:line: message".
func (d Diagnostic) String() string {
	switch {
	case d.File != "" && d.Line > 0:
		return fmt.Sprintf("%s:%d: %s", d.File, d.Line, d.Message)
	case d.File != "":
		return fmt.Sprintf("%s: %s", d.File, d.Message)
	}
	return d.Message
}
