package config

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// These tests run the same inputs through our code and through the
// Python modules 4.2.5 uses (configparser, shlex, supervisor.datatypes,
// the % operator), using Debian's /usr/bin/python3 as the oracle.

const python3 = "/usr/bin/python3"

// askPython runs script with the JSON encoding of in on stdin and decodes
// its stdout into out.
func askPython(t *testing.T, script string, in, out any) {
	t.Helper()
	needOracle(t, python3)
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python3, "-c", script)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(res, out); err != nil {
		t.Fatalf("python output: %v\n%s", err, res)
	}
}

// iniResult is a parsed file: sections (DEFAULT included) or an error.
type iniResult struct {
	Sections map[string]map[string]string `json:"sections"`
	Err      string                       `json:"err"`
}

const pyINI = `
import configparser, json, sys, tempfile, os
out = []
d = tempfile.mkdtemp()
for i, text in enumerate(json.load(sys.stdin)):
    p = os.path.join(d, "case%d.conf" % i)
    with open(p, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    cp = configparser.RawConfigParser(inline_comment_prefixes=(";", "#"), strict=False)
    try:
        with open(p, "r", encoding="utf-8") as f:
            cp.read_file(f)
        secs = {"DEFAULT": dict(cp._defaults)}
        for s in cp.sections():
            secs[s] = dict(cp._sections[s])
        out.append({"sections": secs, "err": ""})
    except configparser.Error as e:
        out.append({"sections": None, "err": str(e).replace(p, "FILE")})
json.dump(out, sys.stdout)
`

// iniCases are tokenizer edge cases (CFG-FMT-01..07, CFG-FMT-10).
var iniCases = []string{
	"[a]\nk=v\n",
	"[a]\ncommand=/bin/echo a;b c ;comment\n",
	"[a]\ncommand=sleep 10#x\nx=a #b\n",
	"[a]\nx=bash -c 'foo ; bar'\n",
	"[a]\nx=echo x=a#b #c ;d\n",
	"[a]\nx=a\t;tab\n",
	"[a]\n; full\n  # indented\nk = v\n",
	"[a]\nK : V\nKey= spaced value   \n",
	"[a]\nk=first\n  second\n\n  after blank\nj=1\n",
	"[a]\nk=first\n\n\n",
	"[a]\nk=first\n  ; comment inside\n  more\n",
	"[a]\nk=v\n[a]\nk=w\nk=z\n",
	"[DEFAULT]\np=5\n[a]\nq=1\n",
	"[a]\n[program:b\n",
	"[a]\nno delimiter here\nalso bad\n",
	"k=v\n[a]\n",
	"[a]\n=v\n",
	"[a] trailing junk\nk=v\n",
	"[a]b]\nk=v\n",
	"[]\nk=v\n",
	"[a]\r\nk=v\r\nj=w\rz=1\n",
	"[a]\n  [b]\nk=v\n",
	"[a]\nk=v\n  [b]\n",
	"[a]\nk=\n",
	"[a]\nk=v ;\n",
	"[a]\nk:v=w\nx=y:z\n",
	"[Program:A]\nKEY=Value\n",
	"",
	"\n\n; only comments\n",
	"[a]\nk=ü ;ü\n",
	"[a]\nk=v\n\t\tcont\n",
	"[a]\nk=#notcomment\nj=;notcomment\n",
	"[a]\nk=v\n  cont ; c\n",
	"[a]\nk=1\nk =2\n K=3\n",
}

func TestINIMatchesPythonConfigparser(t *testing.T) {
	var want []iniResult
	askPython(t, pyINI, iniCases, &want)
	if len(want) != len(iniCases) {
		t.Fatalf("python answered %d cases, want %d", len(want), len(iniCases))
	}
	for i, text := range iniCases {
		t.Run(fmtCase(i, text), func(t *testing.T) {
			got := iniResult{}
			doc := newDoc()
			if perr := doc.read([]byte(text), "FILE"); perr != nil {
				got.Err = perr.msg
			} else {
				got.Sections = map[string]map[string]string{"DEFAULT": values(doc.defaults)}
				for _, s := range doc.sections {
					got.Sections[s.Name] = values(s)
				}
			}
			if !reflect.DeepEqual(got, want[i]) {
				t.Errorf("input %q:\n ours   %+v\n python %+v", text, got, want[i])
			}
		})
	}
}

func values(s *iniSection) map[string]string {
	m := map[string]string{}
	for _, k := range s.keys {
		m[k] = s.vals[k].Value
	}
	return m
}

