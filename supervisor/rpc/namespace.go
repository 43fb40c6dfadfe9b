package rpc

import (
	"errors"
	"os"
	"sort"
	"strings"
)

var (
	pName   = param{"string", "name", "process name, group:name, or group:*"}
	pGroup  = param{"string", "name", "group name"}
	pWait   = param{"boolean", "wait", "wait until every process has reached its target state"}
	pOffset = param{"int", "offset", "byte offset to start at"}
	pLength = param{"int", "length", "number of bytes to read"}
	pSignal = param{"string", "signal", "signal name (HUP) or number (1)"}
)

// methodTable holds all 41 methods of 4.2.5 (RPC-SYS-01), aliases
// included. Signatures (return and parameter types) are 4.2.5's.
var methodTable = map[string]*method{}

// methodNames is methodTable's keys, sorted (system.listMethods).
var methodNames []string

func def(name, ret, doc string, min int, fn func(c *call, a []any) (any, error), params ...param) {
	methodTable[name] = &method{name: name, ret: ret, params: params, min: min, doc: doc, fn: fn}
}

func alias(name, of string) {
	m := *methodTable[of]
	m.name = name
	methodTable[name] = &m
}

func init() {
	defineSystem()
	defineSupervisor()
	for n := range methodTable {
		methodNames = append(methodNames, n)
	}
	sort.Strings(methodNames)
}

// help renders methodHelp: our wording, with @param/@return lines in the
// javadoc style 4.2.5's docstrings use, so tools parsing them still work.
func (m *method) help() string {
	var b strings.Builder
	b.WriteString(" " + m.doc + "\n\n")
	for _, p := range m.params {
		b.WriteString("        @param " + p.typ + " " + p.name + " " + p.doc + "\n")
	}
	b.WriteString("        @return " + m.ret + " result\n        ")
	return b.String()
}

func (m *method) signature() []any {
	sig := []any{m.ret}
	for _, p := range m.params {
		sig = append(sig, p.typ)
	}
	return sig
}

func defineSystem() {
	def("system.listMethods", "array", "List the names of all methods this server offers.", 0,
		func(c *call, a []any) (any, error) {
			out := make([]any, len(methodNames))
			for i, n := range methodNames {
				out[i] = n
			}
			return out, nil
		})
	def("system.methodHelp", "string", "Return the documentation of a method.", 1,
		func(c *call, a []any) (any, error) {
			name, _ := a[0].(string)
			m, ok := methodTable[name]
			if !ok {
				return nil, Code(FaultSignatureUnsupported)
			}
			return m.help(), nil
		}, param{"string", "name", "the method's name"})
	def("system.methodSignature", "array",
		"Return a method's signature as [return type, parameter types...].", 1,
		func(c *call, a []any) (any, error) {
			name, _ := a[0].(string)
			m, ok := methodTable[name]
			if !ok {
				return nil, Code(FaultSignatureUnsupported)
			}
			return m.signature(), nil
		}, param{"string", "name", "the method's name"})
	def("system.multicall", "array",
		"Run several calls in one request, one after the other. Each result is the call's value, or a struct {faultCode, faultString}.", 1,
		multicall, param{"array", "calls", "structs {methodName: string, params: array}"})
}

// multicall is system.multicall with 4.2.5's bare-success result shape
// (RPC-SYS-04): success values are not wrapped in one-element arrays.
func multicall(c *call, a []any) (any, error) {
	calls, ok := a[0].([]any)
	if !ok {
		return nil, Code(FaultIncorrectParameters)
	}
	results := make([]any, 0, len(calls))
	for _, raw := range calls {
		v, err := c.oneOfMany(raw)
		if err != nil {
			if c.ctx.Err() != nil {
				return nil, c.ctx.Err()
			}
			results = append(results, faultStruct(AsFault(err)))
			continue
		}
		results = append(results, v)
	}
	return results, nil
}

func (c *call) oneOfMany(raw any) (any, error) {
	spec, ok := raw.(map[string]any)
	if !ok {
		return nil, Code(FaultIncorrectParameters)
	}
	nameV, ok := spec["methodName"]
	if !ok || nameV == nil {
		return nil, NewFault(FaultIncorrectParameters, "No methodName")
	}
	name, ok := nameV.(string)
	if !ok {
		return nil, Code(FaultUnknownMethod)
	}
	if name == "system.multicall" {
		return nil, NewFault(FaultIncorrectParameters, "Recursive system.multicall forbidden")
	}
	var params []any
	if p, ok := spec["params"]; ok {
		if params, ok = p.([]any); !ok {
			return nil, Code(FaultIncorrectParameters)
		}
	}
	return c.s.Call(c.ctx, name, params)
}

