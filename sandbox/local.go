package sandbox

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// HostRootfs selects the host's own / as the read-only lower layer.
const HostRootfs = "host"

// Options configure a local sandbox. Zero values get defaults.
type Options struct {
	// StateRoot holds sandboxes/<name>/ (default DefaultStateRoot()).
	StateRoot string `json:"state_root"`
	// Rootfs is HostRootfs or an image's root file system directory.
	Rootfs string `json:"rootfs"`
	// Hostname inside the sandbox (default "shiyanlou").
	Hostname string `json:"hostname"`
	// Lab is recorded for `lab check` to find the lab of the current sandbox.
	Lab string `json:"lab,omitempty"`
	// UpperSize caps the student's changes to the root file system
	// (default 1 GiB); TmpSize caps /tmp and /dev/shm (default 256 MiB).
	UpperSize int64 `json:"upper_size"`
	TmpSize   int64 `json:"tmp_size"`
	// PidsMax and MemoryMax limit the whole sandbox (defaults 1024 and
	// 1 GiB); without writable cgroups they become per-process rlimits.
	PidsMax   int   `json:"pids_max"`
	MemoryMax int64 `json:"memory_max"`
	// StartTimeout bounds the agent's setup (default 30s).
	StartTimeout time.Duration `json:"-"`
}

func (o *Options) defaults() {
	if o.StateRoot == "" {
		o.StateRoot = DefaultStateRoot()
	}
	if o.Rootfs == "" {
		o.Rootfs = HostRootfs
	}
	if o.Hostname == "" {
		o.Hostname = "shiyanlou"
	}
	if o.UpperSize <= 0 {
		o.UpperSize = 1 << 30
	}
	if o.TmpSize <= 0 {
		o.TmpSize = 256 << 20
	}
	if o.PidsMax <= 0 {
		o.PidsMax = 1024
	}
	if o.MemoryMax <= 0 {
		o.MemoryMax = 1 << 30
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 30 * time.Second
	}
}

// Local is a sandbox run by namespaces on this host.
type Local struct {
	name string
	dir  string
	st   *state
	proc *os.Process // set when this process started the agent (then it must reap it)
}

var _ Sandbox = (*Local)(nil)

// Name implements Sandbox.
func (s *Local) Name() string { return s.name }

// Dir is the sandbox's state directory on the host.
func (s *Local) Dir() string { return s.dir }

// Pid is the host pid of the sandbox's init agent.
func (s *Local) Pid() int { return s.st.Pid }

// Lab is the lab recorded when the sandbox was created.
func (s *Local) Lab() string { return s.st.Lab }

