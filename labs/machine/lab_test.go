package machine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/supervisorlab/supervisorlab/checker/labcli"
	"github.com/supervisorlab/supervisorlab/labs"
	"github.com/supervisorlab/supervisorlab/sandbox/labtarget"
)

// asLabEnv makes the test binary play the `lab` command wired as
// checker/cmd/lab/main.go should be: the embedded Supervisor lab, sandboxes
// on the course machine image built by Recipe from $asLabEnv (a bin dir).
const asLabEnv = "MACHINE_TEST_AS_LAB"

// stateEnv keeps the test's sandboxes apart from a real `lab start`.
const stateEnv = "MACHINE_TEST_STATE"

func labMain(args []string) int {
	r, err := Recipe(context.Background(), os.Getenv(asLabEnv), os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lab: %v\n", err)
		return 1
	}
	lt := labtarget.Config{DefaultLabName: "supervisor", Recipe: r, StateRoot: os.Getenv(stateEnv)}
	c := labcli.Config{
		DefaultLab:     labs.Supervisor,
		DefaultLabName: "supervisor",
		Sandbox:        lt.Current,
		FreshSandbox:   lt.Fresh,
		Extra:          lt.Commands(),
	}
	return c.Main(args, os.Stdout, os.Stderr)
}

// labCmd is the test binary as `lab`, with our freshly built bin dir.
func labCmd(t *testing.T, bin, state string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), asLabEnv+"="+bin, stateEnv+"="+state, "NO_COLOR=1", "HOME="+state)
	return cmd
}

// TestLabTestInSandboxes runs `lab test labs/supervisor` on the course
// machine: every step red before its solution and green after, each in a
// fresh sandbox.
func TestLabTestInSandboxes(t *testing.T) {
	needRoot(t)
	bin := buildBin(t)
	state := t.TempDir()
	var out bytes.Buffer
	cmd := labCmd(t, bin, state, "test", "-v", filepath.Join(repoRoot(t), "labs", "supervisor"))
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	os.MkdirAll(filepath.Join(repoRoot(t), "testdata", "e2e"), 0o755)
	os.WriteFile(filepath.Join(repoRoot(t), "testdata", "e2e", "lab-test.log"), out.Bytes(), 0o644)
	t.Logf("lab test:\n%s", out.Bytes())
	if err != nil {
		t.Fatalf("lab test labs/supervisor: %v", err)
	}
	if !regexp.MustCompile(`step-6`).Match(out.Bytes()) && !regexp.MustCompile(`\b6\b`).Match(out.Bytes()) {
		t.Errorf("no step 6 in the report")
	}
}
