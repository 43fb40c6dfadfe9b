package labcli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/creack/pty"
	"github.com/supervisorlab/supervisorlab/checker/runner"
)

const oneStep = "# One\n\n## First\n\n```checker\n- name: c\n  script: \"false\"\n  error: 不行\n```\n"

func env(vals map[string]string) func(string) string {
	return func(k string) string { return vals[k] }
}

func TestParseArgs(t *testing.T) {
	for _, tt := range []struct {
		args []string
		pos  string
		v, a bool
		lab  string
	}{
		{[]string{"step-1"}, "step-1", false, false, ""},
		{[]string{"-v", "step-1", "-a"}, "step-1", true, true, ""},
		{[]string{"step-2", "--lab", "x.md", "-v"}, "step-2", true, false, "x.md"},
		{[]string{"--lab=x.md", "--", "-a"}, "-a", false, false, "x.md"},
		{[]string{}, "", false, false, ""},
	} {
		fl := flag.NewFlagSet("t", flag.ContinueOnError)
		v, a := fl.Bool("v", false, ""), fl.Bool("a", false, "")
		lab := fl.String("lab", "", "")
		pos, err := parseArgs(fl, tt.args)
		if err != nil || strings.Join(pos, " ") != tt.pos || *v != tt.v || *a != tt.a || *lab != tt.lab {
			t.Errorf("%q: pos %q v %v a %v lab %q err %v", tt.args, pos, *v, *a, *lab, err)
		}
	}
}

func TestParseStep(t *testing.T) {
	for arg, want := range map[string]string{
		"step-2": "", "2": "", "STEP-3": "",
		"step-0":  "step-0 is out of range: this lab has 3 steps (step-1 to step-3)",
		"step-4":  "step-4 is out of range: this lab has 3 steps (step-1 to step-3)",
		"step-x":  `"step-x" is not a step: want step-N, N a number from 1 to 3`,
		"step-+1": `"step-+1" is not a step`,
		"":        `"" is not a step`,
	} {
		_, err := parseStep(arg, 3)
		if (want == "") != (err == nil) || err != nil && !strings.HasPrefix(err.Error(), want) {
			t.Errorf("parseStep(%q) = %v, want %q", arg, err, want)
		}
	}
}

