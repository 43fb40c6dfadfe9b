package machine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// screen is the student's terminal: everything `lab start` printed, kept
// for expectations and saved as the transcript.
type screen struct {
	t    *testing.T
	mu   sync.Mutex
	buf  strings.Builder
	mark int // expectations look only past here
	tty  *os.File
	log  *os.File
}

var ansi = regexp.MustCompile(`\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[a-zA-Z]|\x1b[()][A-Z0-9]|\x1b[=>]|\r`)

func (s *screen) pump() {
	b := make([]byte, 4096)
	for {
		n, err := s.tty.Read(b)
		if n > 0 {
			s.mu.Lock()
			s.buf.Write(b[:n])
			s.mu.Unlock()
			s.log.Write(b[:n])
		}
		if err != nil {
			return
		}
	}
}

// text is the screen past the mark with terminal escapes removed.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.ReplaceAllString(s.buf.String()[s.mark:], "")
}

// expect waits until re matches the screen past the mark, then moves the
// mark past the match and returns its submatches.
func (s *screen) expect(re string, within time.Duration) []string {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(within)
	for {
		s.mu.Lock()
		raw := s.buf.String()
		s.mu.Unlock()
		clean := ansi.ReplaceAllString(raw[s.mark:], "")
		if m := rx.FindStringSubmatch(clean); m != nil {
			s.mark = len(raw)
			return m
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waited %s for %q; screen since the last match:\n%s", within, re, clean)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const prompt = `shiyanlou@shiyanlou:[^\n]*\$ $`

// typeLine types a command as a person would and waits for its output to
// match want and the prompt to come back.
func (s *screen) run(cmd, want string) []string {
	s.t.Helper()
	s.send(cmd + "\r")
	return s.expect(`(?s)`+want+`.*`+prompt, 90*time.Second)
}

func (s *screen) send(keys string) {
	s.t.Helper()
	if _, err := s.tty.Write([]byte(keys)); err != nil {
		s.t.Fatal(err)
	}
}

// TestWalkTheCourse is issue 9's proof: `lab start` under a pty, the
// course's commands typed in order, and after each step `lab check step-N`
// reads ✓. The terminal transcript goes to testdata/e2e/walk.log.
func TestWalkTheCourse(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("vim"); err != nil && false {
		t.Skip("vim")
	}
	bin := buildBin(t)
	state := t.TempDir()
	dir := filepath.Join(repoRoot(t), "testdata", "e2e")
	os.MkdirAll(dir, 0o755)
	logf, err := os.Create(filepath.Join(dir, "walk.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()

	start := labCmd(t, bin, state, "start")
	start.Env = append(start.Env, "TERM=xterm")
	tty, err := pty.StartWithSize(start, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatal(err)
	}
	s := &screen{t: t, tty: tty, log: logf}
	go s.pump()
	t.Cleanup(func() {
		tty.Write([]byte("\x03\rexit\r"))
		done := make(chan error, 1)
		go func() { done <- start.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			start.Process.Kill()
			<-done
		}
		tty.Close()
		stop := labCmd(t, bin, state, "stop")
		if out, err := stop.CombinedOutput(); err != nil {
			t.Logf("lab stop: %v\n%s", err, out)
		}
	})
	s.expect(prompt, 15*time.Minute) // the first run builds the image

	check := func(step int) {
		t.Helper()
		out, err := labCmd(t, bin, state, "check", fmt.Sprintf("step-%d", step)).CombinedOutput()
		fmt.Fprintf(logf, "\n----- host: lab check step-%d -----\n%s-----\n", step, out)
		if err != nil || !strings.Contains(string(out), "✓") {
			t.Fatalf("lab check step-%d: %v\n%s", step, err, out)
		}
	}

	// Step 1: the package is there and its service runs.
	s.send("sudo service supervisor status\r")
	if m := s.expect(`(?s)(is running|is not running|not running).*`+prompt, time.Minute); !strings.Contains(m[0], " is running") {
		s.run("sudo service supervisor start", `supervisor`)
		s.run("sudo service supervisor status", `is running`)
	}
	s.run("sudo apt-cache show supervisor", `Version: 4\.2\.5\+lab1`)
	check(1)

	// Step 2: look at the default config and copy the system's.
	s.run("echo_supervisord_conf | head", `(?m)^;`) // both 4.2.5 and ours start with a comment preamble
	s.run("ll /etc/supervisor/", `supervisord\.conf`)
	s.run("cd ~ && sudo cp /etc/supervisor/supervisord.conf ./ && ls", `supervisord\.conf`)
	check(2)

	// Step 3: vim, keystroke by keystroke.
	s.send("sudo vim supervisord.conf\r")
	s.expect(`\[unix_http_server\]`, time.Minute)
	for _, ex := range []string{
		`:%s#^file=/var/run/supervisor.sock#file=/var/run/supervisor1.sock#`,
		`:%s#^logfile=/var/log/supervisor/supervisord.log#logfile=/var/log/supervisor/supervisord1.log#`,
		`:%s#^pidfile=/var/run/supervisord.pid#pidfile=/var/run/supervisord1.pid#`,
		`:%s#^serverurl=unix:///var/run/supervisor.sock#serverurl=unix:///var/run/supervisor1.sock#`,
		`:%s/^\[include\]/;[include]/`,
		`:%s/^files =/;files =/`,
	} {
		s.send(ex + "\r")
		time.Sleep(200 * time.Millisecond) // a person's pace; vim ignores nothing typed ahead anyway
	}
	s.send(":wq\r")
	s.expect(prompt, time.Minute)
	s.run("grep -n supervisor.1 supervisord.conf", `supervisord1\.pid`)
	check(3)

	// Step 4: a second supervisord on the student's config, the two
	// supervisorctl views, and nginx's program file.
	s.run("sudo supervisord -c supervisord.conf", ``)
	s.send("sudo supervisorctl\r")
	s.expect(`supervisor> $`, time.Minute)
	s.send("status\r")
	s.expect(`supervisor> $`, time.Minute)
	s.send("help\r")
	s.expect(`(?s)default commands.*supervisor> $`, time.Minute)
	s.send("exit\r")
	s.expect(prompt, time.Minute)
	s.run("sudo supervisorctl -c /etc/supervisor/supervisord.conf status", `ssh\s+RUNNING\s+pid \d+`)
	s.send("sudo vim /etc/supervisor/conf.d/supervisor_nginx.conf\r")
	time.Sleep(time.Second)
	s.send("i[program:nginx]\rcommand=/usr/sbin/nginx -g 'daemon off;'\rautostart=true\rautorestart=true\rstartretries=3\x1b")
	s.send(":wq\r")
	s.expect(prompt, time.Minute)
	s.send("sudo vim supervisord.conf\r")
	s.expect(`\[unix_http_server\]`, time.Minute)
	s.send(`:%s/^;\[include\]/[include]/` + "\r")
	s.send(`:%s#^;files =.*#files = /etc/supervisor/conf.d/supervisor_nginx.conf#` + "\r")
	s.send(":wq\r")
	s.expect(prompt, time.Minute)
	s.run("tail -3 supervisord.conf", `files = /etc/supervisor/conf.d/supervisor_nginx\.conf`)
	check(4)

	// Step 5: reread, update, nginx runs under the student's supervisord.
	s.run("sudo supervisorctl reread", `nginx: available`)
	s.run("sudo supervisorctl update", `nginx: added process group`)
	var pid string
	deadline := time.Now().Add(time.Minute)
	for pid == "" {
		s.send("sudo supervisorctl status\r")
		m := s.expect(`(?s)nginx\s+(\w+)\s*(?:pid (\d+))?[^\n]*\n.*`+prompt, time.Minute)
		if m[1] == "RUNNING" {
			pid = m[2]
		} else if time.Now().After(deadline) {
			t.Fatalf("nginx %s, never RUNNING", m[1])
		} else {
			time.Sleep(500 * time.Millisecond)
		}
	}
	s.run("ps -ef | grep nginx", `nginx: master process`)
	check(5)

	// Step 6: kill nginx; supervisord starts a new one.
	s.run("sudo kill "+pid, ``)
	deadline = time.Now().Add(time.Minute)
	for {
		s.send("sudo supervisorctl status\r")
		m := s.expect(`(?s)nginx\s+(\w+)\s*(?:pid (\d+))?[^\n]*\n.*`+prompt, time.Minute)
		if m[1] == "RUNNING" && m[2] != pid {
			t.Logf("nginx restarted: pid %s -> %s", pid, m[2])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx %s pid %s, not restarted with a new pid", m[1], m[2])
		}
		time.Sleep(500 * time.Millisecond)
	}
	check(6)
}
