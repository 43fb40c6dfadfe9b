package config

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// eventTypes are the names 4.2.5's EventTypes defines (CFG-EVL-01).
var eventTypes = map[string]bool{
	"EVENT": true, "PROCESS_COMMUNICATION": true, "PROCESS_COMMUNICATION_STDERR": true,
	"PROCESS_COMMUNICATION_STDOUT": true, "PROCESS_GROUP": true, "PROCESS_GROUP_ADDED": true,
	"PROCESS_GROUP_REMOVED": true, "PROCESS_LOG": true, "PROCESS_LOG_STDERR": true,
	"PROCESS_LOG_STDOUT": true, "PROCESS_STATE": true, "PROCESS_STATE_BACKOFF": true,
	"PROCESS_STATE_EXITED": true, "PROCESS_STATE_FATAL": true, "PROCESS_STATE_RUNNING": true,
	"PROCESS_STATE_STARTING": true, "PROCESS_STATE_STOPPED": true, "PROCESS_STATE_STOPPING": true,
	"PROCESS_STATE_UNKNOWN": true, "REMOTE_COMMUNICATION": true, "SUPERVISOR_STATE_CHANGE": true,
	"SUPERVISOR_STATE_CHANGE_RUNNING": true, "SUPERVISOR_STATE_CHANGE_STOPPING": true,
	"TICK": true, "TICK_3600": true, "TICK_5": true, "TICK_60": true,
}

func sectionsWithPrefix(doc *iniDoc, prefix string) []*iniSection {
	var out []*iniSection
	for _, s := range doc.sections {
		if strings.HasPrefix(s.Name, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// groups is process_groups_from_parser: [group:x] first, then programs not
// in a group, event listener pools, fcgi programs; sorted at the end.
func (l *loader) groups() error {
	here := expansions{"here": l.here}
	excluded := map[string]bool{}
	var groups []*Group
	for _, s := range sectionsWithPrefix(l.doc, "group:") {
		r := l.reader(s.Name)
		name, err := processOrGroupName(strings.SplitN(s.Name, ":", 2)[1])
		if err != nil {
			return r.errAt("", err)
		}
		progs, _, err := r.opt("programs", here)
		if err != nil {
			return err
		}
		prio, err := r.integer("priority", "999", here)
		if err != nil {
			return err
		}
		g := &Group{Name: name, Kind: KindGroup, Priority: prio, Section: s.Name, File: s.File, Line: s.Line}
		// 4.2.5 reuses its loop variable, so after the first member the
		// error names that member's section instead of the group (CFG-GRP-02).
		shown := s.Name
		for _, member := range listOfStrings(progs) {
			prog, fcgi := "program:"+member, "fcgi-program:"+member
			hasProg, hasFCGI := l.doc.has(prog), l.doc.has(fcgi)
			if !hasProg && !hasFCGI {
				return r.errAt("programs", fmt.Errorf("[%s] names unknown program or fcgi-program %s", shown, member))
			}
			if hasProg && hasFCGI {
				return r.errAt("programs", fmt.Errorf("[%s] name %s is ambiguous (exists as program and fcgi-program)", shown, member))
			}
			section := prog
			if !hasProg {
				section = fcgi
			}
			shown = section
			excluded[section] = true
			procs, err := l.processes(section, name)
			if err != nil {
				return err
			}
			g.Programs = append(g.Programs, procs...)
		}
		sortPrograms(g.Programs)
		groups = append(groups, g)
	}
	for _, s := range sectionsWithPrefix(l.doc, "program:") {
		if excluded[s.Name] {
			continue
		}
		r := l.reader(s.Name)
		name, err := processOrGroupName(strings.SplitN(s.Name, ":", 2)[1])
		if err != nil {
			return r.errAt("", err)
		}
		prio, err := r.integer("priority", "999", here)
		if err != nil {
			return err
		}
		procs, err := l.processes(s.Name, name)
		if err != nil {
			return err
		}
		groups = append(groups, &Group{Name: name, Kind: KindProgram, Priority: prio, Programs: procs, Section: s.Name, File: s.File, Line: s.Line})
	}
	for _, s := range sectionsWithPrefix(l.doc, "eventlistener:") {
		g, err := l.eventListener(s, here)
		if err != nil {
			return err
		}
		groups = append(groups, g)
	}
	for _, s := range sectionsWithPrefix(l.doc, "fcgi-program:") {
		if excluded[s.Name] {
			continue
		}
		g, err := l.fcgiProgram(s, here)
		if err != nil {
			return err
		}
		groups = append(groups, g)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if groups[i].Priority != groups[j].Priority {
			return groups[i].Priority < groups[j].Priority
		}
		return groups[i].Name < groups[j].Name
	})
	l.cfg.Groups = groups
	// [supervisord] environment= lies under each program's own (CFG-EXP-02).
	for _, g := range groups {
		for _, p := range g.Programs {
			p.Environment = l.cfg.Supervisord.Environment.Merge(p.Environment)
		}
	}
	return nil
}

func sortPrograms(ps []*Program) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Priority != ps[j].Priority {
			return ps[i].Priority < ps[j].Priority
		}
		return ps[i].Name < ps[j].Name
	})
}

