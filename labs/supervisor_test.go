package labs

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// check is one item of a ```checker block.
type check struct {
	Name   string `yaml:"name"`
	Script string `yaml:"script"`
	Error  string `yaml:"error"`
}

type step struct {
	Line   int // line of the opening fence, 1-based
	Checks []check
}

// readLab splits the embedded lab.md into its front matter and its checker blocks.
// It is a test helper, not the checker's parser (checker/labdoc owns that).
func readLab(t *testing.T) (map[string]any, []step) {
	t.Helper()
	data, err := fs.ReadFile(Supervisor, "lab.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.HasPrefix(text, "---\n") {
		t.Fatal("lab.md: no front matter")
	}
	end := strings.Index(text[4:], "\n---\n")
	if end < 0 {
		t.Fatal("lab.md: front matter not closed")
	}
	var meta map[string]any
	if err := yaml.Unmarshal([]byte(text[4:4+end]), &meta); err != nil {
		t.Fatalf("lab.md: front matter: %v", err)
	}
	var steps []step
	sc := bufio.NewScanner(strings.NewReader(text))
	line, start := 0, 0
	var block strings.Builder
	for sc.Scan() {
		line++
		l := sc.Text()
		switch {
		case start == 0 && l == "```checker":
			start = line
			block.Reset()
		case start != 0 && l == "```":
			dec := yaml.NewDecoder(strings.NewReader(block.String()))
			dec.KnownFields(true)
			var checks []check
			if err := dec.Decode(&checks); err != nil {
				t.Fatalf("lab.md:%d: checker block: %v", start, err)
			}
			steps = append(steps, step{Line: start, Checks: checks})
			start = 0
		case start != 0:
			block.WriteString(l + "\n")
		}
	}
	return meta, steps
}

func TestEmbeddedLabFiles(t *testing.T) {
	want := []string{"lab.md", "setup"}
	for i := 1; i <= 6; i++ {
		want = append(want, "solutions/step-"+string(rune('0'+i))+".sh")
	}
	for _, name := range want {
		if _, err := fs.Stat(Supervisor, name); err != nil {
			t.Errorf("embedded lab lacks %s: %v", name, err)
		}
		// go:embed drops file modes; the files on disk must be executable for `lab test`.
		if name == "lab.md" {
			continue
		}
		st, err := os.Stat(filepath.Join("supervisor", name))
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("supervisor/%s is not executable", name)
		}
	}
}

func TestLabDocument(t *testing.T) {
	meta, steps := readLab(t)
	if meta["enable_checker"] != true || meta["show"] != "step" || meta["version"] == nil {
		t.Errorf("front matter = %v, want show: step, version, enable_checker: true", meta)
	}
	if len(steps) != 6 {
		t.Fatalf("lab.md has %d checker blocks, want 6", len(steps))
	}
	for i, s := range steps {
		if len(s.Checks) == 0 {
			t.Errorf("step-%d (lab.md:%d): empty checker block", i+1, s.Line)
		}
		for _, c := range s.Checks {
			if c.Name == "" || strings.TrimSpace(c.Error) == "" {
				t.Errorf("step-%d (lab.md:%d): check %q lacks a name or an error text", i+1, s.Line, c.Name)
			}
			if !strings.HasPrefix(c.Script, "#!/bin/bash\n") {
				t.Errorf("step-%d %q: script does not start with #!/bin/bash", i+1, c.Name)
			}
			if out, err := exec.Command("bash", "-n", "-c", c.Script).CombinedOutput(); err != nil {
				t.Errorf("step-%d %q: bash -n: %v\n%s", i+1, c.Name, err, out)
			}
		}
	}
}

func TestShellSyntax(t *testing.T) {
	tests := []struct{ shell, path string }{
		{"bash", "supervisor/setup"},
		{"bash", "supervisor/packaging/build-deb.sh"},
		{"bash", "supervisor/packaging/apt-repo.sh"},
		{"sh", "supervisor/packaging/etc/init.d/supervisor"},
		{"sh", "supervisor/packaging/DEBIAN/postinst"},
		{"sh", "supervisor/packaging/DEBIAN/prerm"},
		{"sh", "supervisor/packaging/DEBIAN/postrm"},
	}
	sols, _ := filepath.Glob("supervisor/solutions/step-*.sh")
	for _, s := range sols {
		tests = append(tests, struct{ shell, path string }{"bash", s})
	}
	for _, tt := range tests {
		if out, err := exec.Command(tt.shell, "-n", tt.path).CombinedOutput(); err != nil {
			t.Errorf("%s -n %s: %v\n%s", tt.shell, tt.path, err, out)
		}
	}
}

