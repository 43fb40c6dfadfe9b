// Package labtarget adapts a sandbox to the checker's runner.Target, so
// `lab check` runs a step's scripts as root inside the student's sandbox.
package labtarget

import (
	"context"

	"github.com/supervisorlab/supervisorlab/checker/runner"
	"github.com/supervisorlab/supervisorlab/sandbox"
)

// Target runs check scripts in a sandbox through its agent.
type Target struct {
	Sandbox sandbox.Sandbox
	// OutputLimit caps the kept output; 0 means runner.DefaultOutputLimit.
	OutputLimit int
}

var _ runner.Target = (*Target)(nil)

// New returns a Target for sb.
func New(sb sandbox.Sandbox) *Target { return &Target{Sandbox: sb} }

// Run implements runner.Target with the runner's conventions: the shebang
// picks the interpreter, cwd is /home/shiyanlou, the script's process group
// is killed when it ends, and a timed-out script reports 128+9.
func (t *Target) Run(ctx context.Context, s runner.Script) (runner.Result, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = runner.DefaultTimeout
	}
	limit := t.OutputLimit
	if limit <= 0 {
		limit = runner.DefaultOutputLimit
	}
	res, err := t.Sandbox.Check(ctx, s.Text, sandbox.CheckOptions{
		Timeout:     timeout,
		MaxOutput:   limit,
		Dir:         runner.StudentHome,
		Interpreter: runner.Interpreter(s.Text),
	})
	if err != nil {
		return runner.Result{}, err
	}
	return runner.Result{
		ExitCode:  res.ExitCode,
		Output:    res.Output,
		Truncated: res.Truncated,
		TimedOut:  res.TimedOut,
		Duration:  res.Duration,
	}, nil
}
