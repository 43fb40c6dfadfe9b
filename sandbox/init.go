package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// initEnv carries the init agent's configuration (JSON) to the re-executed
// binary; its presence is the sentinel [MaybeRunInit] looks for.
const initEnv = "SUPERVISORLAB_SANDBOX_INIT"

// PodInitEnv, set to 1, makes MaybeRunInit run the agent as PID 1 of a
// Kubernetes pod (deploy/kubernetes): the pod already is the sandbox, so the
// agent only prepares the student account, reaps, forwards signals and
// serves local requests on PodSocket.
const PodInitEnv = "SUPERVISORLAB_SANDBOX_POD"

// PodSocket is where the agent listens inside a pod.
const PodSocket = "/run/supervisorlab/agent.sock"

func runPodInit() int {
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "sandbox pod agent: %v\n", err)
		return 1
	}
	if os.Getpid() != 1 {
		return fail(fmt.Errorf("pid %d, want 1 (run as the pod's command)", os.Getpid()))
	}
	host, _ := os.Hostname()
	if err := provision(&initConfig{Hostname: host, MapsIDs: true, Provision: true}); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(filepath.Dir(PodSocket), 0o700); err != nil {
		return fail(err)
	}
	os.Remove(PodSocket)
	l, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: PodSocket, Net: "unixpacket"})
	if err != nil {
		return fail(err)
	}
	a, err := newAgent(l)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(os.Stderr, "sandbox pod agent: ready")
	return a.serve()
}

// initArg0 is the init agent's argv[0], so ps on the host names it.
const initArg0 = "supervisorlab-sandbox-init"

// initConfig is what the controller tells the init agent.
type initConfig struct {
	Name      string `json:"name"`
	Dir       string `json:"dir"`   // the sandbox's state directory (host path)
	Lower     string `json:"lower"` // the overlay's lower layer (host path)
	Hostname  string `json:"hostname"`
	UpperSize int64  `json:"upper_size"`
	TmpSize   int64  `json:"tmp_size"`
	MapsIDs   bool   `json:"maps_ids"`  // uid/gid 0..65535 are mapped (else only 0)
	Provision bool   `json:"provision"` // add the student account when missing
	NProc     uint64 `json:"nproc,omitempty"`
	AddrSpace uint64 `json:"addr_space,omitempty"`
}

// MaybeRunInit turns the process into a sandbox's init agent when it was
// started as one, and never returns in that case. Call it first thing in main
// (and in TestMain) of every binary that creates sandboxes.
func MaybeRunInit() {
	if os.Getenv(PodInitEnv) == "1" {
		os.Unsetenv(PodInitEnv)
		os.Exit(runPodInit())
	}
	raw, ok := os.LookupEnv(initEnv)
	if !ok {
		return
	}
	os.Unsetenv(initEnv)
	sync := os.NewFile(3, "sync")
	var cfg initConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		fmt.Fprintf(sync, "error: bad init config: %v\n", err)
		os.Exit(1)
	}
	a, err := setupSandbox(&cfg)
	if err != nil {
		fmt.Fprintf(sync, "error: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintln(sync, "ready")
	sync.Close()
	// Serve only once the controller recorded our pid (see startInit).
	commit := os.NewFile(4, "commit")
	var word [3]byte
	if n, _ := io.ReadFull(commit, word[:]); n != 3 || string(word[:]) != "ok\n" {
		os.Exit(1)
	}
	commit.Close()
	os.Exit(a.serve())
}

// setupSandbox builds the sandbox's file system view from inside its fresh
// namespaces, pivots into it and starts listening on the agent socket.
func setupSandbox(cfg *initConfig) (*agent, error) {
	if os.Getpid() != 1 {
		return nil, fmt.Errorf("init agent is pid %d, not 1 of a new PID namespace", os.Getpid())
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return nil, fmt.Errorf("make mounts private: %w", err)
	}
	// Listen before pivoting: the socket's path must be on the host's side.
	sock := socketPath(cfg.Dir)
	os.Remove(sock)
	l, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: sock, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("agent socket: %w", err)
	}
	l.SetUnlinkOnClose(false) // the socket file is the host's business
	if err := os.Chmod(sock, 0o600); err != nil {
		return nil, err
	}
	root := filepath.Join(cfg.Dir, "root")
	if err := mountRoot(cfg, root); err != nil {
		return nil, err
	}
	if err := mountSystem(cfg, root); err != nil {
		return nil, err
	}
	if err := pivot(root); err != nil {
		return nil, err
	}
	if err := unix.Sethostname([]byte(cfg.Hostname)); err != nil {
		return nil, fmt.Errorf("sethostname: %w", err)
	}
	if err := loopbackUp(); err != nil {
		return nil, fmt.Errorf("bring up lo: %w", err)
	}
	if err := provision(cfg); err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	if cfg.NProc > 0 {
		lim := &unix.Rlimit{Cur: cfg.NProc, Max: cfg.NProc}
		if err := unix.Setrlimit(unix.RLIMIT_NPROC, lim); err != nil {
			return nil, fmt.Errorf("rlimit nproc: %w", err)
		}
	}
	os.Chdir("/")
	a, err := newAgent(l)
	if err != nil {
		return nil, err
	}
	// Not on the agent itself: the Go runtime reserves address space it
	// never touches and would die under RLIMIT_AS.
	a.addrSpace = cfg.AddrSpace
	return a, nil
}

