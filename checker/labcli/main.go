// Package labcli is the `lab` command: check a student's work step by step (`lab check`), list
// steps and progress (`lab steps`, `lab status`), and help instructors (`lab lint`, `lab test`).
// checker/cmd/lab/main.go is a thin call into Main.
//
// Exit codes: 0 all passed, 1 a check failed (or lint found errors, or `lab test` found a bad
// step), 2 usage or lab-file error.
//
// A lab is a markdown file, or a directory holding lab.md and, for `lab test`, setup.sh (or
// setup), run first in every fresh environment, and solutions/step-N.sh, the reference answer of
// step N. Scripts without a shebang run with bash. In `lab test --local` every script runs with
// a throwaway directory as its working directory and HOME, and LAB_DIR naming the lab's directory.
//
// Progress (the latest result of each step) is kept per lab in $XDG_STATE_HOME/supervisorlab
// (default ~/.local/state/supervisorlab); see runner.Progress.
package labcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/supervisorlab/supervisorlab/checker/runner"
)

// Config is what the lab binary wires in. Its zero value works: the default lab is ./lab.md and
// no sandbox is available.
type Config struct {
	// DefaultLab is the lab used without --lab (or LAB): a file system holding lab.md, and for
	// `lab test` setup.sh (or setup) and solutions/step-N.sh. The lab binary sets it to the
	// embedded Supervisor lab (labs/supervisor via go:embed); nil means ./lab.md.
	DefaultLab fs.FS
	// DefaultLabName names DefaultLab in messages and keys its progress, e.g. "supervisor".
	DefaultLabName string

	// INTEGRATION POINT (sandbox): Sandbox returns the target that runs checks inside the
	// current sandbox (the last `lab start`), and that sandbox's lab (a directory or file, "" for
	// the default lab) used when --lab is not given. It returns runner.ErrNoSandbox when none is
	// running. nil: sandboxes are not built into this binary.
	Sandbox func() (target runner.Target, lab string, err error)
	// INTEGRATION POINT (sandbox): FreshSandbox creates a new sandbox for LAB (a directory
	// holding lab.md, setup and solutions) for `lab test`, and a function that discards it.
	// nil: `lab test` needs --local (throwaway directories on this machine).
	FreshSandbox func(ctx context.Context, labDir string) (runner.Target, func(), error)
	// INTEGRATION POINT (sandbox): Extra holds the subcommands the sandbox work adds
	// (start, stop, reset, gc), dispatched by name with the arguments after it.
	Extra map[string]func(args []string, stdout, stderr io.Writer) int

	// Getenv reads the environment (NO_COLOR, XDG_STATE_HOME, HOME); nil means os.Getenv.
	Getenv func(string) string
}

// Default is the configuration Main uses; the lab binary fills it in before calling Main.
var Default Config

// Main runs the lab command with args (without the program name) and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return Default.Main(args, stdout, stderr)
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

const usage = `usage: lab <command> [arguments]

  lab check  [--lab LAB] [--local] [--json] [-v] [-a] [step-N]   run step N (no step: all, in order)
  lab steps  [--lab LAB]        list steps and their checks
  lab status [--lab LAB]        progress per step
  lab lint   FILE...            problems in lab files, as FILE:LINE: message
  lab test   [--local] [LAB]    every step red before its solution, green after
`

const usageFooter = `
LAB is a lab directory (holding lab.md) or a markdown file; the default is the built-in lab.
`

// extraUsage documents the subcommands a Config may add through Extra, in display order.
var extraUsage = []struct{ name, line string }{
	{"start", "  lab start  [--rootfs host] [LAB]   open the student's shell in LAB's sandbox (create or re-attach)"},
	{"stop", "  lab stop   [LAB]            stop LAB's sandbox (its changes are discarded)"},
	{"reset", "  lab reset  [LAB]            start LAB's sandbox afresh"},
	{"gc", "  lab gc                      clean up sandboxes whose controller died"},
	{"serve", "  lab serve  [--addr ADDR] [LAB]   the web lab: lab text, terminal and Check buttons"},
}

// usage is the help text, listing the Extra subcommands this Config has.
func (c Config) usage() string {
	var b strings.Builder
	b.WriteString(usage)
	for _, e := range extraUsage {
		if _, ok := c.Extra[e.name]; ok {
			b.WriteString(e.line + "\n")
		}
	}
	b.WriteString(usageFooter)
	return b.String()
}

// Main runs the lab command with this configuration.
func (c Config) Main(args []string, stdout, stderr io.Writer) int {
	if c.Getenv == nil {
		c.Getenv = os.Getenv
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, c.usage())
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "check":
		return c.check(rest, stdout, stderr)
	case "steps":
		return c.steps(rest, stdout, stderr)
	case "status":
		return c.status(rest, stdout, stderr)
	case "lint":
		return c.lint(rest, stdout, stderr)
	case "test":
		return c.test(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, c.usage())
		return exitOK
	}
	// INTEGRATION POINT (sandbox): start, stop, reset and gc come from the sandbox work.
	if f, ok := c.Extra[cmd]; ok {
		return f(rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "lab: unknown command %q (run 'lab help')\n", cmd)
	return exitUsage
}

// parseArgs parses flags anywhere among the arguments (before or after positionals, until
// "--") and returns the positionals.
func parseArgs(fl *flag.FlagSet, args []string) ([]string, error) {
	var after []string
	for i, a := range args {
		if a == "--" {
			args, after = args[:i], args[i+1:]
			break
		}
	}
	var pos []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		args = fl.Args()
		if len(args) == 0 {
			return append(pos, after...), nil
		}
		pos = append(pos, args[0]) // flag stopped at a positional
		args = args[1:]
	}
}

// newFlags makes a flag set whose errors are one line on stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fl := flag.NewFlagSet("lab "+name, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	fl.Usage = func() {}
	return fl
}

// usageErr prints a flag error in one line with a pointer to help.
func usageErr(stderr io.Writer, cmd string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	fmt.Fprintf(stderr, "lab %s: %v (run 'lab help')\n", cmd, err)
	return exitUsage
}
