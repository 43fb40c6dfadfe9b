package config

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// This file holds the value types of 4.2.5's datatypes.py (CFG-TYPE-*),
// each returning the error text Python prints.

// pyInt is Python's int(s) for base 10 or 8: surrounding whitespace, a sign,
// and single underscores between digits are allowed.
func pyInt(s string, base int) (int64, bool) {
	t := strings.TrimFunc(s, pyIsSpace)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if base == 8 && len(t) > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'O') {
		t = t[2:]
		if strings.HasPrefix(t, "_") {
			t = t[1:]
		}
	}
	if t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") {
		return 0, false
	}
	t = strings.ReplaceAll(t, "_", "")
	// Python also accepts non-ASCII decimal digits; configs never use them.
	v, err := strconv.ParseInt(t, base, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// integer is datatypes.integer.
func integer(s string) (int, error) {
	v, ok := pyInt(s, 10)
	if !ok || v != int64(int(v)) {
		return 0, fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(s))
	}
	return int(v), nil
}

var truthy = []string{"yes", "true", "on", "1"}
var falsy = []string{"no", "false", "off", "0"}

func inList(s string, list []string) bool {
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// boolean is datatypes.boolean (CFG-TYPE-01).
func boolean(s string) (bool, error) {
	l := strings.ToLower(s)
	switch {
	case inList(l, truthy):
		return true, nil
	case inList(l, falsy):
		return false, nil
	}
	return false, fmt.Errorf("not a valid boolean value: %s", pyRepr(s))
}

// byteSize is datatypes.byte_size (CFG-TYPE-03).
func byteSize(s string) (int64, error) {
	l := strings.ToLower(s)
	mult := int64(1)
	num := l
	for _, suf := range []struct {
		s string
		m int64
	}{{"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024 * 1024 * 1024}} {
		if len(l) >= 2 && l[len(l)-2:] == suf.s {
			mult, num = suf.m, l[:len(l)-2]
			break
		}
	}
	v, ok := pyInt(num, 10)
	if !ok {
		return 0, fmt.Errorf("invalid literal for int() with base 10: %s", pyRepr(num))
	}
	return v * mult, nil
}

// octal is datatypes.octal_type (CFG-TYPE-04).
func octal(s string) (os.FileMode, error) {
	v, ok := pyInt(s, 8)
	if !ok || v < 0 || v > 0xFFFFFFFF {
		// Python accepts negative octals; a negative file mode makes no
		// sense for us, so it is refused with the same message.
		return 0, fmt.Errorf("%s can not be converted to an octal type", s)
	}
	return os.FileMode(v), nil
}

// pySignals is dir(signal) filtered to names starting with SIG on Linux,
// as Python 3.11 exposes them; 4.2.5 accepts any of these values.
var pySignals = map[string]int{
	"SIGABRT": 6, "SIGALRM": 14, "SIGBUS": 7, "SIGCHLD": 17, "SIGCLD": 17, "SIGCONT": 18,
	"SIGFPE": 8, "SIGHUP": 1, "SIGILL": 4, "SIGINT": 2, "SIGIO": 29, "SIGIOT": 6,
	"SIGKILL": 9, "SIGPIPE": 13, "SIGPOLL": 29, "SIGPROF": 27, "SIGPWR": 30, "SIGQUIT": 3,
	"SIGRTMAX": 64, "SIGRTMIN": 34, "SIGSEGV": 11, "SIGSTKFLT": 16, "SIGSTOP": 19,
	"SIGSYS": 31, "SIGTERM": 15, "SIGTRAP": 5, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22,
	"SIGURG": 23, "SIGUSR1": 10, "SIGUSR2": 12, "SIGVTALRM": 26, "SIGWINCH": 28,
	"SIGXCPU": 24, "SIGXFSZ": 25, "SIG_BLOCK": 0, "SIG_DFL": 0, "SIG_IGN": 1,
	"SIG_SETMASK": 2, "SIG_UNBLOCK": 1,
}

// signalNumber is datatypes.signal_number (CFG-TYPE-05).
func signalNumber(s string) (syscall.Signal, error) {
	if n, ok := pyInt(s, 10); ok {
		for _, v := range pySignals {
			if int64(v) == n {
				return syscall.Signal(v), nil
			}
		}
		return 0, fmt.Errorf("value %s is not a valid signal number", pyRepr(s))
	}
	name := strings.ToUpper(strings.TrimFunc(s, pyIsSpace))
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	n, found := pySignals[name]
	if !found {
		return 0, fmt.Errorf("value %s is not a valid signal name", pyRepr(s))
	}
	return syscall.Signal(n), nil
}

// exitCodes is datatypes.list_of_exitcodes (CFG-TYPE-06).
func exitCodes(s string) ([]int, error) {
	if s == "" {
		return []int{}, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		v, ok := pyInt(part, 10)
		if !ok || v < 0 || v > 255 {
			return nil, fmt.Errorf("not a valid list of exit codes: %s", pyRepr(s))
		}
		out = append(out, int(v))
	}
	return out, nil
}

// autoRestart is datatypes.auto_restart (CFG-TYPE-07).
func autoRestart(s string) (AutoRestart, error) {
	l := strings.ToLower(s)
	switch {
	case inList(l, truthy):
		return RestartAlways, nil
	case inList(l, falsy):
		return RestartNever, nil
	case l == "unexpected":
		return RestartUnexpected, nil
	}
	return 0, fmt.Errorf("invalid 'autorestart' value %s", pyRepr(l))
}

var logLevels = map[string]LogLevel{
	"critical": LevelCritical, "error": LevelError, "warn": LevelWarn, "info": LevelInfo,
	"debug": LevelDebug, "trace": LevelTrace, "blather": LevelBlather,
}

// String returns the level's name as 4.2.5 spells it.
func (l LogLevel) String() string {
	for k, v := range logLevels {
		if v == l {
			return k
		}
	}
	return strconv.Itoa(int(l))
}

// logLevel is datatypes.logging_level (CFG-TYPE-10).
func logLevel(s string) (LogLevel, error) {
	if l, ok := logLevels[strings.ToLower(s)]; ok {
		return l, nil
	}
	return 0, fmt.Errorf("bad logging level name %s", pyRepr(s))
}

// expandUser is os.path.expanduser for "~" and "~/..." ("~user" too);
// home is $HOME of supervisord's environment ("" when unset).
func expandUser(p, home string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	rest := p[1:]
	name := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		name, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	if name == "" {
		if home == "" {
			if u, err := user.Current(); err == nil {
				home = u.HomeDir
			}
		}
	} else if u, err := user.Lookup(name); err == nil {
		home = u.HomeDir
	} else {
		return p
	}
	if home == "" {
		return p
	}
	return strings.TrimSuffix(home, "/") + rest
}

// existingDirectory is datatypes.existing_directory (CFG-TYPE-09).
func existingDirectory(v, home string) (string, error) {
	nv := expandUser(v, home)
	if st, err := os.Stat(nv); err == nil && st.IsDir() {
		return nv, nil
	}
	return "", fmt.Errorf("%s is not an existing directory", v)
}

// existingDirpath is datatypes.existing_dirpath: the file's directory must exist.
func existingDirpath(v, home string) (string, error) {
	nv := expandUser(v, home)
	dir := pyDirname(nv)
	if dir == "" {
		return nv, nil
	}
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return nv, nil
	}
	return "", fmt.Errorf("The directory named as part of the path %s does not exist", v)
}

// pyDirname is os.path.dirname: everything before the last slash, with
// trailing slashes removed unless it is all slashes.
func pyDirname(p string) string {
	i := strings.LastIndexByte(p, '/') + 1
	head := p[:i]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

// normalizePath is options.normalize_path: abspath(expanduser(v)).
func normalizePath(v, home string) string {
	p := expandUser(v, home)
	if !filepath.IsAbs(p) {
		wd, err := os.Getwd()
		if err == nil {
			p = filepath.Join(wd, p)
		}
	}
	return filepath.Clean(p)
}

// nameToUID is datatypes.name_to_uid (CFG-TYPE-11).
func nameToUID(name string) (int, error) {
	if v, ok := pyInt(name, 10); ok {
		if _, err := user.LookupId(strconv.FormatInt(v, 10)); err != nil {
			return 0, fmt.Errorf("Invalid user id %s", name)
		}
		return int(v), nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, fmt.Errorf("Invalid user name %s", name)
	}
	uid, _ := strconv.Atoi(u.Uid)
	return uid, nil
}

// nameToGID is datatypes.name_to_gid.
func nameToGID(name string) (int, error) {
	if v, ok := pyInt(name, 10); ok {
		if _, err := user.LookupGroupId(strconv.FormatInt(v, 10)); err != nil {
			return 0, fmt.Errorf("Invalid group id %s", name)
		}
		return int(v), nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("Invalid group name %s", name)
	}
	gid, _ := strconv.Atoi(g.Gid)
	return gid, nil
}

// userGroup is datatypes.colon_separated_user_group (CFG-TYPE-12).
func userGroup(arg string) (*UserGroup, error) {
	u, g, hasGroup := strings.Cut(arg, ":")
	uid, err := nameToUID(u)
	if err != nil {
		return nil, fmt.Errorf("Invalid user:group definition %s", arg)
	}
	ug := &UserGroup{User: u, UID: uid, GID: -1}
	if hasGroup {
		gid, err := nameToGID(g)
		if err != nil {
			return nil, fmt.Errorf("Invalid user:group definition %s", arg)
		}
		ug.Group, ug.GID = g, gid
	}
	return ug, nil
}

// portNumber is datatypes.port_number: an integer in 1..65535.
func portNumber(s string) (int, error) {
	v, err := integer(s)
	if err != nil {
		return 0, err
	}
	if v < 1 {
		return 0, fmt.Errorf("%d is below lower bound (1)", v)
	}
	if v > 65535 {
		return 0, fmt.Errorf("%d is above upper bound (65535)", v)
	}
	return v, nil
}

// inetAddress is datatypes.inet_address (CFG-TYPE-13).
func inetAddress(s string) (host string, port int, err error) {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, s = s[:i], s[i+1:]
		if s == "" {
			return "", 0, fmt.Errorf("no port number specified in %s", pyRepr(s))
		}
		port, err = portNumber(s)
		if err != nil {
			return "", 0, err
		}
		host = strings.ToLower(host)
	} else {
		port, err = portNumber(s)
		if err != nil {
			return "", 0, fmt.Errorf("not a valid port number: %s ", pyRepr(s))
		}
	}
	if host == "*" {
		host = ""
	}
	return host, port, nil
}

// processOrGroupName is datatypes.process_or_group_name (CFG-TYPE-15).
func processOrGroupName(name string) (string, error) {
	s := strings.TrimFunc(name, pyIsSpace)
	for _, c := range " :/" {
		if strings.ContainsRune(s, c) {
			return "", fmt.Errorf("Invalid name: %s because of character: %s", pyRepr(name), pyRepr(string(c)))
		}
	}
	return s, nil
}

// listOfStrings is datatypes.list_of_strings.
func listOfStrings(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimFunc(parts[i], pyIsSpace)
	}
	return parts
}

// lookupUID returns the primary group of a uid from the password database.
func lookupUID(uid int) (int, error) {
	u, err := user.LookupId(strconv.Itoa(uid))
	if err != nil {
		return -1, err
	}
	return strconv.Atoi(u.Gid)
}
