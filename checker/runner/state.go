package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Progress records each step's latest result per lab, so `lab status` can show ✓ ✓ ✗ · ·.
// It is one JSON file, progress.json, in the user's state directory:
//
//	{"labs": {"<lab key>": {"steps": {"1": {"passed": true, "at": "2026-01-02T03:04:05Z"}}}}}
//
// The lab key is the lab file's absolute path (or a name for an embedded lab).
type Progress struct {
	Dir string // holds progress.json and its lock file
}

// StepRecord is the latest result of one step.
type StepRecord struct {
	Passed bool      `json:"passed"`
	At     time.Time `json:"at"`
	Digest string    `json:"digest,omitempty"` // labdoc.Step.Digest when it ran
}

type progressFile struct {
	Labs map[string]struct {
		Steps map[string]StepRecord `json:"steps"`
	} `json:"labs"`
}

// StateDir is where progress is kept: $XDG_STATE_HOME/supervisorlab, else
// ~/.local/state/supervisorlab.
func StateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "supervisorlab"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no state directory: %w", err)
	}
	return filepath.Join(home, ".local", "state", "supervisorlab"), nil
}

func (p Progress) file() string { return filepath.Join(p.Dir, "progress.json") }

// Steps returns the recorded steps of lab, by step number.
func (p Progress) Steps(lab string) (map[int]StepRecord, error) {
	f, err := p.read()
	if err != nil {
		return nil, err
	}
	out := map[int]StepRecord{}
	for k, r := range f.Labs[lab].Steps {
		if n, err := strconv.Atoi(k); err == nil {
			out[n] = r
		}
	}
	return out, nil
}

func (p Progress) read() (progressFile, error) {
	var f progressFile
	data, err := os.ReadFile(p.file())
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(data, &f); err != nil {
		// A damaged progress file only loses progress marks; say so and start afresh.
		return progressFile{}, fmt.Errorf("%s: %v (delete it to start afresh)", p.file(), err)
	}
	return f, nil
}

// Record stores the results of the steps that ran.
func (p Progress) Record(lab string, results []StepResult, at time.Time) error {
	if len(results) == 0 {
		return nil
	}
	if err := os.MkdirAll(p.Dir, 0o700); err != nil {
		return err
	}
	// Two `lab check` runs at once must not lose each other's marks.
	lock, err := os.OpenFile(filepath.Join(p.Dir, "progress.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return err
	}
	defer unix.Flock(int(lock.Fd()), unix.LOCK_UN)
	f, err := p.read()
	if err != nil {
		f = progressFile{} // overwrite a damaged file rather than refuse to record
	}
	if f.Labs == nil {
		f.Labs = map[string]struct {
			Steps map[string]StepRecord `json:"steps"`
		}{}
	}
	entry := f.Labs[lab]
	if entry.Steps == nil {
		entry.Steps = map[string]StepRecord{}
	}
	for _, r := range results {
		entry.Steps[strconv.Itoa(r.Step)] = StepRecord{Passed: r.Passed, At: at.UTC().Truncate(time.Second), Digest: r.Digest}
	}
	f.Labs[lab] = entry
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(p.Dir, "progress-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p.file())
}
