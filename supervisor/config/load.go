package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// secReader reads keys of one section with 4.2.5's saneget semantics.
type secReader struct {
	doc     *iniDoc
	env     expansions // parser.expansions (ENV_*)
	section string
	// wrap marks errors of process sections, which 4.2.5 suffixes.
	wrap   bool
	pyFile string
}

// raw returns the unexpanded value and whether the key exists.
func (r *secReader) raw(key string) (*iniValue, bool) { return r.doc.get(r.section, key) }

// errAt builds an *Error located at key (or at the section header).
func (r *secReader) errAt(key string, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	e := &Error{Msg: err.Error(), Section: r.section, InSection: r.wrap, pyFile: r.pyFile}
	if v, ok := r.raw(key); ok && key != "" {
		e.File, e.Line = v.File, v.Line
	} else if s, ok := r.doc.byName[r.section]; ok {
		e.File, e.Line = s.File, s.Line
	}
	return e
}

// combined is dict(parser.expansions + extra) as saneget builds it.
func (r *secReader) combined(extra expansions) expansions {
	c := r.env.clone()
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// get is saneget: the value (or def when absent), %-expanded unless
// noExpand. present tells whether the key was in the file.
func (r *secReader) get(key string, def *string, extra expansions, noExpand bool) (val string, present bool, err error) {
	v, ok := r.raw(key)
	switch {
	case ok:
		val = v.Value
	case def != nil:
		val = *def
	default:
		return "", false, nil
	}
	if !noExpand {
		val, err = expand(val, r.combined(extra), r.section+"."+key)
		if err != nil {
			return "", ok, r.errAt(key, err)
		}
	}
	return val, ok, nil
}

// str reads a key with a string default.
func (r *secReader) str(key, def string, extra expansions) (string, error) {
	v, _, err := r.get(key, &def, extra, false)
	return v, err
}

// opt reads a key without default: ok is false when absent.
func (r *secReader) opt(key string, extra expansions) (string, bool, error) {
	return r.get(key, nil, extra, false)
}

func (r *secReader) integer(key, def string, extra expansions) (int, error) {
	s, err := r.str(key, def, extra)
	if err != nil {
		return 0, err
	}
	v, err := integer(s)
	if err != nil {
		return 0, r.errAt(key, err)
	}
	return v, nil
}

func (r *secReader) boolean(key, def string, extra expansions) (bool, error) {
	s, err := r.str(key, def, extra)
	if err != nil {
		return false, err
	}
	v, err := boolean(s)
	if err != nil {
		return false, r.errAt(key, err)
	}
	return v, nil
}

func (r *secReader) byteSize(key, def string, extra expansions) (int64, error) {
	s, err := r.str(key, def, extra)
	if err != nil {
		return 0, err
	}
	v, err := byteSize(s)
	if err != nil {
		return 0, r.errAt(key, err)
	}
	return v, nil
}

func (l *loader) reader(section string) *secReader {
	return &secReader{doc: l.doc, env: l.environ, section: section}
}

func (l *loader) warn(section, key, msg string) {
	l.cfg.Warnings = append(l.cfg.Warnings, l.diagnostic(section, key, msg))
}

// note records one of our own warnings (see Config.Notes).
func (l *loader) note(section, key, msg string) {
	l.cfg.Notes = append(l.cfg.Notes, l.diagnostic(section, key, msg))
}

func (l *loader) diagnostic(section, key, msg string) Diagnostic {
	d := Diagnostic{Section: section, Message: msg}
	if v, ok := l.doc.get(section, key); ok && key != "" {
		d.File, d.Line = v.File, v.Line
	} else if s, ok := l.doc.byName[section]; ok {
		d.File, d.Line = s.File, s.Line
	}
	return d
}

// includes handles [include] files= (CFG-INC-*).
func (l *loader) includes() error {
	if !l.doc.has("include") {
		return nil
	}
	l.doc.expandHere(l.here)
	v, ok := l.doc.get("include", "files")
	if !ok {
		s := l.doc.byName["include"]
		return &Error{Msg: ".ini file has [include] section, but no files setting", Section: "include", File: s.File, Line: s.Line}
	}
	exp := l.environ.clone()
	exp["here"] = l.here
	exp["host_node_name"] = l.host
	files, err := expand(v.Value, exp, "include.files")
	if err != nil {
		return &Error{Msg: err.Error(), Section: "include", File: v.File, Line: v.Line}
	}
	for _, pattern := range strings.Fields(files) {
		if !filepath.IsAbs(pattern) {
			pattern = l.here + "/" + pattern
		}
		matches := pyGlob(pattern)
		if len(matches) == 0 {
			l.cfg.Warnings = append(l.cfg.Warnings, Diagnostic{File: v.File, Line: v.Line, Section: "include",
				Message: fmt.Sprintf("No file matches via include %q", pattern)})
			continue
		}
		sort.Strings(matches)
		for _, name := range matches {
			l.cfg.Infos = append(l.cfg.Infos, fmt.Sprintf("Included extra file %q during parsing", name))
			data, err := os.ReadFile(name)
			if err != nil {
				// RawConfigParser.read skips files it cannot open.
				continue
			}
			l.cfg.Included = append(l.cfg.Included, name)
			if perr := l.doc.read(data, name); perr != nil {
				return &Error{Msg: perr.msg, File: perr.file, Line: perr.line}
			}
			l.doc.expandHere(absDir(name))
		}
	}
	return nil
}

// pyGlob is glob.glob: like filepath.Glob, but hidden files only match a
// pattern that starts with a dot, and a malformed pattern matches nothing.
func pyGlob(pattern string) []string {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil
	}
	var out []string
	pparts := strings.Split(pattern, "/")
	for _, m := range matches {
		mparts := strings.Split(m, "/")
		hidden := false
		for i, part := range mparts {
			if i < len(pparts) && strings.HasPrefix(part, ".") && !strings.HasPrefix(pparts[i], ".") && strings.ContainsAny(pparts[i], "*?[") {
				hidden = true
			}
		}
		if !hidden {
			out = append(out, m)
		}
	}
	return out
}

