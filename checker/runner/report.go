package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
)

// Style says how to print results for a person.
type Style struct {
	Color   bool // ANSI colours; only on a terminal and without NO_COLOR (the caller decides)
	Verbose bool // show each script's output
}

const (
	green = "\x1b[32m"
	red   = "\x1b[31m"
	dim   = "\x1b[2m"
	bold  = "\x1b[1m"
	reset = "\x1b[0m"
)

func (s Style) paint(code, text string) string {
	if !s.Color {
		return text
	}
	return code + text + reset
}

// Mark is the one-character sign for a step or check: ✓ passed, ✗ failed, · not run.
func (s Style) Mark(st Status) string {
	switch st {
	case Pass:
		return s.paint(green, "✓")
	case Fail:
		return s.paint(red, "✗")
	}
	return s.paint(dim, "·")
}

// WriteText prints one step's result for a person.
func WriteText(w io.Writer, sr StepResult, s Style) {
	WriteHeader(w, sr.Step, sr.Title, s)
	for _, c := range sr.Checks {
		WriteCheck(w, c, s)
	}
}

// WriteHeader prints the "step-N  title" line that WriteCheck lines go under.
func WriteHeader(w io.Writer, step int, title string, s Style) {
	head := fmt.Sprintf("step-%d", step)
	if title != "" {
		head += "  " + title
	}
	fmt.Fprintln(w, s.paint(bold, head))
}

// WriteCheck prints one check's result: its mark and name, and on failure the author's error
// text, why (timeout, unusual exit status) and the hint; with Verbose, the script's output.
func WriteCheck(w io.Writer, c CheckResult, s Style) {
	switch c.Status {
	case NotRun:
		fmt.Fprintf(w, "  %s %s %s\n", s.Mark(NotRun), c.Name, s.paint(dim, "(not run)"))
		return
	case Pass:
		fmt.Fprintf(w, "  %s %s\n", s.Mark(Pass), c.Name)
	case Fail:
		fmt.Fprintf(w, "  %s %s\n", s.Mark(Fail), c.Name)
		msg := c.Error
		if msg == "" {
			msg = fmt.Sprintf("check %q failed", c.Name)
		}
		for _, l := range strings.Split(msg, "\n") {
			fmt.Fprintf(w, "      %s\n", s.paint(red, l))
		}
		if c.TimedOut {
			fmt.Fprintf(w, "      (timed out after %s)\n", seconds(c.Timeout))
		} else if c.ExitCode != 1 {
			fmt.Fprintf(w, "      (exit status %d)\n", c.ExitCode)
		}
		for i, l := range strings.Split(c.Hint, "\n") {
			if c.Hint == "" {
				break
			}
			if i == 0 {
				l = "hint: " + l
			} else {
				l = "      " + l
			}
			fmt.Fprintf(w, "      %s\n", l)
		}
	}
	if s.Verbose && c.Output != "" {
		for _, l := range strings.Split(strings.TrimRight(c.Output, "\n"), "\n") {
			fmt.Fprintf(w, "      %s\n", s.paint(dim, "| "+l))
		}
		if c.Truncated {
			fmt.Fprintf(w, "      %s\n", s.paint(dim, "| [output truncated]"))
		}
	}
}

func seconds(d interface{ Seconds() float64 }) string {
	v := d.Seconds()
	if v == math.Trunc(v) {
		return fmt.Sprintf("%ds", int64(v))
	}
	return fmt.Sprintf("%gs", v)
}

// Report is the --json document; see the package documentation for its schema.
type Report struct {
	Schema int          `json:"schema"`
	Lab    string       `json:"lab"`
	Passed bool         `json:"passed"`
	Steps  []StepResult `json:"steps"`
}

// SchemaVersion is Report.Schema; it changes only when a field changes meaning or goes away.
const SchemaVersion = 1

// MarshalJSON adds the durations in plain units.
func (c CheckResult) MarshalJSON() ([]byte, error) {
	type plain CheckResult // no MarshalJSON: no recursion
	return json.Marshal(struct {
		plain
		TimeoutS   float64 `json:"timeout_s"`
		DurationMS float64 `json:"duration_ms"`
	}{plain(c), c.Timeout.Seconds(), math.Round(float64(c.Duration.Microseconds())) / 1000})
}

// WriteJSON writes the report as one indented JSON document.
func WriteJSON(w io.Writer, r Report) error {
	r.Schema = SchemaVersion
	if r.Steps == nil {
		r.Steps = []StepResult{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
