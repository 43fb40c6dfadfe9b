package config

import (
	"fmt"
	"os"
	"sort"
	"strings"
)

// This file reads the server-wide sections: [supervisord],
// [rpcinterface:x], the HTTP servers, and what realize() checks after.

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