func defineSupervisor() {
	const sv = "supervisor."
	def(sv+"getAPIVersion", "string", "Return the version of the XML-RPC API (3.0).", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			return APIVersion, nil
		})
	alias(sv+"getVersion", sv+"getAPIVersion")
	def(sv+"getSupervisorVersion", "string", "Return the version of supervisord.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			return Version, nil
		})
	def(sv+"getIdentification", "string", "Return supervisord's identifier ([supervisord] identifier).", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			return c.b().Identification(), nil
		})
	def(sv+"getState", "struct", "Return supervisord's state as {statecode, statename}.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			st := c.b().State()
			return Struct{{"statecode", int64(st)}, {"statename", st.String()}}, nil
		})
	def(sv+"getPID", "int", "Return supervisord's process id.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			return int64(c.b().PID()), nil
		})
	def(sv+"readLog", "string", "Read part of the main log (see readProcessStdoutLog for offset rules).", 2,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			return readLogFile(c.b().MainLogfile(), a[0], a[1])
		}, pOffset, pLength)
	alias(sv+"readMainLog", sv+"readLog")
	def(sv+"clearLog", "boolean", "Truncate the main log and reopen it.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			if err := c.b().ClearMainLog(); err != nil {
				return nil, err
			}
			return true, nil
		})
	def(sv+"shutdown", "boolean", "Stop all processes and exit supervisord.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			if err := c.b().Shutdown(); err != nil {
				return nil, err
			}
			return true, nil
		})
	def(sv+"restart", "boolean", "Stop all processes, re-read the configuration and start again.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			if err := c.b().Restart(); err != nil {
				return nil, err
			}
			return true, nil
		})
	def(sv+"reloadConfig", "array",
		"Re-read the configuration files. The result is [[added, changed, removed]], three arrays of group names compared with the running groups; nothing is started or stopped.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			added, changed, removed, err := c.b().ReloadConfig()
			if err != nil {
				return nil, err
			}
			return []any{[]any{strs(added), strs(changed), strs(removed)}}, nil
		})
	def(sv+"addProcessGroup", "boolean", "Activate a process group from the last-read configuration.", 1,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			name, err := str(a[0])
			if err != nil {
				return nil, err
			}
			if err := named(c.b().AddProcessGroup(name), name); err != nil {
				return nil, err
			}
			return true, nil
		}, pGroup)
	def(sv+"removeProcessGroup", "boolean", "Remove a stopped process group from the running configuration.", 1,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			name, err := str(a[0])
			if err != nil {
				return nil, err
			}
			if _, ok := c.findGroup(name); !ok {
				return nil, NewFault(FaultBadName, name)
			}
			if err := named(c.b().RemoveProcessGroup(name), name); err != nil {
				return nil, err
			}
			return true, nil
		}, pGroup)

	def(sv+"startProcess", "boolean",
		"Start a process. For group:* or group: the whole group is started and the result is an array as startProcessGroup returns.", 1,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			ns, err := str(a[0])
			if err != nil {
				return nil, err
			}
			t, err := c.resolve(ns)
			if err != nil {
				return nil, err
			}
			wait := optWait(a, 1)
			if t.proc == "" {
				return c.startGroup(t.group.Name, wait)
			}
			w, err := c.startOne(ns, procRef{t.group.Name, t.proc}, wait)
			if err == nil && w != nil {
				err = w(c.ctx)
			}
			if err != nil {
				return nil, err
			}
			return true, nil
		}, pName, pWait)
	def(sv+"startProcessGroup", "array",
		"Start every process of a group that is not running; returns {name, group, status, description} for each.", 1,
		func(c *call, a []any) (any, error) {
			name, err := str(a[0])
			if err != nil {
				return nil, err
			}
			return c.startGroup(name, optWait(a, 1))
		}, pGroup, pWait)
	def(sv+"startAllProcesses", "array",
		"Start every process that is not running, in priority order.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			wait := optWait(a, 0)
			return c.checkCtx(c.fanOut(c.allProcesses(), func(s ProcessState) bool { return !s.Running() },
				func(ns string, r procRef) (waitFunc, error) { return c.startOne(ns, r, wait) }))
		}, pWait)
	def(sv+"stopProcess", "boolean",
		"Stop a process. For group:* or group: the whole group is stopped and the result is an array as stopProcessGroup returns.", 1,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			ns, err := str(a[0])
			if err != nil {
				return nil, err
			}
			t, err := c.resolve(ns)
			if err != nil {
				return nil, err
			}
			wait := optWait(a, 1)
			if t.proc == "" {
				return c.stopGroup(t.group.Name, wait)
			}
			w, err := c.stopOne(ns, procRef{t.group.Name, t.proc}, wait)
			if err == nil && w != nil {
				err = w(c.ctx)
			}
			if err != nil {
				return nil, err
			}
			return true, nil
		}, pName, pWait)
	def(sv+"stopProcessGroup", "array",
		"Stop every running process of a group; returns {name, group, status, description} for each.", 1,
		func(c *call, a []any) (any, error) {
			name, err := str(a[0])
			if err != nil {
				return nil, err
			}
			return c.stopGroup(name, optWait(a, 1))
		}, pGroup, pWait)
	def(sv+"stopAllProcesses", "array", "Stop every running process, in priority order.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			wait := optWait(a, 0)
			return c.checkCtx(c.fanOut(c.allProcesses(), ProcessState.Running,
				func(ns string, r procRef) (waitFunc, error) { return c.stopOne(ns, r, wait) }))
		}, pWait)

	def(sv+"signalProcess", "boolean", "Send a signal to a process (or to every process of group:*).", 2,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			ns, err := str(a[0])
			if err != nil {
				return nil, err
			}
			t, err := c.resolve(ns)
			if err != nil {
				return nil, err
			}
			if t.proc == "" {
				return c.signalGroup(t.group.Name, a[1])
			}
			if err := c.signalOne(ns, procRef{t.group.Name, t.proc}, a[1]); err != nil {
				return nil, err
			}
			return true, nil
		}, param{"string", "name", "process name or group:name"}, pSignal)
	def(sv+"signalProcessGroup", "array", "Send a signal to every signallable process of a group.", 2,
		func(c *call, a []any) (any, error) {
			name, err := str(a[0])
			if err != nil {
				return nil, err
			}
			return c.signalGroup(name, a[1])
		}, pGroup, pSignal)
	def(sv+"signalAllProcesses", "array", "Send a signal to every signallable process.", 1,
		func(c *call, a []any) (any, error) {
			// 4.2.5 checks the shutdown state only after signalling.
			res := c.signalMany(c.allProcesses(), a[0])
			if err := c.guard(); err != nil {
				return nil, err
			}
			return res, nil
		}, pSignal)

	def(sv+"getProcessInfo", "struct", "Return the state of one process.", 1,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			ns, err := str(a[0])
			if err != nil {
				return nil, err
			}
			t, err := c.resolveProcess(ns)
			if err != nil {
				return nil, err
			}
			info, err := c.b().ProcessInfo(t.group.Name, t.proc)
			if err != nil {
				return nil, named(err, ns)
			}
			return c.s.infoStruct(info), nil
		}, param{"string", "name", "process name or group:name"})
	def(sv+"getAllProcessInfo", "array", "Return the state of every process, sorted by group and name.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			groups := c.b().Groups()
			sort.SliceStable(groups, func(i, j int) bool { return groups[i].Name < groups[j].Name })
			out := []any{}
			for _, g := range groups {
				procs := append([]string(nil), g.Processes...)
				sort.Strings(procs)
				for _, p := range procs {
					info, err := c.b().ProcessInfo(g.Name, p)
					if err != nil {
						continue // removed meanwhile
					}
					out = append(out, c.s.infoStruct(info))
				}
			}
			return out, nil
		})
	def(sv+"getAllConfigInfo", "array", "Describe the configuration of every process, active or not.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			infos := c.b().AllConfigInfo()
			sort.SliceStable(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
			out := make([]any, 0, len(infos))
			for _, ci := range infos {
				out = append(out, configStruct(ci))
			}
			return out, nil
		})

	readDoc := "Read a process's %s log. offset<0 with length 0 reads the last -offset bytes; length 0 reads to the end; negative lengths are BAD_ARGUMENTS."
	def(sv+"readProcessStdoutLog", "string", strings.Replace(readDoc, "%s", "stdout", 1), 3,
		func(c *call, a []any) (any, error) { return c.readProcessLog(a, false) }, pName, pOffset, pLength)
	alias(sv+"readProcessLog", sv+"readProcessStdoutLog")
	def(sv+"readProcessStderrLog", "string", strings.Replace(readDoc, "%s", "stderr", 1), 3,
		func(c *call, a []any) (any, error) { return c.readProcessLog(a, true) }, pName, pOffset, pLength)
	tailDoc := "Tail a process's %s log: returns [bytes, next offset, overflow]. If the log grew past offset+length only its last length bytes are returned and overflow is true."
	def(sv+"tailProcessStdoutLog", "array", strings.Replace(tailDoc, "%s", "stdout", 1), 3,
		func(c *call, a []any) (any, error) { return c.tailProcessLog(a, false) }, pName, pOffset,
		param{"int", "length", "maximum number of bytes to return"})
	alias(sv+"tailProcessLog", sv+"tailProcessStdoutLog")
	def(sv+"tailProcessStderrLog", "array", strings.Replace(tailDoc, "%s", "stderr", 1), 3,
		func(c *call, a []any) (any, error) { return c.tailProcessLog(a, true) }, pName, pOffset,
		param{"int", "length", "maximum number of bytes to return"})
	def(sv+"clearProcessLogs", "boolean", "Truncate a running process's stdout and stderr logs and reopen them.", 1,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			ns, err := str(a[0])
			if err != nil {
				return nil, err
			}
			if err := c.clearOne(ns); err != nil {
				return nil, err
			}
			return true, nil
		}, param{"string", "name", "process name or group:name"})
	alias(sv+"clearProcessLog", sv+"clearProcessLogs")
	def(sv+"clearAllProcessLogs", "array", "Clear the logs of every process; one result struct per process.", 0,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			out := []any{}
			for _, r := range c.allProcesses() {
				ns := makeNamespec(r.group, r.proc)
				err := c.guard()
				if err == nil {
					err = c.clearOne(ns)
				}
				out = append(out, result(r.group, r.proc, err))
			}
			return out, nil
		})
	def(sv+"sendProcessStdin", "boolean", "Write text (UTF-8 encoded) to a process's stdin.", 2,
		func(c *call, a []any) (any, error) {
			if err := c.guard(); err != nil {
				return nil, err
			}
			chars, ok := a[1].(string)
			if !ok {
				return nil, NewFault(FaultIncorrectParameters, pyStr(a[1]))
			}
			ns, err := str(a[0])
			if err != nil {
				return nil, err
			}
			t, err := c.resolveProcess(ns)
			if err != nil {
				return nil, err
			}
			if err := named(c.b().SendProcessStdin(t.group.Name, t.proc, []byte(chars)), ns); err != nil {
				return nil, err
			}
			return true, nil
		}, param{"string", "name", "process name or group:name"}, param{"string", "chars", "the text to send"})
	def(sv+"sendRemoteCommEvent", "boolean", "Emit a REMOTE_COMMUNICATION event to event listeners.", 2,
		func(c *call, a []any) (any, error) {
			if err := c.b().SendRemoteCommEvent(pyStr(a[0]), pyStr(a[1])); err != nil {
				return nil, err
			}
			return true, nil
		}, param{"string", "type", "the event's type header"}, param{"string", "data", "the event body"})
}

