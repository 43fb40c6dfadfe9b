package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/supervisorlab/supervisorlab/sandbox/image"
)

// This file is what the `lab` command calls for start, stop, reset and gc.

// StartOptions configure `lab start`.
type StartOptions struct {
	// Name overrides the sandbox's name (default NameForLab(Lab)).
	Name string
	// Lab is the lab directory or file; it names the sandbox and is
	// recorded so that `lab check` finds the current sandbox's lab.
	Lab string
	// Rootfs is "" for the cached Debian image (built on first use),
	// HostRootfs for the host's / as lower layer, or an image directory.
	Rootfs string
	// Recipe overrides image.DefaultRecipe(), e.g. to add the lab's
	// packaging overlay dirs and setup scripts.
	Recipe *image.Recipe
	// StateRoot and CacheRoot default to DefaultStateRoot() and
	// image.DefaultCacheRoot.
	StateRoot string
	CacheRoot string
	// Sandbox holds further options (limits, hostname).
	Sandbox Options
}

// NameForLab derives a sandbox name from a lab path: its directory's (or
// markdown file's) base name, or "lab" for the embedded default.
func NameForLab(lab string) string {
	base := strings.TrimSuffix(filepath.Base(filepath.Clean(lab)), ".md")
	if base == "lab" || base == "README" {
		base = filepath.Base(filepath.Dir(filepath.Clean(lab)))
	}
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-._")
	if len(name) > 32 {
		name = name[:32]
	}
	if lab == "" || name == "" || checkName(name) != nil {
		return "lab"
	}
	return name
}

// Start is `lab start`: it creates the lab's sandbox unless it runs, makes
// it the user's current sandbox, and opens a student shell on the caller's
// terminal. It returns the shell's exit code.
func Start(ctx context.Context, o StartOptions, stdin, stdout *os.File, stderr io.Writer) (int, error) {
	s, created, err := Ensure(ctx, o, stderr)
	if err != nil {
		return 0, err
	}
	if created {
		fmt.Fprintf(stderr, "sandbox %s started; `exit` leaves it running, `lab stop` ends it\n", s.Name())
	} else {
		fmt.Fprintf(stderr, "re-attaching to sandbox %s\n", s.Name())
	}
	return Shell(ctx, s, ShellRequest{In: stdin, Out: stdout})
}

// Ensure returns the lab's running sandbox, creating it when needed, and
// makes it the current one. Progress of an image build goes to progress.
func Ensure(ctx context.Context, o StartOptions, progress io.Writer) (*Local, bool, error) {
	if o.StateRoot == "" {
		o.StateRoot = DefaultStateRoot()
	}
	name := o.Name
	if name == "" {
		name = NameForLab(o.Lab)
	}
	s, err := Open(name, o.StateRoot)
	if err == nil {
		return s, false, setCurrent(o.StateRoot, name)
	}
	if !errors.Is(err, ErrNotRunning) {
		return nil, false, err
	}
	opts := o.Sandbox
	opts.StateRoot, opts.Lab = o.StateRoot, o.Lab
	switch o.Rootfs {
	case "":
		r := image.DefaultRecipe()
		if o.Recipe != nil {
			r = *o.Recipe
		}
		rootfs, err := image.Ensure(ctx, r, image.Options{CacheRoot: o.CacheRoot, Progress: progress})
		if err != nil {
			return nil, false, err
		}
		opts.Rootfs = rootfs
	default:
		opts.Rootfs = o.Rootfs
	}
	s, err = Create(ctx, name, opts)
	if err != nil {
		return nil, false, err
	}
	// The sandbox outlives this process: it is not our child to reap.
	s.proc.Release()
	s.proc = nil
	return s, true, setCurrent(o.StateRoot, name)
}

func currentFile(root string) string { return filepath.Join(root, "current") }

func setCurrent(root, name string) error {
	return os.WriteFile(currentFile(root), []byte(name+"\n"), 0o644)
}

// Current returns the user's current sandbox (the last one started), for
// `lab check` to run checks in. With none running the error says how to
// start one.
func Current(stateRoot string) (*Local, error) {
	if stateRoot == "" {
		stateRoot = DefaultStateRoot()
	}
	b, err := os.ReadFile(currentFile(stateRoot))
	if err != nil {
		return nil, fmt.Errorf("no sandbox running (%w): start one with `lab start`", ErrNotRunning)
	}
	s, err := Open(strings.TrimSpace(string(b)), stateRoot)
	if err != nil {
		return nil, fmt.Errorf("%w: start one with `lab start`", err)
	}
	return s, nil
}

// resolve picks the sandbox a stop/reset means: LAB's, or the current one.
func resolve(stateRoot, lab string) (string, string) {
	if stateRoot == "" {
		stateRoot = DefaultStateRoot()
	}
	if lab != "" {
		return stateRoot, NameForLab(lab)
	}
	b, _ := os.ReadFile(currentFile(stateRoot))
	if name := strings.TrimSpace(string(b)); name != "" {
		return stateRoot, name
	}
	return stateRoot, NameForLab("")
}

// StopLab is `lab stop [LAB]`: it kills everything in LAB's sandbox (the
// current one without LAB) and removes its state, also when its agent or
// controller already died. Stopping a stopped sandbox is not an error.
func StopLab(ctx context.Context, stateRoot, lab string) error {
	stateRoot, name := resolve(stateRoot, lab)
	if err := checkName(name); err != nil {
		return err
	}
	dir := stateDir(stateRoot, name)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return stopDir(ctx, dir, nil)
}

// ResetLab is `lab reset [LAB]`: it discards every change the student made
// by replacing the sandbox with a fresh one of the same options. Shells
// attached to the old one end (they are hung up).
func ResetLab(ctx context.Context, stateRoot, lab string) (*Local, error) {
	stateRoot, name := resolve(stateRoot, lab)
	if err := checkName(name); err != nil {
		return nil, err
	}
	dir := stateDir(stateRoot, name)
	st, err := readState(dir)
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: %w: nothing to reset, `lab start` makes a fresh one", name, ErrNotRunning)
	}
	if err := stopDir(ctx, dir, nil); err != nil {
		return nil, err
	}
	s, err := Create(ctx, name, st.Options)
	if err != nil {
		return nil, err
	}
	s.proc.Release()
	s.proc = nil
	return s, setCurrent(stateRoot, name)
}
