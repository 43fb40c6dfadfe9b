package process

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"golang.org/x/sys/unix"
)

// ResolveCommand finds the file to execute for a program, as 4.2.5's
// get_execv_args and check_execv_args do (CFG-CMD-03/04): argv[0] with a
// slash is used as is; otherwise the PATH of the program's environment=,
// else supervisord's PATH, else /bin:/usr/bin:/usr/local/bin is searched,
// and the first existing entry wins even if it is not executable.
func ResolveCommand(prog *config.Program) (string, error) {
	argv := prog.Argv
	if len(argv) == 0 {
		if strings.TrimSpace(prog.Command) != "" {
			return "", &CommandError{CommandBad, "can't parse command " + pyRepr(prog.Command)}
		}
		return "", &CommandError{CommandBad, "command is empty"}
	}
	name := argv[0]
	filename := name
	var st os.FileInfo
	if strings.Contains(name, "/") {
		st, _ = os.Stat(name)
	} else {
		for _, dir := range searchPath(prog.Environment) {
			cand := filepath.Join(dir, name)
			if s, err := os.Stat(cand); err == nil {
				st, filename = s, cand
				break
			}
		}
	}
	switch {
	case st == nil:
		return "", &CommandError{CommandNotFound, "can't find command " + pyRepr(filename)}
	case st.IsDir():
		return "", &CommandError{CommandNotExecutable, "command at " + pyRepr(filename) + " is a directory"}
	case st.Mode().Perm()&0o111 == 0:
		return "", &CommandError{CommandNotExecutable, "command at " + pyRepr(filename) + " is not executable"}
	case unix.Access(filename, unix.X_OK) != nil:
		return "", &CommandError{CommandNoPermission, "no permission to run command " + pyRepr(filename)}
	}
	return filename, nil
}

func searchPath(env config.Env) []string {
	path, ok := "", false
	for _, kv := range env {
		if kv.Key == "PATH" {
			path, ok = kv.Value, true
		}
	}
	if !ok {
		path, ok = os.LookupEnv("PATH")
	}
	if !ok {
		path = "/bin:/usr/bin:/usr/local/bin"
	}
	return strings.Split(path, string(os.PathListSeparator))
}

// BuildEnv returns the child environment (ENV-01): supervisord's own
// environment, the SUPERVISOR_* variables, then global (the [supervisord]
// environment=) and the program's environment=, later entries winning.
func BuildEnv(prog *config.Program, global config.Env) []string {
	keys := map[string]int{}
	var env []string
	set := func(k, v string) {
		if i, ok := keys[k]; ok {
			env[i] = k + "=" + v
			return
		}
		keys[k] = len(env)
		env = append(env, k+"="+v)
	}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			set(k, v)
		}
	}
	set("SUPERVISOR_ENABLED", "1")
	if prog.ServerURL != "" {
		set("SUPERVISOR_SERVER_URL", prog.ServerURL)
	}
	set("SUPERVISOR_PROCESS_NAME", prog.Name)
	set("SUPERVISOR_GROUP_NAME", prog.Group)
	for _, kv := range global {
		set(kv.Key, kv.Value)
	}
	for _, kv := range prog.Environment {
		set(kv.Key, kv.Value)
	}
	return env
}

// credential resolves user= to the ids the child runs as (SPAWN-04):
// supplementary groups are every group listing the user, primary first.
// msg is 4.2.5's drop_privileges text when it cannot be done.
func credential(name string) (cred *syscall.Credential, uid int, msg string) {
	var u *user.User
	var err error
	if _, nerr := strconv.Atoi(name); nerr == nil {
		u, err = user.LookupId(name)
		if err != nil {
			return nil, -1, "Can't find uid " + name
		}
	} else {
		u, err = user.Lookup(name)
		if err != nil {
			return nil, -1, "Can't find username " + pyRepr(name)
		}
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if uid == os.Getuid() {
		return nil, uid, "" // nothing to change (4.2.5 does the same)
	}
	if os.Getuid() != 0 {
		return nil, uid, "Can't drop privilege as nonroot user"
	}
	groups := []uint32{uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.Atoi(g); err == nil && n != gid {
				groups = append(groups, uint32(n))
			}
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}, uid, ""
}

// errnoName returns the symbolic errno name 4.2.5 prints ("ENOENT").
func errnoName(err error) string {
	if e, ok := err.(syscall.Errno); ok {
		if n := unix.ErrnoName(e); n != "" {
			return n
		}
		return strconv.Itoa(int(e))
	}
	return err.Error()
}

// signame returns "SIGTERM" style names, as 4.2.5's signame.
func signame(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n
	}
	return "signal " + strconv.Itoa(int(sig))
}

// SignalName is the exported form of signame for other packages.
func SignalName(sig syscall.Signal) string { return signame(sig) }

// decodeWaitStatus returns 4.2.5's (exitstatus, message) pair.
func decodeWaitStatus(ws syscall.WaitStatus) (int, string) {
	switch {
	case ws.Exited():
		return ws.ExitStatus(), "exit status " + strconv.Itoa(ws.ExitStatus())
	case ws.Signaled():
		msg := "terminated by " + signame(ws.Signal())
		if ws.CoreDump() {
			msg += " (core dumped)"
		}
		return -1, msg
	}
	return -1, "unknown termination cause 0x" + strconv.FormatInt(int64(ws), 16)
}

// DecodeWaitStatus is the exported form of decodeWaitStatus, used for
// "reaped unknown pid" lines.
func DecodeWaitStatus(ws syscall.WaitStatus) (int, string) { return decodeWaitStatus(ws) }