func fmtCase(i int, s string) string {
	if len(s) > 24 {
		s = s[:24]
	}
	return filepath.Clean(string(rune('A'+i%26))) + "_" + sanitize(s)
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x21 || c > 0x7e || c == '/' {
			b[i] = '_'
		}
	}
	return string(b)
}

const pyFormatScript = `
import json, sys
out = []
for c in json.load(sys.stdin):
    d = dict(c["vars"])
    d.update({k: int(v) for k, v in c["ints"].items()})
    try:
        out.append({"out": c["fmt"] % d, "err": ""})
    except KeyError as e:
        out.append({"out": "", "err": "KeyError " + str(e)})
    except Exception as e:
        out.append({"out": "", "err": str(e)})
json.dump(out, sys.stdout)
`

type fmtCaseT struct {
	Fmt  string            `json:"fmt"`
	Vars map[string]string `json:"vars"`
	Ints map[string]int    `json:"ints"`
}

type fmtResult struct {
	Out string `json:"out"`
	Err string `json:"err"`
}

// TestPercentFormatMatchesPython covers CFG-FMT-08 and CFG-PROG-02.
func TestPercentFormatMatchesPython(t *testing.T) {
	vars := map[string]string{"program_name": "web", "here": "/etc/supervisor", "ENV_HOME": "/root"}
	ints := map[string]int{"process_num": 7, "numprocs": 12}
	formats := []string{
		"plain", "%(program_name)s", "%(process_num)02d", "%(process_num)d/%(numprocs)d", "%%", "100%%",
		"%", "50%", "%(x", "%(nope)s", "%(program_name)d", "%(process_num)5d|", "%(process_num)-5d|",
		"%(process_num)+d", "%(process_num) d", "%(process_num)x", "%(process_num)#x", "%(process_num)X",
		"%(process_num)o", "%(process_num)#o", "%(process_num)e", "%(process_num).2f", "%(process_num)g",
		"%(process_num)c", "%(program_name)c", "%(process_num)s", "%(process_num)r", "%(program_name)r",
		"%(process_num)i", "%(process_num)u", "%(process_num)*d", "%(process_num).*d", "%z",
		"%(program_name)z", "%(a(b))s", "%(process_num)5.3d", "%(program_name).1s", "%(program_name)5s",
		"%(program_name)-5s|", "%(process_num)%", "%(nope)%", "%(process_num)hd", "%(process_num)ld",
		"%5(program_name)s", "%(program_name)é", "%d", "%x", "%c", "%(program_name)s %s %s",
		"%(process_num)0d", "%(process_num)00005d", "%(process_num)-05d|", "%(program_name)05s",
		"%(process_num)x%", "a%(ENV_HOME)s/b", "0%lld", "%(process_num)lld", "%*s", "%(program_name)*d",
		"%(process_num)*z", "%5%",
	}
	var cases []fmtCaseT
	for _, f := range formats {
		cases = append(cases, fmtCaseT{Fmt: f, Vars: vars, Ints: ints})
	}
	var want []fmtResult
	askPython(t, pyFormatScript, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("python answered %d cases, want %d", len(want), len(cases))
	}
	exp := expansions{}
	for k, v := range vars {
		exp[k] = v
	}
	for k, v := range ints {
		exp[k] = v
	}
	for i, f := range formats {
		out, err := pyFormat(f, exp)
		got := fmtResult{Out: out}
		if err != nil {
			if ke, ok := err.(*keyError); ok {
				got.Err = "KeyError " + ke.Error()
			} else {
				got.Err = err.Error()
			}
		}
		if got != want[i] {
			t.Errorf("CFG-FMT-08 %q: ours %+v, python %+v", f, got, want[i])
		}
	}
}

const pyShlexScript = `
import json, shlex, sys
from supervisor.datatypes import dict_of_key_value_pairs
out = []
for s in json.load(sys.stdin):
    r = {}
    try:
        r["split"] = shlex.split(s)
    except ValueError as e:
        r["split_err"] = str(e)
    try:
        r["env"] = [[k, v] for k, v in dict_of_key_value_pairs(s).items()]
    except ValueError as e:
        r["env_err"] = str(e)
    out.append(r)
json.dump(out, sys.stdout)
`

type shlexResult struct {
	Split    []string   `json:"split"`
	SplitErr string     `json:"split_err"`
	Env      [][]string `json:"env"`
	EnvErr   string     `json:"env_err"`
}