func (l *loader) eventListener(s *iniSection, here expansions) (*Group, error) {
	r := l.reader(s.Name)
	name := strings.SplitN(s.Name, ":", 2)[1] // pool names are not validated (CFG-EVL-05)
	prio, err := r.integer("priority", "-1", here)
	if err != nil {
		return nil, err
	}
	buf, err := r.integer("buffer_size", "10", here)
	if err != nil {
		return nil, err
	}
	if buf < 1 {
		return nil, r.errAt("buffer_size", fmt.Errorf("[%s] section sets invalid buffer_size (%d)", s.Name, buf))
	}
	handler, err := r.str("result_handler", "supervisor.dispatchers:default_handler", here)
	if err != nil {
		return nil, err
	}
	if !knownHandlers[strings.TrimSpace(handler)] {
		return nil, r.errAt("result_handler", fmt.Errorf("%s cannot be resolved within [%s]", handler, s.Name))
	}
	evs, err := r.str("events", "", here)
	if err != nil {
		return nil, err
	}
	var events []string
	seen := map[string]bool{}
	for _, e := range listOfStrings(evs) {
		e = strings.ToUpper(e)
		if !seen[e] {
			seen[e] = true
			events = append(events, e)
		}
	}
	if len(events) == 0 {
		return nil, r.errAt("events", fmt.Errorf("[%s] section requires an \"events\" line", s.Name))
	}
	for _, e := range events {
		if !eventTypes[e] {
			return nil, r.errAt("events", fmt.Errorf("Unknown event type %s in [%s] events", e, s.Name))
		}
	}
	redirect, err := r.boolean("redirect_stderr", "false", here)
	if err != nil {
		return nil, err
	}
	if redirect {
		return nil, r.errAt("redirect_stderr", fmt.Errorf("[%s] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol", s.Name))
	}
	procs, err := l.processes(s.Name, name)
	if err != nil {
		return nil, err
	}
	return &Group{Name: name, Kind: KindEventListener, Priority: prio, Programs: procs, Events: events,
		BufferSize: buf, ResultHandler: strings.TrimSpace(handler), Section: s.Name, File: s.File, Line: s.Line}, nil
}

