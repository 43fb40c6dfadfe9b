package labcli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
	"github.com/supervisorlab/supervisorlab/checker/runner"
)

// scriptTimeout bounds a lab's setup and each reference solution.
const scriptTimeout = 10 * time.Minute

// test proves a lab's checks right: for every step N, in a fresh environment prepared by the
// lab's setup and the solutions of steps 1..N-1, step N must fail, then pass once
// solutions/step-N.sh has run.
//
// The fresh environment is meant to be a new sandbox per step (Config.FreshSandbox, from the
// sandbox work). Until that is wired in, --local runs everything on this machine in a throwaway
// directory per step (the working directory and HOME of every script, removed afterwards), which
// suits labs whose checks look at paths relative to the working directory or $HOME; a lab that
// changes the system (like the Supervisor lab) must wait for sandboxes.
func (c Config) test(args []string, stdout, stderr io.Writer) int {
	fl := newFlags("test", stderr)
	local := fl.Bool("local", false, "run in throwaway directories on this machine")
	verbose := fl.Bool("v", false, "show the output of every script")
	pos, err := parseArgs(fl, args)
	if err != nil {
		return usageErr(stderr, "test", err)
	}
	if len(pos) > 1 {
		fmt.Fprintf(stderr, "lab test: want at most one LAB, got %q\n", strings.Join(pos, " "))
		return exitUsage
	}
	arg := ""
	if len(pos) == 1 {
		arg = pos[0]
	}
	ref, err := c.resolve(arg)
	if err != nil {
		fmt.Fprintf(stderr, "lab test: %v\n", err)
		return exitUsage
	}
	lab, err := ref.load()
	if err != nil {
		fmt.Fprintf(stderr, "lab test: %v\n", err)
		return exitUsage
	}
	if len(lab.Errors) > 0 {
		for _, d := range lab.Errors {
			fmt.Fprintf(stderr, "lab test: %s\n", d)
		}
		return exitUsage
	}
	if len(lab.Steps) == 0 {
		fmt.Fprintf(stderr, "lab test: %s: no checker blocks, so no steps to test\n", ref.file)
		return exitUsage
	}
	fresh := c.FreshSandbox
	if fresh == nil {
		if !*local {
			fmt.Fprintln(stderr, "lab test: sandboxes are not available in this build: use --local to test in throwaway directories on this machine")
			return exitUsage
		}
		fresh = throwawayDir
	}
	labDir := ref.dir
	if ref.fsys != nil {
		tmp, err := os.MkdirTemp("", "lab-test-src-")
		if err != nil {
			fmt.Fprintf(stderr, "lab test: %v\n", err)
			return exitUsage
		}
		defer os.RemoveAll(tmp)
		if err := os.CopyFS(tmp, ref.fsys); err != nil {
			fmt.Fprintf(stderr, "lab test: %v\n", err)
			return exitUsage
		}
		labDir = tmp
	}
	if labDir, err = filepath.Abs(labDir); err != nil {
		fmt.Fprintf(stderr, "lab test: %v\n", err)
		return exitUsage
	}
	setup, err := readSetup(labDir)
	if err != nil {
		fmt.Fprintf(stderr, "lab test: %v\n", err)
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tBEFORE\tAFTER\tRESULT")
	code := exitOK
	for _, st := range lab.Steps {
		t := stepTest{lab: lab, labDir: labDir, setup: setup, verbose: *verbose, log: stderr}
		before, after, verdict, err := t.run(ctx, fresh, st)
		if err != nil {
			tw.Flush()
			fmt.Fprintf(stderr, "lab test: step-%d: %v\n", st.N, err)
			return exitUsage
		}
		if verdict != "ok" {
			code = exitFail
		}
		fmt.Fprintf(tw, "step-%d\t%s\t%s\t%s\n", st.N, before, after, verdict)
	}
	tw.Flush()
	return code
}

// throwawayDir is the --local stand-in for a fresh sandbox: a new directory that is the
// working directory and HOME of every script, with LAB_DIR naming the lab's directory.
func throwawayDir(_ context.Context, labDir string) (runner.Target, func(), error) {
	dir, err := os.MkdirTemp("", "lab-test-")
	if err != nil {
		return nil, nil, err
	}
	t := &runner.Local{Dir: dir, Env: []string{"HOME=" + dir, "LAB_DIR=" + labDir}}
	return t, func() { os.RemoveAll(dir) }, nil
}

// readSetup returns the lab's setup script (setup.sh or setup beside lab.md), "" when none.
func readSetup(labDir string) (string, error) {
	for _, name := range []string{"setup.sh", "setup"} {
		data, err := os.ReadFile(filepath.Join(labDir, name))
		if err == nil {
			return string(data), nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.EISDIR) {
			return "", pathErr(filepath.Join(labDir, name), err)
		}
	}
	return "", nil
}

type stepTest struct {
	lab     *labdoc.Lab
	labDir  string
	setup   string
	verbose bool
	log     io.Writer
}

// run tests one step in a fresh environment and returns the table cells. The error is a failure
// of the environment itself.
func (s stepTest) run(ctx context.Context, fresh func(context.Context, string) (runner.Target, func(), error), st labdoc.Step) (before, after, verdict string, err error) {
	target, discard, err := fresh(ctx, s.labDir)
	if err != nil {
		return "", "", "", err
	}
	defer discard()
	if s.setup != "" {
		if bad, err := s.script(ctx, target, st.N, "setup", s.setup); err != nil || bad != "" {
			return "-", "-", bad, err
		}
	}
	for k := 1; k < st.N; k++ {
		if bad, err := s.solution(ctx, target, st.N, k); err != nil || bad != "" {
			return "-", "-", bad, err
		}
	}
	check := func() (string, error) {
		sr, err := runner.RunStep(ctx, target, s.lab, st, runner.Options{All: true})
		if err != nil {
			return "", err
		}
		if s.verbose {
			runner.WriteText(s.log, sr, runner.Style{Verbose: true})
		}
		if sr.Passed {
			return "PASS", nil
		}
		return "FAIL", nil
	}
	if before, err = check(); err != nil {
		return "", "", "", err
	}
	if bad, err := s.solution(ctx, target, st.N, st.N); err != nil || bad != "" {
		return before, "-", bad, err
	}
	if after, err = check(); err != nil {
		return "", "", "", err
	}
	switch {
	case before == "PASS":
		verdict = "BAD: green before its solution"
	case after == "FAIL":
		verdict = "BAD: still red after its solution"
	default:
		verdict = "ok"
	}
	return before, after, verdict, nil
}

func (s stepTest) solution(ctx context.Context, t runner.Target, step, k int) (string, error) {
	name := fmt.Sprintf("solutions/step-%d.sh", k)
	data, err := os.ReadFile(filepath.Join(s.labDir, name))
	if err != nil {
		return "BAD: " + pathErr(name, err).Error(), nil
	}
	return s.script(ctx, t, step, name, string(data))
}

// script runs setup or a solution; a non-zero exit is a bad row, shown with its output.
func (s stepTest) script(ctx context.Context, t runner.Target, step int, name, text string) (string, error) {
	res, err := t.Run(ctx, runner.Script{Name: name, Text: text, Timeout: scriptTimeout})
	if err != nil {
		return "", err
	}
	if s.verbose || res.ExitCode != 0 {
		fmt.Fprintf(s.log, "step-%d: %s exited %d\n", step, name, res.ExitCode)
		for _, l := range strings.Split(strings.TrimRight(string(res.Output), "\n"), "\n") {
			if l != "" {
				fmt.Fprintf(s.log, "    | %s\n", l)
			}
		}
	}
	if res.ExitCode != 0 {
		return fmt.Sprintf("BAD: %s exited %d", name, res.ExitCode), nil
	}
	return "", nil
}
