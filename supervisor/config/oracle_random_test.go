package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// randomConfig builds a config from pieces that are valid or invalid in
// the ways 4.2.5 users get them wrong, with Python's comment, delimiter
// and case rules mixed in.
func randomConfig(r *rand.Rand, dir string) string {
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	// Each pool lists valid values, then "|", then invalid ones; invalid
	// values are drawn rarely so that many configs are accepted and their
	// values can be compared too.
	pools := map[string][]string{
		"bool":         {"true", "false", "Yes", "off", "1", "|", "maybe", ""},
		"int":          {"0", "1", "10", "-1", " 5 ", "1_0", "%(ENV_NUM)s", "|", "abc", "1.5"},
		"bytes":        {"1KB", "10mb", "0", "-1", "5GB", "7", "|", "1.5MB", "x"},
		"signal":       {"TERM", "9", "sigusr1", "0", "rtmin", "Hup", "|", "99", "FOO"},
		"exitcodes":    {"0", "0,2", "", "0, 1", "|", "0,256", "1,"},
		"autorestart":  {"unexpected", "true", "false", "TRUE", "|", "maybe"},
		"logfile":      {"AUTO", "NONE", "syslog", "%(here)s/out-%(process_num)d.log", "", "%(here)s/o.log", "off", "|", "/nonexistent/x"},
		"env":          {"A=1", `A="x y",B=2`, "K=a b", "X=%(ENV_HOME)s", "N=%(process_num)d", "A=1,", `Q='q',R="a#b"`, "P=%(program_name)s", "|", "A=foo@bar", "K="},
		"command":      {"/bin/cat", "/bin/echo %(program_name)s", `/bin/echo "unterminated`, `""`, "/bin/echo 100%%", "/bin/echo %(process_num)02d", "bash -c 'a ; b'", "/bin/echo %(ENV_X)s", "/bin/echo %(group_name)s %(host_node_name)s", "|", "/bin/echo 50%", "/bin/echo %(nope)s"},
		"process_name": {"%(program_name)s_%(process_num)d", "p%(process_num)02d", "|", "x:y", "%(program_name)s"},
		"numprocs":     {"1", "2", "0", "3"},
		"user":         {"root", "0", "|", "nosuchuser_xyz"},
		"umask":        {"022", "0o7", "777", "|", "8"},
		"directory":    {"/tmp", "/nonexistent", "%(here)s", "%(ENV_HOME)s"},
		"priority":     {"1", "999", "-5", "%(ENV_NUM)s", "|", "%(process_num)d", "abc"},
		"serverurl":    {"AUTO", "", "http://x:1", "auto"},
	}
	value := func(pool string) string {
		all := pools[pool]
		valid, invalid := all, []string(nil)
		for i, v := range all {
			if v == "|" {
				valid, invalid = all[:i], all[i+1:]
			}
		}
		if len(invalid) > 0 && r.Intn(20) == 0 {
			return pick(invalid...)
		}
		return pick(valid...)
	}
	progKeys := map[string]string{
		"command": "command", "process_name": "process_name", "numprocs": "numprocs", "numprocs_start": "int",
		"priority": "priority", "autostart": "bool", "startsecs": "int", "startretries": "int",
		"autorestart": "autorestart", "exitcodes": "exitcodes", "stopsignal": "signal", "stopwaitsecs": "int",
		"stopasgroup": "bool", "killasgroup": "bool", "user": "user", "redirect_stderr": "bool",
		"stdout_logfile": "logfile", "stdout_logfile_maxbytes": "bytes", "stdout_logfile_backups": "int",
		"stdout_capture_maxbytes": "bytes", "stdout_events_enabled": "bool", "stdout_syslog": "bool",
		"stderr_logfile": "logfile", "stderr_logfile_maxbytes": "bytes", "stderr_logfile_backups": "int",
		"environment": "env", "directory": "directory", "umask": "umask", "serverurl": "serverurl",
	}
	var keyNames []string
	for k := range progKeys {
		keyNames = append(keyNames, k)
	}
	sortStrings(keyNames)
	var b strings.Builder
	line := func(k, v string) {
		delim := pick("=", "=", " = ", ":")
		if r.Intn(8) == 0 {
			k = strings.ToUpper(k)
		}
		comment := pick("", "", "", " ; note", "\t# note")
		if r.Intn(40) == 0 {
			comment = ";glued" // not a comment: part of the value
		}
		fmt.Fprintf(&b, "%s%s%s%s\n", k, delim, v, comment)
	}
	fmt.Fprintf(&b, "[supervisord]\nlogfile=%s/sd.log\npidfile=%s/sd.pid\nchildlogdir=%s\n", dir, dir, dir)
	for j := r.Intn(3); j > 0; j-- {
		k := pick("minfds", "minprocs", "umask", "loglevel", "logfile_maxbytes", "logfile_backups", "nodaemon",
			"silent", "nocleanup", "strip_ansi", "identifier", "user", "directory", "childlogdir", "logfile", "pidfile")
		v := map[string]string{
			"minfds": value("int"), "minprocs": value("int"), "umask": value("umask"),
			"loglevel":         pick("info", "DEBUG", "blather", "warn", "trace", "critical", "error", "warning"),
			"logfile_maxbytes": value("bytes"), "logfile_backups": value("int"), "nodaemon": value("bool"),
			"silent": value("bool"), "nocleanup": value("bool"), "strip_ansi": value("bool"),
			"identifier": pick("lab", "%(here)s", "%(ENV_LAB)s-x"), "user": value("user"),
			"directory": pick(dir, "%(here)s", "~", "/nonexistent"), "childlogdir": pick(dir, "%(here)s", "/tmp", "/nonexistent"),
			"logfile": pick("%(here)s/x.log", "syslog", "rel.log", "~/x.log", "/nonexistent/l.log"),
			"pidfile": pick("%(here)s/x.pid", "rel.pid", "/nonexistent/p.pid"),
		}[k]
		line(k, v)
	}
	if r.Intn(4) == 0 {
		line("environment", pick("A=1", `A="x y",B=2`, "X=%(ENV_HOME)s,H=%(here)s", "K=a b", "N=%(process_num)d"))
	}
	if r.Intn(5) == 0 {
		b.WriteString("[DEFAULT]\n")
		if r.Intn(2) == 0 {
			line(pick("priority", "startsecs"), value("int"))
		} else {
			line(pick("autostart", "stopasgroup"), value("bool"))
		}
	}
	names := []string{"a", "b", "web", "c-d"}
	n := 1 + r.Intn(3)
	var used []string
	for i := 0; i < n; i++ {
		name := pick(names...)
		if r.Intn(30) == 0 {
			name = pick("x y", "p/q")
		}
		kind := pick("program", "program", "program", "eventlistener", "fcgi-program")
		fmt.Fprintf(&b, "[%s:%s]\n", kind, name)
		if kind == "program" {
			used = append(used, name)
		}
		if r.Intn(10) != 0 {
			line("command", value("command"))
			if r.Intn(6) == 0 {
				b.WriteString(pick("  --flag\n", "\n  after-blank\n", "\t# comment line\n  more\n"))
			}
		}
		for j := r.Intn(5); j > 0; j-- {
			k := keyNames[r.Intn(len(keyNames))]
			line(k, value(progKeys[k]))
		}
		switch kind {
		case "eventlistener":
			line("events", pick("TICK_5", "tick_60,PROCESS_STATE", "TICK_5", "PROCESS_LOG", "FOO", ""))
		case "fcgi-program":
			line("socket", pick("unix://"+dir+"/%(program_name)s.sock", "tcp://127.0.0.1:9000", "tcp://localhost:1234", "tcp://x", "unix://rel"))
		}
	}
	if r.Intn(5) == 0 {
		// Reopen an earlier section: later keys win.
		fmt.Fprintf(&b, "[program:%s]\n", pick(names...))
		line(pick("priority", "startsecs"), value("int"))
	}
	if r.Intn(4) == 0 {
		inc := filepath.Join(dir, "inc")
		if err := os.MkdirAll(inc, 0o755); err == nil {
			for i := r.Intn(3); i >= 0; i-- {
				body := fmt.Sprintf("[program:inc%d]\ncommand=/bin/echo %%(here)s\nstdout_logfile=%%(here)s/inc%d.log\n", i, i)
				if r.Intn(3) == 0 {
					body += fmt.Sprintf("[program:%s]\ncommand=/bin/override\n", pick(names...))
				}
				_ = os.WriteFile(filepath.Join(inc, fmt.Sprintf("%d.ini", i)), []byte(body), 0o644)
			}
		}
		fmt.Fprintf(&b, "[include]\nfiles=%s\n", pick("inc/*.ini", "inc/0.ini inc/nomatch*.ini", "%(here)s/inc/[01].ini"))
		if r.Intn(3) == 0 {
			b.WriteString("[DEFAULT]\nstderr_logfile=%(here)s/default-%(program_name)s.log\n")
		}
	}
	if len(used) > 0 && r.Intn(3) == 0 {
		fmt.Fprintf(&b, "[group:g]\nprograms=%s\n", strings.Join(used, ","))
		if r.Intn(3) == 0 {
			line("priority", value("int"))
		}
	}
	if r.Intn(4) == 0 {
		fmt.Fprintf(&b, "[unix_http_server]\nfile=%s/s.sock\n", dir)
		if r.Intn(2) == 0 {
			line(pick("chmod", "username", "password", "chown"), pick("0700", "abc", "u", "root:root"))
		}
	}
	if r.Intn(3) == 0 {
		b.WriteString("[supervisorctl]\n")
		for j := r.Intn(4); j > 0; j-- {
			k := pick("serverurl", "prompt", "username", "password", "history_file")
			v := map[string]string{"serverurl": pick("unix://%(here)s/s.sock", "http://127.0.0.1:9001", "unix://rel/../x.sock", "%(ENV_X)s"),
				"prompt": pick("lab", "%(ENV_LAB)s", "p%%"), "username": pick("u", "%(ENV_X)s"), "password": pick("p", "a%b", "%%x"),
				"history_file": pick("%(here)s/h", "~/.h", "rel", "")}[k]
			line(k, v)
		}
	}
	if r.Intn(5) == 0 {
		b.WriteString("[inet_http_server]\n")
		line("port", pick("127.0.0.1:9001", "9001", "99999", "host:", ":9001"))
	}
	return b.String()
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// TestOracleRandomConfigs compares 4.2.5 and Load on generated configs:
// both accept with the same values, or both reject with the same message.
func TestOracleRandomConfigs(t *testing.T) {
	needOracle(t, python3)
	needOracle(t, pythonSupervisord)
	n, seed := 400, int64(4_2_5)
	// RANDOM_CONFIGS=N:SEED explores further, e.g. RANDOM_CONFIGS=5000:7.
	if v := os.Getenv("RANDOM_CONFIGS"); v != "" {
		if _, err := fmt.Sscanf(v, "%d:%d", &n, &seed); err != nil {
			t.Fatalf("RANDOM_CONFIGS=%q: %v", v, err)
		}
	}
	root := t.TempDir()
	r := rand.New(rand.NewSource(seed))
	env := append([]string(nil), goldenEnv...)
	env = append(env, "NUM=42", "X=ex")
	var paths []string
	for i := 0; i < n; i++ {
		dir := filepath.Join(root, fmt.Sprint(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "supervisord.conf")
		if err := os.WriteFile(p, []byte(randomConfig(r, dir)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	data, _ := json.Marshal(paths)
	cmd := exec.Command(python3, "-c", pyDump)
	cmd.Dir, cmd.Env = root, env
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	var py map[string]map[string]any
	if err := json.Unmarshal(res, &py); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for i, p := range paths {
		cfg, err := loadIn(root, p, env)
		want := py[p]
		text, _ := os.ReadFile(p)
		var ctl any
		withDir(root, func() { ctl = normalizeJSON(t, ourClientDump(p, env)) })
		if !reflect.DeepEqual(ctl, want["ctl"]) {
			t.Errorf("case %d: supervisorctl view differs:\n ours:   %v\n python: %v\n%s", i, ctl, want["ctl"], text)
		}
		delete(want, "ctl")
		if msg, ok := want["error"].(string); ok {
			if err == nil {
				t.Errorf("case %d: python rejects (%s), we accept:\n%s", i, msg, text)
				continue
			}
			ours := "Error: " + firstLine(err.(*Error).PythonText())
			if !strings.HasPrefix(msg, ours) {
				t.Errorf("case %d: messages differ\n ours:   %s\n python: %s\n%s", i, ours, msg, text)
			}
			continue
		}
		if err != nil {
			t.Errorf("case %d: we reject (%v), python accepts:\n%s", i, err, text)
			continue
		}
		accepted++
		got := sortGroupProcesses(normalizeJSON(t, ourDump(cfg)))
		w := sortGroupProcesses(normalizeJSON(t, want))
		if !reflect.DeepEqual(got, w) {
			g, _ := json.MarshalIndent(got, "", " ")
			ws, _ := json.MarshalIndent(w, "", " ")
			t.Errorf("case %d: values differ:\n%s\n%s", i, lineDiff(string(g), string(ws)), text)
		}
	}
	t.Logf("%d of %d generated configs accepted by both", accepted, n)
	if os.Getenv("RANDOM_CONFIG_REASONS") != "" {
		for _, p := range paths {
			if m, ok := py[p]["error"].(string); ok {
				t.Log(m)
			}
		}
	}
	if accepted < n/6 {
		t.Errorf("only %d accepted configs: the generator is too hostile to test values", accepted)
	}
}