// Create starts a new sandbox. A stale sandbox of the same name (its agent
// gone) is cleaned up first; a running one gives ErrExists.
func Create(ctx context.Context, name string, opts Options) (*Local, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	opts.defaults()
	dir := stateDir(opts.StateRoot, name)
	if st, err := readState(dir); err == nil && st.alive() {
		return nil, fmt.Errorf("sandbox %s: %w", name, ErrExists)
	}
	if _, err := os.Stat(dir); err == nil {
		if err := stopDir(ctx, dir, nil); err != nil {
			return nil, fmt.Errorf("clean up stale sandbox %s: %w", name, err)
		}
	}
	root := os.Geteuid() == 0
	cfg := initConfig{
		Name: name, Dir: dir, Hostname: opts.Hostname,
		UpperSize: opts.UpperSize, TmpSize: opts.TmpSize, MapsIDs: root,
	}
	if opts.Rootfs == HostRootfs {
		if !root {
			return nil, errors.New("--rootfs host needs root (it bind-mounts the host's / privately); use an image instead")
		}
		cfg.Lower = filepath.Join(dir, "lower")
		cfg.Provision = true
	} else {
		abs, err := filepath.Abs(opts.Rootfs)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(abs, "bin", "sh")); err != nil {
			return nil, fmt.Errorf("root file system %s: no bin/sh in it (build the image first, or use --rootfs host)", abs)
		}
		cfg.Lower = abs
		opts.Rootfs = abs
		cfg.Provision = true
	}
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o700); err != nil {
		return nil, err
	}
	st := &state{Name: name, Rootfs: opts.Rootfs, Lab: opts.Lab, Created: time.Now().UTC(), Options: opts}
	s := &Local{name: name, dir: dir, st: st}
	fail := func(err error) (*Local, error) {
		stopDir(context.Background(), dir, s.proc)
		return nil, fmt.Errorf("start sandbox %s: %w", name, err)
	}
	// Record before starting so that a controller killed mid-start still
	// leaves enough behind for GC.
	if err := writeState(dir, st); err != nil {
		return fail(err)
	}
	if cg, err := createCgroups(cgroupName(dir), opts.PidsMax, opts.MemoryMax); err == nil {
		st.Cgroups = cg
	} else {
		cfg.NProc = uint64(opts.PidsMax)
		cfg.AddrSpace = uint64(opts.MemoryMax)
	}
	if err := writeState(dir, st); err != nil {
		return fail(err)
	}
	proc, syncR, commitW, err := startInit(&cfg, dir)
	if err != nil {
		return fail(err)
	}
	s.proc = proc
	defer syncR.Close()
	defer commitW.Close()
	st.Pid = proc.Pid
	st.StartTime, _, _ = procStartTime(proc.Pid)
	if err := writeState(dir, st); err != nil {
		return fail(err)
	}
	if err := joinCgroups(st.Cgroups, proc.Pid); err != nil {
		return fail(err)
	}
	deadline := time.Now().Add(opts.StartTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	syncR.SetReadDeadline(deadline)
	line, err := bufio.NewReader(syncR).ReadString('\n')
	line = strings.TrimSpace(line)
	switch {
	case line == "ready":
		// The pid is on disk: the agent may now outlive us.
		if _, err := commitW.Write([]byte("ok\n")); err != nil {
			return fail(fmt.Errorf("agent exited after setup: %w", err))
		}
		return s, nil
	case strings.HasPrefix(line, "error: "):
		return fail(errors.New(strings.TrimPrefix(line, "error: ")))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fail(fmt.Errorf("agent not ready after %v (see %s)", opts.StartTimeout, filepath.Join(dir, "init.log")))
	default:
		log, _ := os.ReadFile(filepath.Join(dir, "init.log"))
		msg := strings.TrimSpace(string(log))
		if len(msg) > 2000 {
			msg = "..." + msg[len(msg)-2000:]
		}
		if msg == "" {
			msg = "no output"
		}
		return fail(fmt.Errorf("agent exited during setup: %s", msg))
	}
}

// startInit re-executes this binary as the init agent in new namespaces.
// In host mode the lower layer is a non-recursive bind of / made in a
// private mount namespace of one locked OS thread: the agent's namespaces
// inherit it, the host never sees it, and the thread dies afterwards.
//
// The agent reports on syncR ("ready" or "error: ...") and then waits for
// "ok" on commitW, which the controller sends once the agent's pid is
// recorded: a controller killed before that leaves no unrecorded agent
// behind, since the agent exits when commitW closes unsent.
func startInit(cfg *initConfig, dir string) (proc *os.Process, syncR, commitW *os.File, err error) {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "init.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, nil, err
	}
	defer logf.Close()
	syncR, syncW, err := os.Pipe()
	if err != nil {
		return nil, nil, nil, err
	}
	defer syncW.Close()
	commitR, commitW, err := os.Pipe()
	if err != nil {
		syncR.Close()
		return nil, nil, nil, err
	}
	defer commitR.Close()
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{initArg0, cfg.Name},
		Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", initEnv + "=" + string(raw)},
		Dir:        "/",
		Stdout:     logf,
		Stderr:     logf,
		ExtraFiles: []*os.File{syncW, commitR},
		SysProcAttr: &syscall.SysProcAttr{
			Setsid: true,
			Cloneflags: unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUTS |
				unix.CLONE_NEWIPC | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP,
		},
	}
	if cfg.MapsIDs {
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr.GidMappingsEnableSetgroups = true
	} else {
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}}
	}
	err = onThrowawayThread(func() error {
		if cfg.Lower == filepath.Join(dir, "lower") {
			if err := bindHostRoot(cfg.Lower); err != nil {
				return err
			}
		}
		return cmd.Start()
	})
	if err != nil {
		syncR.Close()
		commitW.Close()
		return nil, nil, nil, fmt.Errorf("start init agent: %w", err)
	}
	return cmd.Process, syncR, commitW, nil
}

