package labs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// walkthroughDriver runs inside fresh mount, PID and network namespaces. It hides the
// host's supervisor state behind tmpfs mounts (so nothing on the host's default paths is
// touched or used), puts our init script in place, does what setup and step 1's package
// install would do, then for each step runs its checks before and after its solution.
const walkthroughDriver = `
set -u
pkg=$1 lab=$2 checks=$3 seed=$4 bin=${5:-}
ip link set lo up
# Our commands in place of the installed ones, as our package would put them.
if [ -n "$bin" ]; then
  for c in supervisord supervisorctl echo_supervisord_conf pidproxy; do
    mount --bind "$bin/$c" "/usr/bin/$c"
  done
fi
for d in /run /etc/supervisor /var/log/supervisor /var/log/nginx /var/lib/nginx /home; do
  mount -t tmpfs tmpfs "$d"
done
mkdir -p /run/sshd /run/lock /etc/supervisor/conf.d /home/shiyanlou
cp "$pkg/etc/supervisor/supervisord.conf" /etc/supervisor/
mount --bind "$pkg/etc/init.d/supervisor" /etc/init.d/supervisor
# From setup: the course's ssh program for the system supervisord.
sed -n "/<<'PROG'/,/^PROG/p" "$lab/setup" | sed '1d;$d' > /etc/supervisor/conf.d/supervisor_service.conf
# Step 1's postinst starts the service; here the (already installed) oracle stands in.
service supervisor start >/dev/null
runchecks() { # runchecks N WHEN
  for f in "$checks"/step-$1-*.sh; do
    if out=$(cd /home/shiyanlou && timeout 30 bash "$f" 2>&1); then r=PASS; else r=FAIL; fi
    echo "RESULT step-$1 $2 $r $(basename "$f") $(echo "$out" | tr '\n' ' ' | cut -c1-300)"
  done
}
runchecks 1 after
for n in 2 3 4 5 6; do
  runchecks $n before
  if ! out=$(cd /home/shiyanlou && timeout 60 bash "$lab/solutions/step-$n.sh" 2>&1); then
    echo "SOLUTION step-$n FAILED: $out"
  fi
  runchecks $n after
done
# The seed's own (weaker) checks, verbatim, after all solutions.
for f in "$seed"/*.sh; do
  if (cd /home/shiyanlou && bash "$f" >/dev/null 2>&1); then r=PASS; else r=FAIL; fi
  echo "SEED $(basename "$f") $r"
done
# Commands that must not pass step 5: the seed's daemonizing nginx (which the seed's
# ps|grep check accepts) and a sleep posing as nginx.
i=0
for cmd in "/usr/sbin/nginx" "sleep 999 # nginx"; do
  i=$((i + 1))
  printf '[program:nginx]\ncommand=%s\nautorestart=true\nstartretries=1\n' "$cmd" \
    > /etc/supervisor/conf.d/supervisor_nginx.conf
  (cd /home/shiyanlou && supervisorctl update >/dev/null 2>&1)
  for _ in $(seq 100); do
    st=$(supervisorctl -c /home/shiyanlou/supervisord.conf status nginx | awk '{print $2}')
    case $st in RUNNING|FATAL) break ;; esac
    sleep 0.2
  done
  sleep 1.5
  echo "NEG neg$i status=$(supervisorctl -c /home/shiyanlou/supervisord.conf status nginx | tr -s ' ')"
  runchecks 5 neg$i
  [ -s /run/nginx.pid ] && kill "$(cat /run/nginx.pid)" 2>/dev/null
done
supervisorctl -c /home/shiyanlou/supervisord.conf shutdown >/dev/null 2>&1
service supervisor stop >/dev/null
`

// TestLabWalkthrough runs the six steps' real checks against the real solutions with
// Debian's Python supervisor standing in for ours (until supervisor/cmd builds), real
// nginx and sshd, in throwaway namespaces. Step 1's solution (apt-get install) is the
// one step it cannot run on a host; the sandbox's `lab test` covers it.
func TestLabWalkthrough(t *testing.T) {
	t.Run("python-oracle", func(t *testing.T) { walkthrough(t, "") })
	// Ours, when built: SUPERVISORLAB_BIN, or the repository's bin/ (make build).
	bin := os.Getenv("SUPERVISORLAB_BIN")
	if bin == "" {
		bin, _ = filepath.Abs("../bin")
	}
	for _, c := range commands {
		if _, err := os.Stat(filepath.Join(bin, c)); err != nil {
			t.Logf("our commands are not built in %s (%v); walkthrough with ours skipped", bin, err)
			return
		}
	}
	t.Run("ours", func(t *testing.T) { walkthrough(t, bin) })
}

