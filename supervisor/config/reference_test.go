package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// This file has one test case per row of reference §2 (and the config
// rows of §1), named by the row's ID. Bigger scenarios live in
// testdata/config (golden files and the oracle test).

const refHeader = "[supervisord]\nlogfile=%(here)s/sd.log\npidfile=%(here)s/sd.pid\nchildlogdir=%(here)s\n"

type refCase struct {
	id    string
	conf  string            // appended to refHeader unless noHeader
	files map[string]string // extra files next to supervisord.conf
	env   []string
	// noHeader drops refHeader.
	noHeader bool
	// wantErr is a substring of the error; empty means Load must succeed.
	wantErr string
	check   func(t *testing.T, c *Config, dir string)
}

func prog(c *Config, name string) *Program {
	for _, g := range c.Groups {
		for _, p := range g.Programs {
			if p.Name == name {
				return p
			}
		}
	}
	return nil
}

func group(c *Config, name string) *Group {
	for _, g := range c.Groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

func hasWarning(c *Config, sub string) bool {
	for _, w := range append(append([]Diagnostic(nil), c.Warnings...), c.Notes...) {
		if strings.Contains(w.Message, sub) {
			return true
		}
	}
	return false
}

func expect(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

var refCases = []refCase{
	// 2.1 file format
	{id: "CFG-FMT-01", conf: "[program:a]\ncommand=/bin/echo %(program_name)s\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "command", prog(c, "a").Command, "/bin/echo a")
	}},
	{id: "CFG-FMT-02", conf: "; c\n  # c\n[program:a]\n;x=1\ncommand=/bin/cat\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "groups", len(c.Groups), 1)
	}},
	{id: "CFG-FMT-03", conf: "[program:a]\ncommand=/bin/echo a;b c ;comment\n[program:b]\ncommand=sleep 10#x\n[program:c]\ncommand=bash -c 'foo ; bar'\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a", prog(c, "a").Command, "/bin/echo a;b c")
		expect(t, "b", prog(c, "b").Command, "sleep 10#x")
		expect(t, "c", prog(c, "c").Command, "bash -c 'foo")
	}},
	{id: "CFG-FMT-04", conf: "[program:a]\nCOMMAND :  /bin/cat  \n[program:a\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "command", prog(c, "a").Command, "/bin/cat")
		expect(t, "warning", hasWarning(c, `unknown key "[program"`), true)
	}},
	{id: "CFG-FMT-05", conf: "[program:a]\ncommand=/bin/echo\n  one\n  two\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "argv", prog(c, "a").Argv, []string{"/bin/echo", "one", "two"})
	}},
	{id: "CFG-FMT-06", conf: "[program:a]\ncommand=/bin/one\n[program:a]\ncommand=/bin/two\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "command", prog(c, "a").Command, "/bin/two")
	}},
	{id: "CFG-FMT-07", conf: "[DEFAULT]\npriority=5\n[program:a]\ncommand=/bin/cat\n[group:g]\nprograms=a\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "group priority", group(c, "g").Priority, 5)
		expect(t, "process priority", prog(c, "a").Priority, 5)
	}},
	{id: "CFG-FMT-07/unknown-default", conf: "[DEFAULT]\npriorty=5\nautostart=false\n[program:a]\ncommand=/bin/cat\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "warning", hasWarning(c, `unknown key "priorty" in section [DEFAULT]: no section reads it`), true)
		expect(t, "no warning for a used key", hasWarning(c, `"autostart"`), false)
	}},
	{id: "CFG-FMT-08", conf: "[program:a]\ncommand=/bin/echo 100%%\n[program:b]\ncommand=/bin/echo %(nope)s\n",
		wantErr: "Format string '/bin/echo %(nope)s' for 'program:b.command' contains names ('nope') which cannot be expanded. Available names: ENV_X, group_name, here, host_node_name, numprocs, process_num, program_name in section 'program:b'",
		env:     []string{"X=1"}},
	{id: "CFG-FMT-08/bad-format", conf: "[program:a]\ncommand=/bin/echo 100%\n", wantErr: "is badly formatted: incomplete format in section 'program:a'"},
	{id: "CFG-FMT-09", conf: "[program:a]\ncommand=~/bin/x $HOME\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "argv", prog(c, "a").Argv, []string{"~/bin/x", "$HOME"})
	}},
	{id: "CFG-FMT-10", conf: "[Program:a]\ncommand=/bin/cat\n[inet_http_server:extra]\nport=9001\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "groups", len(c.Groups), 0)
		expect(t, "inet name", c.InetHTTPServer.Name, "extra")
	}},
	{id: "CFG-FMT-10/several-servers", conf: "[inet_http_server]\nport=9001\n[inet_http_server:second]\nport=127.0.0.1:9002\n[unix_http_server]\nfile=%(here)s/a.sock\n[unix_http_server:b]\nfile=%(here)s/b.sock\n", check: func(t *testing.T, c *Config, dir string) {
		expect(t, "inet", []int{c.InetHTTPServers[0].Port, c.InetHTTPServers[1].Port}, []int{9001, 9002})
		expect(t, "unix", []string{c.UnixHTTPServers[0].File, c.UnixHTTPServers[1].File}, []string{dir + "/a.sock", dir + "/b.sock"})
		expect(t, "first", c.UnixHTTPServer, c.UnixHTTPServers[0])
		expect(t, "serverurl", c.ServerURL, "unix://"+dir+"/a.sock")
	}},
	{id: "CFG-FMT-11", conf: "[nosuch]\nx=1\n[program:a]\ncommand=/bin/cat\ntypo=1\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "section warning", hasWarning(c, "unknown section [nosuch]"), true)
		expect(t, "key warning", hasWarning(c, `unknown key "typo"`), true)
	}},
	{id: "CFG-FMT-11/suggestion", conf: "[program:a]\ncommand=/bin/cat\nautostrat=false\nstdout_logfle=x\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "autostart", hasWarning(c, `unknown key "autostrat" in section [program:a] is ignored (did you mean "autostart"?)`), true)
		expect(t, "stdout_logfile", hasWarning(c, `(did you mean "stdout_logfile"?)`), true)
	}},
	// 2.2 value types
	{id: "CFG-TYPE-01", conf: "[program:a]\ncommand=/bin/cat\nautostart=Off\n[program:b]\ncommand=/bin/cat\nautostart=sure\n", wantErr: "not a valid boolean value: 'sure' in section 'program:b'"},
	{id: "CFG-TYPE-02", conf: "[program:a]\ncommand=/bin/cat\nstartretries= 7 \n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "startretries", prog(c, "a").Startretries, 7)
	}},
	{id: "CFG-TYPE-02/error", conf: "[program:a]\ncommand=/bin/cat\nstartretries=abc\n", wantErr: "invalid literal for int() with base 10: 'abc'"},
	{id: "CFG-TYPE-03", conf: "[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=10mb\nstderr_logfile_maxbytes=-3\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "stdout", prog(c, "a").Stdout.Maxbytes, int64(10<<20))
		expect(t, "stderr", prog(c, "a").Stderr.Maxbytes, int64(-3))
	}},
	{id: "CFG-TYPE-03/error", conf: "[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=1.5MB\n", wantErr: "invalid literal for int() with base 10: '1.5'"},
	{id: "CFG-TYPE-04", conf: "[program:a]\ncommand=/bin/cat\numask=0o27\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "umask", *prog(c, "a").Umask, os.FileMode(0o27))
	}},
	{id: "CFG-TYPE-04/error", conf: "[program:a]\ncommand=/bin/cat\numask=8\n", wantErr: "8 can not be converted to an octal type"},
	{id: "CFG-TYPE-05", conf: "[program:a]\ncommand=/bin/cat\nstopsignal=sigusr1\n[program:b]\ncommand=/bin/cat\nstopsignal=0\n[program:c]\ncommand=/bin/cat\nstopsignal=rtmin\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a", prog(c, "a").Stopsignal, syscall.SIGUSR1)
		expect(t, "b", prog(c, "b").Stopsignal, syscall.Signal(0))
		expect(t, "c", prog(c, "c").Stopsignal, syscall.Signal(34))
	}},
	{id: "CFG-TYPE-05/error", conf: "[program:a]\ncommand=/bin/cat\nstopsignal=99\n", wantErr: "value '99' is not a valid signal number"},
	{id: "CFG-TYPE-06", conf: "[program:a]\ncommand=/bin/cat\nexitcodes=0,256\n", wantErr: "not a valid list of exit codes: '0,256'"},
	{id: "CFG-TYPE-07", conf: "[program:a]\ncommand=/bin/cat\nautorestart=TRUE\n[program:b]\ncommand=/bin/cat\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a", prog(c, "a").Autorestart, RestartAlways)
		expect(t, "b", prog(c, "b").Autorestart, RestartUnexpected)
	}},
	{id: "CFG-TYPE-07/error", conf: "[program:a]\ncommand=/bin/cat\nautorestart=Maybe\n", wantErr: "invalid 'autorestart' value 'maybe'"},
	{id: "CFG-TYPE-08", conf: "[program:a]\ncommand=/bin/cat\nstdout_logfile=Off\nstderr_logfile=SYSLOG\n[program:b]\ncommand=/bin/cat\nstdout_logfile=/nonexistent/x.log\n",
		wantErr: "The directory named as part of the path /nonexistent/x.log does not exist in section 'program:b'"},
	{id: "CFG-TYPE-08/empty", conf: "[program:a]\ncommand=/bin/cat\nredirect_stderr=true\nstdout_logfile=\nstderr_logfile=\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "no file", prog(c, "a").Stdout, LogSpec{Maxbytes: 50 << 20, Backups: 10})
		expect(t, "warning", hasWarning(c, "redirect_stderr=true but stderr_logfile has also been set"), true)
	}},
	{id: "CFG-TYPE-09", conf: "", noHeader: true, files: map[string]string{}, wantErr: "/nonexistent is not an existing directory"},
	{id: "CFG-TYPE-10", conf: "", noHeader: true, wantErr: "bad logging level name 'warning'"},
	{id: "CFG-TYPE-11", conf: "[program:a]\ncommand=/bin/cat\nuser=0\n[program:b]\ncommand=/bin/cat\nuser=nosuchuser_xyz\n", wantErr: "Invalid user name nosuchuser_xyz in section 'program:b'"},
	{id: "CFG-TYPE-12", conf: "[unix_http_server]\nfile=%(here)s/s.sock\nchown=root:root\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "chown", *c.UnixHTTPServer.Chown, UserGroup{User: "root", UID: 0, GID: 0, Group: "root"})
	}},
	{id: "CFG-TYPE-13", conf: "[inet_http_server]\nport=*:9001\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "host", c.InetHTTPServer.Host, "")
		expect(t, "port", c.InetHTTPServer.Port, 9001)
	}},
	{id: "CFG-TYPE-13/error", conf: "[inet_http_server]\nport=localhost:\n", wantErr: "no port number specified in ''"},
	{id: "CFG-TYPE-14", conf: "[supervisorctl]\nserverurl=http://127.0.0.1:9001\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "serverurl", c.Supervisorctl.ServerURL, "http://127.0.0.1:9001")
	}},
	{id: "CFG-TYPE-15", conf: "[program:a/b]\ncommand=/bin/cat\n", wantErr: "Invalid name: 'a/b' because of character: '/'"},
	{id: "CFG-TYPE-16", conf: "[program:a]\ncommand=/bin/cat\nenvironment=A=1,B=\"x y\"\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "env", prog(c, "a").Environment, Env{{"A", "1"}, {"B", "x y"}})
	}},
	// 2.3 expansions
	{id: "CFG-EXP-01", env: []string{"GREETING=hi"}, conf: "[program:a]\ncommand=/bin/echo %(ENV_GREETING)s\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "command", prog(c, "a").Command, "/bin/echo hi")
	}},
	{id: "CFG-EXP-02", conf: "[program:a]\ncommand=/bin/echo %(ENV_FROMSD)s\n", noHeader: true, files: map[string]string{}, check: func(t *testing.T, c *Config, _ string) {
		expect(t, "command", prog(c, "a").Command, "/bin/echo yes")
		expect(t, "env", prog(c, "a").Environment, Env{{"FROMSD", "yes"}})
	}},
	{id: "CFG-EXP-03", conf: "[program:a]\ncommand=/bin/cat\nstartsecs=%(process_num)d\n", wantErr: "contains names ('process_num') which cannot be expanded. Available names: group_name, here, host_node_name, program_name in section"},
	{id: "CFG-EXP-04", conf: "[program:a]\nenvironment=D=/x\ncommand=/bin/echo %(ENV_D)s\ndirectory=%(ENV_D)s\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "command", prog(c, "a").Command, "/bin/echo /x")
		expect(t, "directory", prog(c, "a").Directory, "/x")
	}},
	{id: "CFG-EXP-05", conf: "[program:a]\ncommand=/bin/echo %(group_name)s\n[program:b]\ncommand=/bin/echo %(group_name)s\n[group:g]\nprograms=b\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a", prog(c, "a").Command, "/bin/echo a")
		expect(t, "b", prog(c, "b").Command, "/bin/echo g")
	}},
	{id: "CFG-EXP-06", conf: "[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix://%(here)s/%(program_name)s.sock\n", check: func(t *testing.T, c *Config, dir string) {
		expect(t, "socket", group(c, "f").Socket, "unix://"+dir+"/f.sock")
	}},
	{id: "CFG-EXP-06/process_num", conf: "[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix:///tmp/%(group_name)s.sock\n", wantErr: "contains names ('group_name')"},
	{id: "CFG-EXP-07", conf: "[include]\nfiles=%(here)s/%(host_node_name)s.ini\n", files: map[string]string{"refhost.ini": "[program:inc]\ncommand=/bin/cat\n"}, check: func(t *testing.T, c *Config, _ string) {
		expect(t, "included program", prog(c, "inc") != nil, true)
	}},
	{id: "CFG-EXP-08", conf: "[unix_http_server]\nfile=%(here)s/s.sock\nusername=%(here)s\npassword=x\n", wantErr: "contains names ('here')"},
	{id: "CFG-EXP-09", conf: "[include]\nfiles=sub/*.ini\n", files: map[string]string{"sub/p.ini": "[program:p]\ncommand=/bin/echo %(here)s\n"}, check: func(t *testing.T, c *Config, dir string) {
		expect(t, "command", prog(c, "p").Command, "/bin/echo "+dir+"/sub")
	}},
	// 2.4 / 2.5 servers
	{id: "CFG-UNIX-01", conf: "[unix_http_server]\nchmod=0700\n", wantErr: "section [unix_http_server] has no file value"},
	{id: "CFG-UNIX-02", conf: "[unix_http_server]\nfile=%(here)s/s.sock\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "chmod", c.UnixHTTPServer.Chmod, os.FileMode(0o700))
	}},
	{id: "CFG-UNIX-02/error", conf: "[unix_http_server]\nfile=%(here)s/s.sock\nchmod=9\n", wantErr: "Invalid chmod value 9"},
	{id: "CFG-UNIX-03", conf: "[unix_http_server]\nfile=%(here)s/s.sock\nchown=nosuchuser_xyz\n", wantErr: "Invalid sockchown value nosuchuser_xyz"},
	{id: "CFG-UNIX-04", conf: "[unix_http_server]\nfile=%(here)s/s.sock\npassword=x\n", wantErr: "Section [unix_http_server] contains incomplete authentication: If a username or a password is specified, both the username and password must be specified"},
	{id: "CFG-UNIX-05", conf: "[unix_http_server]\nfile=%(here)s/./x/../s.sock\n", check: func(t *testing.T, c *Config, dir string) {
		expect(t, "file", c.UnixHTTPServer.File, dir+"/s.sock")
	}},
	{id: "CFG-UNIX-06", conf: "[unix_http_server]\nfile=%(here)s/s.sock\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "no auth", c.UnixHTTPServer.Username+c.UnixHTTPServer.Password, "")
	}},
	{id: "CFG-INET-01", conf: "[inet_http_server]\nfile=/tmp/supervisor.sock\n", wantErr: "section [inet_http_server] has no port value"},
	{id: "CFG-INET-02", conf: "[inet_http_server]\nport=127.0.0.1:9001\nusername=u\n", wantErr: "Section [inet_http_server] contains incomplete authentication"},
	{id: "CFG-INET-03", conf: "[inet_http_server]\nport=LOCALHOST:9001\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "host", c.InetHTTPServer.Host, "localhost")
	}},
	{id: "CFG-INET-04", conf: "[inet_http_server]\nport=9001\nssl=true\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "ssl ignored", hasWarning(c, `unknown key "ssl"`), true)
	}},
	// 2.6 / 2.7
	{id: "CFG-SVD-01", noHeader: true, conf: "[include]\nfiles=sd.ini\n", files: map[string]string{"sd.ini": refHeader}, check: func(t *testing.T, c *Config, _ string) {
		expect(t, "has supervisord", c.HasSupervisord, true)
	}},
	{id: "CFG-SVD-02", noHeader: true, conf: "[supervisord]\nlogfile=sd.log\npidfile=sd.pid\n", check: func(t *testing.T, c *Config, _ string) {
		wd, _ := os.Getwd()
		expect(t, "logfile", c.Supervisord.Logfile, filepath.Join(wd, "sd.log"))
		expect(t, "identifier", c.Supervisord.Identifier, "supervisor")
		expect(t, "umask", c.Supervisord.Umask, os.FileMode(0o22))
		expect(t, "maxbytes", c.Supervisord.LogfileMaxbytes, int64(50<<20))
		expect(t, "minfds", c.Supervisord.Minfds, 1024)
		expect(t, "minprocs", c.Supervisord.Minprocs, 200)
		expect(t, "loglevel", c.Supervisord.Loglevel, LevelInfo)
	}},
	{id: "CFG-CTL-01", conf: "[supervisorctl]\nserverurl=unix://%(here)s/x/../s.sock\n", check: func(t *testing.T, c *Config, dir string) {
		expect(t, "serverurl", c.Supervisorctl.ServerURL, "unix://"+dir+"/s.sock")
	}},
	{id: "CFG-CTL-02", conf: "[supervisorctl]\nusername=u\npassword=p%%w\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "password", c.Supervisorctl.Password, "p%w")
	}},
	{id: "CFG-CTL-03", conf: "[supervisorctl]\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "prompt", c.Supervisorctl.Prompt, "supervisor")
		expect(t, "serverurl", c.Supervisorctl.ServerURL, "http://localhost:9001")
	}},
	{id: "CFG-CTL-04", conf: "[supervisorctl]\nhistory_file=%(here)s/h\n", check: func(t *testing.T, c *Config, dir string) {
		expect(t, "history", c.Supervisorctl.HistoryFile, dir+"/h")
	}},
	{id: "CFG-CTL-05", conf: "[ctlplugin:x]\nsupervisor.ctl_factory=mod:f\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "no warning", len(c.Warnings)+len(c.Notes), 0)
	}},
	// 2.8 program
	{id: "CFG-PROG-01", conf: "[program:a]\ncommand=/bin/cat\nnumprocs=2\n", wantErr: "%(process_num) must be present within process_name when numprocs > 1 in section 'program:a'"},
	{id: "CFG-PROG-02", conf: "[program:a]\ncommand=/bin/cat\nprocess_name=%(program_name)s_%(process_num)02d\nnumprocs=2\nnumprocs_start=9\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a_09", prog(c, "a_09").ProcessNum, 9)
		expect(t, "a_10", prog(c, "a_10").ProcessNum, 10)
		expect(t, "group size", len(group(c, "a").Programs), 2)
	}},
	{id: "CFG-PROG-02/limit", conf: "[program:a]\ncommand=/bin/cat\nprocess_name=%(process_num)d\nnumprocs=100000000\n", wantErr: "numprocs 100000000 is more than we support (10000) in section 'program:a'"},
	{id: "CFG-PROG-03", conf: "[program:a]\ncommand=/bin/cat\nstopasgroup=true\nkillasgroup=false\n", wantErr: "Cannot set stopasgroup=true and killasgroup=false"},
	{id: "CFG-PROG-03/default", conf: "[program:a]\ncommand=/bin/cat\nstopasgroup=true\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "killasgroup", prog(c, "a").Killasgroup, true)
	}},
	{id: "CFG-PROG-04", conf: "[program:a]\ncommand=/bin/cat\nredirect_stderr=true\nstderr_logfile=%(here)s/e.log\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "warning", hasWarning(c, "For [program:a], redirect_stderr=true but stderr_logfile has also been set to a filename, the filename has been ignored"), true)
		expect(t, "stderr", prog(c, "a").Stderr.Logfile, "")
	}},
	{id: "CFG-PROG-05", conf: "[program:a]\ncommand=/bin/cat\nstdout_logfile=syslog\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "warning", hasWarning(c, "For [program:a], stdout_logfile=syslog but this is deprecated and will be removed.  Use stdout_syslog=true to enable syslog instead."), true)
		expect(t, "syslog", prog(c, "a").Stdout.Syslog, true)
	}},
	{id: "CFG-PROG-06", conf: "[program:a]\ncommand=/bin/cat\nstdout_logfile_maxbytes=0\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "warning", hasWarning(c, "For [program:a], AUTO logging used for stdout_logfile without rollover, set maxbytes > 0 to avoid filling up filesystem unintentionally"), true)
	}},
	{id: "CFG-PROG-07", conf: "[program:a]\ncommand=/bin/cat\ndirectory=/nonexistent\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "directory", prog(c, "a").Directory, "/nonexistent")
	}},
	{id: "CFG-PROG-08", conf: "[inet_http_server]\nport=:9001\n[program:a]\ncommand=/bin/cat\n[program:b]\ncommand=/bin/cat\nserverurl=\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a", prog(c, "a").ServerURL, "http://localhost:9001")
		expect(t, "b", prog(c, "b").ServerURL, "")
	}},
	{id: "CFG-PROG-10", conf: "[program:a]\ncommand=/bin/cat\nstartsecs=x\n", wantErr: "in section 'program:a' (file: '"},
	// 2.9 command
	{id: "CFG-CMD-01", conf: "[program:a]\ncommand=/bin/sh -c \"echo 'hi there'\"\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "argv", prog(c, "a").Argv, []string{"/bin/sh", "-c", "echo 'hi there'"})
	}},
	{id: "CFG-CMD-02", conf: "[program:a]\ncommand=/bin/echo \"x\n[program:b]\ncommand=\"\"\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a", prog(c, "a").CommandErr.Error(), `can't parse command '/bin/echo "x': No closing quotation`)
		expect(t, "b", prog(c, "b").CommandErr, nil)
		expect(t, "b argv", prog(c, "b").Argv, []string{""})
	}},
	{id: "CFG-CMD-02/empty", conf: "[program:a]\ncommand=\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "err", prog(c, "a").CommandErr.Error(), "command is empty")
	}},
	{id: "CFG-CMD-03", conf: "[program:a]\ncommand=cat -n\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "argv0 unresolved", prog(c, "a").Argv[0], "cat")
	}},
	{id: "CFG-CMD-04", conf: "[program:a]\ncommand=/nonexistent/bin\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "accepted, checked at spawn", prog(c, "a").CommandErr, nil)
	}},
	{id: "CFG-CMD-05", conf: "[program:a]\ncommand=./rel arg\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "argv", prog(c, "a").Argv, []string{"./rel", "arg"})
	}},
	// 2.10 environment
	{id: "CFG-ENV-01", conf: "[program:a]\ncommand=/bin/cat\nenvironment=A=1 x B=2\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "env", prog(c, "a").Environment, Env{{"A", "1"}, {"B", "2"}})
	}},
	{id: "CFG-ENV-02", conf: "[program:a]\ncommand=/bin/cat\nenvironment=A=foo@bar\n", wantErr: "Unexpected end of key/value pairs in value 'A=foo@bar'"},
	{id: "CFG-ENV-03", conf: "[program:a]\ncommand=/bin/cat\nenvironment=X=1,K=a b\n[program:b]\ncommand=/bin/cat\nenvironment=A=1,B=2,\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a", prog(c, "a").Environment, Env{{"X", "1"}, {"K", "a"}})
		expect(t, "b", prog(c, "b").Environment, Env{{"A", "1"}, {"B", "2"}})
	}},
	{id: "CFG-ENV-04", conf: "[program:a]\ncommand=/bin/cat\nenvironment=K=a#b,Q=\"a#b\"\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "env", prog(c, "a").Environment, Env{{"K", "a"}})
	}},
	{id: "CFG-ENV-05", conf: "[program:a]\ncommand=/bin/cat\nenvironment=K=\"\"\n[program:b]\ncommand=/bin/cat\nenvironment=K=\n", wantErr: "Unexpected end of key/value pairs in value 'K='"},
	{id: "CFG-ENV-06", conf: "[program:a]\ncommand=/bin/cat\nenvironment=K3='q',K4=\"it\\\"s\"\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "env", prog(c, "a").Environment, Env{{"K3", "q"}, {"K4", `it\`}})
	}},
	{id: "CFG-ENV-07", conf: "[program:a]\ncommand=/bin/cat\nprocess_name=a%(process_num)d\nnumprocs=2\nenvironment=N=%(process_num)d,P=%(program_name)s\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "a1", prog(c, "a1").Environment, Env{{"N", "1"}, {"P", "a"}})
	}},
	// 2.11 include
	{id: "CFG-INC-01", conf: "[include]\n", wantErr: ".ini file has [include] section, but no files setting"},
	{id: "CFG-INC-02", conf: "[include]\nfiles=d/*.ini\n  d/[xy].conf\n", files: map[string]string{"d/b.ini": "[program:b]\ncommand=/bin/b\n", "d/a.ini": "[program:a]\ncommand=/bin/a\n", "d/x.conf": "[program:x]\ncommand=/bin/x\n", "d/z.conf": "[program:z]\ncommand=/bin/z\n"}, check: func(t *testing.T, c *Config, dir string) {
		expect(t, "included", c.Included, []string{dir + "/d/a.ini", dir + "/d/b.ini", dir + "/d/x.conf"})
	}},
	{id: "CFG-INC-03", conf: "[include]\nfiles=none/*.ini d/*.ini\n", files: map[string]string{"d/a.ini": "[program:a]\ncommand=/bin/a\n"}, check: func(t *testing.T, c *Config, dir string) {
		expect(t, "warning", hasWarning(c, `No file matches via include "`+dir+`/none/*.ini"`), true)
		expect(t, "infos", c.Infos, []string{`Included extra file "` + dir + `/d/a.ini" during parsing`})
	}},
	{id: "CFG-INC-04", conf: "[include]\nfiles=d/*.ini\n[program:a]\ncommand=/bin/main\n", files: map[string]string{"d/a.ini": "[program:a]\ncommand=/bin/inc\n[include]\nfiles=e/*.ini\n", "d/e/x.ini": "[program:x]\ncommand=/bin/x\n"}, check: func(t *testing.T, c *Config, _ string) {
		expect(t, "later wins", prog(c, "a").Command, "/bin/inc")
		expect(t, "no recursion", prog(c, "x"), (*Program)(nil))
	}},
	{id: "CFG-INC-04/error", conf: "[include]\nfiles=d/*.ini\n", files: map[string]string{"d/a.ini": "[program:a]\nbroken\n"}, wantErr: "Source contains parsing errors: "},
	// 2.12 group
	{id: "CFG-GRP-01", conf: "[program:a]\ncommand=/bin/cat\n[group:g]\nprograms=a\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "priority", group(c, "g").Priority, 999)
		expect(t, "kind", group(c, "g").Kind, KindGroup)
	}},
	{id: "CFG-GRP-02", conf: "[program:a]\ncommand=/bin/cat\n[group:g]\nprograms=a,b\n", wantErr: "[program:a] names unknown program or fcgi-program b"},
	{id: "CFG-GRP-02/first", conf: "[group:g]\nprograms=b\n", wantErr: "[group:g] names unknown program or fcgi-program b"},
	{id: "CFG-GRP-03", conf: "[program:x]\ncommand=/bin/cat\n[fcgi-program:x]\ncommand=/bin/cat\nsocket=tcp://127.0.0.1:9000\n[group:g]\nprograms=x\n", wantErr: "[group:g] name x is ambiguous (exists as program and fcgi-program)"},
	{id: "CFG-GRP-04", conf: "[program:a]\ncommand=/bin/cat\npriority=3\n[group:g]\nprograms=a\npriority=7\n[group:h]\nprograms=a\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "no own group", group(c, "a"), (*Group)(nil))
		expect(t, "in g", group(c, "g").Programs[0].Priority, 3)
		expect(t, "in h too", group(c, "h").Programs[0].Group, "h")
	}},
	{id: "CFG-GRP-05", conf: "[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_5\n[group:g]\nprograms=e\n", wantErr: "[group:g] names unknown program or fcgi-program e"},
	// 2.13 fcgi
	{id: "CFG-FCGI-01", conf: "[fcgi-program:f]\ncommand=/bin/cat\n", wantErr: `[fcgi-program:f] section requires a "socket" line`},
	{id: "CFG-FCGI-01/defaults", conf: "[fcgi-program:f]\ncommand=/bin/cat\nsocket=unix:///tmp/f.sock\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "mode", group(c, "f").SocketMode, os.FileMode(0o700))
		expect(t, "backlog", group(c, "f").SocketBackLog, 0)
	}},
	{id: "CFG-FCGI-02", conf: "[fcgi-program:f]\ncommand=/bin/cat\nsocket=udp://x:1\n", wantErr: "('Bad socket format %s', 'udp://x:1') in [fcgi-program:f] socket"},
	{id: "CFG-FCGI-03", conf: "[fcgi-program:f]\ncommand=/bin/cat\nsocket=tcp://LOCALHOST:9000\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "socket", group(c, "f").Socket, "tcp://localhost:9000")
	}},
	// 2.14 eventlistener
	{id: "CFG-EVL-01", conf: "[eventlistener:e]\ncommand=/bin/cat\nevents=tick_5,PROCESS_STATE\nbuffer_size=0\n", wantErr: "[eventlistener:e] section sets invalid buffer_size (0)"},
	{id: "CFG-EVL-01/events", conf: "[eventlistener:e]\ncommand=/bin/cat\nevents=tick_5,PROCESS_STATE\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "events", group(c, "e").Events, []string{"TICK_5", "PROCESS_STATE"})
		expect(t, "buffer", group(c, "e").BufferSize, 10)
	}},
	{id: "CFG-EVL-02", conf: "[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_5\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "priority", group(c, "e").Priority, -1)
	}},
	{id: "CFG-EVL-03", conf: "[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_5\nredirect_stderr=true\n", wantErr: "[eventlistener:e] section sets redirect_stderr=true but this is not allowed because it will interfere with the eventlistener protocol"},
	{id: "CFG-EVL-04", conf: "[eventlistener:e]\ncommand=/bin/cat\nevents=TICK_5\nstdout_capture_maxbytes=1MB\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "parsed; the engine ignores it", prog(c, "e").Stdout.CaptureMaxbytes, int64(1<<20))
	}},
	{id: "CFG-EVL-05", conf: "[eventlistener:pool]\ncommand=/bin/cat\nevents=TICK_5\n[program:z]\ncommand=/bin/cat\npriority=-5\n[program:y]\ncommand=/bin/cat\npriority=-1\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "order", []string{c.Groups[0].Name, c.Groups[1].Name, c.Groups[2].Name}, []string{"z", "pool", "y"})
	}},
	// The reference says pool names are not validated, but 4.2.5 checks the
	// section name again when it builds the processes (see the oracle's
	// testdata/config/evl-name-with-space.conf).
	{id: "CFG-EVL-05/name", conf: "[eventlistener:a b]\ncommand=/bin/cat\nevents=TICK_5\nprocess_name=x\n", wantErr: "Invalid name: 'a b' because of character: ' ' in section 'eventlistener:a b'"},
	// 2.15 rpcinterface
	{id: "CFG-RPC-01", conf: "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\nretries=3\n[rpcinterface:x]\nsupervisor.rpcinterface_factory = nosuch.module:f\n", wantErr: "nosuch.module:f cannot be resolved within [rpcinterface:x]"},
	{id: "CFG-RPC-02", conf: "[program:a]\ncommand=/bin/cat\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "no supervisor namespace", len(c.RPCInterfaces), 0)
	}},
	{id: "CFG-CTLP-01", conf: "[ctlplugin:x]\nsupervisor.ctl_factory = nosuch:f\n", check: func(t *testing.T, c *Config, _ string) {
		expect(t, "ignored by supervisord", len(c.Groups), 0)
	}},
	// 2.16
	{id: "CFG-ERR-01", conf: "[inet_http_server]\nport=99999\n", wantErr: "not a valid port number: '99999' "},
	{id: "CFG-ERR-02", noHeader: true, conf: "[supervisord]\nminfds=abc\n", wantErr: "invalid literal for int() with base 10: 'abc'"},
	{id: "CFG-ERR-03", conf: "[program:a]\ncommand=%\n", wantErr: "badly formatted"},
	// §1
	{id: "CLI-SEARCH-05", noHeader: true, conf: "[program:a]\ncommand=/bin/cat\n", wantErr: ".ini file does not include supervisord section"},
	{id: "CLI-SEARCH-05/case", noHeader: true, conf: "[Supervisord]\n", wantErr: "section names are case-sensitive: [Supervisord]"},
	{id: "CFG-UNIX-01/port", conf: "[unix_http_server]\nport=9001\n", wantErr: "section [unix_http_server] has no file value (file: "},
	{id: "CLI-SEARCH-07", conf: "[program:a]\ncommand=/bin/echo %(here)s\n", check: func(t *testing.T, c *Config, dir string) {
		expect(t, "here", prog(c, "a").Argv[1], dir)
	}},
}

