package labtarget

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"github.com/supervisorlab/supervisorlab/checker/runner"
	"github.com/supervisorlab/supervisorlab/sandbox"
	"github.com/supervisorlab/supervisorlab/sandbox/image"
)

// RootfsEnv, when set (to "host" or an image directory), is the root file
// system `lab start` and `lab test` use instead of the cached image.
const RootfsEnv = "SUPERVISORLAB_ROOTFS"

// Config wires sandboxes into the lab command (checker/labcli.Config):
//
//	lt := labtarget.Config{DefaultLabName: "supervisor"}
//	labcli.Default.Sandbox = lt.Current
//	labcli.Default.FreshSandbox = lt.Fresh
//	labcli.Default.Extra = lt.Commands()
type Config struct {
	// DefaultLabName names the sandbox of the built-in lab (LAB not given).
	DefaultLabName string
	// StateRoot and CacheRoot default to sandbox.DefaultStateRoot() and
	// image.DefaultCacheRoot.
	StateRoot string
	CacheRoot string
	// Recipe is the image to build (nil: image.DefaultRecipe()); the lab's
	// packaging adds its overlay dirs and setup scripts here.
	Recipe *image.Recipe
	// Stdin is the terminal `lab start` attaches (nil: os.Stdin).
	Stdin *os.File
}

func (c Config) stdin() *os.File {
	if c.Stdin != nil {
		return c.Stdin
	}
	return os.Stdin
}

// Current implements labcli.Config.Sandbox: the current sandbox and its lab.
func (c Config) Current() (runner.Target, string, error) {
	s, err := sandbox.Current(c.StateRoot)
	if errors.Is(err, sandbox.ErrNotRunning) {
		return nil, "", runner.ErrNoSandbox
	}
	if err != nil {
		return nil, "", err
	}
	return New(s), s.Lab(), nil
}

var freshSeq atomic.Int64

// Fresh implements labcli.Config.FreshSandbox: a new sandbox for `lab test`,
// removed by the returned function.
func (c Config) Fresh(ctx context.Context, labDir string) (runner.Target, func(), error) {
	rootfs, err := c.rootfs(ctx, os.Getenv(RootfsEnv), os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	name := fmt.Sprintf("test-%d-%d", os.Getpid(), freshSeq.Add(1))
	s, err := sandbox.Create(ctx, name, sandbox.Options{StateRoot: c.StateRoot, Rootfs: rootfs, Lab: labDir})
	if err != nil {
		return nil, nil, err
	}
	return New(s), func() { s.Stop(context.Background()) }, nil
}

// rootfs resolves a --rootfs value: "" is the cached image (built now if
// needed, with progress on w).
func (c Config) rootfs(ctx context.Context, v string, w io.Writer) (string, error) {
	if v != "" {
		return v, nil
	}
	r := image.DefaultRecipe()
	if c.Recipe != nil {
		r = *c.Recipe
	}
	return image.Ensure(ctx, r, image.Options{CacheRoot: c.CacheRoot, Progress: w})
}

// Commands implements labcli.Config.Extra: start, stop, reset and gc.
func (c Config) Commands() map[string]func(args []string, stdout, stderr io.Writer) int {
	return map[string]func([]string, io.Writer, io.Writer) int{
		"start": c.start,
		"stop":  c.stop,
		"reset": c.reset,
		"gc":    c.gc,
	}
}

// parse parses flags before and after one optional LAB.
func parse(fl *flag.FlagSet, args []string, stderr io.Writer) (lab string, ok bool) {
	fl.SetOutput(stderr)
	if err := fl.Parse(args); err != nil {
		return "", false
	}
	rest := fl.Args()
	if len(rest) > 0 {
		lab = rest[0]
		if err := fl.Parse(rest[1:]); err != nil {
			return "", false
		}
		if fl.NArg() > 0 {
			fmt.Fprintf(stderr, "lab %s: want at most one LAB, got %q and %q\n", fl.Name(), lab, fl.Arg(0))
			return "", false
		}
	}
	return lab, true
}

// labPath makes a LAB argument absolute, so the recorded lab works from
// any directory later.
func labPath(lab string) string {
	if lab == "" {
		return ""
	}
	if abs, err := filepath.Abs(lab); err == nil {
		return abs
	}
	return lab
}

func (c Config) nameFor(lab string) string {
	if lab == "" && c.DefaultLabName != "" {
		return sandbox.NameForLab(c.DefaultLabName)
	}
	return sandbox.NameForLab(lab)
}

func (c Config) start(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("start", flag.ContinueOnError)
	rootfs := fl.String("rootfs", os.Getenv(RootfsEnv), `root file system: "host" (this machine's / under a copy-on-write layer) or an image directory; default the cached Debian image`)
	lab, ok := parse(fl, args, stderr)
	if !ok {
		return 2
	}
	if lab != "" {
		if _, err := os.Stat(lab); err != nil {
			fmt.Fprintf(stderr, "lab start: %v\n", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := sandbox.StartOptions{Name: c.nameFor(lab), Lab: labPath(lab), StateRoot: c.StateRoot, CacheRoot: c.CacheRoot, Recipe: c.Recipe}
	if *rootfs != "" {
		opts.Rootfs = *rootfs
	}
	out, ok := stdout.(*os.File)
	if !ok {
		out = os.Stdout
	}
	code, err := sandbox.Start(ctx, opts, c.stdin(), out, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "lab start: %v\n", err)
		return 1
	}
	return code
}

func (c Config) stop(args []string, stdout, stderr io.Writer) int {
	lab, ok := parse(flag.NewFlagSet("stop", flag.ContinueOnError), args, stderr)
	if !ok {
		return 2
	}
	if err := sandbox.StopLab(context.Background(), c.StateRoot, c.labName(lab)); err != nil {
		fmt.Fprintf(stderr, "lab stop: %v\n", err)
		return 1
	}
	return 0
}

// labName turns a LAB argument into what StopLab/ResetLab resolve ("" is
// the current sandbox).
func (c Config) labName(lab string) string {
	if lab == "" {
		return ""
	}
	return c.nameFor(lab)
}

func (c Config) reset(args []string, stdout, stderr io.Writer) int {
	lab, ok := parse(flag.NewFlagSet("reset", flag.ContinueOnError), args, stderr)
	if !ok {
		return 2
	}
	s, err := sandbox.ResetLab(context.Background(), c.StateRoot, c.labName(lab))
	if err != nil {
		fmt.Fprintf(stderr, "lab reset: %v\n", err)
		if errors.Is(err, sandbox.ErrNotRunning) {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "sandbox %s reset: `lab start` opens a shell in it\n", s.Name())
	return 0
}

func (c Config) gc(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("gc", flag.ContinueOnError)
	fl.SetOutput(stderr)
	if err := fl.Parse(args); err != nil || fl.NArg() > 0 {
		if err == nil {
			fmt.Fprintln(stderr, "lab gc: takes no arguments")
		}
		return 2
	}
	cleaned, err := sandbox.GC(context.Background(), c.StateRoot)
	for _, n := range cleaned {
		fmt.Fprintf(stdout, "removed dead sandbox %s\n", n)
	}
	if err != nil {
		fmt.Fprintf(stderr, "lab gc: %v\n", err)
		return 1
	}
	return 0
}