func strs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (c *call) signalGroup(name string, sig any) (any, error) {
	if err := c.guard(); err != nil {
		return nil, err
	}
	g, ok := c.findGroup(name)
	if !ok {
		return nil, NewFault(FaultBadName, name)
	}
	res := c.signalMany(groupProcesses(g), sig)
	if err := c.guard(); err != nil {
		return nil, err
	}
	return res, nil
}

func (c *call) clearOne(ns string) error {
	t, err := c.resolveProcess(ns)
	if err != nil {
		return err
	}
	return named(c.b().ClearProcessLogs(t.group.Name, t.proc), ns)
}

func (c *call) logPath(a []any, stderr bool) (string, error) {
	if err := c.guard(); err != nil {
		return "", err
	}
	ns, err := str(a[0])
	if err != nil {
		return "", err
	}
	t, err := c.resolveProcess(ns)
	if err != nil {
		return "", err
	}
	info, err := c.b().ProcessInfo(t.group.Name, t.proc)
	if err != nil {
		return "", named(err, ns)
	}
	if stderr {
		return info.StderrLogfile, nil
	}
	return info.StdoutLogfile, nil
}

func (c *call) readProcessLog(a []any, stderr bool) (any, error) {
	path, err := c.logPath(a, stderr)
	if err != nil {
		return nil, err
	}
	return readLogFile(path, a[1], a[2])
}