func (l *loader) fcgiProgram(s *iniSection, here expansions) (*Group, error) {
	r := l.reader(s.Name)
	name, err := processOrGroupName(strings.SplitN(s.Name, ":", 2)[1])
	if err != nil {
		return nil, r.errAt("", err)
	}
	prio, err := r.integer("priority", "999", here)
	if err != nil {
		return nil, err
	}
	g := &Group{Name: name, Kind: KindFCGI, Priority: prio, Section: s.Name, File: s.File, Line: s.Line}
	procUID := -1
	if u, ok, err := r.opt("user", here); err != nil {
		return nil, err
	} else if ok {
		if procUID, err = nameToUID(u); err != nil {
			return nil, r.errAt("user", err)
		}
	}
	if b, ok, err := r.opt("socket_backlog", here); err != nil {
		return nil, err
	} else if ok {
		v, err := integer(b)
		if err != nil {
			return nil, r.errAt("socket_backlog", err)
		}
		if v < 1 || v > 65535 {
			return nil, r.errAt("socket_backlog", fmt.Errorf("Invalid socket_backlog value %d", v))
		}
		g.SocketBackLog = v
	}
	ownerSet, modeSet := false, false
	if o, ok, err := r.opt("socket_owner", here); err != nil {
		return nil, err
	} else if ok {
		if g.SocketOwner, err = userGroup(o); err != nil {
			return nil, r.errAt("socket_owner", fmt.Errorf("Invalid socket_owner value %s", o))
		}
		ownerSet = true
	}
	if m, ok, err := r.opt("socket_mode", here); err != nil {
		return nil, err
	} else if ok {
		if g.SocketMode, err = octal(m); err != nil {
			return nil, r.errAt("socket_mode", fmt.Errorf("Invalid socket_mode value %s", m))
		}
		modeSet = true
	}
	sock, _, err := r.opt("socket", expansions{"program_name": name, "here": l.here})
	if err != nil {
		return nil, err
	}
	if sock == "" {
		return nil, r.errAt("socket", fmt.Errorf("[%s] section requires a \"socket\" line", s.Name))
	}
	sockErr := func(msg string) error {
		return r.errAt("socket", fmt.Errorf("%s in [%s] socket", msg, s.Name))
	}
	if path, ok := strings.CutPrefix(sock, "unix://"); ok {
		if !strings.HasPrefix(path, "/") {
			return nil, sockErr(fmt.Sprintf("('Unix socket path %%s is not an absolute path', %s)", pyRepr(path)))
		}
		g.Socket = "unix://" + normalizePath(path, l.home)
		if !ownerSet && procUID >= 0 && procUID != os.Getuid() {
			g.SocketOwner = &UserGroup{UID: procUID, GID: gidForUID(procUID)}
		}
		if !modeSet {
			g.SocketMode = 0o700
		}
	} else {
		if ownerSet || modeSet {
			return nil, sockErr("socket_owner and socket_mode params should only be used with a Unix domain socket")
		}
		host, port, ok := parseTCPSocket(sock)
		if !ok {
			return nil, sockErr(fmt.Sprintf("('Bad socket format %%s', %s)", pyRepr(sock)))
		}
		p, err := portNumber(port)
		if err != nil {
			return nil, sockErr(err.Error())
		}
		g.Socket = fmt.Sprintf("tcp://%s:%d", strings.ToLower(host), p)
	}
	if g.Programs, err = l.processes(s.Name, name); err != nil {
		return nil, err
	}
	return g, nil
}

// parseTCPSocket matches `tcp://([^\s:]+):(\d+)$`.
func parseTCPSocket(s string) (host, port string, ok bool) {
	rest, ok := strings.CutPrefix(s, "tcp://")
	if !ok {
		return "", "", false
	}
	host, port, ok = strings.Cut(rest, ":")
	if !ok || host == "" || port == "" || strings.IndexFunc(host, pyIsSpace) >= 0 {
		return "", "", false
	}
	port = strings.TrimSuffix(port, "\n")
	for _, c := range port {
		if c < '0' || c > '9' {
			return "", "", false
		}
	}
	return host, port, true
}

func gidForUID(uid int) int {
	if u, err := lookupUID(uid); err == nil {
		return u
	}
	return -1
}

// maxNumprocs bounds numprocs, so that a typo cannot exhaust memory.
const maxNumprocs = 10000

