package labs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

const packaging = "supervisor/packaging"

var commands = []string{"supervisord", "supervisorctl", "echo_supervisord_conf", "pidproxy"}

// needOracle returns Debian's Python supervisor command, the stand-in for ours in these
// tests until supervisor/cmd builds: skipped when absent, fatal in CI.
func needOracle(t *testing.T, name string) string {
	t.Helper()
	p := "/usr/bin/" + name
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("oracle %s missing (Debian package supervisor): %v", p, err)
		}
		t.Skipf("oracle %s missing (install Debian's supervisor package): %v", p, err)
	}
	return p
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s missing: %v", name, err)
		}
		t.Skipf("%s missing: %v", name, err)
	}
}

func run(t *testing.T, name string, args ...string) (string, int) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// initScript writes a copy of our /etc/init.d/supervisor whose paths point into dir,
// and a configuration for it there.
func initScript(t *testing.T, dir string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(packaging, "etc/init.d/supervisor"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(l, "CONFIG="):
			l = "CONFIG=" + filepath.Join(dir, "supervisord.conf")
		case strings.HasPrefix(l, "PIDFILE="):
			l = "PIDFILE=" + filepath.Join(dir, "supervisord.pid")
		case strings.HasPrefix(l, "DEFAULTS="):
			l = "DEFAULTS=" + filepath.Join(dir, "default")
		}
		lines = append(lines, l)
	}
	script := filepath.Join(dir, "init")
	if err := os.WriteFile(script, []byte(strings.Join(lines, "\n")), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := strings.NewReplacer("/var/run/", dir+"/", "/var/log/supervisor", dir,
		"/etc/supervisor/conf.d", filepath.Join(dir, "conf.d")).Replace(readFile(t, filepath.Join(packaging, "etc/supervisor/supervisord.conf")))
	must(t, os.MkdirAll(filepath.Join(dir, "conf.d"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "supervisord.conf"), []byte(conf), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "conf.d", "sleeper.conf"), []byte("[program:sleeper]\ncommand=sleep 600\nstopsignal=KILL\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "default"), []byte(`DAEMON_OPTS="--logfile=`+filepath.Join(dir, "from-defaults.log")+`"`+"\n"), 0o644))
	return script
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func pidFrom(t *testing.T, pidfile string) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, pidfile)))
	if err != nil {
		t.Fatalf("%s: %v", pidfile, err)
	}
	return pid
}

func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie still answers kill 0; it has stopped all the same.
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b), ") Z ")
}

