package ctl

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// clientSettings is what supervisorctl takes from a config file: the
// [supervisorctl] section. Nil pointers mean "not set".
type clientSettings struct {
	ServerURL *string
	Username  *string
	Password  *string
	Prompt    *string
	// HistoryFile is absolute, "" when unset.
	HistoryFile string
}

// confLoader reads the [supervisorctl] section of a config file; tests can
// substitute their own.
type confLoader func(path string) (clientSettings, error)

// searchConfig returns the first existing default config file, or "".
func searchConfig(progname string) string {
	path, _ := config.Search(progname)
	return path
}

// normalizePath is 4.2.5's normalize_path: expanduser, abspath, normpath.
func normalizePath(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = home + p[1:]
		}
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

// loadClientConf reads path with config.LoadClient. Errors 4.2.5 reports
// without a line number keep 4.2.5's exact text; the others (which 4.2.5
// shows as a traceback or without a place) carry the file and line.
func loadClientConf(path string) (clientSettings, error) {
	var cs clientSettings
	cfg, err := config.LoadClient(path, config.Options{})
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) && ce.Line == 0 {
			return cs, errors.New(ce.PythonText())
		}
		return cs, err
	}
	s := cfg.Supervisorctl
	cs.ServerURL = &s.ServerURL
	cs.Prompt = &s.Prompt
	// The config API folds "absent" and "empty" together; 4.2.5 sends no
	// credentials unless both are set, so empty counts as absent here.
	if s.Username != "" {
		cs.Username = &s.Username
	}
	if s.Password != "" {
		cs.Password = &s.Password
	}
	cs.HistoryFile = s.HistoryFile
	return cs, nil
}