// Colour appears only on a terminal, and NO_COLOR turns it off there too.
func TestColourOnlyOnTerminal(t *testing.T) {
	dir := t.TempDir()
	lab := filepath.Join(dir, "lab.md")
	if err := os.WriteFile(lab, []byte(oneStep), 0o644); err != nil {
		t.Fatal(err)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	read := make(chan string)
	go func() {
		var b bytes.Buffer
		io.Copy(&b, ptmx) // ends with EIO once tty is closed
		read <- b.String()
	}()
	for _, noColor := range []string{"", "1"} {
		c := Config{Getenv: env(map[string]string{"NO_COLOR": noColor, "XDG_STATE_HOME": dir, "TERM": "xterm"})}
		if code := c.Main([]string{"check", "--local", "--lab", lab, "step-1"}, tty, io.Discard); code != 1 {
			t.Fatalf("exit %d", code)
		}
	}
	var plain bytes.Buffer
	c := Config{Getenv: env(map[string]string{"XDG_STATE_HOME": dir})}
	c.Main([]string{"check", "--local", "--lab", lab, "step-1"}, &plain, io.Discard)
	tty.Close()
	out := <-read
	if n := strings.Count(out, "\x1b[31m✗"); n != 1 {
		t.Errorf("want one coloured ✗ on the terminal (the NO_COLOR run has none), got %d in %q", n, out)
	}
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(plain.String(), "✗ c") {
		t.Errorf("not a terminal: %q", plain.String())
	}
}

// The default lab comes from Config.DefaultLab (the embedded lab, once wired) and keys progress by name.
func TestDefaultLab(t *testing.T) {
	dir := t.TempDir()
	c := Config{
		DefaultLab:     fstest.MapFS{"lab.md": {Data: []byte(oneStep)}},
		DefaultLabName: "demo",
		Getenv:         env(map[string]string{"XDG_STATE_HOME": dir}),
	}
	var out, errb bytes.Buffer
	if code := c.Main([]string{"steps"}, &out, &errb); code != 0 || out.String() != "step-1  First\n    - c\n" {
		t.Fatalf("steps: %d %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := c.Main([]string{"check", "--local", "--json"}, &out, &errb); code != 1 || !strings.Contains(out.String(), `"lab": "demo/lab.md"`) {
		t.Fatalf("check: %d %q %q", code, out.String(), errb.String())
	}
	recs, err := runner.Progress{Dir: filepath.Join(dir, "supervisorlab")}.Steps("embedded:demo")
	if err != nil || len(recs) != 1 || recs[1].Passed {
		t.Fatalf("progress %v %v", recs, err)
	}
}

// countingTarget stands in for the sandbox agent's target: it runs locally and counts.
type countingTarget struct {
	runner.Local
	runs int
}

func (c *countingTarget) Run(ctx context.Context, s runner.Script) (runner.Result, error) {
	c.runs++
	return c.Local.Run(ctx, s)
}

// Without --local, checks go to the current sandbox's target, with the sandbox's lab by default.
func TestSandboxHook(t *testing.T) {
	dir := t.TempDir()
	lab := filepath.Join(dir, "lab.md")
	if err := os.WriteFile(lab, []byte(oneStep), 0o644); err != nil {
		t.Fatal(err)
	}
	target := &countingTarget{Local: runner.Local{Dir: dir}}
	c := Config{
		Sandbox: func() (runner.Target, string, error) { return target, lab, nil },
		Getenv:  env(map[string]string{"XDG_STATE_HOME": dir}),
	}
	var out, errb bytes.Buffer
	if code := c.Main([]string{"check"}, &out, &errb); code != 1 || target.runs != 1 || !strings.Contains(out.String(), "不行") {
		t.Fatalf("exit %d runs %d out %q err %q", code, target.runs, out.String(), errb.String())
	}
	c.Sandbox = func() (runner.Target, string, error) { return nil, "", runner.ErrNoSandbox }
	errb.Reset()
	if code := c.Main([]string{"check"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "no sandbox is running") {
		t.Fatalf("exit %d err %q", code, errb.String())
	}
	c.Sandbox = func() (runner.Target, string, error) { return nil, "", errors.New("agent: connection refused") }
	errb.Reset()
	if code := c.Main([]string{"check"}, &out, &errb); code != 2 || errb.String() != "lab check: agent: connection refused\n" {
		t.Fatalf("exit %d err %q", code, errb.String())
	}
}

// Extra subcommands (start, stop, reset, gc from the sandbox work) are dispatched by name.
func TestExtraCommands(t *testing.T) {
	var got []string
	c := Config{Extra: map[string]func([]string, io.Writer, io.Writer) int{
		"start": func(args []string, _, _ io.Writer) int { got = args; return 0 },
	}}
	if code := c.Main([]string{"start", "--rootfs", "host"}, io.Discard, io.Discard); code != 0 || strings.Join(got, " ") != "--rootfs host" {
		t.Fatalf("exit %d args %q", code, got)
	}
}

// lab test without LAB tests the default (embedded) lab, copied out to run its scripts.
func TestDefaultLabTest(t *testing.T) {
	lab := "# D\n```checker\n- name: f\n  script: test -f \"$HOME/f\"\n  error: no f\n```\n"
	c := Config{
		DefaultLab: fstest.MapFS{
			"lab.md":              {Data: []byte(lab)},
			"setup.sh":            {Data: []byte("test -f \"$LAB_DIR/solutions/step-1.sh\"\n")},
			"solutions/step-1.sh": {Data: []byte("touch \"$HOME/f\"\n")},
		},
		DefaultLabName: "demo",
		Getenv:         env(nil),
	}
	var out, errb bytes.Buffer
	if code := c.Main([]string{"test", "--local"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "step-1  FAIL    PASS   ok") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
}