// mountRoot mounts the copy-on-write root: the upper layer sits on a tmpfs
// that exists only in this mount namespace, so it vanishes with the sandbox.
func mountRoot(cfg *initConfig, root string) error {
	rw := filepath.Join(cfg.Dir, "rw")
	if err := os.MkdirAll(rw, 0o700); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", rw, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV,
		fmt.Sprintf("size=%d,mode=0755", cfg.UpperSize)); err != nil {
		return fmt.Errorf("mount upper tmpfs: %w", err)
	}
	upper, work := filepath.Join(rw, "upper"), filepath.Join(rw, "work")
	for _, d := range []string{upper, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s,userxattr", cfg.Lower, upper, work)
	if err := unix.Mount("overlay", root, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount overlay root (lower %s): %w", cfg.Lower, err)
	}
	return nil
}

type mountSpec struct {
	target string // relative to the new root
	fstype string
	flags  uintptr
	data   string
	mode   os.FileMode // for creating the mount point
}

func mountSystem(cfg *initConfig, root string) error {
	const nse = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	ptsData := "newinstance,ptmxmode=0666,mode=0620"
	if cfg.MapsIDs {
		ptsData += ",gid=5" // the tty group, as on Debian
	}
	specs := []mountSpec{
		{"proc", "proc", nse, "", 0o555},
		{"sys", "sysfs", nse | unix.MS_RDONLY, "", 0o555},
		{"dev", "tmpfs", unix.MS_NOSUID | unix.MS_NOEXEC, "mode=0755,size=1m", 0o755},
		{"dev/pts", "devpts", unix.MS_NOSUID | unix.MS_NOEXEC, ptsData, 0o755},
		{"dev/shm", "tmpfs", nse, fmt.Sprintf("mode=1777,size=%d", cfg.TmpSize), 0o1777},
		{"dev/mqueue", "mqueue", nse, "", 0o755},
		{"tmp", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, fmt.Sprintf("mode=1777,size=%d", cfg.TmpSize), 0o1777},
		{"run", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=0755,size=64m", 0o755},
	}
	for _, m := range specs {
		target := filepath.Join(root, m.target)
		if err := ensureDir(target, m.mode); err != nil {
			return err
		}
		if err := unix.Mount(m.fstype, target, m.fstype, m.flags, m.data); err != nil {
			if m.fstype == "mqueue" {
				continue // POSIX message queues are a nicety
			}
			return fmt.Errorf("mount %s on /%s: %w", m.fstype, m.target, err)
		}
	}
	// Device nodes cannot be created in a user namespace: bind the host's
	// harmless ones instead.
	for _, d := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		target := filepath.Join(root, "dev", d)
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY, 0o666)
		if err != nil {
			return err
		}
		f.Close()
		if err := unix.Mount("/dev/"+d, target, "", unix.MS_BIND|unix.MS_NOSUID|unix.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("bind /dev/%s: %w", d, err)
		}
	}
	links := map[string]string{
		"dev/ptmx": "pts/ptmx", "dev/fd": "/proc/self/fd", "dev/stdin": "/proc/self/fd/0",
		"dev/stdout": "/proc/self/fd/1", "dev/stderr": "/proc/self/fd/2",
	}
	for name, to := range links {
		if err := os.Symlink(to, filepath.Join(root, name)); err != nil {
			return err
		}
	}
	for _, d := range []string{"run/lock", "run/user"} {
		if err := ensureDir(filepath.Join(root, d), 0o1777); err != nil {
			return err
		}
	}
	return nil
}