func (c *call) tailProcessLog(a []any, stderr bool) (any, error) {
	path, err := c.logPath(a, stderr)
	if err != nil {
		return nil, err
	}
	off, err := integer(a[1])
	if err != nil {
		return nil, err
	}
	n, err := integer(a[2])
	if err != nil {
		return nil, err
	}
	if path == "" {
		return []any{"", int64(0), false}, nil
	}
	if _, err := os.Stat(path); err != nil {
		return []any{"", int64(0), false}, nil
	}
	data, next, overflow := TailLog(path, off, n)
	return []any{string(data), next, overflow}, nil
}

// readLogFile is the common part of readLog and readProcess*Log.
func readLogFile(path string, offA, lenA any) (any, error) {
	if path == "" {
		return nil, Code(FaultNoFile)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, NewFault(FaultNoFile, path)
	}
	off, err := integer(offA)
	if err != nil {
		return nil, err
	}
	n, err := integer(lenA)
	if err != nil {
		return nil, err
	}
	b, err := ReadLogRange(path, off, n)
	switch {
	case errors.Is(err, errBadArguments):
		return nil, Code(FaultBadArguments)
	case err != nil:
		return nil, Code(FaultFailed)
	}
	return string(b), nil
}

// infoStruct is getProcessInfo's struct, keys in 4.2.5's order (RPC-17).
func (s *Server) infoStruct(p ProcessInfo) Struct {
	now := s.Now()
	if s.Location != nil {
		now = now.In(s.Location)
	}
	unix := func(t interface{ Unix() int64 }) int64 { return cappedInt(t.Unix()) }
	start, stop := int64(0), int64(0)
	if !p.Start.IsZero() {
		start = unix(p.Start)
	}
	if !p.Stop.IsZero() {
		stop = unix(p.Stop)
	}
	desc := Describe(p, now)
	return Struct{
		{"name", p.Name},
		{"group", p.Group},
		{"start", start},
		{"stop", stop},
		{"now", unix(now)},
		{"state", int64(p.State)},
		{"statename", p.State.String()},
		{"spawnerr", p.SpawnErr},
		{"exitstatus", int64(p.ExitStatus)},
		{"logfile", p.StdoutLogfile},
		{"stdout_logfile", p.StdoutLogfile},
		{"stderr_logfile", p.StderrLogfile},
		{"pid", int64(p.PID)},
		{"description", desc},
	}
}

