package machine

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/sandbox"
	"github.com/supervisorlab/supervisorlab/sandbox/image"
)

func TestMain(m *testing.M) {
	sandbox.MaybeRunInit() // the test binary is also the sandbox's init agent
	if os.Getenv(asLabEnv) != "" {
		os.Exit(labMain(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// needRoot skips (or fails under CI=true) when the test cannot build images.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root to build the image and start sandboxes (CI=true)")
		}
		t.Skip("needs root to build the image and start sandboxes")
	}
}

// repoRoot is the checkout this package lives in.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(wd))
}

// buildBin builds our binaries (and lab) into a temporary bin dir next to
// nothing: the packaging is found through PackagingEnv.
func buildBin(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	bin := filepath.Join(root, "bin")
	if dir := os.Getenv("SUPERVISORLAB_BIN"); dir != "" {
		bin = dir
	}
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", bin + "/"}
	for _, c := range Commands {
		args = append(args, "./supervisor/cmd/"+c)
	}
	args = append(args, "./checker/cmd/lab")
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestRecipeIsStable(t *testing.T) {
	bin := t.TempDir()
	for _, c := range Commands {
		if err := os.WriteFile(filepath.Join(bin, c), []byte("#!/bin/sh\necho "+c+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(PackagingEnv, filepath.Join(repoRoot(t), "labs", "supervisor", "packaging"))
	ctx := context.Background()
	r1, err := Recipe(ctx, bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(r1.OverlayDirs[0])) })
	r2, err := Recipe(ctx, bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	h1, err := r1.Hash()
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := r2.Hash()
	if h1 != h2 {
		t.Errorf("same binaries, different image hashes %s and %s: the cached image would be rebuilt", h1, h2)
	}
	deb := filepath.Join(r1.OverlayDirs[0], RepoPath[1:], "supervisor_"+Version+"_"+debArch(t)+".deb")
	if _, err := os.Stat(deb); err != nil {
		t.Errorf("the repository lacks our .deb: %v", err)
	}
	list, err := os.ReadFile(filepath.Join(r1.OverlayDirs[0], "etc/apt/sources.list.d/supervisorlab.list"))
	if err != nil || !strings.Contains(string(list), "[trusted=yes] file:"+RepoPath) {
		t.Errorf("sources.list entry = %q, %v", list, err)
	}
	// A changed binary is a different package, so a different image.
	os.WriteFile(filepath.Join(bin, "supervisord"), []byte("#!/bin/sh\necho changed\n"), 0o755)
	r3, err := Recipe(ctx, bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(r3.OverlayDirs[0])) })
	if h3, _ := r3.Hash(); h3 == h1 {
		t.Error("a changed supervisord kept the image hash")
	}
}

func TestMissingBinary(t *testing.T) {
	t.Setenv(PackagingEnv, filepath.Join(repoRoot(t), "labs", "supervisor", "packaging"))
	_, err := Recipe(context.Background(), t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "supervisord") {
		t.Fatalf("err = %v, want one naming the missing supervisord", err)
	}
}

func debArch(t *testing.T) string {
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		t.Skip("no dpkg")
	}
	return strings.TrimSpace(string(out))
}

// startMachine builds (or reuses) the course image and starts a sandbox on it.
func startMachine(t *testing.T) *sandbox.Local {
	t.Helper()
	needRoot(t)
	ctx := context.Background()
	bin := buildBin(t)
	r, err := Recipe(ctx, bin, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	rootfs, err := image.Ensure(ctx, *r, image.Options{Progress: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	s, err := sandbox.Create(ctx, "machine-test", sandbox.Options{StateRoot: t.TempDir(), Rootfs: rootfs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(context.Background()) })
	return s
}

func run(t *testing.T, s *sandbox.Local, script string) string {
	t.Helper()
	res, err := s.Check(context.Background(), "#!/bin/bash\n"+script, sandbox.CheckOptions{Timeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		t.Fatalf("%s: exit %d\n%s", script, res.ExitCode, res.Output)
	}
	return string(res.Output)
}

// TestCourseMachine: the image has our supervisor installed as the Debian
// package, and its service runs the course's ssh program.
func TestCourseMachine(t *testing.T) {
	s := startMachine(t)
	if out := run(t, s, "dpkg -l supervisor"); !regexp.MustCompile(`(?m)^ii\s+supervisor\s+` + regexp.QuoteMeta(Version)).MatchString(out) {
		t.Errorf("dpkg -l supervisor:\n%s", out)
	}
	if out := run(t, s, "apt-cache show supervisor"); !strings.Contains(out, "Version: "+Version) {
		t.Errorf("apt-cache show supervisor:\n%s", out)
	}
	if out := run(t, s, "supervisord -v"); strings.TrimSpace(out) != "4.2.5" {
		t.Errorf("supervisord -v = %q, want 4.2.5", out)
	}
	run(t, s, "mkdir -p /run/sshd; sudo service supervisor start")
	if out := run(t, s, "sudo service supervisor status"); !strings.Contains(out, "running") {
		t.Errorf("service supervisor status:\n%s", out)
	}
	// The program needs a moment past startsecs to be RUNNING: poll.
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := s.Check(context.Background(), "#!/bin/sh\nsupervisorctl status", sandbox.CheckOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if regexp.MustCompile(`(?m)^ssh\s+RUNNING\s+pid \d+`).Match(res.Output) {
			t.Logf("supervisorctl status:\n%s", res.Output)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssh never RUNNING; supervisorctl status:\n%s", res.Output)
		}
		time.Sleep(500 * time.Millisecond)
	}
	run(t, s, "sudo service supervisor stop")
}
