// Package lint finds mistakes in a lab's checks for instructors: what labdoc reports while
// loading, scripts bash cannot parse (`bash -n`), duplicate or empty check names, and checks that
// can never fail or never pass (`ps … | grep x` that matches the grep itself, a script ending in
// `|| true` or `exit 0`, one that always exits non-zero).
package lint

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
	"github.com/supervisorlab/supervisorlab/checker/runner"
)

// Finding is one problem; Warning ones do not make `lab lint` fail.
type Finding struct {
	labdoc.Diagnostic
	Warning bool
}

func (f Finding) String() string {
	if !f.Warning {
		return f.Diagnostic.String()
	}
	d := f.Diagnostic
	loc := fmt.Sprintf("%s:%d: ", d.File, d.Line)
	d.File, d.Line = "", 0
	return loc + "warning: " + strings.TrimPrefix(d.String(), ":0: ")
}

// Lab lints a loaded lab (Errors and Warnings from loading included), sorted by line.
func Lab(ctx context.Context, lab *labdoc.Lab) []Finding {
	var out []Finding
	for _, d := range lab.Errors {
		out = append(out, Finding{Diagnostic: d})
	}
	for _, d := range lab.Warnings {
		out = append(out, Finding{Diagnostic: d, Warning: true})
	}
	if lab.Meta.Present && !lab.Meta.EnableChecker && len(lab.Steps) > 0 {
		out = append(out, Finding{labdoc.Diagnostic{File: lab.File, Line: 1,
			Msg: "front matter lacks `enable_checker: true`, so the course platform would not run these checks"}, true})
	}
	for _, st := range lab.Steps {
		seen := map[string]int{}
		for k, c := range st.Checks {
			add := func(line int, warn bool, format string, args ...any) {
				out = append(out, Finding{labdoc.Diagnostic{File: lab.File, Line: line, Step: st.N,
					Msg: fmt.Sprintf("check %d (%q): ", k+1, c.Name) + fmt.Sprintf(format, args...)}, warn})
			}
			switch name := strings.TrimSpace(c.Name); {
			case name == "":
				add(c.Line, true, "empty name; students will see \"check %d\"", k+1)
			case seen[name] > 0:
				add(c.Line, true, "same name as check %d of this step", seen[name])
			default:
				seen[name] = k + 1
			}
			for _, p := range syntax(ctx, c) {
				add(p.line, false, "%s", p.msg)
			}
			for _, p := range outcome(c) {
				add(p.line, p.warn, "%s", p.msg)
			}
		}
	}
	sortFindings(out)
	return out
}

func sortFindings(f []Finding) {
	for i := 1; i < len(f); i++ { // insertion sort: stable and the lists are short
		for j := i; j > 0 && f[j].Line < f[j-1].Line; j-- {
			f[j], f[j-1] = f[j-1], f[j]
		}
	}
}

type problem struct {
	line int
	warn bool
	msg  string
}

var bashErrRE = regexp.MustCompile(`^.*?: line (\d+): (.*)$`)

// syntax runs `bash -n` on scripts that bash or sh would run.
func syntax(ctx context.Context, c labdoc.Check) []problem {
	argv := runner.Interpreter(c.Script)
	interp := filepath.Base(argv[0])
	if interp == "env" && len(argv) > 1 {
		interp = argv[1]
	}
	if interp != "bash" && interp != "sh" && interp != "dash" {
		return nil
	}
	f, err := os.CreateTemp("", "lab-lint-*.sh")
	if err != nil {
		return []problem{{c.ScriptLine, false, "cannot check syntax: " + err.Error()}}
	}
	defer os.Remove(f.Name())
	f.WriteString(c.Script)
	f.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, runner.DefaultShell, "-n", f.Name()).CombinedOutput()
	if err == nil {
		return nil
	}
	var ps []problem
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if m := bashErrRE.FindStringSubmatch(l); m != nil && !strings.HasPrefix(m[2], "`") {
			n, _ := strconv.Atoi(m[1])
			ps = append(ps, problem{c.ScriptLine + n - 1, false, "bash -n: " + m[2]})
		}
	}
	if len(ps) == 0 {
		ps = append(ps, problem{c.ScriptLine, false, "bash -n: " + strings.TrimSpace(string(out))})
	}
	return ps
}

