package sandbox

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cgroupRoot is where cgroup v1 hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// cgroupName names a sandbox's cgroups after its state directory, so that
// sandboxes of the same name under different state roots (a user's and a
// test's) never share, or remove, each other's cgroups.
func cgroupName(stateDir string) string {
	sum := sha256.Sum256([]byte(stateDir))
	return filepath.Base(stateDir) + "-" + hex.EncodeToString(sum[:4])
}

// createCgroups makes one child cgroup per controller (pids, memory) under
// the controller's own cgroup, with the limits set. It returns the created
// directories; on error it removes what it made, and the caller falls back to
// rlimits.
func createCgroups(name string, pidsMax int, memMax int64) ([]string, error) {
	self, err := selfCgroups()
	if err != nil {
		return nil, err
	}
	limits := []struct{ ctrl, file, value string }{
		{"pids", "pids.max", strconv.Itoa(pidsMax)},
		{"memory", "memory.limit_in_bytes", strconv.FormatInt(memMax, 10)},
	}
	var dirs []string
	for _, l := range limits {
		rel, ok := self[l.ctrl]
		if !ok {
			removeCgroups(dirs, 0)
			return nil, fmt.Errorf("cgroup v1 %s controller not mounted", l.ctrl)
		}
		dir := filepath.Join(cgroupRoot, l.ctrl, rel, "supervisorlab-"+name)
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			removeCgroups(dirs, 0)
			return nil, err
		}
		dirs = append(dirs, dir)
		if err := os.WriteFile(filepath.Join(dir, l.file), []byte(l.value), 0o644); err != nil {
			removeCgroups(dirs, 0)
			return nil, err
		}
	}
	return dirs, nil
}

// selfCgroups maps each v1 controller to this process's cgroup path.
func selfCgroups() (map[string]string, error) {
	f, err := os.Open("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := make(map[string]string)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 || parts[1] == "" {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if _, err := os.Stat(filepath.Join(cgroupRoot, c, parts[2])); err == nil {
				m[c] = parts[2]
			}
		}
	}
	return m, sc.Err()
}

func joinCgroups(dirs []string, pid int) error {
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return fmt.Errorf("join cgroup %s: %w", d, err)
		}
	}
	return nil
}

// removeCgroups removes the directories, retrying while their last tasks
// are still exiting.
func removeCgroups(dirs []string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	var errs []error
	for _, d := range dirs {
		for {
			err := os.Remove(d)
			if err == nil || errors.Is(err, os.ErrNotExist) {
				break
			}
			if time.Now().After(deadline) {
				errs = append(errs, err)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return errors.Join(errs...)
}