// onThrowawayThread runs f on an OS thread that dies afterwards, so that
// namespace changes f makes never reach other goroutines. The main thread
// cannot die (the runtime parks it instead), so f never runs there.
func onThrowawayThread(f func() error) error {
	errc := make(chan error)
	go func() {
		// No UnlockOSThread on the way out: a goroutine that exits locked
		// takes its thread with it.
		runtime.LockOSThread()
		if unix.Gettid() == unix.Getpid() {
			// Holding the main thread, start another goroutine: it cannot
			// be scheduled here.
			errc <- onThrowawayThread(f)
			runtime.UnlockOSThread()
			return
		}
		errc <- f()
	}()
	return <-errc
}

func bindHostRoot(lower string) error {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("private mount namespace: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make mounts private: %w", err)
	}
	if err := os.MkdirAll(lower, 0o700); err != nil {
		return err
	}
	if err := unix.Mount("/", lower, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind host root: %w", err)
	}
	// Read-only, so even a bug in the overlay setup cannot write the host.
	if err := unix.Mount("", lower, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		return fmt.Errorf("bind host root read-only: %w", err)
	}
	return nil
}

// Open finds a running sandbox by name.
func Open(name, stateRoot string) (*Local, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if stateRoot == "" {
		stateRoot = DefaultStateRoot()
	}
	dir := stateDir(stateRoot, name)
	st, err := readState(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("sandbox %s: %w", name, ErrNotRunning)
	}
	if err != nil {
		return nil, err
	}
	if !st.alive() {
		return nil, fmt.Errorf("sandbox %s: %w (its agent exited; `lab gc` cleans up, `lab start` makes a new one)", name, ErrNotRunning)
	}
	return &Local{name: name, dir: dir, st: st}, nil
}

// Stop implements Sandbox: it kills the agent (the kernel then kills every
// process in the sandbox), removes the cgroups and the state directory.
func (s *Local) Stop(ctx context.Context) error {
	p := s.proc
	s.proc = nil
	return stopDir(ctx, s.dir, p)
}

// stopDir tears down whatever a sandbox directory records. proc is the
// agent when this process is its parent (it must be reaped here).
func stopDir(ctx context.Context, dir string, proc *os.Process) error {
	st, err := readState(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		// An unreadable record: nothing to kill, but the directory goes.
		st = nil
	}
	var errs []error
	if st != nil && st.Pid > 0 {
		if st.alive() {
			unix.Kill(st.Pid, unix.SIGKILL)
		}
		if proc != nil {
			proc.Wait()
		} else {
			deadline := time.Now().Add(10 * time.Second)
			for st.alive() {
				if time.Now().After(deadline) || ctx.Err() != nil {
					errs = append(errs, fmt.Errorf("agent pid %d did not exit", st.Pid))
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
	} else if proc != nil {
		proc.Kill()
		proc.Wait()
	}
	if st != nil {
		if err := removeCgroups(st.Cgroups, 10*time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	// Nothing is ever mounted on the host's side; make sure of it anyway.
	if err := unmountUnder(dir); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// unmountUnder detaches any mount of this mount namespace below dir.
func unmountUnder(dir string) error {
	b, err := os.ReadFile("/proc/thread-self/mountinfo")
	if err != nil {
		return err
	}
	var errs []error
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			if err := unix.Unmount(f[4], unix.MNT_DETACH); err != nil {
				errs = append(errs, fmt.Errorf("unmount %s: %w", f[4], err))
			}
		}
	}
	return errors.Join(errs...)
}

// List returns the names of the sandboxes recorded under stateRoot.
func List(stateRoot string) ([]string, error) {
	if stateRoot == "" {
		stateRoot = DefaultStateRoot()
	}
	entries, err := os.ReadDir(sandboxesDir(stateRoot))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, err
}

// GC cleans up every recorded sandbox whose agent is gone (a crashed
// controller, a killed agent) and returns their names.
func GC(ctx context.Context, stateRoot string) ([]string, error) {
	if stateRoot == "" {
		stateRoot = DefaultStateRoot()
	}
	names, err := List(stateRoot)
	if err != nil {
		return nil, err
	}
	var cleaned []string
	var errs []error
	for _, n := range names {
		dir := stateDir(stateRoot, n)
		if st, err := readState(dir); err == nil && st.alive() {
			continue
		}
		if err := stopDir(ctx, dir, nil); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n, err))
			continue
		}
		cleaned = append(cleaned, n)
	}
	return cleaned, errors.Join(errs...)
}

// dial connects to the agent.
func (s *Local) dial() (*net.UnixConn, error) {
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: socketPath(s.dir), Net: "unixpacket"})
	if err != nil {
		if !s.st.alive() {
			return nil, fmt.Errorf("sandbox %s: %w", s.name, ErrNotRunning)
		}
		return nil, fmt.Errorf("sandbox %s: agent: %w", s.name, err)
	}
	return c, nil
}