// TestShlexMatchesPython covers CFG-CMD-01/02 and CFG-ENV-01..06.
func TestShlexMatchesPython(t *testing.T) {
	inputs := []string{
		"/bin/echo a b", `/bin/echo "a b" 'c d'`, `a\ b`, `"a\"b"`, `'a\'`, `"unterminated`, `trailing\`,
		"a\nb\tc", `""`, `x "" y`, `"a\\b" "a\nb"`, `a"b c"d`, "", "   ",
		"A=1,B=2", "A=1,B=2,", `A="x y",B='q'`, "A=foo@bar", "K=a*b", "K=a b", "C=a b,D=1", "A=1 B=2",
		"K=a#b", `K="a#b"`, "K=", `K=""`, "A=1\nB=2", "A=1;B=2", "A=1 x B=2", `K="it\"s"`, `K='it"s'`,
		"PATH=/usr/bin:/bin,X=(a)+-.", `K="abc`, "K=é", "=1", "A==1", "A=1,,B=2",
		"b\"#A=1\nK=\\", "\"x y\"\n/@A=1,(#\n'", "A=a#c\n,B=2", "A=1 #c\n,B=2",
	}
	var want []shlexResult
	askPython(t, pyShlexScript, inputs, &want)
	if len(want) != len(inputs) {
		t.Fatalf("python answered %d cases, want %d", len(want), len(inputs))
	}
	for i, in := range inputs {
		var got shlexResult
		if args, err := SplitCommand(in); err != nil {
			got.SplitErr = err.Error()
		} else {
			got.Split = args
		}
		if env, err := parseEnvironment(in); err != nil {
			got.EnvErr = err.Error()
		} else {
			for _, kv := range env {
				got.Env = append(got.Env, []string{kv.Key, kv.Value})
			}
		}
		if got.Split == nil && want[i].Split != nil && len(want[i].Split) == 0 {
			got.Split = []string{}
		}
		if len(got.Env) == 0 && len(want[i].Env) == 0 {
			got.Env, want[i].Env = nil, nil
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("CFG-CMD/CFG-ENV %q:\n ours   %+v\n python %+v", in, got, want[i])
		}
	}
}

const pyDatatypesScript = `
import json, sys
from supervisor import datatypes as d
fns = {"integer": d.integer, "boolean": d.boolean, "byte_size": d.byte_size, "octal": d.octal_type,
       "signal": d.signal_number, "exitcodes": d.list_of_exitcodes, "autorestart": d.auto_restart,
       "loglevel": d.logging_level, "inet": d.inet_address, "name": d.process_or_group_name,
       "uid": d.name_to_uid, "usergroup": d.colon_separated_user_group}
out = []
for fn, v in json.load(sys.stdin):
    try:
        r = fns[fn](v)
        if fn == "autorestart":
            r = {False: "false", d.RestartUnconditionally: "true", d.RestartWhenExitUnexpected: "unexpected"}[r]
        out.append({"ok": json.dumps(r), "err": ""})
    except Exception as e:
        out.append({"ok": "", "err": str(e)})
json.dump(out, sys.stdout)
`

