package sandbox

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// agent is the sandbox's PID 1: it starts commands for clients, and it is the
// only one that waits for processes, so a reap of an orphan can never steal
// the exit status of a command a client waits for.
type agent struct {
	l     *net.UnixListener
	spawn *spawner
	// addrSpace is RLIMIT_AS for every command, when there is no memory
	// cgroup (0: none).
	addrSpace uint64

	mu      sync.Mutex // held across fork+register and across reaping
	waiters map[int]chan unix.WaitStatus
}

func newAgent(l *net.UnixListener) (*agent, error) {
	sp, err := newSpawner()
	if err != nil {
		return nil, err
	}
	return &agent{l: l, spawn: sp, waiters: make(map[int]chan unix.WaitStatus)}, nil
}

// serve runs until SIGTERM or the listener fails; it returns the exit code.
func (a *agent) serve() int {
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	go a.acceptLoop()
	// A safety net: signal delivery drops SIGCHLD when the channel is full.
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		var sig os.Signal
		select {
		case sig = <-sigs:
		case <-tick.C:
			a.reap()
			continue
		}
		switch sig {
		case unix.SIGCHLD:
			a.reap()
		case unix.SIGTERM, unix.SIGINT:
			a.shutdown()
			return 0
		case unix.SIGURG, unix.SIGPIPE, unix.SIGWINCH:
			// SIGURG is the Go runtime's preemption signal; the others
			// are not meant for PID 1.
		default:
			// Forward the rest (HUP, USR1, ...) to everything in the sandbox.
			unix.Kill(-1, sig.(syscall.Signal))
		}
	}
}

// shutdown asks every process to terminate, waits a little, then returns;
// the kernel kills whatever is left when PID 1 exits.
func (a *agent) shutdown() {
	unix.Kill(-1, unix.SIGTERM)
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		a.reap()
		if err := unix.Kill(-1, 0); errors.Is(err, unix.ESRCH) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (a *agent) reap() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
		if ch, ok := a.waiters[pid]; ok {
			delete(a.waiters, pid)
			ch <- ws
		}
	}
}

func (a *agent) acceptLoop() {
	for {
		c, err := a.l.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // EMFILE and friends: back off
			continue
		}
		go a.handle(c)
	}
}

func (a *agent) handle(c *net.UnixConn) {
	defer c.Close()
	var req wireRequest
	files, err := recvMsg(c, &req)
	if err != nil {
		return
	}
	pid, ch, master, err := a.start(&req, files)
	closeAll(files)
	if err != nil {
		sendMsg(c, wireReply{Err: err.Error()})
		return
	}
	var sendErr error
	if master != nil {
		sendErr = sendMsg(c, wireReply{Pid: pid}, master)
		master.Close() // the client holds the only copy now
	} else {
		sendErr = sendMsg(c, wireReply{Pid: pid})
	}
	done := make(chan struct{})
	go a.control(c, pid, req.TTY, done)
	if sendErr != nil {
		a.killCommand(pid, req.TTY)
	}
	ws := <-ch
	close(done)
	if req.Kill && !req.TTY {
		unix.Kill(-pid, unix.SIGKILL)
	}
	rep := wireReply{Exited: true, Code: ws.ExitStatus()}
	if ws.Signaled() {
		rep.Code = 128 + int(ws.Signal())
		rep.Signal = unix.SignalName(ws.Signal())
	}
	sendMsg(c, rep)
}

// control relays the client's signals; a client that goes away before the
// command ended gets its command killed (a terminal session is hung up).
func (a *agent) control(c *net.UnixConn, pid int, tty bool, done <-chan struct{}) {
	for {
		var m wireControl
		files, err := recvMsg(c, &m)
		closeAll(files)
		select {
		case <-done:
			return
		default:
		}
		if err != nil {
			a.killCommand(pid, tty)
			return
		}
		if m.Signal > 0 && m.Signal < 65 {
			unix.Kill(-pid, syscall.Signal(m.Signal))
		}
	}
}

func (a *agent) killCommand(pid int, tty bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, running := a.waiters[pid]; !running {
		return
	}
	if tty {
		unix.Kill(-pid, unix.SIGHUP)
		unix.Kill(-pid, unix.SIGCONT)
		return
	}
	unix.Kill(-pid, unix.SIGKILL)
}

