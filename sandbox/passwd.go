package sandbox

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// account is one /etc/passwd entry, read from inside the sandbox: the agent
// cannot use os/user (it may call into the host's libc NSS modules).
type account struct {
	Name  string
	UID   uint32
	GID   uint32
	Home  string
	Shell string
}

// parsePasswd reads passwd(5) content. Malformed lines are reported with
// their line number; comments and blank lines are skipped.
func parsePasswd(data []byte) ([]account, error) {
	var out []account
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, ":")
		if len(f) != 7 {
			return nil, fmt.Errorf("passwd:%d: want 7 fields, got %d", line, len(f))
		}
		uid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("passwd:%d: bad uid %q", line, f[2])
		}
		gid, err := strconv.ParseUint(f[3], 10, 32)
		if err != nil {
			return nil, fmt.Errorf("passwd:%d: bad gid %q", line, f[3])
		}
		out = append(out, account{Name: f[0], UID: uint32(uid), GID: uint32(gid), Home: f[5], Shell: f[6]})
	}
	return out, sc.Err()
}

// parseGroupsOf returns the gids of the groups in group(5) content that list
// user as a member. Malformed lines are skipped: a broken group file should
// not lock the student out.
func parseGroupsOf(data []byte, user string) []uint32 {
	var gids []uint32
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4096), 1<<20)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) != 4 {
			continue
		}
		gid, err := strconv.ParseUint(f[2], 10, 32)
		if err != nil {
			continue
		}
		for _, m := range strings.Split(f[3], ",") {
			if m == user {
				gids = append(gids, uint32(gid))
				break
			}
		}
	}
	return gids
}