// supervisord reads [supervisord] (CFG-SVD-*), in 4.2.5's order so the
// first error is the same.
func (l *loader) supervisord() error {
	if !l.doc.has("supervisord") {
		e := &Error{Msg: ".ini file does not include supervisord section", File: l.path,
			Hint: "supervisord needs a [supervisord] section; echo_supervisord_conf prints a complete example"}
		for _, s := range l.doc.sections {
			if strings.EqualFold(s.Name, "supervisord") {
				e.Hint = fmt.Sprintf("section names are case-sensitive: [%s] (file: %s, line %d) is not [supervisord]", s.Name, pyRepr(s.File), s.Line)
			}
		}
		return e
	}
	l.cfg.HasSupervisord = true
	r := l.reader("supervisord")
	here := expansions{"here": l.here}
	s := &l.cfg.Supervisord
	var err error
	if s.Minfds, err = r.integer("minfds", "1024", here); err != nil {
		return err
	}
	if s.Minprocs, err = r.integer("minprocs", "200", here); err != nil {
		return err
	}
	if dir, ok, err := r.opt("directory", here); err != nil {
		return err
	} else if ok {
		if s.Directory, err = existingDirectory(dir, l.home); err != nil {
			return r.errAt("directory", err)
		}
		s.Directory = normalizePath(s.Directory, l.home)
	}
	if u, ok, err := r.opt("user", here); err != nil {
		return err
	} else if ok {
		s.User = u
	}
	umask, err := r.str("umask", "022", here)
	if err != nil {
		return err
	}
	if s.Umask, err = octal(umask); err != nil {
		return r.errAt("umask", err)
	}
	logfile, err := r.str("logfile", "supervisord.log", here)
	if err != nil {
		return err
	}
	if s.Logfile, err = existingDirpath(logfile, l.home); err != nil {
		return r.errAt("logfile", err)
	}
	if s.LogfileMaxbytes, err = r.byteSize("logfile_maxbytes", "50MB", here); err != nil {
		return err
	}
	if s.LogfileBackups, err = r.integer("logfile_backups", "10", here); err != nil {
		return err
	}
	level, err := r.str("loglevel", "info", here)
	if err != nil {
		return err
	}
	if s.Loglevel, err = logLevel(level); err != nil {
		return r.errAt("loglevel", err)
	}
	pidfile, err := r.str("pidfile", "supervisord.pid", here)
	if err != nil {
		return err
	}
	if s.Pidfile, err = existingDirpath(pidfile, l.home); err != nil {
		return r.errAt("pidfile", err)
	}
	if s.Identifier, err = r.str("identifier", "supervisor", here); err != nil {
		return err
	}
	if s.Nodaemon, err = r.boolean("nodaemon", "false", here); err != nil {
		return err
	}
	if s.Silent, err = r.boolean("silent", "false", here); err != nil {
		return err
	}
	childlogdir, err := r.str("childlogdir", tempDir(), here)
	if err != nil {
		return err
	}
	if s.Childlogdir, err = existingDirectory(childlogdir, l.home); err != nil {
		return r.errAt("childlogdir", err)
	}
	s.Childlogdir = normalizePath(s.Childlogdir, l.home)
	if s.Nocleanup, err = r.boolean("nocleanup", "false", here); err != nil {
		return err
	}
	if s.StripAnsi, err = r.boolean("strip_ansi", "false", here); err != nil {
		return err
	}
	envStr, err := r.str("environment", "", here)
	if err != nil {
		return err
	}
	// 4.2.5 expands this value twice (VER-03), so %% cannot be used here.
	exp := l.environ.clone()
	exp["here"], exp["host_node_name"] = l.here, l.host
	envStr, err = expand(envStr, exp, "environment")
	if err != nil {
		return r.errAt("environment", err)
	}
	if s.Environment, err = parseEnvironment(envStr); err != nil {
		return r.errAt("environment", err)
	}
	for _, kv := range s.Environment {
		l.environ["ENV_"+kv.Key] = kv.Value // CFG-EXP-02
	}
	return nil
}