// start forks the requested command. files are the client's fds: stdin,
// stdout, stderr (not for tty), then extras.
func (a *agent) start(req *wireRequest, files []*os.File) (pid int, ch chan unix.WaitStatus, master *os.File, err error) {
	if len(req.Argv) == 0 || req.Argv[0] == "" {
		return 0, nil, nil, errors.New("empty command")
	}
	if len(files) != req.NFile {
		return 0, nil, nil, fmt.Errorf("got %d fds, request says %d", len(files), req.NFile)
	}
	nstd := 3
	if req.TTY {
		nstd = 0
	}
	if len(files) < nstd {
		return 0, nil, nil, fmt.Errorf("missing stdio fds")
	}
	acct, groups, err := lookupUser(req.User)
	if err != nil {
		return 0, nil, nil, err
	}
	env := commandEnv(acct, req)
	dir := req.Dir
	if dir == "" {
		dir = acct.Home
		// Also when root cannot enter it: as a normal user's sandbox, root's
		// powers stop at files of unmapped owners, such as the image's /root.
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || (acct.UID == 0 && unix.Access(dir, unix.X_OK) != nil) {
			dir = "/"
		}
	}
	path, err := lookPath(req.Argv[0], env)
	if err != nil {
		return 0, nil, nil, err
	}
	attr := &syscall.ProcAttr{Dir: dir, Env: env, Sys: &syscall.SysProcAttr{}}
	if acct.UID != 0 || acct.GID != 0 {
		attr.Sys.Credential = &syscall.Credential{Uid: acct.UID, Gid: acct.GID, Groups: groups}
	}
	var slave *os.File
	if req.TTY {
		master, slave, err = pty.Open()
		if err != nil {
			return 0, nil, nil, fmt.Errorf("open pty: %w", err)
		}
		defer slave.Close()
		if req.Rows > 0 && req.Cols > 0 {
			pty.Setsize(master, &pty.Winsize{Rows: req.Rows, Cols: req.Cols})
		}
		attr.Files = []uintptr{slave.Fd(), slave.Fd(), slave.Fd()}
		attr.Sys.Setsid, attr.Sys.Setctty, attr.Sys.Ctty = true, true, 0
		if acct.UID != 0 {
			os.Chown(slave.Name(), int(acct.UID), -1)
		}
	} else {
		attr.Files = []uintptr{files[0].Fd(), files[1].Fd(), files[2].Fd()}
		attr.Sys.Setpgid = true
	}
	for _, f := range files[nstd:] {
		attr.Files = append(attr.Files, f.Fd())
	}
	a.mu.Lock()
	a.spawn.forkExec(path, req.Argv, attr, func(p int, e error) {
		pid, err = p, e
		if err == nil {
			ch = make(chan unix.WaitStatus, 1)
			a.waiters[pid] = ch
			if a.addrSpace > 0 {
				lim := unix.Rlimit{Cur: a.addrSpace, Max: a.addrSpace}
				unix.Prlimit(pid, unix.RLIMIT_AS, &lim, nil)
			}
		}
	})
	a.mu.Unlock()
	if err != nil {
		if master != nil {
			master.Close()
		}
		return 0, nil, nil, fmt.Errorf("exec %s: %w", req.Argv[0], err)
	}
	return pid, ch, master, nil
}

// lookupUser reads the sandbox's own /etc/passwd. Root works even when the
// student deleted /etc: it falls back to uid 0 with home /root.
func lookupUser(name string) (account, []uint32, error) {
	if name == "" {
		name = Root
	}
	pw, err := os.ReadFile("/etc/passwd")
	var accts []account
	if err == nil {
		accts, err = parsePasswd(pw)
	}
	for _, a := range accts {
		if a.Name == name {
			grp, _ := os.ReadFile("/etc/group")
			return a, parseGroupsOf(grp, name), nil
		}
	}
	if name == Root {
		return account{Name: Root, Home: "/root", Shell: "/bin/sh"}, nil, nil
	}
	if err != nil {
		return account{}, nil, fmt.Errorf("user %s: /etc/passwd: %v (`lab reset` restores the sandbox)", name, err)
	}
	return account{}, nil, fmt.Errorf("user %s: not in the sandbox's /etc/passwd (`lab reset` restores the sandbox)", name)
}

func commandEnv(acct account, req *wireRequest) []string {
	path := "/usr/local/bin:/usr/bin:/bin:/usr/games"
	if acct.UID == 0 {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	shell := acct.Shell
	if shell == "" {
		shell = "/bin/sh"
	}
	env := []string{
		"HOME=" + acct.Home, "USER=" + acct.Name, "LOGNAME=" + acct.Name,
		"SHELL=" + shell, "PATH=" + path, "LANG=C.UTF-8",
	}
	if req.TTY {
		term := req.Term
		if term == "" {
			term = "xterm-256color"
		}
		env = append(env, "TERM="+term)
	}
	return mergeEnv(env, req.Env)
}

// mergeEnv returns base with each NAME=value of extra replacing or adding.
func mergeEnv(base, extra []string) []string {
	out := append([]string(nil), base...)
	for _, kv := range extra {
		name, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, b := range out {
			if bn, _, _ := strings.Cut(b, "="); bn == name {
				out[i], replaced = kv, true
				break
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

func lookPath(file string, env []string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, file)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s: command not found in the sandbox", file)
}