// Exec implements Sandbox.
func (s *Local) Exec(ctx context.Context, req ExecRequest) (ExitStatus, error) {
	c, err := s.dial()
	if err != nil {
		return ExitStatus{}, err
	}
	defer c.Close()
	wire := wireRequest{Argv: req.Argv, User: req.User, Env: req.Env, Dir: req.Dir, Kill: req.KillGroup}
	var pass, ours []*os.File // fds for the agent; our pipe ends
	var copiers sync.WaitGroup
	closeAll := func(fs []*os.File) {
		for _, f := range fs {
			f.Close()
		}
	}
	if req.TTY == nil {
		in, err := inputFile(req.Stdin, &ours)
		if err != nil {
			return ExitStatus{}, err
		}
		pass = append(pass, in)
		out, err := outputFile(req.Stdout, &ours, &copiers)
		if err != nil {
			closeAll(pass)
			return ExitStatus{}, err
		}
		pass = append(pass, out)
		if sameWriter(req.Stdout, req.Stderr) {
			// One pipe keeps the interleaving of stdout and stderr.
			out, err = dupFile(out)
		} else {
			out, err = outputFile(req.Stderr, &ours, &copiers)
		}
		if err != nil {
			closeAll(pass)
			return ExitStatus{}, err
		}
		pass = append(pass, out)
	} else {
		wire.TTY, wire.Rows, wire.Cols, wire.Term = true, req.TTY.Size.Rows, req.TTY.Size.Cols, req.TTY.Term
	}
	wire.NFile = len(pass) + len(req.ExtraFiles)
	err = sendMsg(c, wire, append(pass, req.ExtraFiles...)...)
	// The agent has its own copies now; ours must close so pipes see EOF.
	closeAll(pass)
	defer closeAll(ours)
	if err != nil {
		return ExitStatus{}, fmt.Errorf("sandbox %s: send request: %w", s.name, err)
	}
	var rep wireReply
	got, err := recvMsg(c, &rep)
	if err != nil {
		return ExitStatus{}, fmt.Errorf("sandbox %s: agent: %w", s.name, err)
	}
	if rep.Err != "" {
		closeAllFiles(got)
		return ExitStatus{}, fmt.Errorf("sandbox %s: %s", s.name, rep.Err)
	}
	var master *os.File
	if req.TTY != nil {
		if len(got) != 1 {
			closeAllFiles(got)
			return ExitStatus{}, fmt.Errorf("sandbox %s: agent sent no pty", s.name)
		}
		master, err = pollable(got[0])
		if err != nil {
			return ExitStatus{}, err
		}
		defer master.Close()
		stopR, stopW, err := os.Pipe()
		if err != nil {
			return ExitStatus{}, err
		}
		inDone := make(chan struct{})
		startTTYCopy(master, req.TTY, &copiers, stopR, inDone)
		defer func() {
			stopW.Close()
			<-inDone
			stopR.Close()
		}()
	} else {
		closeAllFiles(got)
	}
	exitc := make(chan wireReply, 1)
	go func() {
		var rep wireReply
		if _, err := recvMsg(c, &rep); err != nil {
			rep = wireReply{Err: err.Error()}
		}
		exitc <- rep
	}()
	var status ExitStatus
	var result error
	select {
	case rep := <-exitc:
		if rep.Err != "" || !rep.Exited {
			result = fmt.Errorf("sandbox %s: lost the agent: %s", s.name, rep.Err)
		}
		status = ExitStatus{Code: rep.Code, Signal: rep.Signal}
	case <-ctx.Done():
		c.Close() // the agent kills the command when we hang up
		result = ctx.Err()
	}
	waitCopiers(&copiers, req.WaitDelay, ours, master)
	return status, result
}