// processes is _processes_from_section: one Program per process number,
// with errors suffixed by the section and file (CFG-PROG-10).
func (l *loader) processes(section, groupName string) ([]*Program, error) {
	sec := l.doc.byName[section]
	r := l.reader(section)
	r.wrap = true
	r.pyFile = sec.File
	if r.pyFile == "" {
		r.pyFile = l.path
	}
	programName, err := processOrGroupName(strings.SplitN(section, ":", 2)[1])
	if err != nil {
		return nil, r.errAt("", err)
	}
	// common is deliberately one mutable map, as in 4.2.5: after the
	// first process it also carries process_num, numprocs and ENV_* of
	// the program's environment (CFG-EXP-03, CFG-EXP-04).
	common := expansions{"here": l.here, "program_name": programName, "host_node_name": l.host, "group_name": groupName}
	p := Program{ProgramName: programName, Group: groupName, Section: section, File: sec.File, Line: sec.Line}
	if p.Priority, err = r.integer("priority", "999", common); err != nil {
		return nil, err
	}
	if p.Autostart, err = r.boolean("autostart", "true", common); err != nil {
		return nil, err
	}
	ar, err := r.str("autorestart", "unexpected", common)
	if err != nil {
		return nil, err
	}
	if p.Autorestart, err = autoRestart(ar); err != nil {
		return nil, r.errAt("autorestart", err)
	}
	if p.Startsecs, err = r.integer("startsecs", "1", common); err != nil {
		return nil, err
	}
	if p.Startretries, err = r.integer("startretries", "3", common); err != nil {
		return nil, err
	}
	sig, err := r.str("stopsignal", "TERM", common)
	if err != nil {
		return nil, err
	}
	if p.Stopsignal, err = signalNumber(sig); err != nil {
		return nil, r.errAt("stopsignal", err)
	}
	if p.Stopwaitsecs, err = r.integer("stopwaitsecs", "10", common); err != nil {
		return nil, err
	}
	if p.Stopasgroup, err = r.boolean("stopasgroup", "false", common); err != nil {
		return nil, err
	}
	if p.Killasgroup, err = r.boolean("killasgroup", strconv.FormatBool(p.Stopasgroup), common); err != nil {
		return nil, err
	}
	ec, err := r.str("exitcodes", "0", common)
	if err != nil {
		return nil, err
	}
	if p.Exitcodes, err = exitCodes(ec); err != nil {
		return nil, r.errAt("exitcodes", err)
	}
	if p.RedirectStderr, err = r.boolean("redirect_stderr", "false", common); err != nil {
		return nil, err
	}
	numprocs, err := r.integer("numprocs", "1", common)
	if err != nil {
		return nil, err
	}
	if numprocs > maxNumprocs {
		// 4.2.5 would try to build them all and exhaust memory; we refuse.
		return nil, r.errAt("numprocs", fmt.Errorf("numprocs %d is more than we support (%d)", numprocs, maxNumprocs))
	}
	numprocsStart, err := r.integer("numprocs_start", "0", common)
	if err != nil {
		return nil, err
	}
	envDef := ""
	envStr, _, _ := r.get("environment", &envDef, nil, true)
	if p.Stdout.CaptureMaxbytes, err = r.byteSize("stdout_capture_maxbytes", "0", common); err != nil {
		return nil, err
	}
	if p.Stdout.EventsEnabled, err = r.boolean("stdout_events_enabled", "false", common); err != nil {
		return nil, err
	}
	if p.Stderr.CaptureMaxbytes, err = r.byteSize("stderr_capture_maxbytes", "0", common); err != nil {
		return nil, err
	}
	if p.Stderr.EventsEnabled, err = r.boolean("stderr_events_enabled", "false", common); err != nil {
		return nil, err
	}
	surl, ok, err := r.opt("serverurl", common)
	if err != nil {
		return nil, err
	}
	if !ok || strings.ToUpper(strings.TrimFunc(surl, pyIsSpace)) == "AUTO" {
		p.serverURLAuto = true
	} else {
		p.ServerURL = surl
	}
	p.UID = -1
	if u, ok, err := r.opt("user", common); err != nil {
		return nil, err
	} else if ok {
		p.User = u
		if p.UID, err = nameToUID(u); err != nil {
			return nil, r.errAt("user", err)
		}
	}
	if um, ok, err := r.opt("umask", common); err != nil {
		return nil, err
	} else if ok {
		m, err := octal(um)
		if err != nil {
			return nil, r.errAt("umask", err)
		}
		p.Umask = &m
	}
	pnDef := "%(program_name)s"
	pnRaw, _, _ := r.get("process_name", &pnDef, nil, true)
	processName, err := processOrGroupName(pnRaw)
	if err != nil {
		return nil, r.errAt("process_name", err)
	}
	if numprocs > 1 && !strings.Contains(processName, "%(process_num)") {
		return nil, r.errAt("numprocs", fmt.Errorf("%%(process_num) must be present within process_name when numprocs > 1"))
	}
	if p.Stopasgroup && !p.Killasgroup {
		return nil, r.errAt("killasgroup", fmt.Errorf("Cannot set stopasgroup=true and killasgroup=false"))
	}
	var out []*Program
	for num := numprocsStart; num < numprocsStart+numprocs; num++ {
		proc := p // copy of the per-section settings
		proc.Exitcodes = append([]int(nil), p.Exitcodes...)
		proc.ProcessNum = num
		exp := common
		exp["process_num"], exp["numprocs"] = num, numprocs
		for k, v := range l.environ {
			exp[k] = v
		}
		e, err := expand(envStr, exp, "environment")
		if err != nil {
			return nil, r.errAt("environment", err)
		}
		if proc.Environment, err = parseEnvironment(e); err != nil {
			return nil, r.errAt("environment", err)
		}
		for _, kv := range proc.Environment {
			exp["ENV_"+kv.Key] = kv.Value
		}
		if dir, ok, err := r.opt("directory", exp); err != nil {
			return nil, err
		} else if ok {
			proc.Directory = dir
		}
		stderrNamed := false
		for _, ch := range []struct {
			name  string
			spec  *LogSpec
			named *bool
		}{{"stdout", &proc.Stdout, new(bool)}, {"stderr", &proc.Stderr, &stderrNamed}} {
			named, err := l.logSpec(r, exp, ch.name, ch.spec)
			if err != nil {
				return nil, err
			}
			*ch.named = named
		}
		if proc.RedirectStderr {
			if stderrNamed {
				l.warn(section, "stderr_logfile", fmt.Sprintf("For [%s], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored", section))
			}
			proc.Stderr.Logfile, proc.Stderr.Auto = "", false
		}
		cmd, ok, err := r.opt("command", exp)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, r.errAt("", fmt.Errorf("program section %s does not specify a command", section))
		}
		proc.Command = cmd
		args, err := SplitCommand(cmd)
		switch {
		case err != nil:
			proc.CommandErr = fmt.Errorf("can't parse command %s: %s", pyRepr(cmd), err)
		case len(args) == 0:
			proc.CommandErr = fmt.Errorf("command is empty")
		default:
			proc.Argv = args
		}
		if proc.Name, err = expand(processName, exp, "process_name"); err != nil {
			return nil, r.errAt("process_name", err)
		}
		out = append(out, &proc)
	}
	sortPrograms(out)
	return out, nil
}