// TestInitScript drives our init script against a real supervisord (Debian's, as the
// daemon under test) in a temporary root: every action and its LSB exit code.
func TestInitScript(t *testing.T) {
	needOracle(t, "supervisord")
	needTool(t, "start-stop-daemon")
	dir := t.TempDir()
	script := initScript(t, dir)
	pidfile := filepath.Join(dir, "supervisord.pid")
	t.Cleanup(func() {
		exec.Command(script, "stop").Run()
		if b, err := os.ReadFile(pidfile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	expect := func(action string, code int, says string) string {
		t.Helper()
		out, got := run(t, script, action)
		if got != code || !strings.Contains(out, says) {
			t.Fatalf("init %s: exit %d, output %q; want exit %d and %q", action, got, out, code, says)
		}
		return out
	}
	expect("status", 3, "not running")
	expect("stop", 0, "not running")
	expect("start", 0, "supervisord.")
	first := pidFrom(t, pidfile)
	expect("status", 0, "is running (pid "+strconv.Itoa(first)+")")
	expect("start", 0, "already running")
	if _, err := os.Stat(filepath.Join(dir, "from-defaults.log")); err != nil {
		t.Errorf("DAEMON_OPTS from the defaults file not applied: %v", err)
	}
	expect("restart", 0, "Starting supervisor")
	second := pidFrom(t, pidfile)
	if second == first || alive(first) {
		t.Errorf("restart: old pid %d alive=%v, new pid %d", first, alive(first), second)
	}
	expect("force-reload", 0, "Starting supervisor")
	third := pidFrom(t, pidfile)
	expect("stop", 0, "supervisord.")
	if alive(third) {
		t.Errorf("stop returned but supervisord %d is alive", third)
	}
	if _, err := os.Stat(pidfile); err == nil {
		t.Errorf("pidfile left behind after stop")
	}
	expect("force-reload", 0, "")
	if _, err := os.Stat(pidfile); err == nil {
		t.Errorf("force-reload started a stopped service")
	}
	// A pidfile naming a dead process: LSB status 1, and stop cleans it up.
	must(t, os.WriteFile(pidfile, []byte("999999\n"), 0o644))
	expect("status", 1, "supervisord.pid exists")
	expect("stop", 0, "stale")
	expect("status", 3, "not running")
	expect("reload", 3, "not implemented")
	expect("frobnicate", 2, "Usage:")
	// A configuration supervisord refuses: start fails with exit 1.
	must(t, os.WriteFile(filepath.Join(dir, "supervisord.conf"), []byte("[supervisord]\nlogfile=/nonexistent/dir/x.log\n"), 0o644))
	expect("start", 1, "failed")
}

// TestBuildDeb builds the package with Debian's Python commands standing in for ours
// (a test fixture only; `make deb` packages bin/), then inspects it, serves it from a
// local apt repository and installs and purges it in a temporary dpkg root.
func TestBuildDeb(t *testing.T) {
	for _, tool := range []string{"dpkg-deb", "dpkg-scanpackages", "apt-get", "dpkg"} {
		needTool(t, tool)
	}
	bin := t.TempDir()
	for _, c := range commands {
		must(t, os.WriteFile(filepath.Join(bin, c), []byte(readFile(t, needOracle(t, c))), 0o755))
	}
	out := t.TempDir()
	t.Setenv("ARCH", "amd64")
	stdout, code := run(t, filepath.Join(packaging, "build-deb.sh"), bin, out)
	deb := filepath.Join(out, "supervisor_4.2.5+lab1_amd64.deb")
	if code != 0 || strings.TrimSpace(stdout) != deb {
		t.Fatalf("build-deb.sh: exit %d: %s", code, stdout)
	}

	fields := map[string]string{"Package": "supervisor", "Version": "4.2.5+lab1", "Architecture": "amd64"}
	for f, want := range fields {
		if got, _ := run(t, "dpkg-deb", "--field", deb, f); strings.TrimSpace(got) != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
	if d, _ := run(t, "dpkg-deb", "--field", deb, "Description"); !strings.Contains(d, "supervisorlab") {
		t.Errorf("Description does not say it is supervisorlab's build: %q", d)
	}
	if c, _ := run(t, "dpkg-deb", "--info", deb, "conffiles"); c != readFile(t, filepath.Join(packaging, "DEBIAN/conffiles")) {
		t.Errorf("conffiles = %q", c)
	}
	contents, _ := run(t, "dpkg-deb", "--contents", deb)
	want := map[string]string{
		"./usr/bin/supervisord": "-rwxr-xr-x", "./usr/bin/supervisorctl": "-rwxr-xr-x",
		"./usr/bin/echo_supervisord_conf": "-rwxr-xr-x", "./usr/bin/pidproxy": "-rwxr-xr-x",
		"./etc/init.d/supervisor": "-rwxr-xr-x", "./etc/default/supervisor": "-rw-r--r--",
		"./etc/supervisor/supervisord.conf": "-rw-r--r--", "./etc/supervisor/conf.d/": "drwxr-xr-x",
		"./var/log/supervisor/": "drwxr-xr-x", "./": "drwxr-xr-x",
	}
	for _, l := range strings.Split(contents, "\n") {
		f := strings.Fields(l)
		if len(f) < 6 {
			continue
		}
		if mode, ok := want[f[len(f)-1]]; ok {
			if f[0] != mode || f[1] != "root/root" {
				t.Errorf("%s: %s %s, want %s root/root", f[len(f)-1], f[0], f[1], mode)
			}
			delete(want, f[len(f)-1])
		}
	}
	if len(want) > 0 {
		t.Errorf("package lacks %v", want)
	}

	// Local apt repository, read with private state so the host's apt is untouched.
	list := filepath.Join(out, "supervisorlab.list")
	line, code := run(t, filepath.Join(packaging, "apt-repo.sh"), out)
	if code != 0 || strings.TrimSpace(line) != "deb [trusted=yes] file:"+out+" ./" {
		t.Fatalf("apt-repo.sh: exit %d: %q", code, line)
	}
	state := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(state, "lists/partial"), 0o755))
	must(t, os.MkdirAll(filepath.Join(state, "cache/archives/partial"), 0o755))
	must(t, os.WriteFile(filepath.Join(state, "status"), nil, 0o644))
	aptOpts := []string{"-o", "Dir::Etc::sourcelist=" + list, "-o", "Dir::Etc::sourceparts=-",
		"-o", "Dir::State::Lists=" + filepath.Join(state, "lists"), "-o", "Dir::Cache=" + filepath.Join(state, "cache"),
		"-o", "Dir::State::status=" + filepath.Join(state, "status"), "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"}
	if o, code := run(t, "apt-get", append(aptOpts, "update")...); code != 0 || strings.Contains(o, "W:") {
		t.Fatalf("apt-get update of the local repository: exit %d\n%s", code, o)
	}
	if o, _ := run(t, "apt-cache", append(aptOpts, "show", "supervisor")...); !strings.Contains(o, "Version: 4.2.5+lab1") {
		t.Errorf("apt-cache show supervisor:\n%s", o)
	}

	// Install and purge in a temporary dpkg root. --force-script-chrootless runs our
	// maintainer scripts on the host with DPKG_ROOT set: they must touch nothing outside it.
	hostLog, hostLogErr := os.Stat("/var/log/supervisor")
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		must(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	must(t, os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644))
	dpkg := []string{"--root=" + root, "--force-script-chrootless", "--force-not-root"}
	if o, code := run(t, "dpkg", append(dpkg, "-i", deb)...); code != 0 {
		t.Fatalf("dpkg -i: exit %d\n%s", code, o)
	}
	if o, _ := run(t, "dpkg-query", "--root="+root, "-W", "-f=${Status} ${Version}", "supervisor"); o != "install ok installed 4.2.5+lab1" {
		t.Errorf("dpkg-query after install: %q", o)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/init.d/supervisor")); err != nil {
		t.Error(err)
	}
	if o, code := run(t, "dpkg", append(dpkg, "-P", "supervisor")...); code != 0 {
		t.Fatalf("dpkg -P: exit %d\n%s", code, o)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/supervisor/supervisord.conf")); err == nil {
		t.Errorf("purge left the conffile behind")
	}
	if st, err := os.Stat("/var/log/supervisor"); (err == nil) != (hostLogErr == nil) || (err == nil && !os.SameFile(st, hostLog)) {
		t.Errorf("maintainer scripts changed the host's /var/log/supervisor")
	}

	// A missing command is a clear error, not a half-built package.
	must(t, os.Remove(filepath.Join(bin, "pidproxy")))
	if o, code := run(t, filepath.Join(packaging, "build-deb.sh"), bin, t.TempDir()); code != 1 || !strings.Contains(o, "pidproxy: missing") {
		t.Errorf("build-deb.sh without pidproxy: exit %d: %q", code, o)
	}
}