// TestDatatypesMatchPython covers CFG-TYPE-01..07, 10..13, 15.
func TestDatatypesMatchPython(t *testing.T) {
	cases := [][2]string{
		{"integer", "12"}, {"integer", " 12 "}, {"integer", "+3"}, {"integer", "-3"}, {"integer", "1_000"},
		{"integer", "abc"}, {"integer", "1.5"}, {"integer", ""}, {"integer", "1__0"}, {"integer", "0x10"},
		{"boolean", "Yes"}, {"boolean", "TRUE"}, {"boolean", "on"}, {"boolean", "1"}, {"boolean", "off"},
		{"boolean", "0"}, {"boolean", "maybe"}, {"boolean", ""}, {"boolean", " true"},
		{"byte_size", "10MB"}, {"byte_size", "1kb"}, {"byte_size", "1GB"}, {"byte_size", "1024"},
		{"byte_size", "-1"}, {"byte_size", "1.5MB"}, {"byte_size", "10K"}, {"byte_size", "1KiB"},
		{"byte_size", "MB"}, {"byte_size", " 5 mb"}, {"byte_size", "5b"},
		{"octal", "022"}, {"octal", "0o22"}, {"octal", "777"}, {"octal", "999"}, {"octal", "abc"}, {"octal", " 7 "},
		{"signal", "TERM"}, {"signal", "sigusr1"}, {"signal", "SIGHUP"}, {"signal", "9"}, {"signal", "0"},
		{"signal", "99"}, {"signal", "FOO"}, {"signal", "rtmin"}, {"signal", "_DFL"}, {"signal", "SIG_IGN"},
		{"signal", " int "}, {"signal", "-1"}, {"signal", "64"},
		{"exitcodes", "0"}, {"exitcodes", "0,2"}, {"exitcodes", "0, 2 ,255"}, {"exitcodes", "0,256"},
		{"exitcodes", "-1"}, {"exitcodes", "a"}, {"exitcodes", ""}, {"exitcodes", "1,"},
		{"autorestart", "unexpected"}, {"autorestart", "TRUE"}, {"autorestart", "false"},
		{"autorestart", "maybe"}, {"autorestart", "Unexpected"},
		{"loglevel", "info"}, {"loglevel", "WARN"}, {"loglevel", "warning"}, {"loglevel", "blather"},
		{"inet", "9001"}, {"inet", "127.0.0.1:9001"}, {"inet", ":9001"}, {"inet", "*:9001"},
		{"inet", "HOST:9001"}, {"inet", "host:"}, {"inet", "99999"}, {"inet", "h:99999"}, {"inet", "h:0"},
		{"inet", "abc"}, {"inet", "[::1]:80"},
		{"name", "a"}, {"name", " a "}, {"name", "a b"}, {"name", "a:b"}, {"name", "a/b"},
		{"uid", "root"}, {"uid", "0"}, {"uid", "nosuchuser_xyz"}, {"uid", "987654"},
		{"usergroup", "root"}, {"usergroup", "root:root"}, {"usergroup", "root:nosuchgroup_xyz"},
		{"usergroup", "nosuchuser_xyz"},
	}
	var want []struct {
		OK  string `json:"ok"`
		Err string `json:"err"`
	}
	askPython(t, pyDatatypesScript, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("python answered %d cases, want %d", len(want), len(cases))
	}
	for i, c := range cases {
		var got any
		var err error
		switch c[0] {
		case "integer":
			got, err = integer(c[1])
		case "boolean":
			got, err = boolean(c[1])
		case "byte_size":
			got, err = byteSize(c[1])
		case "octal":
			var m os.FileMode
			m, err = octal(c[1])
			got = int(m)
		case "signal":
			var s any
			s, err = signalNumber(c[1])
			got = s
		case "exitcodes":
			got, err = exitCodes(c[1])
		case "autorestart":
			var a AutoRestart
			a, err = autoRestart(c[1])
			got = restartName(a)
		case "loglevel":
			var l LogLevel
			l, err = logLevel(c[1])
			got = int(l)
		case "inet":
			var host string
			var port int
			host, port, err = inetAddress(c[1])
			got = []any{host, port}
		case "name":
			got, err = processOrGroupName(c[1])
		case "uid":
			got, err = nameToUID(c[1])
		case "usergroup":
			var ug *UserGroup
			ug, err = userGroup(c[1])
			if ug != nil {
				got = []int{ug.UID, ug.GID}
			}
		}
		var gotOK, gotErr string
		if err != nil {
			gotErr = err.Error()
		} else {
			b, _ := json.Marshal(got)
			gotOK = string(b)
		}
		w := want[i]
		var wantNorm any
		if w.OK != "" {
			_ = json.Unmarshal([]byte(w.OK), &wantNorm)
			var gotNorm any
			_ = json.Unmarshal([]byte(gotOK), &gotNorm)
			if !reflect.DeepEqual(gotNorm, wantNorm) || gotErr != "" {
				t.Errorf("CFG-TYPE %s(%q): ours ok=%s err=%q, python ok=%s", c[0], c[1], gotOK, gotErr, w.OK)
			}
			continue
		}
		if gotErr != w.Err {
			t.Errorf("CFG-TYPE %s(%q): ours ok=%s err=%q, python err=%q", c[0], c[1], gotOK, gotErr, w.Err)
		}
	}
}