// logSpec reads the <ch>_logfile* and <ch>_syslog keys of one channel.
// named reports a file name other than AUTO/NONE/syslog, even an empty one
// (4.2.5 then warns about redirect_stderr, and opens no file).
func (l *loader) logSpec(r *secReader, exp expansions, ch string, spec *LogSpec) (named bool, err error) {
	lfKey := ch + "_logfile"
	val, ok, err := r.opt(lfKey, exp)
	if err != nil {
		return false, err
	}
	auto := !ok
	if ok {
		// 4.2.5 expands logfile values a second time.
		if val, err = expand(val, exp, lfKey); err != nil {
			return false, r.errAt(lfKey, err)
		}
	}
	// Same order as 4.2.5: the file name is checked before the sizes.
	syslogName := false
	switch lower := strings.ToLower(val); {
	case auto || lower == "auto":
		spec.Auto = true
	case lower == "none" || lower == "off":
	case lower == "syslog":
		syslogName = true
	default:
		named = true
		p, err := existingDirpath(val, l.home)
		if err != nil {
			return false, r.errAt(lfKey, err)
		}
		if p != "" {
			spec.Logfile = normalizePath(p, l.home)
		}
	}
	if spec.Backups, err = r.integer(lfKey+"_backups", "10", exp); err != nil {
		return false, err
	}
	if spec.Maxbytes, err = r.byteSize(lfKey+"_maxbytes", "50MB", exp); err != nil {
		return false, err
	}
	if spec.Syslog, err = r.boolean(ch+"_syslog", "false", exp); err != nil {
		return false, err
	}
	if syslogName {
		l.warn(r.section, lfKey, fmt.Sprintf("For [%s], %s=syslog but this is deprecated and will be removed.  Use %s_syslog=true to enable syslog instead.", r.section, lfKey, ch))
		spec.Syslog = true
	}
	if spec.Auto && spec.Maxbytes == 0 {
		l.warn(r.section, lfKey, fmt.Sprintf("For [%s], AUTO logging used for %s without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally", r.section, lfKey))
	}
	return named, nil
}