// ensureDir creates dir (and parents) unless it exists; a student who
// deleted /tmp or /proc from the upper layer still gets a working sandbox.
func ensureDir(dir string, mode os.FileMode) error {
	if fi, err := os.Lstat(dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.Chmod(dir, mode)
}

func pivot(root string) error {
	if err := unix.Chdir(root); err != nil {
		return err
	}
	// Stacking the old root under the new one and detaching it leaves no
	// path back to the host's file system.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	return unix.Chdir("/")
}

func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP | unix.IFF_RUNNING)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// provision makes the root file system look like the course machine where
// it does not already (host mode): the student account with passwordless
// sudo and the `ll` alias, and the hostname resolvable so sudo stays quiet.
// Everything lands in the upper layer.
func provision(cfg *initConfig) error {
	if err := ensureHosts(cfg.Hostname); err != nil {
		return err
	}
	if !cfg.Provision {
		return nil
	}
	pw, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return err
	}
	accts, _ := parsePasswd(pw)
	for _, a := range accts {
		if a.Name == Student && a.UID == StudentUID {
			return nil
		}
	}
	if !cfg.MapsIDs {
		return nil // uid 1000 does not exist in this user namespace
	}
	// The host's own uid 1000 (host mode) gives way to the student, in the
	// upper layer only.
	home := "/home/" + Student
	id := fmt.Sprint(StudentUID)
	edits := []struct {
		path, idField, line string
		field               int
	}{
		{"/etc/passwd", id, fmt.Sprintf("%s:x:%d:%d::%s:/bin/bash", Student, StudentUID, StudentUID, home), 2},
		{"/etc/group", id, fmt.Sprintf("%s:x:%d:", Student, StudentUID), 2},
		{"/etc/shadow", "", Student + ":*:19000:0:99999:7:::", -1},
		{"/etc/gshadow", "", Student + ":!::", -1},
	}
	taken := ""
	for _, a := range accts {
		if a.UID == StudentUID {
			taken = a.Name
		}
	}
	for _, e := range edits {
		if err := replaceEntry(e.path, e.field, e.idField, []string{Student, taken}, e.line); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	copySkel(home)
	rc, err := os.OpenFile(filepath.Join(home, ".bashrc"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintln(rc, "alias ll='ls -alF'")
	rc.Close()
	filepath.Walk(home, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			os.Lchown(p, StudentUID, StudentUID)
		}
		return nil
	})
	if fi, err := os.Stat("/etc/sudoers.d"); err == nil && fi.IsDir() {
		if err := os.WriteFile("/etc/sudoers.d/"+Student, []byte(Student+" ALL=(ALL:ALL) NOPASSWD:ALL\n"), 0o440); err != nil {
			return err
		}
	}
	return nil
}

func copySkel(home string) {
	entries, _ := os.ReadDir("/etc/skel")
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/etc/skel", e.Name())); err == nil {
			os.WriteFile(filepath.Join(home, e.Name()), b, 0o644)
		}
	}
}

func ensureHosts(hostname string) error {
	b, _ := os.ReadFile("/etc/hosts")
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		for _, h := range f[min(1, len(f)):] {
			if h == hostname {
				return nil
			}
		}
	}
	if len(b) == 0 {
		b = []byte("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	b = append(b, "127.0.1.1\t"+hostname+"\n"...)
	// Write a new file rather than appending: /etc/hosts may be a symlink
	// to the host's resolver files.
	os.Remove("/etc/hosts")
	return os.WriteFile("/etc/hosts", b, 0o644)
}

// replaceEntry rewrites a colon-separated database file without the entries
// named in names (or whose field idx equals id) and with line appended. A
// missing file is left missing.
func replaceEntry(path string, idx int, id string, names []string, line string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		f := strings.Split(l, ":")
		drop := false
		for _, n := range names {
			if n != "" && f[0] == n {
				drop = true
			}
		}
		if idx >= 0 && len(f) > idx && f[idx] == id {
			drop = true
		}
		if !drop && l != "" {
			out = append(out, l)
		}
	}
	out = append(out, line)
	return os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), fi.Mode().Perm())
}
