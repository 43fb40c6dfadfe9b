package daemon

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFlags(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		err  string
		chk  func(*Flags) bool
	}{
		{[]string{"-c", "x.conf", "-n"}, "", func(f *Flags) bool { return f.Config == "x.conf" && f.Nodaemon }},
		{[]string{"-nc", "x.conf"}, "", func(f *Flags) bool { return f.Config == "x.conf" && f.Nodaemon }},
		{[]string{"--configuration=x.conf", "--nodaemo"}, "", func(f *Flags) bool { return f.Config == "x.conf" && f.Nodaemon }},
		{[]string{"-z", "-1"}, "", func(f *Flags) bool { return *f.LogfileBackups == -1 }},
		{[]string{"--logfile_maxbytes", "1KB"}, "", func(f *Flags) bool { return *f.LogfileMaxbytes == 1024 }},
		{[]string{"-m", "027"}, "", func(f *Flags) bool { return *f.Umask == 0o27 }},
		{[]string{"-e", "DEBUG"}, "", func(f *Flags) bool { return *f.Loglevel == 10 }},
		{[]string{"-q", dir, "-d", dir}, "", func(f *Flags) bool { return *f.Childlogdir == dir }},
		{[]string{"-?"}, "", func(f *Flags) bool { return f.Help }},
		{[]string{"--check-config"}, "", func(f *Flags) bool { return f.CheckConfig }},
		{[]string{"--bogus"}, "option --bogus not recognized", nil},
		{[]string{"-x"}, "option -x not recognized", nil},
		{[]string{"-c"}, "option -c requires argument", nil},
		{[]string{"-n", "-n"}, "conflicting command line option '-n'", nil},
		{[]string{"extra"}, "positional arguments are not supported: ['extra']", nil},
		{[]string{"-m", "999"}, "invalid value for -m '999': 999 can not be converted to an octal type", nil},
		{[]string{"-e", "foo"}, "invalid value for -e 'foo': bad logging level name 'foo'", nil},
		{[]string{"-d", "/nonexist"}, "invalid value for -d '/nonexist': /nonexist is not an existing directory", nil},
		{[]string{"-a", "abc"}, "invalid value for -a 'abc': invalid literal for int() with base 10: 'abc'", nil},
		{[]string{"-y", "5XB"}, "invalid value for -y '5XB': invalid literal for int() with base 10: '5xb'", nil},
		{[]string{"-l", "/nonexist/x.log"}, "invalid value for -l '/nonexist/x.log': The directory named as part of the path /nonexist/x.log does not exist", nil},
		{[]string{"--minprocs=x"}, "invalid value for --minprocs 'x': invalid literal for int() with base 10: 'x'", nil},
		{[]string{"--user=nosuchuser_xyz"}, "Invalid user name nosuchuser_xyz", nil},
	}
	for _, tt := range tests {
		f, err := ParseFlags(tt.args)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: err = %v, want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if !tt.chk(f) {
			t.Errorf("%q: flags %+v", tt.args, f)
		}
	}
}

func FuzzParseFlags(f *testing.F) {
	for _, s := range []string{"-c x -n", "--nodaemon --logfile_maxbytes=1KB", "-nkt -a 5", "--", "-", "--=", "-m 0777 extra"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := ParseFlags(strings.Fields(s))
		if err == nil && fl == nil {
			t.Fatal("nil flags without error")
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}

func TestMainUsage(t *testing.T) {
	dir := t.TempDir()
	noSection := filepath.Join(dir, "empty.conf")
	os.WriteFile(noSection, []byte("[program:x]\ncommand=/bin/true\n"), 0o644)
	tests := []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"-v"}, 0, "4.2.5\n", ""},
		{[]string{"--bogus"}, 2, "", "Error: option --bogus not recognized\nFor help, use " + os.Args[0] + " -h\n"},
		{[]string{"-c", filepath.Join(dir, "missing.conf")}, 2, "", "Error: could not find config file " + filepath.Join(dir, "missing.conf")},
		{[]string{"-c", noSection}, 2, "", "Error: .ini file does not include supervisord section"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := Main(tt.args, &out, &errb)
		if code != tt.code || out.String() != tt.stdout || !strings.HasPrefix(errb.String(), tt.stderr) {
			t.Errorf("%q: code %d stdout %q stderr %q", tt.args, code, out.String(), errb.String())
		}
	}
	var out bytes.Buffer
	if code := Main([]string{"-h"}, &out, &out); code != 0 || !strings.Contains(out.String(), "-c, --configuration FILE") {
		t.Errorf("-h: %d %q", code, out.String())
	}
}
