package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// pyDump loads each config with 4.2.5's ServerOptions.realize (parsing
// only, nothing is started) and prints what it made of it.
const pyDump = `
import io, json, os, sys
from supervisor.options import ServerOptions, ClientOptions
from supervisor.datatypes import Automatic, RestartUnconditionally, RestartWhenExitUnexpected
from supervisor import events

def lf(v):
    if v is Automatic: return "AUTO"
    if v is None or v == "": return "NONE"  # both mean no file
    return os.path.abspath(v)

def ar(v):
    return {False: "false", RestartUnconditionally: "true", RestartWhenExitUnexpected: "unexpected"}[v]

def client(path):
    c = ClientOptions()
    c.stderr = io.StringIO()
    c.exit = lambda code: (_ for _ in ()).throw(RuntimeError("exit %d" % code))
    try:
        c.realize(args=["-c", path, "status"])
    except RuntimeError:
        return {"error": c.stderr.getvalue().split("\n")[0]}
    return {"serverurl": c.serverurl, "prompt": c.prompt, "username": c.username or "",
            "password": c.password or "", "history_file": c.history_file or ""}

out = {}
for path in json.load(sys.stdin):
    o = ServerOptions()
    o.stderr = io.StringIO()
    o.exit = lambda code: (_ for _ in ()).throw(RuntimeError("exit %d" % code))
    try:
        o.realize(args=["-c", path])
    except RuntimeError as e:
        out[path] = {"error": o.stderr.getvalue().split("\n")[0], "ctl": client(path)}
        continue
    except Exception as e:
        out[path] = {"error": "EXCEPTION %r" % e}
        continue
    s = o.configroot.supervisord
    r = {"supervisord": {
        "logfile": o.logfile, "maxbytes": s.logfile_maxbytes, "backups": s.logfile_backups,
        "loglevel": s.loglevel, "pidfile": o.pidfile, "umask": s.umask, "nodaemon": bool(s.nodaemon),
        "silent": bool(s.silent), "minfds": s.minfds, "minprocs": s.minprocs, "nocleanup": bool(s.nocleanup),
        "childlogdir": os.path.abspath(s.childlogdir), "user": s.user or "",
        "directory": os.path.abspath(s.directory) if s.directory else "",
        "strip_ansi": bool(s.strip_ansi), "identifier": s.identifier,
        "environment": sorted([k, v] for k, v in s.environment.items())},
        "serverurl": o.serverurl or "", "warnings": o.parse_warnings, "infos": o.parse_infos,
        "servers": sorted("%s %s %s %s" % (c["family"], c.get("file", ""), c.get("host", ""), c.get("port", "")) for c in s.server_configs),
        "groups": []}
    for g in o.process_group_configs:
        gd = {"name": g.name, "priority": g.priority, "kind": type(g).__name__, "processes": []}
        if hasattr(g, "pool_events"):
            gd["events"] = sorted(events.getEventNameByType(e) for e in g.pool_events)
            gd["buffer_size"] = g.buffer_size
        if hasattr(g, "socket_config"):
            sc = g.socket_config
            gd["socket"] = sc.url
            gd["backlog"] = sc.backlog or 0
            gd["mode"] = getattr(sc, "mode", None) or 0
        for p in g.process_configs:
            pd = {}
            for k in ["name", "command", "priority", "autostart", "startsecs", "startretries", "exitcodes",
                      "stopsignal", "stopwaitsecs", "stopasgroup", "killasgroup", "redirect_stderr",
                      "stdout_logfile_maxbytes", "stdout_logfile_backups", "stdout_capture_maxbytes",
                      "stdout_events_enabled", "stdout_syslog", "stderr_logfile_maxbytes",
                      "stderr_logfile_backups", "stderr_capture_maxbytes", "stderr_events_enabled", "stderr_syslog"]:
                pd[k] = getattr(p, k)
            pd["autostart"] = bool(pd["autostart"])
            pd["autorestart"] = ar(p.autorestart)
            pd["uid"] = -1 if p.uid is None else p.uid
            pd["directory"] = p.directory or ""
            pd["umask"] = -1 if p.umask is None else p.umask
            pd["environment"] = sorted([k, v] for k, v in (p.environment or {}).items())
            pd["stdout_logfile"] = lf(p.stdout_logfile)
            pd["stderr_logfile"] = lf(p.stderr_logfile)
            pd["serverurl"] = "AUTO" if p.serverurl is None else p.serverurl
            gd["processes"].append(pd)
        r["groups"].append(gd)
    r["ctl"] = client(path)
    out[path] = r
json.dump(out, sys.stdout)
`