// configStruct is one getAllConfigInfo struct, keys in 4.2.5's order.
func configStruct(ci ConfigInfo) Struct {
	var uid any = "none"
	if ci.UID != nil {
		uid = int64(*ci.UID)
	}
	dir := ci.Directory
	if dir == "" {
		dir = "none"
	}
	exit := make([]any, len(ci.Exitcodes))
	for i, e := range ci.Exitcodes {
		exit[i] = int64(e)
	}
	logName := func(s string) string {
		if s == "" {
			return "none"
		}
		return s
	}
	url := ci.ServerURL
	if url == "" || strings.EqualFold(url, "auto") {
		url = "none" // 4.2.5 turns AUTO into None before reporting it
	}
	return Struct{
		{"autostart", ci.Autostart},
		{"directory", dir},
		{"uid", uid},
		{"command", ci.Command},
		{"exitcodes", exit},
		{"group", ci.Group},
		{"group_prio", int64(ci.GroupPrio)},
		{"inuse", ci.InUse},
		{"killasgroup", ci.Killasgroup},
		{"name", ci.Name},
		{"process_prio", int64(ci.ProcessPrio)},
		{"redirect_stderr", ci.RedirectStderr},
		{"startretries", int64(ci.Startretries)},
		{"startsecs", int64(ci.Startsecs)},
		{"stdout_capture_maxbytes", ci.Stdout.CaptureMaxbytes},
		{"stdout_events_enabled", ci.Stdout.EventsEnabled},
		{"stdout_logfile", logName(ci.Stdout.Logfile)},
		{"stdout_logfile_backups", int64(ci.Stdout.LogfileBackups)},
		{"stdout_logfile_maxbytes", ci.Stdout.LogfileMaxbytes},
		{"stdout_syslog", ci.Stdout.Syslog},
		{"stopsignal", int64(ci.Stopsignal)},
		{"stopwaitsecs", int64(ci.Stopwaitsecs)},
		{"stderr_capture_maxbytes", ci.Stderr.CaptureMaxbytes},
		{"stderr_events_enabled", ci.Stderr.EventsEnabled},
		{"stderr_logfile", logName(ci.Stderr.Logfile)},
		{"stderr_logfile_backups", int64(ci.Stderr.LogfileBackups)},
		{"stderr_logfile_maxbytes", ci.Stderr.LogfileMaxbytes},
		{"stderr_syslog", ci.Stderr.Syslog},
		{"serverurl", url},
	}
}
