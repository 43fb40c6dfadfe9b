package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultStateRoot is where sandboxes record their state: /var/lib/supervisorlab
// for root, $XDG_STATE_HOME/supervisorlab (or ~/.local/state/supervisorlab)
// otherwise.
func DefaultStateRoot() string {
	if os.Geteuid() == 0 {
		return "/var/lib/supervisorlab"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "supervisorlab")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state", "supervisorlab")
}

// state is what a controller records about a running sandbox, so that a
// later controller (lab stop, lab gc, lab check) can find and clean it.
type state struct {
	Name      string    `json:"name"`
	Pid       int       `json:"pid"`        // host pid of the init agent
	StartTime uint64    `json:"start_time"` // /proc/<pid>/stat field 22, guards against pid reuse
	Rootfs    string    `json:"rootfs"`     // "host" or the image directory
	Lab       string    `json:"lab,omitempty"`
	Cgroups   []string  `json:"cgroups,omitempty"` // directories we created
	Created   time.Time `json:"created"`
	Options   Options   `json:"options"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,31}$`)

func checkName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("sandbox name %q: want 1-32 of a-z 0-9 . _ -, starting with a letter or digit", name)
	}
	return nil
}

func sandboxesDir(root string) string { return filepath.Join(root, "sandboxes") }

func stateDir(root, name string) string { return filepath.Join(sandboxesDir(root), name) }

func socketPath(dir string) string { return filepath.Join(dir, "agent.sock") }

func readState(dir string) (*state, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "state.json"), err)
	}
	return &st, nil
}

func writeState(dir string, st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ".state.json.tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, "state.json"))
}

// procStartTime returns field 22 of /proc/pid/stat and whether the process is
// a zombie.
func procStartTime(pid int) (start uint64, zombie bool, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false, err
	}
	return parseProcStat(string(b))
}

// parseProcStat reads the state and start time from proc(5) stat content.
// The command name may hold spaces and parentheses: fields are counted from
// the last ')'.
func parseProcStat(s string) (start uint64, zombie bool, err error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false, errors.New("proc stat: no ')' after the command name")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, false, fmt.Errorf("proc stat: %d fields after the command name, want at least 20", len(f))
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("proc stat: bad start time %q", f[19])
	}
	return start, f[0] == "Z", nil
}

// alive reports whether the recorded init agent still runs (a zombie counts
// as dead: its namespace's processes are all gone by then).
func (st *state) alive() bool {
	if st.Pid <= 0 {
		return false
	}
	start, zombie, err := procStartTime(st.Pid)
	return err == nil && !zombie && start == st.StartTime
}
