package web

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc/rpctest"
)

// TestPythonSupervisorctlThroughOurStack drives our listener, auth and
// XML-RPC layers with Debian's own supervisorctl 4.2.5.
func TestPythonSupervisorctlThroughOurStack(t *testing.T) {
	ctl := "/usr/bin/supervisorctl"
	if _, err := os.Stat(ctl); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("oracle %s missing", ctl)
		}
		t.Skipf("%s not installed", ctl)
	}
	dir := sockDir(t)
	sock := filepath.Join(dir, "s.sock")
	fake := rpctest.New(
		rpctest.Program{Group: "cat", Name: "cat", Argv: []string{"cat"}, StdoutLog: filepath.Join(dir, "cat.out")},
		rpctest.Program{Group: "web", Name: "web", Argv: []string{"sleep", "1000"}},
	)
	defer fake.Close()
	start(t, &config.Config{UnixHTTPServer: &config.UnixHTTPServer{File: sock, Chmod: 0o700, Username: "user", Password: "pw"}}, fake)

	run := func(user, pass string, args ...string) (string, int) {
		t.Helper()
		argv := append([]string{"-s", "unix://" + sock, "-u", user, "-p", pass}, args...)
		cmd := exec.Command(ctl, argv...)
		cmd.Env = append(os.Environ(), "HOME="+dir) // no ~/.supervisord.conf surprises
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), code
	}
	tests := []struct {
		user, pass string
		args       []string
		want       []string // substrings, in order
		code       int
	}{
		{"user", "pw", []string{"status"}, []string{"cat", "STOPPED", "Not started", "web", "STOPPED"}, 3},
		{"user", "pw", []string{"start", "cat"}, []string{"cat: started"}, 0},
		{"user", "pw", []string{"status", "cat"}, []string{"cat", "RUNNING", "pid "}, 0},
		{"user", "pw", []string{"start", "cat"}, []string{"cat: ERROR (already started)"}, 0},
		{"user", "pw", []string{"stop", "all"}, []string{"cat: stopped"}, 0},
		{"user", "pw", []string{"start", "nope"}, []string{"nope: ERROR (no such process)"}, 1},
		{"user", "pw", []string{"version"}, []string{"4.2.5"}, 0},
		{"user", "wrong", []string{"status"}, []string{"Server requires authentication"}, 1},
	}
	for _, tt := range tests {
		out, code := run(tt.user, tt.pass, tt.args...)
		rest := out
		for _, w := range tt.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("supervisorctl %v: output lacks %q:\n%s", tt.args, w, out)
				break
			}
			rest = rest[i+len(w):]
		}
		if code != tt.code {
			t.Errorf("supervisorctl %v: exit %d, want %d\n%s", tt.args, code, tt.code, out)
		}
	}
}
