package sandbox

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/sandbox/image"
)

// TestDebianImage builds (once; later runs hit the cache in
// /var/cache/supervisorlab) the course image and checks it is the course's
// machine.
func TestDebianImage(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("debootstrap"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("debootstrap missing (CI=true)")
		}
		t.Skip("debootstrap not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rootfs, err := image.Ensure(ctx, image.DefaultRecipe(), image.Options{Progress: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	s := newSandbox(t, Options{Rootfs: rootfs})
	tests := []struct{ name, user, script, want string }{
		{"debian bookworm", Student, ". /etc/os-release; echo $VERSION_CODENAME", "bookworm\n"},
		{"student", Student, "id", "uid=1000(shiyanlou) gid=1000(shiyanlou) groups=1000(shiyanlou),27(sudo)\n"},
		{"passwordless sudo", Student, "sudo -n whoami", "root\n"},
		{"ll alias", Student, "bash -ic 'type ll' 2>/dev/null", "ll is aliased to `ls -alF'\n"},
		{"packages", Root, "dpkg-query -W -f '${db:Status-Abbrev}\\n' nginx openssh-server sudo vim less procps | sort -u", "ii \n"},
		{"nginx serves on the sandbox's :80", Student, "sudo service nginx start >/dev/null && curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1/", "200\n"},
		{"sshd starts", Student, "sudo service ssh start >/dev/null && ss -Hltn 'sport = :22' | wc -l | tr -d ' '", "2\n"},
		{"ps sees the daemons", Student, "ps -ef | grep -v grep | grep -c 'nginx: master'", "1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if out, _ := run(t, s, tt.user, tt.script); out != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
		})
	}
}

// testWriter logs progress lines through t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