// ourDump renders a Config in pyDump's shape.
func ourDump(c *Config) map[string]any {
	s := c.Supervisord
	pairs := func(e Env) [][]string {
		out := [][]string{}
		for _, kv := range e {
			out = append(out, []string{kv.Key, kv.Value})
		}
		sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
		return out
	}
	lf := func(l LogSpec) string {
		switch {
		case l.Auto:
			return "AUTO"
		case l.Logfile == "":
			return "NONE"
		}
		return l.Logfile
	}
	r := map[string]any{
		"supervisord": map[string]any{
			"logfile": s.Logfile, "maxbytes": s.LogfileMaxbytes, "backups": s.LogfileBackups,
			"loglevel": int(s.Loglevel), "pidfile": s.Pidfile, "umask": int(s.Umask), "nodaemon": s.Nodaemon,
			"silent": s.Silent, "minfds": s.Minfds, "minprocs": s.Minprocs, "nocleanup": s.Nocleanup,
			"childlogdir": s.Childlogdir, "user": s.User, "directory": s.Directory,
			"strip_ansi": s.StripAnsi, "identifier": s.Identifier, "environment": pairs(s.Environment)},
		"serverurl": c.ServerURL,
	}
	var warnings, servers []string
	for _, w := range c.Warnings {
		warnings = append(warnings, w.Message)
	}
	for _, u := range c.UnixHTTPServers {
		servers = append(servers, fmt.Sprintf("%d %s  ", 1, u.File))
	}
	for _, i := range c.InetHTTPServers {
		servers = append(servers, fmt.Sprintf("%d  %s %d", 2, i.Host, i.Port))
	}
	sort.Strings(servers)
	r["warnings"], r["infos"], r["servers"] = orEmpty(warnings), orEmpty(c.Infos), orEmpty(servers)
	kinds := map[GroupKind]string{KindProgram: "ProcessGroupConfig", KindGroup: "ProcessGroupConfig",
		KindEventListener: "EventListenerPoolConfig", KindFCGI: "FastCGIGroupConfig"}
	var groups []any
	for _, g := range c.Groups {
		gd := map[string]any{"name": g.Name, "priority": g.Priority, "kind": kinds[g.Kind]}
		if g.Kind == KindEventListener {
			ev := append([]string(nil), g.Events...)
			sort.Strings(ev)
			gd["events"], gd["buffer_size"] = ev, g.BufferSize
		}
		if g.Kind == KindFCGI {
			gd["socket"], gd["backlog"], gd["mode"] = g.Socket, g.SocketBackLog, int(g.SocketMode)
			if strings.HasPrefix(g.Socket, "tcp://") {
				gd["mode"] = 0
			}
		}
		var procs []any
		for _, p := range g.Programs {
			umask := -1
			if p.Umask != nil {
				umask = int(*p.Umask)
			}
			surl := p.ServerURL
			if p.serverURLAuto {
				surl = "AUTO"
			}
			procs = append(procs, map[string]any{
				"name": p.Name, "command": p.Command, "priority": p.Priority, "autostart": p.Autostart,
				"startsecs": p.Startsecs, "startretries": p.Startretries, "exitcodes": orEmptyInts(p.Exitcodes),
				"stopsignal": int(p.Stopsignal), "stopwaitsecs": p.Stopwaitsecs, "stopasgroup": p.Stopasgroup,
				"killasgroup": p.Killasgroup, "redirect_stderr": p.RedirectStderr,
				"stdout_logfile_maxbytes": p.Stdout.Maxbytes, "stdout_logfile_backups": p.Stdout.Backups,
				"stdout_capture_maxbytes": p.Stdout.CaptureMaxbytes, "stdout_events_enabled": p.Stdout.EventsEnabled,
				"stdout_syslog": p.Stdout.Syslog, "stderr_logfile_maxbytes": p.Stderr.Maxbytes,
				"stderr_logfile_backups": p.Stderr.Backups, "stderr_capture_maxbytes": p.Stderr.CaptureMaxbytes,
				"stderr_events_enabled": p.Stderr.EventsEnabled, "stderr_syslog": p.Stderr.Syslog,
				"autorestart": restartName(p.Autorestart), "uid": p.UID, "directory": p.Directory, "umask": umask,
				"environment": pairs(p.Environment), "stdout_logfile": lf(p.Stdout), "stderr_logfile": lf(p.Stderr),
				"serverurl": surl,
			})
		}
		gd["processes"] = orEmptyAny(procs)
		groups = append(groups, gd)
	}
	r["groups"] = orEmptyAny(groups)
	return r
}

