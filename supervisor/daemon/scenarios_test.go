package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// One supervisord runs several §12 scenarios that need only a config.
func TestConfigDrivenScenarios(t *testing.T) {
	dir := shortDir(t)
	body := `
[program:nocmd]
command=nosuchcmd_xyz
startretries=100
[program:m]
command=/bin/sleep 1000
process_name=%(program_name)s_%(process_num)02d
numprocs=2
numprocs_start=5
startsecs=0
[program:env]
command=/bin/sh -c "env; exec sleep 1000"
environment=A="x,y",B=plain,D="",C=a b
stdout_logfile=` + dir + `/env.out
startsecs=0
[program:w]
command=/bin/sh -c "head -c 1540 /dev/zero | tr '\\0' x; exec sleep 1000"
stdout_logfile=` + dir + `/w.out
stdout_logfile_maxbytes=300
stdout_logfile_backups=2
startsecs=0
[program:w0]
command=/bin/sh -c "head -c 1540 /dev/zero | tr '\\0' x; exec sleep 1000"
stdout_logfile=` + dir + `/w0.out
stdout_logfile_maxbytes=300
stdout_logfile_backups=0
startsecs=0
`
	in := startSupervisord(t, dir, body)
	ctx := context.Background()
	var f *rpc.Fault

	t.Run("BB-06 stop during BACKOFF", func(t *testing.T) {
		p := in.waitState("nocmd", "BACKOFF", 10*time.Second)
		if p.Description != "can't find command 'nosuchcmd_xyz'" {
			t.Errorf("description %q", p.Description)
		}
		if err := in.client.StartProcess(ctx, "nocmd", true); !errors.As(err, &f) || f.Code != rpc.FaultNoFile {
			t.Errorf("start = %v", err)
		}
		if err := in.client.StopProcess(ctx, "nocmd", true); err != nil {
			t.Fatal(err)
		}
		p = in.info("nocmd")
		want := time.Unix(0, 0).Format("Jan 02 03:04 PM")
		if p.StateName != "STOPPED" || p.Description != want {
			t.Errorf("after stop: %s %q, want STOPPED %q", p.StateName, p.Description, want)
		}
	})
	t.Run("BB-07 numprocs", func(t *testing.T) {
		in.waitState("m:m_05", "RUNNING", 10*time.Second)
		in.waitState("m:m_06", "RUNNING", 10*time.Second)
		if err := in.client.StopProcess(ctx, "m", true); !errors.As(err, &f) || f.Code != rpc.FaultBadName {
			t.Errorf("stop m = %v", err)
		}
		res, err := in.client.StopProcessGroup(ctx, "m", true)
		if err != nil || len(res) != 2 || res[0].Name != "m_05" || res[1].Name != "m_06" {
			t.Errorf("stop m:* = %+v, %v", res, err)
		}
	})
	t.Run("BB-09 environment", func(t *testing.T) {
		var out string
		waitFor(t, "env output", 10*time.Second, func() bool {
			b, _ := os.ReadFile(filepath.Join(dir, "env.out"))
			out = string(b)
			return strings.Contains(out, "SUPERVISOR_GROUP_NAME=")
		})
		for _, want := range []string{"\nA=x,y\n", "\nB=plain\n", "\nD=\n", "\nC=a\n", "\nSUPERVISOR_ENABLED=1\n",
			"\nSUPERVISOR_PROCESS_NAME=env\n", "\nSUPERVISOR_GROUP_NAME=env\n", "\nSUPERVISOR_SERVER_URL=unix://" + dir + "/sock\n"} {
			if !strings.Contains("\n"+out, want) {
				t.Errorf("env lacks %q", strings.TrimSpace(want))
			}
		}
	})
	t.Run("BB-23 rotation", func(t *testing.T) {
		size := func(name string) int64 {
			st, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				return -1
			}
			return st.Size()
		}
		// The child's 1540 bytes usually arrive in one read and then land
		// in w.out.1 as in 4.2.5; if the pipe splits them, every byte is
		// still there, spread over the backups.
		waitFor(t, "rotations", 10*time.Second, func() bool {
			var total int64
			for _, n := range []string{"w.out", "w.out.1", "w.out.2"} {
				total += max(size(n), 0)
			}
			return total == 1540 && size("w.out") == 0 && size("w0.out") == 0
		})
		if size("w0.out.1") != -1 {
			t.Error("backups=0 made a .1")
		}
	})
}

// BB-01 through supervisord: FATAL with 4.2.5's description.
func TestBackoffFatalStatusBB01(t *testing.T) {
	dir := shortDir(t)
	in := startSupervisord(t, dir, "[program:q]\ncommand=/bin/sh -c \"exit 3\"\nstartretries=2\n")
	p := in.waitState("q", "FATAL", 20*time.Second)
	if p.Description != "Exited too quickly (process log may have details)" {
		t.Errorf("description %q", p.Description)
	}
	lines := strings.Join(in.logLines(), "\n")
	if strings.Count(lines, "INFO spawned: 'q'") != 3 || strings.Count(lines, "WARN exited: q (exit status 3; not expected)") != 3 ||
		!strings.Contains(lines, "INFO gave up: q entered FATAL state, too many start retries too quickly") {
		t.Errorf("log:\n%s", lines)
	}
}

