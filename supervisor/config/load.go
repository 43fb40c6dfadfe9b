package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Options change what Load sees of the outside world; the zero value uses
// the real process environment and host name.
type Options struct {
	// Environ is supervisord's environment, the source of %(ENV_X)s
	// (CFG-EXP-01). Nil means os.Environ().
	Environ []string
	// Hostname is %(host_node_name)s. Empty means os.Hostname().
	Hostname string
}

func (o Options) environ() []string {
	if o.Environ == nil {
		return os.Environ()
	}
	return o.Environ
}

// home is $HOME in the environment, which os.path.expanduser uses.
func (o Options) home() string {
	for _, kv := range o.environ() {
		if v, ok := strings.CutPrefix(kv, "HOME="); ok {
			return v
		}
	}
	return ""
}

func (o Options) hostname() string {
	if o.Hostname != "" {
		return o.Hostname
	}
	h, _ := os.Hostname()
	return h
}

// Defaults for supervisorctl, used when no file or section sets them.
const (
	DefaultServerURL = "http://localhost:9001"
	DefaultPrompt    = "supervisor"
)

// loader holds the state of one Load, mirroring 4.2.5's ServerOptions.
type loader struct {
	path    string // as given, used in Python-compatible messages
	here    string // absolute directory of the main file
	host    string
	home    string // $HOME for ~ in paths
	doc     *iniDoc
	environ expansions // ENV_*; grows with [supervisord] environment=
	cfg     *Config
}

// readMain reads and tokenizes the main file.
func readMain(path string) (*iniDoc, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &Error{Msg: "could not find config file " + path}
	}
	if st.IsDir() {
		return nil, &Error{Msg: "could not read config file " + path}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Msg: "could not read config file " + path}
	}
	doc := newDoc()
	if perr := doc.read(data, path); perr != nil {
		return nil, &Error{Msg: perr.msg, File: perr.file, Line: perr.line}
	}
	return doc, nil
}

func absDir(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return filepath.Dir(abs)
}

// Load reads the supervisord configuration at path (as given to -c) the
// way 4.2.5's supervisord does, includes and all. On failure the error is
// an *Error.
func Load(path string, opts Options) (*Config, error) {
	doc, err := readMain(path)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(path)
	l := &loader{
		path:    path,
		here:    absDir(path),
		host:    opts.hostname(),
		home:    opts.home(),
		doc:     doc,
		environ: expansions{},
		cfg:     &Config{Path: abs},
	}
	for _, kv := range opts.environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			l.environ["ENV_"+k] = v
		}
	}
	steps := []func() error{
		l.includes,
		l.supervisord,
		l.rpcInterfaces,
		l.groups,
		l.servers,
		l.realize,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	l.unknownKeys()
	l.cfg.HasSupervisorctl = doc.has("supervisorctl")
	if l.cfg.HasSupervisorctl {
		// supervisord ignores this section; parsing it here lets tools that
		// hold only a Config (ctl, web) use it too. Its errors are not
		// supervisord's, so they become warnings.
		ctl, err := clientSection(doc, l.environ, l.here, l.home)
		if err != nil {
			l.note("supervisorctl", "", err.Error())
		} else {
			l.cfg.Supervisorctl = ctl
		}
	} else {
		l.cfg.Supervisorctl = Supervisorctl{ServerURL: DefaultServerURL, Prompt: DefaultPrompt}
	}
	return l.cfg, nil
}

// LoadClient reads the configuration as 4.2.5's supervisorctl does: only
// [supervisorctl] matters, [include] is ignored. An empty path means no
// file was found and yields the defaults.
func LoadClient(path string, opts Options) (*Config, error) {
	cfg := &Config{Supervisorctl: Supervisorctl{ServerURL: DefaultServerURL, Prompt: DefaultPrompt}}
	if path == "" {
		return cfg, nil
	}
	here := filepath.Dir(normalizePath(path, opts.home()))
	doc, err := readMain(path)
	if err != nil {
		return nil, err
	}
	cfg.Path, _ = filepath.Abs(path)
	if !doc.has("supervisorctl") {
		return nil, &Error{Msg: ".ini file does not include supervisorctl section", File: path}
	}
	env := expansions{}
	for _, kv := range opts.environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env["ENV_"+k] = v
		}
	}
	ctl, err := clientSection(doc, env, here, opts.home())
	if err != nil {
		return nil, err
	}
	cfg.Supervisorctl = ctl
	cfg.HasSupervisorctl = true
	cfg.HasSupervisord = doc.has("supervisord")
	return cfg, nil
}

func clientSection(doc *iniDoc, env expansions, here, home string) (Supervisorctl, error) {
	r := &secReader{doc: doc, env: env, section: "supervisorctl"}
	ctl := Supervisorctl{}
	var err error
	hereExp := expansions{"here": here}
	if ctl.ServerURL, err = r.str("serverurl", DefaultServerURL, hereExp); err != nil {
		return ctl, err
	}
	if strings.HasPrefix(ctl.ServerURL, "unix://") {
		ctl.ServerURL = "unix://" + normalizePath(ctl.ServerURL[len("unix://"):], home)
	}
	if ctl.Prompt, err = r.str("prompt", DefaultPrompt, nil); err != nil {
		return ctl, err
	}
	if ctl.Username, err = r.str("username", "", nil); err != nil {
		return ctl, err
	}
	if ctl.Password, err = r.str("password", "", nil); err != nil {
		return ctl, err
	}
	if ctl.HistoryFile, err = r.str("history_file", "", hereExp); err != nil {
		return ctl, err
	}
	if ctl.HistoryFile != "" {
		ctl.HistoryFile = normalizePath(ctl.HistoryFile, home)
	}
	return ctl, nil
}

// Search returns the first existing default config file, in 4.2.5's order
// (CLI-SEARCH-01), and the list of places looked at. argv0 is the
// program's argv[0]; path is "" when none exists.
func Search(argv0 string) (path string, tried []string) {
	base := pyDirname(pyDirname(argv0))
	join := func(parts ...string) string {
		p := strings.Join(parts, "/")
		if base == "" {
			return p
		}
		if strings.HasSuffix(base, "/") {
			return base + p
		}
		return base + "/" + p
	}
	tried = []string{
		join("etc", "supervisord.conf"),
		join("supervisord.conf"),
		"supervisord.conf",
		"etc/supervisord.conf",
		"/etc/supervisord.conf",
		"/etc/supervisor/supervisord.conf",
	}
	for _, p := range tried {
		if _, err := os.Stat(p); err == nil {
			return p, tried
		}
	}
	return "", tried
}

// NotFoundError is supervisord's message when Search finds nothing (CLI-SEARCH-02).
func NotFoundError(tried []string) error {
	return &Error{Msg: fmt.Sprintf("No config file found at default paths (%s); use the -c option to specify a config file at a different path", strings.Join(tried, ", "))}
}