var (
	exitRE     = regexp.MustCompile(`(?:^|[;&|(\s])exit(?:\s+(\S+))?\s*(?:$|[;)#])`)
	psGrepRE   = regexp.MustCompile(`(?:^|[;&(\s])ps(?:\s[^|]*)?\|`)
	lastExitRE = regexp.MustCompile(`^exit(?:\s+(\S+?))?\s*;?$`)
	trueTail   = regexp.MustCompile(`\|\|\s*(?:true|:)\s*$`)
	setERE     = regexp.MustCompile(`(?m)^\s*set\s+-[a-zA-Z]*e|^#!\S+\s+-[a-zA-Z]*e`)
	commentRE  = regexp.MustCompile(`^\s*(?:#.*)?$`)
)

// outcome finds checks whose result does not depend on the machine.
func outcome(c labdoc.Check) []problem {
	argv := runner.Interpreter(c.Script)
	interp := filepath.Base(argv[len(argv)-1])
	if b := filepath.Base(argv[0]); b != "env" {
		interp = b
	}
	if interp != "bash" && interp != "sh" && interp != "dash" {
		return nil
	}
	lines := strings.Split(c.Script, "\n")
	last := -1
	for i, l := range lines {
		if !commentRE.MatchString(l) {
			last = i
		}
	}
	if last < 0 {
		return []problem{{c.ScriptLine, false, "the script runs no command, so it always passes"}}
	}
	var ps []problem
	lastLine := strings.TrimSpace(lines[last])
	at := c.ScriptLine + last
	exits := 0
	for _, l := range lines {
		exits += len(exitRE.FindAllString(stripComment(l), -1))
	}
	for i, l := range lines {
		if p, ok := psGrep(stripComment(l)); ok {
			ps = append(ps, problem{c.ScriptLine + i, i != last, p})
		}
	}
	lastCmd := stripComment(lastLine)
	if trueTail.MatchString(lastCmd) {
		ps = append(ps, problem{at, false, "the script ends with `|| true`, so it always exits 0: it can never fail"})
	}
	if m := lastExitRE.FindStringSubmatch(lastCmd); m != nil && exits == 1 && !setERE.MatchString(c.Script) {
		switch code := m[1]; {
		case code == "0":
			ps = append(ps, problem{at, false, "the script's only exit is its last line, `" + lastCmd + "`: it can never fail"})
		case code != "" && code[0] != '$':
			ps = append(ps, problem{at, false, fmt.Sprintf("the script always ends with `exit %s`: it can never pass", code)})
		}
	}
	return ps
}

func stripComment(l string) string {
	t := strings.TrimSpace(l)
	if strings.HasPrefix(t, "#") {
		return ""
	}
	return t
}

// psGrep spots `ps … | grep pattern` whose grep can match its own command line.
func psGrep(l string) (string, bool) {
	loc := psGrepRE.FindStringIndex(l)
	if loc == nil {
		return "", false
	}
	// The pipeline after ps, up to the next command.
	rest := l[loc[1]:]
	for _, sep := range []string{"||", "&&", ";", "&", ")"} {
		if i := strings.Index(rest, sep); i >= 0 {
			rest = rest[:i]
		}
	}
	for _, seg := range strings.Split(rest, "|") {
		seg = strings.TrimSpace(seg)
		if seg == "" {
			continue
		}
		f := strings.Fields(seg)
		if f[0] != "grep" && f[0] != "egrep" {
			return "", false // awk, wc…: the author handled the output some other way
		}
		if strings.Contains(seg, "-v") && strings.Contains(seg, "grep") && strings.Count(seg, "grep") >= 2 {
			return "", false // grep -v grep
		}
		if strings.ContainsAny(seg, "[") {
			return "", false // grep [n]ginx does not match itself
		}
		if strings.Contains(seg, " -v") || strings.Contains(seg, " -c") {
			return "", false
		}
	}
	return "`ps … | grep` also matches the grep process itself, so it always succeeds: add `| grep -v grep`, or use `pgrep`", true
}