// tempDir is Python's tempfile.gettempdir() for the usual cases.
func tempDir() string {
	for _, k := range []string{"TMPDIR", "TEMP", "TMP"} {
		if d := os.Getenv(k); d != "" {
			if st, err := os.Stat(d); err == nil && st.IsDir() {
				return d
			}
		}
	}
	return "/tmp"
}

// knownHandlers are the entry points a 4.2.5 install can import; we
// cannot import Python code, so anything else "cannot be resolved".
var knownHandlers = map[string]bool{
	"supervisor.rpcinterface:make_main_rpcinterface": true,
	"supervisor.dispatchers:default_handler":         true,
}

// rpcInterfaces reads [rpcinterface:x] (CFG-RPC-01).
func (l *loader) rpcInterfaces() error {
	const factoryKey = "supervisor.rpcinterface_factory"
	for _, s := range l.doc.sections {
		if !strings.HasPrefix(s.Name, "rpcinterface:") {
			continue
		}
		r := l.reader(s.Name)
		spec, ok, err := r.opt(factoryKey, nil)
		if err != nil {
			return err
		}
		if !ok {
			return r.errAt("", fmt.Errorf("section [%s] does not specify a %s", s.Name, factoryKey))
		}
		if !knownHandlers[strings.TrimSpace(spec)] {
			return r.errAt(factoryKey, fmt.Errorf("%s cannot be resolved within [%s]", spec, s.Name))
		}
		ri := RPCInterface{Name: strings.SplitN(s.Name, ":", 2)[1], Factory: strings.TrimSpace(spec), Extra: map[string]string{}}
		for _, k := range l.doc.options(s.Name) {
			if k == factoryKey {
				continue
			}
			v, _, err := r.opt(k, nil)
			if err != nil {
				return err
			}
			ri.Extra[k] = v
		}
		if len(ri.Extra) > 0 && ri.Factory == "supervisor.rpcinterface:make_main_rpcinterface" {
			keys := make([]string, 0, len(ri.Extra))
			for k := range ri.Extra {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			l.note(s.Name, "", fmt.Sprintf("[%s] passes %s to %s, which takes no options: 4.2.5 then cannot start its HTTP servers (keys of [DEFAULT] are passed too)", s.Name, strings.Join(keys, ", "), ri.Factory))
		}
		l.cfg.RPCInterfaces = append(l.cfg.RPCInterfaces, ri)
	}
	return nil
}

// servers reads [inet_http_server*] then [unix_http_server*] (CFG-INET-*, CFG-UNIX-*).
func (l *loader) servers() error {
	for _, s := range l.doc.sections {
		if !strings.HasPrefix(s.Name, "inet_http_server") {
			continue
		}
		r := l.reader(s.Name)
		user, pass, err := l.auth(r)
		if err != nil {
			return err
		}
		port, ok, err := r.opt("port", nil)
		if err != nil {
			return err
		}
		if !ok {
			e := r.errAt("", fmt.Errorf("section [%s] has no port value", s.Name)).(*Error)
			if _, hasFile := l.doc.get(s.Name, "file"); hasFile {
				e.Hint = "[inet_http_server] listens on TCP and needs port= (e.g. port=127.0.0.1:9001); file= belongs to [unix_http_server]"
			}
			return e
		}
		host, p, err := inetAddress(port)
		if err != nil {
			return r.errAt("port", err)
		}
		name := s.Name
		if _, rest, ok := strings.Cut(s.Name, ":"); ok {
			name = rest
		}
		srv := &InetHTTPServer{Name: name, Host: host, Port: p, Username: user, Password: pass}
		l.cfg.InetHTTPServers = append(l.cfg.InetHTTPServers, srv)
		if l.cfg.InetHTTPServer == nil {
			l.cfg.InetHTTPServer = srv
		}
	}
	for _, s := range l.doc.sections {
		if !strings.HasPrefix(s.Name, "unix_http_server") {
			continue
		}
		r := l.reader(s.Name)
		file, ok, err := r.opt("file", expansions{"here": l.here})
		if err != nil {
			return err
		}
		if !ok {
			e := r.errAt("", fmt.Errorf("section [%s] has no file value", s.Name)).(*Error)
			if _, hasPort := l.doc.get(s.Name, "port"); hasPort {
				e.Hint = "[unix_http_server] needs file= (the socket path); port= belongs to [inet_http_server]"
			}
			return e
		}
		srv := &UnixHTTPServer{File: normalizePath(strings.TrimFunc(file, pyIsSpace), l.home), Chmod: 0o700}
		if srv.Username, srv.Password, err = l.auth(r); err != nil {
			return err
		}
		if chown, ok, err := r.opt("chown", nil); err != nil {
			return err
		} else if ok {
			if srv.Chown, err = userGroup(chown); err != nil {
				return r.errAt("chown", fmt.Errorf("Invalid sockchown value %s", chown))
			}
		}
		if chmod, ok, err := r.opt("chmod", nil); err != nil {
			return err
		} else if ok {
			if srv.Chmod, err = octal(chmod); err != nil {
				return r.errAt("chmod", fmt.Errorf("Invalid chmod value %s", chmod))
			}
		}
		l.cfg.UnixHTTPServers = append(l.cfg.UnixHTTPServers, srv)
		if l.cfg.UnixHTTPServer == nil {
			l.cfg.UnixHTTPServer = srv
		}
	}
	return nil
}

func (l *loader) auth(r *secReader) (user, pass string, err error) {
	user, uok, err := r.opt("username", nil)
	if err != nil {
		return "", "", err
	}
	pass, pok, err := r.opt("password", nil)
	if err != nil {
		return "", "", err
	}
	if uok != pok {
		return "", "", r.errAt("", fmt.Errorf("Section [%s] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified", r.section))
	}
	return user, pass, nil
}

// realize does what ServerOptions.realize checks after reading: the
// [supervisord] user must exist, paths become absolute, and programs
// get the computed server URL (CFG-PROG-08).
func (l *loader) realize() error {
	s := &l.cfg.Supervisord
	r := l.reader("supervisord")
	if s.User != "" {
		uid, err := nameToUID(s.User)
		if err != nil {
			return r.errAt("user", err)
		}
		s.UID = uid
	} else {
		s.UID = -1
	}
	if s.Logfile != "syslog" {
		s.Logfile = normalizePath(s.Logfile, l.home)
	}
	s.Pidfile = normalizePath(s.Pidfile, l.home)
	url := ""
	if u := l.cfg.UnixHTTPServer; u != nil {
		url = "unix://" + u.File
	} else if i := l.cfg.InetHTTPServer; i != nil {
		host := i.Host
		if host == "" {
			host = "localhost"
		}
		url = fmt.Sprintf("http://%s:%d", host, i.Port)
	}
	l.cfg.ServerURL = url
	for _, g := range l.cfg.Groups {
		for _, p := range g.Programs {
			if p.serverURLAuto {
				p.ServerURL = url
			}
		}
	}
	return nil
}
