package labtarget

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/checker/runner"
	"github.com/supervisorlab/supervisorlab/sandbox"
)

func TestMain(m *testing.M) {
	sandbox.MaybeRunInit() // this test binary is also the sandbox's init agent
	os.Exit(m.Run())
}

// TestSeedChecks runs the Supervisor course's own check scripts (tab
// indented, with a shebang) through runner.Target in a sandbox: red before
// the student's action, green after.
func TestSeedChecks(t *testing.T) {
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
	ctx := context.Background()
	sb, err := sandbox.Create(ctx, "t", sandbox.Options{StateRoot: root, Rootfs: sandbox.HostRootfs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Stop(ctx) })
	var target runner.Target = New(sb)
	check := runner.Script{Name: "check file", Text: "#!/bin/bash\n\tls /home/shiyanlou/supervisord.conf\n"}

	res, err := target.Run(ctx, check)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode == 0 || !strings.Contains(string(res.Output), "No such file") {
		t.Errorf("before: %+v %q", res, res.Output)
	}
	st, err := sb.Exec(ctx, sandbox.ExecRequest{Argv: []string{"sudo", "cp", "/etc/hostname", "supervisord.conf"}, User: sandbox.Student})
	if err != nil || st.Code != 0 {
		t.Fatalf("student's cp: %+v, %v", st, err)
	}
	res, err = target.Run(ctx, check)
	if err != nil || res.ExitCode != 0 || string(res.Output) != "/home/shiyanlou/supervisord.conf\n" {
		t.Errorf("after: %+v %q, %v", res, res.Output, err)
	}
	res, err = target.Run(ctx, runner.Script{Name: "slow", Text: "sleep 10", Timeout: 200 * time.Millisecond})
	if err != nil || !res.TimedOut || res.ExitCode != 137 {
		t.Errorf("timeout: %+v, %v", res, err)
	}
	res, err = target.Run(ctx, runner.Script{Name: "py", Text: "#!/usr/bin/python3\nprint('py')\n"})
	if err != nil || res.ExitCode != 0 || string(res.Output) != "py\n" {
		t.Errorf("shebang: %+v %q, %v", res, res.Output, err)
	}
}