// BB-08, BB-10, BB-11 end to end: what the child prints shows how its
// command line was parsed and expanded; included files start programs.
func TestCommandParsingAndIncludesBB08BB10BB11(t *testing.T) {
	t.Setenv("FOO", "bar")
	dir := shortDir(t)
	os.MkdirAll(filepath.Join(dir, "conf.d"), 0o755)
	os.WriteFile(filepath.Join(dir, "conf.d", "a.conf"), []byte("[program:inc]\ncommand=/bin/echo %(here)s\nstdout_logfile="+dir+"/inc.out\nstartsecs=0\nautorestart=false\n"), 0o644)
	body := `
[include]
files=conf.d/*.conf nomatch/*.conf
[program:semi]
command=/bin/echo a;b c ;trailing
stdout_logfile=` + dir + `/semi.out
startsecs=0
autorestart=false
[program:y]
command=/bin/echo x#y # z
stdout_logfile=` + dir + `/y.out
startsecs=0
autorestart=false
[program:x]
command=/bin/echo %(ENV_FOO)s %(program_name)s 100%%
stdout_logfile=` + dir + `/x.out
startsecs=0
autorestart=false
`
	in := startSupervisord(t, dir, body)
	for name, want := range map[string]string{
		"semi.out": "a;b c\n", "y.out": "x#y\n", "x.out": "bar x 100%\n", "inc.out": filepath.Join(dir, "conf.d") + "\n",
	} {
		waitFor(t, name, 10*time.Second, func() bool {
			b, _ := os.ReadFile(filepath.Join(dir, name))
			return string(b) == want
		})
	}
	for _, want := range []string{
		`INFO Included extra file "` + filepath.Join(dir, "conf.d", "a.conf") + `" during parsing`,
		`WARN No file matches via include "` + filepath.Join(dir, "nomatch", "*.conf") + `"`,
	} {
		if !in.logHas(want) {
			t.Errorf("log lacks %q:\n%s", want, strings.Join(in.logLines(), "\n"))
		}
	}
}

// [fcgi-program:x]: supervisord listens and hands the socket to every
// child as fd 0 (CFG-FCGI-03).
func TestFCGIProgramGetsSocketOnStdin(t *testing.T) {
	dir := shortDir(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	body := fmt.Sprintf(`
[fcgi-program:f]
command=/bin/sh -c "readlink /proc/self/fd/0; exec sleep 1000"
socket=tcp://127.0.0.1:%d
process_name=%%(program_name)s_%%(process_num)d
numprocs=2
stdout_logfile=%s/f_%%(process_num)d.out
startsecs=0
[fcgi-program:u]
command=/bin/sleep 1000
socket=unix://%s/fcgi.sock
socket_mode=0666
startsecs=0
`, port, dir, dir)
	in := startSupervisord(t, dir, body)
	for _, n := range []string{"0", "1"} {
		waitFor(t, "fd 0 of f_"+n, 10*time.Second, func() bool {
			b, _ := os.ReadFile(filepath.Join(dir, "f_"+n+".out"))
			return strings.HasPrefix(string(b), "socket:[")
		})
	}
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("fcgi socket not listening: %v", err)
	}
	c.Close()
	if st, err := os.Stat(filepath.Join(dir, "fcgi.sock")); err != nil || st.Mode()&os.ModeSocket == 0 || st.Mode().Perm() != 0o666 {
		t.Errorf("unix fcgi socket: %v %v", st, err)
	}
	if err := in.client.SendProcessStdin(context.Background(), "f:f_0", "x"); err == nil {
		t.Error("sendProcessStdin to an fcgi program succeeded")
	}
	if !in.logHas(fmt.Sprintf("INFO Creating socket tcp://127.0.0.1:%d", port)) {
		t.Errorf("log:\n%s", strings.Join(in.logLines(), "\n"))
	}
	in.client.Shutdown(context.Background())
	in.wait(20 * time.Second)
	if !in.logHas(fmt.Sprintf("INFO Closing socket tcp://127.0.0.1:%d", port)) {
		t.Errorf("log:\n%s", strings.Join(in.logLines(), "\n"))
	}
}

// BB-21 in short: an [eventlistener:x] process receives PROCESS_STATE and
// REMOTE_COMMUNICATION events in 4.2.5's wire format.
func TestEventListenerReceivesEvents(t *testing.T) {
	dir := shortDir(t)
	script, _ := filepath.Abs("../../testdata/engine/listener.sh")
	body := `
[eventlistener:lis]
command=` + script + ` ` + dir + `/events.txt
events=PROCESS_STATE,REMOTE_COMMUNICATION,TICK_5
[program:p]
command=/bin/sleep 1000
startsecs=0
`
	in := startSupervisord(t, dir, body)
	in.waitState("lis", "RUNNING", 10*time.Second)
	if err := in.client.SendRemoteCommEvent(context.Background(), "mytype", "mydata"); err != nil {
		t.Fatal(err)
	}
	var got string
	waitFor(t, "events delivered", 15*time.Second, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "events.txt"))
		got = string(b)
		return strings.Contains(got, "eventname:REMOTE_COMMUNICATION") && strings.Contains(got, "processname:p groupname:p from_state:STARTING pid:") &&
			strings.Contains(got, "eventname:TICK_5")
	})
	if m := regexp.MustCompile(`when:(\d+)`).FindStringSubmatch(got); m == nil || !strings.HasSuffix(m[1], "0") && !strings.HasSuffix(m[1], "5") {
		t.Errorf("TICK_5 when: %v", m)
	}
	for _, want := range []string{"ver:3.0 server:supervisor serial:", " pool:lis poolserial:", "type:mytype\nmydata"} {
		if !strings.Contains(got, want) {
			t.Errorf("events lack %q:\n%s", want, got)
		}
	}
}