// ourClientDump renders LoadClient's result in pyDump's "ctl" shape.
func ourClientDump(path string, env []string) map[string]any {
	c, err := LoadClient(path, Options{Environ: env})
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			return map[string]any{"error": "Error: " + firstLine(ce.PythonText())}
		}
		return map[string]any{"error": err.Error()}
	}
	s := c.Supervisorctl
	return map[string]any{"serverurl": s.ServerURL, "prompt": s.Prompt, "username": s.Username,
		"password": s.Password, "history_file": s.HistoryFile}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orEmptyInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}

func orEmptyAny(s []any) []any {
	if s == nil {
		return []any{}
	}
	return s
}

// normalizeJSON round-trips v through JSON so Go and Python values compare.
func normalizeJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOracleValues compares, for every testdata config both accept, the
// values 4.2.5 computes (defaults, types, expansions, sorting, warnings)
// with ours, field by field. The Python side parses only.
func TestOracleValues(t *testing.T) {
	needOracle(t, python3)
	needOracle(t, pythonSupervisord)
	root := stage(t)
	env := append([]string(nil), goldenEnv...)
	var paths []string
	ours := map[string]*Config{}
	for _, name := range testConfigs(t) {
		p := filepath.Join(root, "cfg", name)
		cfg, err := loadIn(root, p, env)
		if err == nil {
			paths = append(paths, p)
			ours[p] = cfg
		}
	}
	data, _ := json.Marshal(paths)
	cmd := exec.Command(python3, "-c", pyDump)
	cmd.Dir, cmd.Env = root, env
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) || err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var py map[string]any
	if err := json.Unmarshal(res, &py); err != nil {
		t.Fatalf("python output: %v", err)
	}
	if len(paths) < 40 {
		t.Fatalf("only %d accepted configs to compare", len(paths))
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			pyCtl := py[p].(map[string]any)["ctl"]
			delete(py[p].(map[string]any), "ctl")
			want := sortGroupProcesses(py[p])
			got := sortGroupProcesses(normalizeJSON(t, ourDump(ours[p])))
			var ctl any
			withDir(root, func() { ctl = normalizeJSON(t, ourClientDump(p, env)) })
			if !reflect.DeepEqual(ctl, pyCtl) {
				t.Errorf("supervisorctl view differs:\n ours:   %v\n python: %v", ctl, pyCtl)
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("values differ from 4.2.5:\n%s", lineDiff(string(g), string(w)))
			}
		})
	}
}

// sortGroupProcesses orders each group's processes by (priority, name):
// 4.2.5 keeps a [group:x]'s members in the order listed and sorts when it
// starts them, while our Group.Programs is documented as sorted.
func sortGroupProcesses(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	groups, _ := m["groups"].([]any)
	for _, g := range groups {
		procs, _ := g.(map[string]any)["processes"].([]any)
		sort.SliceStable(procs, func(i, j int) bool {
			a, b := procs[i].(map[string]any), procs[j].(map[string]any)
			if a["priority"].(float64) != b["priority"].(float64) {
				return a["priority"].(float64) < b["priority"].(float64)
			}
			return a["name"].(string) < b["name"].(string)
		})
	}
	return m
}

// lineDiff shows the lines that differ between two renderings.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "line %d\n  ours:   %s\n  python: %s\n", i+1, gl, wl)
		}
	}
	return b.String()
}