// TestINIRandomMatchesPython feeds generated texts over a small, nasty
// alphabet (brackets, delimiters, comment marks, indentation, CR) to our
// tokenizer and to Python's configparser.
func TestINIRandomMatchesPython(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	pieces := []string{"[", "]", "[a]", "[b]", "[DEFAULT]", "=", ":", ";", "#", " ", "\t", "\n", "\n", "\n", "\r", "\r\n",
		"k", "key", "Key", "v", "x y", "  ", "\n  ", "\n\t", " ;c", " #c", "%(here)s", "é", "\u00a0", "\x1c"}
	var cases []string
	for i := 0; i < 1500; i++ {
		var b strings.Builder
		if r.Intn(4) != 0 {
			b.WriteString("[s]\n")
		}
		for j := r.Intn(30); j > 0; j-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		cases = append(cases, b.String())
	}
	var want []iniResult
	askPython(t, pyINI, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("python answered %d cases, want %d", len(want), len(cases))
	}
	parsed := 0
	for i, text := range cases {
		got := iniResult{}
		doc := newDoc()
		if perr := doc.read([]byte(text), "FILE"); perr != nil {
			got.Err = perr.msg
		} else {
			parsed++
			got.Sections = map[string]map[string]string{"DEFAULT": values(doc.defaults)}
			for _, s := range doc.sections {
				got.Sections[s.Name] = values(s)
			}
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("input %q:\n ours   %+v\n python %+v", text, got, want[i])
		}
	}
	// Both outcomes must be well represented for the comparison to mean much.
	if parsed < len(cases)/10 || parsed > len(cases)*9/10 {
		t.Errorf("%d of %d texts parsed; adjust the generator", parsed, len(cases))
	}
	t.Logf("%d of %d texts parsed without error", parsed, len(cases))
}

// TestFormatAndShlexRandomMatchPython compares generated strings through
// the % operator, shlex.split and dict_of_key_value_pairs.
func TestFormatAndShlexRandomMatchPython(t *testing.T) {
	r := rand.New(rand.NewSource(8))
	gen := func(pieces []string, max int) string {
		var b strings.Builder
		for j := 1 + r.Intn(max); j > 0; j-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		return b.String()
	}
	fmtPieces := []string{"%", "%%", "(", ")", "(program_name)", "(process_num)", "(nope)", "s", "d", "r", "x", "c",
		"0", "2", "5", "-", "+", " ", "#", ".", "*", "l", "z", "a", "é"}
	vars := map[string]string{"program_name": "web"}
	ints := map[string]int{"process_num": 7}
	var fcases []fmtCaseT
	for i := 0; i < 1500; i++ {
		fcases = append(fcases, fmtCaseT{Fmt: gen(fmtPieces, 8), Vars: vars, Ints: ints})
	}
	var fwant []fmtResult
	askPython(t, pyFormatScript, fcases, &fwant)
	if len(fwant) != len(fcases) {
		t.Fatalf("python answered %d cases", len(fwant))
	}
	exp := expansions{"program_name": "web", "process_num": 7}
	for i, c := range fcases {
		out, err := pyFormat(c.Fmt, exp)
		got := fmtResult{Out: out}
		if err != nil {
			if ke, ok := err.(*keyError); ok {
				got.Err = "KeyError " + ke.Error()
			} else {
				got.Err = err.Error()
			}
		}
		// An unnamed %s prints the whole dict, whose order we do not track.
		if strings.Contains(fwant[i].Out, "{") {
			continue
		}
		if got != fwant[i] {
			t.Errorf("CFG-FMT-08 %q: ours %+v, python %+v", c.Fmt, got, fwant[i])
		}
	}
	shPieces := []string{`"`, `'`, `\`, " ", "a", "b", "=", ",", "#", "@", "\n", "A=1", "K=", `"x y"`, "(", "/", ";", "é"}
	var scases []string
	for i := 0; i < 1500; i++ {
		scases = append(scases, gen(shPieces, 10))
	}
	var swant []shlexResult
	askPython(t, pyShlexScript, scases, &swant)
	if len(swant) != len(scases) {
		t.Fatalf("python answered %d cases", len(swant))
	}
	for i, in := range scases {
		var got shlexResult
		if args, err := SplitCommand(in); err != nil {
			got.SplitErr = err.Error()
		} else {
			got.Split = args
		}
		if env, err := parseEnvironment(in); err != nil {
			got.EnvErr = err.Error()
		} else {
			for _, kv := range env {
				got.Env = append(got.Env, []string{kv.Key, kv.Value})
			}
		}
		w := swant[i]
		if len(got.Split) == 0 && len(w.Split) == 0 {
			got.Split, w.Split = nil, nil
		}
		if len(got.Env) == 0 && len(w.Env) == 0 {
			got.Env, w.Env = nil, nil
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("CFG-CMD/CFG-ENV %q:\n ours   %+v\n python %+v", in, got, w)
		}
	}
}