func closeAllFiles(fs []*os.File) {
	for _, f := range fs {
		f.Close()
	}
}

func sameWriter(a, b io.Writer) bool {
	if a == nil || b == nil {
		return false
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// inputFile returns the fd to pass as stdin.
// Its copier is not waited for: a reader may block forever, and closing
// the pipe ends the copy at the next write.
func inputFile(r io.Reader, ours *[]*os.File) (*os.File, error) {
	switch r := r.(type) {
	case nil:
		return os.Open(os.DevNull)
	case *os.File:
		return dupFile(r)
	default:
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		*ours = append(*ours, pw)
		go func() {
			io.Copy(pw, r)
			pw.Close()
		}()
		return pr, nil
	}
}

// outputFile returns the fd to pass as stdout or stderr.
func outputFile(w io.Writer, ours *[]*os.File, wg *sync.WaitGroup) (*os.File, error) {
	switch w := w.(type) {
	case nil:
		return os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	case *os.File:
		return dupFile(w)
	default:
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		*ours = append(*ours, pr)
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(w, pr)
		}()
		return pw, nil
	}
}

// dupFile copies a caller's file so closing ours leaves theirs open.
func dupFile(f *os.File) (*os.File, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var nfd int
	var derr error
	if err := rc.Control(func(fd uintptr) { nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	return os.NewFile(uintptr(nfd), f.Name()), nil
}

// pollable makes a received fd non-blocking and registered with the
// runtime poller, so reads can have deadlines.
func pollable(f *os.File) (*os.File, error) {
	nfd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return nil, err
	}
	return os.NewFile(uintptr(nfd), "pty-master"), nil
}

// startTTYCopy copies between the caller and the pty master. Input from an
// *os.File stops when stop becomes readable, so that no reader is left on
// the caller's terminal to eat the keystrokes meant for what comes next
// (a re-attached shell, the caller's own shell).
func startTTYCopy(master *os.File, t *TTY, wg *sync.WaitGroup, stop *os.File, inDone chan struct{}) {
	if t.Out != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(t.Out, master) // ends with EIO once the last slave holder is gone
		}()
	}
	if t.In != nil {
		go func() {
			defer close(inDone)
			if f, ok := t.In.(*os.File); ok {
				copyUntil(master, f, stop)
				return
			}
			io.Copy(master, t.In)
		}()
	} else {
		close(inDone)
	}
	if t.Resize != nil {
		rc, err := master.SyscallConn()
		if err != nil {
			return
		}
		go func() {
			for ws := range t.Resize {
				// Control, unlike Fd, is safe against a concurrent Close.
				err := rc.Control(func(fd uintptr) {
					unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: ws.Rows, Col: ws.Cols})
				})
				if err != nil {
					return
				}
			}
		}()
	}
}

// copyUntil copies src to dst until src ends or stop is readable (or
// closed). It polls before reading so it never sits in a read of src.
func copyUntil(dst io.Writer, src, stop *os.File) {
	buf := make([]byte, 32<<10)
	sfd, stopfd := int(src.Fd()), int(stop.Fd())
	for {
		fds := []unix.PollFd{{Fd: int32(sfd), Events: unix.POLLIN}, {Fd: int32(stopfd), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if fds[0].Revents&(unix.POLLIN|unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) == 0 {
			continue
		}
		n, err := unix.Read(sfd, buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if n <= 0 || err != nil {
			return
		}
	}
}

// waitCopiers lets output copying finish, for at most delay after the
// command ended (a background process may hold the pipe or pty forever).
func waitCopiers(wg *sync.WaitGroup, delay time.Duration, ours []*os.File, master *os.File) {
	if delay <= 0 {
		delay = time.Second
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(delay):
	}
	if master != nil {
		master.SetReadDeadline(time.Now())
	}
	for _, f := range ours {
		f.SetDeadline(time.Now())
		f.Close()
	}
	<-done
}
