package labcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
	"github.com/supervisorlab/supervisorlab/checker/runner"
	"golang.org/x/sys/unix"
)

// parseStep reads "step-N" (or "N") for a lab of n steps.
func parseStep(arg string, n int) (int, error) {
	num := strings.TrimPrefix(strings.ToLower(arg), "step-")
	k, err := strconv.Atoi(num)
	if err != nil || strings.HasPrefix(num, "+") {
		return 0, fmt.Errorf("%q is not a step: want step-N, N a number from 1 to %d", arg, n)
	}
	if k < 1 || k > n {
		return 0, fmt.Errorf("%s is out of range: this lab has %d %s (step-1 to step-%d)", arg, n, plural(n, "step"), n)
	}
	return k, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func (c Config) style(w io.Writer, verbose bool) runner.Style {
	color := isTerminal(w) && c.Getenv("NO_COLOR") == "" && c.Getenv("TERM") != "dumb"
	return runner.Style{Color: color, Verbose: verbose}
}

func (c Config) progress() (runner.Progress, error) {
	if d := c.Getenv("XDG_STATE_HOME"); d != "" && strings.HasPrefix(d, "/") {
		return runner.Progress{Dir: d + "/supervisorlab"}, nil
	}
	if h := c.Getenv("HOME"); strings.HasPrefix(h, "/") {
		return runner.Progress{Dir: h + "/.local/state/supervisorlab"}, nil
	}
	d, err := runner.StateDir()
	return runner.Progress{Dir: d}, err
}

func (c Config) check(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("check", stderr)
	labArg := fl.String("lab", "", "lab directory or markdown file")
	local := fl.Bool("local", false, "run the checks on this machine")
	asJSON := fl.Bool("json", false, "print results as JSON")
	verbose := fl.Bool("v", false, "show script output")
	all := fl.Bool("a", false, "run every check of a step even after a failure")
	pos, err := parseArgs(fl, args)
	if err != nil {
		return usageErr(stderr, "check", err)
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "lab check: want at most one step, got %q\n", strings.Join(pos, " "))
		return exitUsage
	}

	var target runner.Target
	if *local {
		target = &runner.Local{}
	} else {
		// INTEGRATION POINT (sandbox): the checks run in the student's current sandbox.
		var sbLab string
		if c.Sandbox != nil {
			target, sbLab, err = c.Sandbox()
		}
		if c.Sandbox == nil || errors.Is(err, runner.ErrNoSandbox) {
			fmt.Fprintln(stderr, "lab check: no sandbox is running: start one with 'lab start', or check this machine with --local")
			return exitUsage
		}
		if err != nil {
			fmt.Fprintf(stderr, "lab check: %v\n", err)
			return exitUsage
		}
		if *labArg == "" {
			*labArg = sbLab
		}
	}
	ref, err := c.resolve(*labArg)
	if err != nil {
		fmt.Fprintf(stderr, "lab check: %v\n", err)
		return exitUsage
	}
	lab, err := ref.load()
	if err != nil {
		fmt.Fprintf(stderr, "lab check: %v\n", err)
		return exitUsage
	}
	if len(lab.Steps) == 0 {
		fmt.Fprintf(stderr, "lab check: %s: no checker blocks, so no steps to check\n", ref.file)
		return exitUsage
	}
	steps := lab.Steps
	single := len(pos) == 1
	if single {
		n, err := parseStep(pos[0], len(lab.Steps))
		if err != nil {
			fmt.Fprintf(stderr, "lab check: %v\n", err)
			return exitUsage
		}
		steps = lab.Steps[n-1 : n]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	style := c.style(stdout, *verbose)
	report := runner.Report{Lab: ref.key, Passed: true}
	if ref.fsys != nil {
		report.Lab = ref.file
	}
	code := exitOK
	for i, st := range steps {
		if st.Broken {
			for _, d := range lab.Errors {
				if d.Step == st.N {
					fmt.Fprintf(stderr, "lab check: %s\n", d)
				}
			}
			report.Passed, code = false, exitUsage
			break
		}
		opt := runner.Options{All: *all}
		if !*asJSON {
			// Print as each check finishes: a slow check should not look like a hang.
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			runner.WriteHeader(stdout, st.N, st.Title, style)
			opt.OnCheck = func(cr runner.CheckResult) { runner.WriteCheck(stdout, cr, style) }
		}
		sr, err := runner.RunStep(ctx, target, lab, st, opt)
		if err != nil {
			if ctx.Err() != nil {
				err = errors.New("interrupted")
			}
			fmt.Fprintf(stderr, "lab check: %v\n", err)
			report.Passed, code = false, exitUsage
			break
		}
		report.Steps = append(report.Steps, sr)
		if !sr.Passed {
			report.Passed, code = false, exitFail
			break // later steps build on this one
		}
	}
	if p, err := c.progress(); err == nil {
		if err := p.Record(ref.key, report.Steps, time.Now()); err != nil {
			fmt.Fprintf(stderr, "lab check: progress not saved: %v\n", err)
		}
	}
	if *asJSON {
		if err := runner.WriteJSON(stdout, report); err != nil {
			fmt.Fprintf(stderr, "lab check: %v\n", err)
			return exitUsage
		}
		return code
	}
	if !single && code == exitOK {
		fmt.Fprintf(stdout, "\n%s all %d %s passed\n", style.Mark(runner.Pass), len(steps), plural(len(steps), "step"))
	} else if !single && code == exitFail {
		last := report.Steps[len(report.Steps)-1].Step
		fmt.Fprintf(stdout, "\n%s step-%d failed (%d of %d steps passed)\n", style.Mark(runner.Fail), last, last-1, len(steps))
	}
	return code
}

func (c Config) loadFor(cmd string, args []string, stderr io.Writer) (*labdoc.Lab, labRef, int) {
	fl := newFlags(cmd, stderr)
	labArg := fl.String("lab", "", "lab directory or markdown file")
	pos, err := parseArgs(fl, args)
	if err != nil {
		return nil, labRef{}, usageErr(stderr, cmd, err)
	}
	if len(pos) > 1 || len(pos) == 1 && *labArg != "" {
		fmt.Fprintf(stderr, "lab %s: unexpected arguments %q\n", cmd, strings.Join(pos, " "))
		return nil, labRef{}, exitUsage
	}
	if len(pos) == 1 {
		*labArg = pos[0]
	}
	ref, err := c.resolve(*labArg)
	if err != nil {
		fmt.Fprintf(stderr, "lab %s: %v\n", cmd, err)
		return nil, ref, exitUsage
	}
	lab, err := ref.load()
	if err != nil {
		fmt.Fprintf(stderr, "lab %s: %v\n", cmd, err)
		return nil, ref, exitUsage
	}
	return lab, ref, exitOK
}

// steps lists "step-N  <title>" and the check names below each.
func (c Config) steps(args []string, stdout, stderr io.Writer) int {
	lab, _, code := c.loadFor("steps", args, stderr)
	if lab == nil {
		return code
	}
	for _, st := range lab.Steps {
		fmt.Fprintf(stdout, "step-%d  %s\n", st.N, st.Title)
		if st.Broken {
			fmt.Fprintf(stdout, "    (cannot be checked: %s:%d has errors, see 'lab lint')\n", st.File, st.Line)
			continue
		}
		for _, ch := range st.Checks {
			fmt.Fprintf(stdout, "    - %s\n", ch.Name)
		}
	}
	return exitOK
}

// status shows the latest result of each step: a line of marks, then one line per step.
func (c Config) status(args []string, stdout, stderr io.Writer) int {
	lab, ref, code := c.loadFor("status", args, stderr)
	if lab == nil {
		return code
	}
	p, err := c.progress()
	var recs map[int]runner.StepRecord
	if err == nil {
		recs, err = p.Steps(ref.key)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lab status: %v\n", err)
	}
	style := c.style(stdout, false)
	marks := make([]string, len(lab.Steps))
	passed := 0
	status := func(st labdoc.Step) runner.Status {
		r, ok := recs[st.N]
		switch {
		case !ok || r.Digest != "" && r.Digest != st.Digest():
			return runner.NotRun
		case r.Passed:
			passed++
			return runner.Pass
		}
		return runner.Fail
	}
	lines := make([]string, len(lab.Steps))
	for i, st := range lab.Steps {
		s := status(st)
		marks[i] = style.Mark(s)
		lines[i] = fmt.Sprintf("%s step-%d  %s", style.Mark(s), st.N, st.Title)
		if r, ok := recs[st.N]; ok {
			when := r.At.Local().Format("2006-01-02 15:04")
			if s == runner.NotRun {
				lines[i] += "  (the step changed since its check at " + when + ")"
			} else {
				lines[i] += "  (" + when + ")"
			}
		}
	}
	fmt.Fprintf(stdout, "%s   %d/%d %s passed\n", strings.Join(marks, " "), passed, len(lab.Steps), plural(len(lab.Steps), "step"))
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	return exitOK
}
