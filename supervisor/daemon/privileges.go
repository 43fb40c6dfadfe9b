package daemon

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// dropPrivileges switches to user (name or uid) as 4.2.5's drop_privileges
// does (DMN-05): supplementary groups, gid, then uid. It returns the info
// line to log on success.
func dropPrivileges(name string) (string, error) {
	var u *user.User
	var err error
	if _, nerr := strconv.Atoi(name); nerr == nil {
		if u, err = user.LookupId(name); err != nil {
			return "", &UsageError{"Can't find uid " + name}
		}
	} else if u, err = user.Lookup(name); err != nil {
		return "", &UsageError{"Can't find username '" + name + "'"}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if uid == os.Getuid() {
		return fmt.Sprintf("Set uid to user %d succeeded", uid), nil
	}
	if os.Getuid() != 0 {
		return "", &UsageError{"Can't drop privilege as nonroot user"}
	}
	groups := []int{gid}
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.Atoi(g); err == nil && n != gid {
				groups = append(groups, n)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return "", &UsageError{"Could not set groups of effective user"}
	}
	if err := syscall.Setgid(gid); err != nil {
		return "", &UsageError{"Could not set group id of effective user"}
	}
	if err := syscall.Setuid(uid); err != nil {
		return "", &UsageError{"Could not set user id of effective user"}
	}
	return fmt.Sprintf("Set uid to user %d succeeded", uid), nil
}

// raiseLimit makes the soft limit at least min (DMN-04).
func raiseLimit(res, min int, name, what, flag string) (string, error) {
	if min <= 0 {
		return "", nil
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(res, &lim); err != nil {
		return "", nil
	}
	if lim.Cur >= uint64(min) {
		return "", nil
	}
	newLim := syscall.Rlimit{Cur: uint64(min), Max: lim.Max}
	if lim.Max < uint64(min) {
		newLim.Max = uint64(min)
	}
	if err := syscall.Setrlimit(res, &newLim); err != nil {
		return "", &UsageError{fmt.Sprintf("The minimum number of %s required to run this process is %d as per the %q command-line argument or config file setting. The current environment will only allow you to open %d %s.  Either raise the number of usable %s in your environment (see README.rst) or lower the %s setting in the config file to allow the process to start.", what, min, flag, lim.Max, what, what, flag)}
	}
	return fmt.Sprintf("Increased %s limit to %d", name, min), nil
}
