package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeKubectl plays kubectl for the Pod backend's tests: "exec -n NS POD
// -i [-t] -- ARGV" runs ARGV in the local sandbox named POD (state root in
// SBX_TEST_STATE), "delete pod -n NS POD ..." stops it.
func fakeKubectl(args []string) int {
	root := os.Getenv("SBX_TEST_STATE")
	switch {
	case len(args) > 4 && args[0] == "exec":
		s, err := Open(args[3], root)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kubectl:", err)
			return 1
		}
		i := 0
		for i < len(args) && args[i] != "--" {
			i++
		}
		st, err := s.Exec(context.Background(), ExecRequest{Argv: args[i+1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		if err != nil {
			fmt.Fprintln(os.Stderr, "kubectl:", err)
			return 1
		}
		return st.Code
	case len(args) > 4 && args[0] == "delete":
		if err := StopLab(context.Background(), root, args[4]); err != nil {
			fmt.Fprintln(os.Stderr, "kubectl:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintln(os.Stderr, "kubectl: unexpected", args)
	return 2
}

func TestPodBackend(t *testing.T) {
	s := newSandbox(t, Options{})
	bin := filepath.Join(t.TempDir(), "kubectl")
	if err := os.Symlink(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SBX_TEST_STATE", filepath.Dir(filepath.Dir(s.Dir())))
	p := &Pod{PodName: s.Name(), Namespace: "labs", Kubectl: bin}
	var sb Sandbox = p
	ctx := context.Background()

	var out bytes.Buffer
	st, err := sb.Exec(ctx, ExecRequest{Argv: []string{"sh", "-c", "id -un; pwd; echo $FOO; cat; exit 4"}, User: Student,
		Env: []string{"FOO=bar"}, Stdin: strings.NewReader("in\n"), Stdout: &out})
	if err != nil || st.Code != 4 || out.String() != "shiyanlou\n/home/shiyanlou\nbar\nin\n" {
		t.Errorf("exec: %q %+v %v", out.String(), st, err)
	}
	out.Reset()
	st, err = sb.Exec(ctx, ExecRequest{Argv: []string{"pwd"}, Dir: "/etc", Stdout: &out})
	if err != nil || st.Code != 0 || out.String() != "/etc\n" {
		t.Errorf("exec in dir: %q %+v %v", out.String(), st, err)
	}

	res, err := sb.Check(ctx, "#!/bin/bash\n\tid -u; pwd; ls /run/lab-checks | wc -l; cat; echo end\n", CheckOptions{})
	if err != nil || !res.Passed || string(res.Output) != "0\n/home/shiyanlou\n1\nend\n" {
		t.Errorf("check: %+v %q %v", res, res.Output, err)
	}
	if out, _ := run(t, s, Student, "ls /run/lab-checks 2>&1 | grep -c denied; sudo ls /run/lab-checks | wc -l"); out != "1\n0\n" {
		t.Errorf("check scripts dir: %q", out)
	}
	res, err = sb.Check(ctx, "exit 3", CheckOptions{})
	if err != nil || res.Passed || res.ExitCode != 3 {
		t.Errorf("failing check: %+v %v", res, err)
	}
	res, err = sb.Check(ctx, "sleep 20", CheckOptions{Timeout: 500 * time.Millisecond})
	if err != nil || !res.TimedOut || res.ExitCode != 137 {
		t.Errorf("timed-out check: %+v %v", res, err)
	}
	if err := sb.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(s.Name(), filepath.Dir(filepath.Dir(s.Dir()))); err == nil {
		t.Error("pod sandbox still there after Stop")
	}
}