func walkthrough(t *testing.T, bin string) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for namespaces and mounts")
	}
	for _, tool := range []string{"unshare", "nginx", "sshd", "service", "ip", "sudo"} {
		needTool(t, tool)
	}
	needOracle(t, "supervisord")
	if _, err := os.Stat("/etc/init.d/supervisor"); err != nil {
		t.Skip("no /etc/init.d/supervisor to bind our script over")
	}
	if err := exec.Command("unshare", "--mount", "--pid", "--net", "--fork", "--mount-proc", "true").Run(); err != nil {
		t.Skipf("unshare not permitted here: %v", err)
	}
	_, steps := readLab(t)
	checks := t.TempDir()
	for i, s := range steps {
		for j, c := range s.Checks {
			name := fmt.Sprintf("step-%d-%d.sh", i+1, j+1)
			must(t, os.WriteFile(filepath.Join(checks, name), []byte(c.Script), 0o755))
		}
	}
	seed := t.TempDir()
	for i, s := range seedChecks(t) {
		for j, c := range s {
			must(t, os.WriteFile(filepath.Join(seed, fmt.Sprintf("step-%d-%d.sh", i+1, j+1)), []byte(c.Script), 0o755))
		}
	}
	pkg, _ := filepath.Abs(packaging)
	lab, _ := filepath.Abs("supervisor")
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "--pid", "--net", "--fork",
		"--mount-proc", "bash", "-c", walkthroughDriver, "driver", pkg, lab, checks, seed, bin)
	out, err := cmd.CombinedOutput()
	t.Logf("walkthrough:\n%s", out)
	if err != nil {
		t.Fatalf("driver: %v", err)
	}
	seen := 0
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "SOLUTION ") {
			t.Errorf("%s", l)
		}
		f := strings.Fields(l)
		if len(f) < 5 || f[0] != "RESULT" {
			continue
		}
		seen++
		if f[2] == "after" && f[3] != "PASS" {
			t.Errorf("%s %s failed after its solution: %s", f[1], f[4], l)
		}
	}
	// Before its solution each step must have at least one failing check.
	for n := 2; n <= 6; n++ {
		if !strings.Contains(string(out), fmt.Sprintf("RESULT step-%d before FAIL", n)) {
			t.Errorf("step-%d: every check passed before its solution", n)
		}
	}
	for _, want := range []string{
		"SEED step-1-1.sh PASS", "SEED step-2-1.sh PASS", "SEED step-3-1.sh PASS", "SEED step-4-1.sh PASS",
		"SEED step-4-2.sh PASS", "SEED step-5-1.sh PASS",
		// The seed's daemonizing command: nginx orphaned. Whether supervisorctl shows it
		// STARTING, RUNNING or FATAL at that moment depends on timing (a retry that fails
		// to bind port 80 may outlive startsecs), so the step must fail on its third check,
		// which looks for supervisord's own child in nginx's pidfile.
		"RESULT step-5 neg1 FAIL step-5-3.sh",
		// sleep 999 # nginx: RUNNING, but not nginx.
		"RESULT step-5 neg2 FAIL step-5-3.sh",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("walkthrough lacks %q", want)
		}
	}
	if seen == 0 {
		t.Fatal("driver ran no checks")
	}
}

// seedChecks reads testdata/seed-checkers.md, the course seed's checker blocks verbatim.
// Their script lines are indented with tabs, which YAML forbids; like the checker, expand
// leading tabs (tab stop 4) before decoding.
func seedChecks(t *testing.T) [][]check {
	t.Helper()
	var blocks [][]check
	var cur []string
	in := false
	for _, l := range strings.Split(readFile(t, "testdata/seed-checkers.md"), "\n") {
		switch {
		case l == "```checker":
			in, cur = true, nil
		case in && l == "```":
			var cs []check
			if err := yaml.Unmarshal([]byte(strings.Join(cur, "\n")), &cs); err != nil {
				t.Fatalf("seed checker block %d: %v", len(blocks)+1, err)
			}
			blocks = append(blocks, cs)
			in = false
		case in:
			lead := len(l) - len(strings.TrimLeft(l, " \t"))
			cur = append(cur, strings.ReplaceAll(l[:lead], "\t", "    ")+l[lead:])
		}
	}
	if len(blocks) != 5 {
		t.Fatalf("seed-checkers.md: %d blocks, want 5", len(blocks))
	}
	return blocks
}
