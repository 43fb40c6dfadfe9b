package labtarget

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/supervisorlab/supervisorlab/checker/runner"
)

func TestCommands(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root (CI=true)")
		}
		t.Skip("needs root")
	}
	root, err := os.MkdirTemp("", "sbx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	labDir := filepath.Join(t.TempDir(), "supervisor")
	os.Mkdir(labDir, 0o755)

	// The student's "terminal" is a pipe here: no raw mode, same session.
	in, typed, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	typed.WriteString("echo $((2+3))x; touch ~/mark; exit 4\n")
	typed.Close()
	screen, err := os.CreateTemp(t.TempDir(), "screen")
	if err != nil {
		t.Fatal(err)
	}
	c := Config{DefaultLabName: "supervisor", StateRoot: root, Stdin: in}
	cmds := c.Commands()
	t.Cleanup(func() { cmds["stop"]([]string{labDir}, os.Stdout, os.Stderr) })

	var stderr bytes.Buffer
	if code := cmds["start"]([]string{labDir, "--rootfs", "host"}, screen, &stderr); code != 4 {
		t.Fatalf("lab start = %d, stderr %q", code, stderr.String())
	}
	if b, _ := os.ReadFile(screen.Name()); !strings.Contains(string(b), "5x") {
		t.Errorf("screen: %q", b)
	}
	if !strings.Contains(stderr.String(), "sandbox supervisor started") {
		t.Errorf("stderr: %q", stderr.String())
	}

	// lab check finds the sandbox and its lab.
	target, lab, err := c.Current()
	if err != nil || lab != labDir {
		t.Fatalf("Current = %v, %q, %v", target, lab, err)
	}
	res, err := target.Run(context.Background(), runner.Script{Name: "mark", Text: "ls /home/shiyanlou/mark"})
	if err != nil || res.ExitCode != 0 {
		t.Errorf("check in current sandbox: %+v %q %v", res, res.Output, err)
	}

	var out bytes.Buffer
	if code := cmds["reset"](nil, &out, &stderr); code != 0 || !strings.Contains(out.String(), "sandbox supervisor reset") {
		t.Errorf("lab reset = %d, %q %q", code, out.String(), stderr.String())
	}
	target, _, _ = c.Current()
	if res, _ := target.Run(context.Background(), runner.Script{Text: "ls /home/shiyanlou/mark"}); res.ExitCode == 0 {
		t.Error("reset kept the student's file")
	}
	if code := cmds["stop"](nil, &out, &stderr); code != 0 {
		t.Errorf("lab stop = %d, %q", code, stderr.String())
	}
	if _, _, err := c.Current(); !errors.Is(err, runner.ErrNoSandbox) {
		t.Errorf("Current after stop: %v", err)
	}
	stderr.Reset()
	if code := cmds["reset"](nil, &out, &stderr); code != 2 || !strings.Contains(stderr.String(), "lab start") {
		t.Errorf("reset with nothing running = %d, %q", code, stderr.String())
	}
	if code := cmds["gc"]([]string{"x"}, &out, &stderr); code != 2 {
		t.Errorf("gc with an argument = %d", code)
	}
	if code := cmds["gc"](nil, &out, &stderr); code != 0 {
		t.Errorf("gc = %d, %q", code, stderr.String())
	}
	stderr.Reset()
	if code := cmds["start"]([]string{"/no/such/lab"}, screen, &stderr); code != 2 || !strings.Contains(stderr.String(), "no such file") {
		t.Errorf("start of a missing lab = %d, %q", code, stderr.String())
	}
}

func TestFresh(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	root, err := os.MkdirTemp("", "sbx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	t.Setenv(RootfsEnv, "host")
	c := Config{StateRoot: root}
	ctx := context.Background()
	t1, discard1, err := c.Fresh(ctx, "/labs/x")
	if err != nil {
		t.Fatal(err)
	}
	t2, discard2, err := c.Fresh(ctx, "/labs/x")
	if err != nil {
		t.Fatal(err)
	}
	t1.Run(ctx, runner.Script{Text: "touch /etc/only-in-one"})
	if res, _ := t2.Run(ctx, runner.Script{Text: "test -e /etc/only-in-one"}); res.ExitCode == 0 {
		t.Error("fresh sandboxes share files")
	}
	discard1()
	discard2()
	if entries, _ := os.ReadDir(filepath.Join(root, "sandboxes")); len(entries) != 0 {
		t.Errorf("discarded sandboxes left %d dirs", len(entries))
	}
}
