package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// Pod is a sandbox running as a Kubernetes pod (deploy/kubernetes): the
// pod's namespaces replace ours, its PID 1 is our agent in pod mode
// (PodInitEnv), and commands reach it through `kubectl exec`.
type Pod struct {
	// PodName and Namespace name the student's pod.
	PodName   string
	Namespace string
	// Kubectl is the kubectl binary (default "kubectl" in PATH); Args go
	// before the subcommand (e.g. --context, --kubeconfig).
	Kubectl string
	Args    []string
}

var _ Sandbox = (*Pod)(nil)

// Name implements Sandbox.
func (p *Pod) Name() string { return p.PodName }

func (p *Pod) kubectl(ctx context.Context, args ...string) *exec.Cmd {
	bin := p.Kubectl
	if bin == "" {
		bin = "kubectl"
	}
	all := append(append([]string(nil), p.Args...), args...)
	return exec.CommandContext(ctx, bin, all...)
}

// podArgv wraps a command so that it runs as user, in dir, with env, using
// only what the image has (sh, env, runuser).
func podArgv(req ExecRequest) []string {
	user := req.User
	if user == "" {
		user = Root
	}
	// An explicit Dir must exist; the default is the user's home, or /.
	script := `if [ -n "$1" ]; then cd "$1" || exit 126; else cd "$HOME" 2>/dev/null || cd /; fi; shift; exec "$@"`
	argv := []string{"runuser", "-u", user, "--", "env", "HOME=/root", "USER=root", "LOGNAME=root"}
	if user != Root {
		argv = []string{"runuser", "-u", user, "--", "env", "HOME=/home/" + user, "USER=" + user, "LOGNAME=" + user}
	}
	argv = append(argv, req.Env...)
	argv = append(argv, "/bin/sh", "-c", script, "sandbox-exec", req.Dir)
	return append(argv, req.Argv...)
}

// Exec implements Sandbox. ExtraFiles cannot cross kubectl and are refused.
func (p *Pod) Exec(ctx context.Context, req ExecRequest) (ExitStatus, error) {
	if len(req.Argv) == 0 {
		return ExitStatus{}, errors.New("empty command")
	}
	if len(req.ExtraFiles) > 0 {
		return ExitStatus{}, errors.New("pod sandbox: extra files cannot be passed through kubectl exec")
	}
	args := []string{"exec", "-n", p.Namespace, p.PodName, "-i"}
	if req.TTY != nil {
		args = append(args, "-t")
	}
	args = append(append(args, "--"), podArgv(req)...)
	cmd := p.kubectl(ctx, args...)
	if req.TTY != nil {
		// kubectl itself puts the terminal in raw mode and sends resizes.
		cmd.Stdin, cmd.Stdout, cmd.Stderr = req.TTY.In, req.TTY.Out, req.TTY.Out
	} else {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = req.Stdin, req.Stdout, req.Stderr
		if cmd.Stdin == nil {
			cmd.Stdin = strings.NewReader("")
		}
	}
	cmd.WaitDelay = req.WaitDelay
	if cmd.WaitDelay <= 0 {
		cmd.WaitDelay = time.Second
	}
	err := cmd.Run()
	if ctx.Err() != nil {
		return ExitStatus{}, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ExitStatus{Code: ee.ExitCode()}, nil
	}
	if err != nil {
		return ExitStatus{}, fmt.Errorf("pod %s: %w", p.PodName, err)
	}
	return ExitStatus{}, nil
}

// podCheckScript stores the check script (read from stdin) in a root-only
// directory, runs it with stdin from /dev/null, and removes it.
const podCheckScript = `umask 077; mkdir -p /run/lab-checks; f=$(mktemp /run/lab-checks/check.XXXXXX) || exit 125
cat > "$f"; dir=$1; shift
cd "$dir" 2>/dev/null || cd /
"$@" "$f" < /dev/null; rc=$?; rm -f "$f"; exit $rc`

// Check implements Sandbox.
func (p *Pod) Check(ctx context.Context, script string, opts CheckOptions) (CheckResult, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxOutput <= 0 {
		opts.MaxOutput = 64 << 10
	}
	if opts.Dir == "" {
		opts.Dir = "/home/" + Student
	}
	interp := opts.Interpreter
	if len(interp) == 0 {
		interp = []string{"/bin/bash"}
	}
	out := &cappedBuffer{max: opts.MaxOutput}
	cctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	start := time.Now()
	argv := append([]string{"exec", "-n", p.Namespace, p.PodName, "-i", "--", "timeout", "-s", "KILL",
		fmt.Sprintf("%.3f", opts.Timeout.Seconds()), "/bin/sh", "-c", podCheckScript, "lab-check", opts.Dir}, interp...)
	cmd := p.kubectl(cctx, argv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(script), out, out
	cmd.WaitDelay = 500 * time.Millisecond
	err := cmd.Run()
	res := CheckResult{Duration: time.Since(start)}
	res.Output, res.Truncated = out.result()
	var ee *exec.ExitError
	switch {
	case cctx.Err() != nil && ctx.Err() == nil:
		res.TimedOut, res.ExitCode = true, 137
	case ctx.Err() != nil:
		return res, ctx.Err()
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
		// timeout(1) reports a KILLed command as 137 too.
		res.TimedOut = res.ExitCode == 137 && res.Duration >= opts.Timeout
	case err != nil:
		return res, fmt.Errorf("pod %s: %w", p.PodName, err)
	}
	res.Passed = res.ExitCode == 0 && !res.TimedOut
	return res, nil
}

// Stop implements Sandbox: the pod is deleted (its volumes with it).
func (p *Pod) Stop(ctx context.Context) error {
	cmd := p.kubectl(ctx, "delete", "pod", "-n", p.Namespace, p.PodName, "--ignore-not-found", "--wait=false")
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pod %s: delete: %v: %s", p.PodName, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}