// stepChecks returns step n's checks with the lab machine's paths moved into dir, so
// the real check scripts can run against files written by a test.
func stepChecks(t *testing.T, n int, dir string) []check {
	t.Helper()
	_, steps := readLab(t)
	r := strings.NewReplacer(
		"/home/shiyanlou/supervisord.conf", filepath.Join(dir, "supervisord.conf"),
		"/etc/supervisor/conf.d", filepath.Join(dir, "conf.d"),
		"/etc/nginx/nginx.conf", filepath.Join(dir, "nginx.conf"),
	)
	var out []check
	for _, c := range steps[n-1].Checks {
		c.Script = r.Replace(c.Script)
		out = append(out, c)
	}
	return out
}

// failing runs checks and returns the names of those that fail.
func failing(t *testing.T, checks []check) []string {
	t.Helper()
	var names []string
	for _, c := range checks {
		cmd := exec.Command("bash", "-c", c.Script)
		if out, err := cmd.CombinedOutput(); err != nil {
			names = append(names, c.Name)
			t.Logf("%s: %v: %s", c.Name, err, bytes.TrimSpace(out))
		}
	}
	return names
}

// debianConf is the configuration the package ships, which the student copies in step 2.
func debianConf(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("supervisor/packaging/etc/supervisor/supervisord.conf")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// solvedStep3 applies solutions/step-3.sh to the shipped configuration in dir.
func solvedStep3(t *testing.T, dir string) string {
	t.Helper()
	conf := filepath.Join(dir, "supervisord.conf")
	if err := os.WriteFile(conf, []byte(debianConf(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("supervisor/solutions/step-3.sh")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(script), "cd /home/shiyanlou", "cd "+dir)
	s = strings.ReplaceAll(s, "sudo ", "")
	if out, err := exec.Command("bash", "-c", s).CombinedOutput(); err != nil {
		t.Fatalf("step-3.sh: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(conf)
	return string(b)
}

// TestStep3Checks runs step 3's real checks against configurations a student might
// write: comments or values in the wrong section must not pass.
func TestStep3Checks(t *testing.T) {
	const (
		sock  = "[unix_http_server] 使用新的套接字"
		files = "[supervisord] 使用新的日志和 PID 文件"
		url   = "[supervisorctl] 连接新的套接字"
		incl  = "[include] 不再引入 ssh 的配置"
	)
	solved := solvedStep3(t, t.TempDir())
	tests := []struct {
		name string
		conf string
		fail []string
	}{
		{"solution", solved, nil},
		{"untouched copy", debianConf(t), []string{sock, files, url, incl}},
		{"only comments mention supervisord1", debianConf(t) +
			"; file=/var/run/supervisor1.sock\n# logfile=/var/log/supervisor/supervisord1.log\n",
			[]string{sock, files, url, incl}},
		{"inline comment is not the value", strings.Replace(solved,
			"file=/var/run/supervisor1.sock", "file=/var/run/supervisor.sock ;supervisor1.sock", 1),
			[]string{sock, url}},
		{"paths in the wrong section", strings.Replace(debianConf(t), "[unix_http_server]\n",
			"[unix_http_server]\nlogfile=/var/log/supervisor/supervisord1.log\npidfile=/var/run/supervisord1.pid\n", 1),
			[]string{sock, files, url, incl}},
		{"serverurl with doubled slash", strings.Replace(solved,
			"serverurl=unix:///var/run/supervisor1.sock", "serverurl=unix:///var/run//supervisor1.sock", 1), nil},
		{"serverurl to another socket", strings.Replace(solved,
			"serverurl=unix:///var/run/supervisor1.sock", "serverurl=unix:///var/run/supervisor2.sock", 1),
			[]string{url}},
		{"only files commented out", strings.Replace(solved, ";[include]", "[include]", 1), []string{incl}},
		{"include of nginx only", strings.Replace(strings.Replace(solved, ";[include]", "[include]", 1),
			";files = /etc/supervisor/conf.d/*.conf", "files = /etc/supervisor/conf.d/supervisor_nginx.conf", 1), nil},
		{"later duplicate key wins, CFG-FMT-06", solved + "\n[supervisord]\npidfile=/var/run/supervisord.pid\n",
			[]string{files}},
		{"CRLF line endings", strings.ReplaceAll(solved, "\n", "\r\n"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			conf := strings.ReplaceAll(tt.conf, "/etc/supervisor/conf.d", filepath.Join(dir, "conf.d"))
			if err := os.MkdirAll(filepath.Join(dir, "conf.d"), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"supervisor_service.conf", "supervisor_nginx.conf"} {
				if err := os.WriteFile(filepath.Join(dir, "conf.d", f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "supervisord.conf"), []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			got := failing(t, stepChecks(t, 3, dir))
			if strings.Join(got, "|") != strings.Join(tt.fail, "|") {
				t.Errorf("failing checks = %q, want %q", got, tt.fail)
			}
		})
	}
}

// TestStep4Checks runs step 4's real checks against program files and includes.
func TestStep4Checks(t *testing.T) {
	const (
		file  = "nginx 的 program 文件已写好"
		front = "nginx 以前台方式运行"
		incl  = "副本包含了 nginx 的 program 文件"
	)
	solution, err := os.ReadFile("supervisor/solutions/step-4.sh")
	if err != nil {
		t.Fatal(err)
	}
	// The program file exactly as step-4.sh writes it.
	prog := regexp.MustCompile(`(?s)<<'PROG'\n(.*?)PROG\n`).FindSubmatch(solution)
	if prog == nil {
		t.Fatal("step-4.sh: no program file heredoc")
	}
	included := strings.Replace(strings.Replace(solvedStep3(t, t.TempDir()), ";[include]", "[include]", 1),
		";files = /etc/supervisor/conf.d/*.conf", "files = /etc/supervisor/conf.d/supervisor_nginx.conf", 1)
	tests := []struct {
		name, conf, prog, nginxConf string
		fail                        []string
	}{
		{"solution", included, string(prog[1]), "", nil},
		{"no program file", included, "", "", []string{file, front, incl}},
		{"course's daemonizing command", included, "[program:nginx]\ncommand=/usr/sbin/nginx\n", "", []string{front}},
		{"daemon off in nginx.conf", included, "[program:nginx]\ncommand=/usr/sbin/nginx\n", "daemon off;\n", nil},
		{"sleep pretending to be nginx", included, "[program:nginx]\ncommand=sleep 999 # nginx daemon off\n", "",
			[]string{file, front}},
		{"command only in a comment", included, "[program:nginx]\n;command=/usr/sbin/nginx -g 'daemon off;'\n", "",
			[]string{file, front}},
		{"space before the semicolon cuts the command, CFG-FMT-03", included,
			"[program:nginx]\ncommand=/usr/sbin/nginx -g 'daemon off ;'\n", "", []string{front}},
		{"include still commented out", solvedStep3(t, t.TempDir()), string(prog[1]), "", []string{incl}},
		{"include by glob", strings.Replace(included, "supervisor_nginx.conf", "*.conf", 1), string(prog[1]), "", nil},
		{"relative include", strings.Replace(included, "/etc/supervisor/conf.d/supervisor_nginx.conf",
			"conf.d/supervisor_nginx.conf", 1), string(prog[1]), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "conf.d"), 0o755); err != nil {
				t.Fatal(err)
			}
			write := func(name, content string) {
				t.Helper()
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write("supervisord.conf", strings.ReplaceAll(tt.conf, "/etc/supervisor/conf.d", filepath.Join(dir, "conf.d")))
			if tt.prog != "" {
				write("conf.d/supervisor_nginx.conf", tt.prog)
			}
			write("nginx.conf", "user www-data;\n"+tt.nginxConf)
			got := failing(t, stepChecks(t, 4, dir))
			if strings.Join(got, "|") != strings.Join(tt.fail, "|") {
				t.Errorf("failing checks = %q, want %q", got, tt.fail)
			}
		})
	}
}
