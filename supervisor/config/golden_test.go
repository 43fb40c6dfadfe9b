package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/config/*.golden from the current results")

// testdataDir is absolute because the oracle test changes directory.
var testdataDir = func() string {
	p, err := filepath.Abs("../../testdata/config")
	if err != nil {
		panic(err)
	}
	return p
}()

// stage copies testdata/config into a fresh root directory, rewriting the
// system paths the course's configs use (/var/run, /var/log, /etc/supervisor)
// into that root, so that neither we nor Python ever touch the real ones.
// It returns the root; configs are under root+"/cfg".
func stage(t testing.TB) string {
	t.Helper()
	// A short root keeps unix socket paths below the 108-byte limit.
	root, err := os.MkdirTemp("", "svcfg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	for _, d := range []string{"var/run", "var/log/supervisor", "etc/supervisor/conf.d", "cfg"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	rewrite := strings.NewReplacer(
		"/var/run/", root+"/var/run/",
		"/var/log/", root+"/var/log/",
		"/etc/supervisor/", root+"/etc/supervisor/",
	)
	err = filepath.WalkDir(testdataDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(testdataDir, p)
		dst := filepath.Join(root, "cfg", rel)
		if strings.HasPrefix(rel, "_root") {
			// _root/etc/supervisor/... lands at <root>/etc/supervisor/...
			dst = filepath.Join(root, strings.TrimPrefix(strings.TrimPrefix(rel, "_root"), "/"))
		}
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		if strings.HasSuffix(p, ".golden") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, []byte(rewrite.Replace(string(data))), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// testConfigs lists the top-level testdata configs.
func testConfigs(t testing.TB) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(testdataDir, "*.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	sort.Strings(names)
	if len(names) < 60 {
		t.Fatalf("only %d configs in %s, want at least 60", len(names), testdataDir)
	}
	return names
}

// goldenEnv is the fixed environment golden results are computed with.
var goldenEnv = []string{"HOME=/home/tester", "PATH=/usr/bin:/bin", "TEST_PORT=9999", "TEST_PORT2=9998", "LAB=supervisor-lab", "LANG=C.UTF-8"}

// summarize renders a Config or an error in a stable, readable form.
func summarize(cfg *Config, err error, root string) string {
	var b strings.Builder
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			fmt.Fprintf(&b, "error: %s\n", ce.Error())
			fmt.Fprintf(&b, "python: %s\n", firstLine(ce.PythonText()))
		} else {
			fmt.Fprintf(&b, "error (untyped!): %v\n", err)
		}
	} else {
		s := cfg.Supervisord
		fmt.Fprintf(&b, "supervisord: logfile=%s maxbytes=%d backups=%d loglevel=%s pidfile=%s umask=%04o nodaemon=%v silent=%v minfds=%d minprocs=%d nocleanup=%v childlogdir=%s user=%q directory=%q strip_ansi=%v identifier=%q env=%s\n",
			s.Logfile, s.LogfileMaxbytes, s.LogfileBackups, s.Loglevel, s.Pidfile, uint32(s.Umask), s.Nodaemon, s.Silent, s.Minfds, s.Minprocs,
			s.Nocleanup, s.Childlogdir, s.User, s.Directory, s.StripAnsi, s.Identifier, envString(s.Environment))
		c := cfg.Supervisorctl
		fmt.Fprintf(&b, "supervisorctl: present=%v serverurl=%s username=%q password=%q prompt=%q history_file=%q\n",
			cfg.HasSupervisorctl, c.ServerURL, c.Username, c.Password, c.Prompt, c.HistoryFile)
		for _, u := range cfg.UnixHTTPServers {
			fmt.Fprintf(&b, "unix_http_server: file=%s chmod=%04o chown=%s username=%q password=%q\n", u.File, uint32(u.Chmod), ugString(u.Chown), u.Username, u.Password)
		}
		for _, i := range cfg.InetHTTPServers {
			fmt.Fprintf(&b, "inet_http_server: name=%s host=%q port=%d username=%q password=%q\n", i.Name, i.Host, i.Port, i.Username, i.Password)
		}
		fmt.Fprintf(&b, "serverurl: %q\n", cfg.ServerURL)
		for _, r := range cfg.RPCInterfaces {
			fmt.Fprintf(&b, "rpcinterface: %s factory=%s extra=%v\n", r.Name, r.Factory, r.Extra)
		}
		for _, g := range cfg.Groups {
			fmt.Fprintf(&b, "group %s: kind=%s priority=%d section=%s", g.Name, kindName(g.Kind), g.Priority, g.Section)
			switch g.Kind {
			case KindEventListener:
				fmt.Fprintf(&b, " events=%v buffer_size=%d result_handler=%s", g.Events, g.BufferSize, g.ResultHandler)
			case KindFCGI:
				fmt.Fprintf(&b, " socket=%s backlog=%d owner=%s mode=%04o", g.Socket, g.SocketBackLog, ugString(g.SocketOwner), uint32(g.SocketMode))
			}
			b.WriteString("\n")
			for _, p := range g.Programs {
				umask := "-"
				if p.Umask != nil {
					umask = fmt.Sprintf("%04o", uint32(*p.Umask))
				}
				fmt.Fprintf(&b, "  process %s: program=%s num=%d priority=%d command=%q argv=%q", p.Name, p.ProgramName, p.ProcessNum, p.Priority, p.Command, p.Argv)
				if p.CommandErr != nil {
					fmt.Fprintf(&b, " commanderr=%q", p.CommandErr.Error())
				}
				fmt.Fprintf(&b, "\n    autostart=%v autorestart=%s startsecs=%d startretries=%d exitcodes=%v stopsignal=%d stopwaitsecs=%d stopasgroup=%v killasgroup=%v user=%q uid=%d directory=%q umask=%s serverurl=%q redirect_stderr=%v\n",
					p.Autostart, restartName(p.Autorestart), p.Startsecs, p.Startretries, p.Exitcodes, int(p.Stopsignal), p.Stopwaitsecs, p.Stopasgroup, p.Killasgroup, p.User, p.UID, p.Directory, umask, p.ServerURL, p.RedirectStderr)
				fmt.Fprintf(&b, "    env=%s\n    stdout=%s\n    stderr=%s\n", envString(p.Environment), logString(p.Stdout), logString(p.Stderr))
			}
		}
		for _, inf := range cfg.Infos {
			fmt.Fprintf(&b, "info: %s\n", inf)
		}
		for _, w := range cfg.Warnings {
			fmt.Fprintf(&b, "warning: %s\n", w)
		}
		for _, n := range cfg.Notes {
			fmt.Fprintf(&b, "note: %s\n", n)
		}
	}
	out := b.String()
	wd, _ := os.Getwd()
	out = strings.ReplaceAll(out, root, "$ROOT")
	out = strings.ReplaceAll(out, wd, "$CWD")
	if td := tempDir(); td != "/tmp" {
		out = strings.ReplaceAll(out, td, "$TMP")
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func envString(e Env) string {
	if len(e) == 0 {
		return "{}"
	}
	parts := make([]string, len(e))
	for i, v := range e {
		parts[i] = fmt.Sprintf("%s=%q", v.Key, v.Value)
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func ugString(u *UserGroup) string {
	if u == nil {
		return "-"
	}
	return fmt.Sprintf("%d:%d", u.UID, u.GID)
}

func logString(l LogSpec) string {
	file := l.Logfile
	if l.Auto {
		file = "AUTO"
	} else if file == "" {
		file = "NONE"
	}
	return fmt.Sprintf("%s maxbytes=%d backups=%d capture_maxbytes=%d events=%v syslog=%v", file, l.Maxbytes, l.Backups, l.CaptureMaxbytes, l.EventsEnabled, l.Syslog)
}

func kindName(k GroupKind) string {
	return [...]string{"program", "group", "eventlistener", "fcgi-program"}[k]
}

func restartName(a AutoRestart) string {
	return [...]string{"unexpected", "true", "false"}[a]
}

// TestGolden loads every testdata config and compares the typed summary
// (or the error) with its .golden file; -update rewrites them.
func TestGolden(t *testing.T) {
	root := stage(t)
	for _, name := range testConfigs(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(root, "cfg", name)
			cfg, err := Load(path, Options{Environ: goldenEnv, Hostname: "testhost"})
			got := summarize(cfg, err, root)
			goldenPath := filepath.Join(testdataDir, strings.TrimSuffix(name, ".conf")+".golden")
			if *update {
				if err := os.WriteFile(goldenPath, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, rerr := os.ReadFile(goldenPath)
			if rerr != nil {
				t.Fatalf("missing golden file (run go test -run TestGolden -update): %v", rerr)
			}
			if got != string(want) {
				t.Errorf("%s: result differs from %s\n--- got\n%s\n--- want\n%s", name, goldenPath, got, want)
			}
		})
	}
}
