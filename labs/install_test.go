package labs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// installDriver is the lab machine before and after step 1, for real: in fresh mount,
// PID and network namespaces with overlays over /usr, /etc and /var (the host keeps
// nothing of it), it serves the .deb from a local apt repository, runs setup, and
// checks step 1 before and after solutions/step-1.sh (apt-get install supervisor).
const installDriver = `
set -eu
lab=$1 debdir=$2 checks=$3
T=$(mktemp -d); mount -t tmpfs tmpfs "$T"
for d in usr etc var; do
  mkdir -p "$T/$d.u" "$T/$d.w"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/$d.u,workdir=$T/$d.w" "/$d"
done
mount -t tmpfs tmpfs /run; mkdir -p /run/lock
mount -t tmpfs tmpfs /home
ip link set lo up
mkdir -p /var/local/supervisorlab-apt
cp "$debdir"/*.deb /var/local/supervisorlab-apt/
bash "$lab/packaging/apt-repo.sh" /var/local/supervisorlab-apt /etc/apt/sources.list.d/supervisorlab.list >/dev/null
bash "$lab/setup"
echo "SETUP done"
runchecks() { for f in "$checks"/*.sh; do
  if bash "$f" >/dev/null 2>&1; then echo "RESULT $1 PASS $(basename "$f")"; else echo "RESULT $1 FAIL $(basename "$f")"; fi
done; }
runchecks before
(cd /home/shiyanlou && bash "$lab/solutions/step-1.sh") >/dev/null 2>&1 || echo "SOLUTION failed"
runchecks after
echo "DPKG $(dpkg-query -W -f='${Status} ${Version}' supervisor)"
echo "APT $(apt-cache show supervisor | grep -m1 '^Version:')"
for _ in $(seq 50); do
  supervisorctl -c /etc/supervisor/supervisord.conf status ssh 2>/dev/null | grep -q RUNNING && break
  sleep 0.2
done
echo "SSH $(supervisorctl -c /etc/supervisor/supervisord.conf status ssh | tr -s ' ')"
service supervisor restart >/dev/null && echo "RESTART $(service supervisor status)"
apt-get purge -y -qq supervisor >/dev/null 2>&1
pgrep -x supervisord >/dev/null && echo "PURGE left supervisord running" || echo "PURGE stopped"
`

// TestPackageInstall installs our .deb as a student does in step 1, in throwaway
// namespaces, built from our commands (SUPERVISORLAB_BIN, or bin/ from make build).
func TestPackageInstall(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for namespaces, overlays and dpkg")
	}
	for _, tool := range []string{"unshare", "apt-get", "dpkg-deb", "dpkg-scanpackages", "sshd", "ip"} {
		needTool(t, tool)
	}
	if err := exec.Command("unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc", "true").Run(); err != nil {
		t.Skipf("unshare not permitted here: %v", err)
	}
	bin := os.Getenv("SUPERVISORLAB_BIN")
	if bin == "" {
		bin, _ = filepath.Abs("../bin")
	}
	// Debian's Python commands cannot stand in here: setup purges Debian's package and
	// with it the Python modules they load.
	for _, c := range commands {
		if _, err := os.Stat(filepath.Join(bin, c)); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("our commands are not built (%v); make build comes before make test", err)
			}
			t.Skipf("our commands are not built in %s (run make build or set SUPERVISORLAB_BIN): %v", bin, err)
		}
	}
	debs := t.TempDir()
	if out, code := run(t, filepath.Join(packaging, "build-deb.sh"), bin, debs); code != 0 {
		t.Fatalf("build-deb.sh: %s", out)
	}
	_, steps := readLab(t)
	checks := t.TempDir()
	for j, c := range steps[0].Checks {
		must(t, os.WriteFile(filepath.Join(checks, fmt.Sprintf("step-1-%d.sh", j+1)), []byte(c.Script), 0o755))
	}
	lab, _ := filepath.Abs("supervisor")
	out, err := exec.Command("unshare", "--mount", "--propagation", "private", "--pid", "--net", "--fork",
		"--mount-proc", "bash", "-c", installDriver, "driver", lab, debs, checks).CombinedOutput()
	t.Logf("install walkthrough:\n%s", out)
	if err != nil {
		t.Fatalf("driver: %v", err)
	}
	text := string(out)
	for _, want := range []string{
		"SETUP done",
		"RESULT before FAIL step-1-1.sh", "RESULT before FAIL step-1-2.sh", "RESULT before FAIL step-1-3.sh",
		"RESULT after PASS step-1-1.sh", "RESULT after PASS step-1-2.sh", "RESULT after PASS step-1-3.sh",
		"DPKG install ok installed 4.2.5+lab1", "APT Version: 4.2.5+lab1",
		"SSH ssh RUNNING", "RESTART supervisord is running", "PURGE stopped",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("install walkthrough lacks %q", want)
		}
	}
	if strings.Contains(text, "SOLUTION failed") {
		t.Error("solutions/step-1.sh failed")
	}
}
