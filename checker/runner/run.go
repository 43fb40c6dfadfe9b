package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
)

// Status of one check.
type Status string

const (
	Pass   Status = "pass"
	Fail   Status = "fail"
	NotRun Status = "not-run" // an earlier check of the step failed (and -a was not given)
)

// CheckResult is the outcome of one check.
type CheckResult struct {
	Name      string        `json:"name"`
	Line      int           `json:"line"`
	Status    Status        `json:"status"`
	ExitCode  int           `json:"exit_code"`
	TimedOut  bool          `json:"timed_out"`
	Timeout   time.Duration `json:"-"`
	Duration  time.Duration `json:"-"`
	Error     string        `json:"error,omitempty"` // the author's text; only when failed
	Hint      string        `json:"hint,omitempty"`  // only when failed
	Output    string        `json:"output"`
	Truncated bool          `json:"output_truncated"`
}

// StepResult is the outcome of one step.
type StepResult struct {
	Step   int           `json:"step"`
	Title  string        `json:"title"`
	Line   int           `json:"line"`
	Passed bool          `json:"passed"`
	Checks []CheckResult `json:"checks"`
	Digest string        `json:"-"` // labdoc.Step.Digest of the step that ran
}

// Options change how a step runs.
type Options struct {
	All     bool          // run every check even after one failed
	Timeout time.Duration // used when neither the check nor the lab sets one; 0: DefaultTimeout
	// OnCheck, when set, is called with each check's result as soon as it is known (not-run
	// ones included), so a person sees progress during slow checks.
	OnCheck func(CheckResult)
}

// timeoutFor resolves a check's timeout: its own, the lab's front matter, the options, 30 s.
func timeoutFor(lab *labdoc.Lab, c labdoc.Check, opt Options) time.Duration {
	switch {
	case c.Timeout > 0:
		return c.Timeout
	case lab != nil && lab.Meta.Timeout > 0:
		return lab.Meta.Timeout
	case opt.Timeout > 0:
		return opt.Timeout
	}
	return DefaultTimeout
}

// RunStep runs the checks of st in order on t. They stop at the first failure, as on the course
// platform (later checks often assume earlier ones), unless opt.All. The error is the target's
// own failure; a failing check is a StepResult with Passed false.
func RunStep(ctx context.Context, t Target, lab *labdoc.Lab, st labdoc.Step, opt Options) (StepResult, error) {
	sr := StepResult{Step: st.N, Title: st.Title, Line: st.Line, Passed: true, Digest: st.Digest()}
	if st.Broken {
		return sr, fmt.Errorf("step-%d cannot run: %v", st.N, lab.StepErr(st.N))
	}
	failed := false
	for i, c := range st.Checks {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("check %d", i+1)
		}
		cr := CheckResult{Name: name, Line: c.Line, Status: NotRun, Timeout: timeoutFor(lab, c, opt)}
		if failed && !opt.All {
			sr.Checks = append(sr.Checks, cr)
			if opt.OnCheck != nil {
				opt.OnCheck(cr)
			}
			continue
		}
		res, err := t.Run(ctx, Script{Name: name, Text: c.Script, Timeout: cr.Timeout})
		if err != nil {
			return sr, fmt.Errorf("step-%d: %s: %w", st.N, name, err)
		}
		cr.ExitCode, cr.TimedOut, cr.Duration = res.ExitCode, res.TimedOut, res.Duration
		cr.Output, cr.Truncated = string(res.Output), res.Truncated
		if res.ExitCode == 0 && !res.TimedOut {
			cr.Status = Pass
		} else {
			cr.Status, cr.Error, cr.Hint = Fail, c.Error, c.Hint
			failed = true
			sr.Passed = false
		}
		sr.Checks = append(sr.Checks, cr)
		if opt.OnCheck != nil {
			opt.OnCheck(cr)
		}
	}
	return sr, nil
}