func init() {
	// Rows whose config needs the header replaced.
	for i := range refCases {
		switch refCases[i].id {
		case "CFG-TYPE-09":
			refCases[i].conf = "[supervisord]\nlogfile=%(here)s/sd.log\npidfile=%(here)s/sd.pid\nchildlogdir=/nonexistent\n"
		case "CFG-TYPE-10":
			refCases[i].conf = "[supervisord]\nlogfile=%(here)s/sd.log\npidfile=%(here)s/sd.pid\nloglevel=warning\n"
		case "CFG-EXP-02":
			refCases[i].conf = refHeader + "environment=FROMSD=yes\n" + refCases[i].conf
		}
	}
}

func TestReferenceRows(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range refCases {
		if seen[tc.id] {
			t.Fatalf("duplicate case %s", tc.id)
		}
		seen[tc.id] = true
		t.Run(tc.id, func(t *testing.T) {
			conf := tc.conf
			if !tc.noHeader {
				conf = refHeader + conf
			}
			files := map[string]string{"supervisord.conf": conf}
			for k, v := range tc.files {
				files[k] = v
			}
			path := writeConfig(t, "supervisord.conf", files)
			dir := filepath.Dir(path)
			env := tc.env
			if env == nil {
				env = []string{}
			}
			cfg, err := Load(path, Options{Environ: env, Hostname: "refhost"})
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("Load succeeded, want error containing %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %q does not contain %q", err.Error(), tc.wantErr)
				}
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error is %T, want *Error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tc.check != nil {
				tc.check(t, cfg, dir)
			}
		})
	}
}
