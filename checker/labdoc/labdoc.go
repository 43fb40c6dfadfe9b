package labdoc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Lab is one parsed lab document.
type Lab struct {
	File     string // as given to Parse; used in every Diagnostic
	Meta     Meta
	Headings []Heading
	Steps    []Step
	Warnings []Diagnostic // repairs and doubtful content; the lab still loads
	Errors   []Diagnostic // what could not be loaded (broken steps, bad front matter)
}

// Meta is the YAML front matter.
type Meta struct {
	Present       bool
	Show          string
	Version       string // kept as written ("1.0", not a float)
	EnableChecker bool
	Timeout       time.Duration // default per-check timeout; 0 when not set
	Extra         map[string]any
}

// Heading is a markdown ATX heading outside code blocks.
type Heading struct {
	Level int
	Title string
	Line  int
}

// Step is one checker block.
type Step struct {
	N      int    // 1-based position among the checker blocks
	Title  string // nearest heading above the block, "" when none
	File   string
	Line   int // line of the opening fence
	Checks []Check
	Broken bool // the block could not be loaded; see Lab.Errors
}

// Check is one item of a checker block.
type Check struct {
	Name       string
	Script     string
	Error      string // the author's message shown on failure, as written
	Hint       string
	Timeout    time.Duration // 0: use the lab's or the runner's default
	Line       int           // line of the item's "- "
	ScriptLine int           // markdown line of the script's first line
}

// Diagnostic is a warning or error located in the lab file.
type Diagnostic struct {
	File  string
	Line  int
	Step  int    // 0 for the document as a whole (front matter, encoding)
	Field string // YAML key concerned, "" when none
	Msg   string
}

func (d Diagnostic) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: ", d.File, d.Line)
	if d.Step > 0 {
		fmt.Fprintf(&b, "step-%d: ", d.Step)
	}
	if d.Field != "" {
		fmt.Fprintf(&b, "%s: ", d.Field)
	}
	b.WriteString(d.Msg)
	return b.String()
}

// ErrorList is the error Parse returns when a lab has errors: one Diagnostic per problem.
type ErrorList []Diagnostic

func (l ErrorList) Error() string {
	s := make([]string, len(l))
	for i, d := range l {
		s[i] = d.String()
	}
	return strings.Join(s, "\n")
}

// DefaultShell runs scripts that have no shebang.
const DefaultShell = "/bin/bash"

// Load reads and parses the lab file at path.
func Load(path string) (*Lab, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("%s: %w", path, pe.Err)
		}
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a lab document. It always returns a Lab (with the steps it could load); the error
// is an ErrorList when lab.Errors is not empty.
func Parse(file string, data []byte) (*Lab, error) {
	lab := &Lab{File: file}
	p := parser{lab: lab}
	p.parse(data)
	byLine := func(d []Diagnostic) {
		sort.SliceStable(d, func(i, j int) bool { return d[i].Line < d[j].Line })
	}
	byLine(lab.Warnings)
	byLine(lab.Errors)
	if len(lab.Errors) > 0 {
		return lab, ErrorList(lab.Errors)
	}
	return lab, nil
}

// Digest identifies what a step checks (its checks' names and scripts), so a recorded result
// can be told apart from one made against an earlier version of the step.
func (s Step) Digest() string {
	h := sha256.New()
	for _, c := range s.Checks {
		fmt.Fprintf(h, "%q %q %d\n", c.Name, c.Script, c.Timeout)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// StepErr returns the errors of step n (1-based), or nil.
func (l *Lab) StepErr(n int) error {
	var out ErrorList
	for _, d := range l.Errors {
		if d.Step == n {
			out = append(out, d)
		}
	}
	if out == nil {
		return nil
	}
	return out
}

// DocErr returns the errors that concern the whole document (not one step), or nil.
func (l *Lab) DocErr() error { return l.StepErr(0) }

type parser struct {
	lab *Lab
}

func (p *parser) warn(line, step int, field, format string, args ...any) {
	p.lab.Warnings = append(p.lab.Warnings, Diagnostic{p.lab.File, line, step, field, fmt.Sprintf(format, args...)})
}

func (p *parser) fail(line, step int, field, format string, args ...any) {
	p.lab.Errors = append(p.lab.Errors, Diagnostic{p.lab.File, line, step, field, fmt.Sprintf(format, args...)})
}

var (
	fenceRE   = regexp.MustCompile("^( {0,3})(`{3,}|~{3,})(.*)$")
	headingRE = regexp.MustCompile(`^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$`)
)

func (p *parser) parse(data []byte) {
	if bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		data = data[3:]
		p.warn(1, 0, "", "UTF-8 byte order mark ignored")
	}
	text := string(data)
	if i := strings.Index(text, "\r\n"); i >= 0 {
		p.warn(strings.Count(text[:i], "\n")+1, 0, "", "CRLF line endings read as LF")
		text = strings.ReplaceAll(text, "\r\n", "\n")
	}
	if i := strings.Index(text, "\r"); i >= 0 {
		// A lone CR ends a line for markdown and YAML alike; count lines the same way.
		p.warn(strings.Count(text[:i], "\n")+1, 0, "", "CR line endings read as LF")
		text = strings.ReplaceAll(text, "\r", "\n")
	}
	lines := strings.Split(text, "\n")
	i := p.frontMatter(lines)
	title := ""
	for ; i < len(lines); i++ {
		line := lines[i]
		m := fenceRE.FindStringSubmatch(line)
		// A backtick fence's info string cannot hold backticks: such a line is inline code.
		if m != nil && !(m[2][0] == '`' && strings.Contains(m[3], "`")) {
			fence, info := m[2], strings.TrimSpace(m[3])
			indent := len(m[1])
			start := i
			var body []string
			closed := false
			for i++; i < len(lines); i++ {
				if isClose(lines[i], fence) {
					closed = true
					break
				}
				body = append(body, stripIndent(lines[i], indent))
			}
			if info == "checker" {
				if !closed {
					p.warn(start+1, len(p.lab.Steps)+1, "", "checker block has no closing fence; read to the end of the file")
				}
				p.step(start+1, title, body)
			}
			continue
		}
		if m := headingRE.FindStringSubmatch(line); m != nil {
			t := strings.TrimSpace(strings.TrimRight(m[2], "#"))
			if m[2] != "" && strings.HasSuffix(m[2], "#") && !strings.HasSuffix(strings.TrimRight(m[2], "#"), " ") {
				t = strings.TrimSpace(m[2]) // "# C#" keeps its #: a closing sequence needs a space before it
			}
			p.lab.Headings = append(p.lab.Headings, Heading{len(m[1]), t, i + 1})
			title = t
		}
	}
}

// isClose reports whether line closes a fence opened with open.
func isClose(line, open string) bool {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || !strings.HasPrefix(t, open) {
		return false
	}
	return strings.Trim(t, string(open[0])+" \t") == ""
}

func stripIndent(line string, n int) string {
	for n > 0 && strings.HasPrefix(line, " ") {
		line, n = line[1:], n-1
	}
	return line
}

// frontMatter parses a leading "---" block and returns the index of the first line after it.
func (p *parser) frontMatter(lines []string) int {
	if len(lines) == 0 || strings.TrimRight(lines[0], " \t") != "---" {
		return 0
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if t := strings.TrimRight(lines[i], " \t"); t == "---" || t == "..." {
			end = i
			break
		}
	}
	if end < 0 {
		p.fail(1, 0, "", "front matter opened with --- is never closed")
		return len(lines)
	}
	meta := &p.lab.Meta
	meta.Present = true
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(lines[1:end], "\n")), &doc); err != nil {
		line, msg := yamlErr(err)
		p.fail(1+line, 0, "", "front matter: invalid YAML: %s", msg)
		return end + 1
	}
	if len(doc.Content) == 0 {
		return end + 1
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.fail(1+root.Line, 0, "", "front matter must be a YAML mapping of keys")
		return end + 1
	}
	for k := 0; k+1 < len(root.Content); k += 2 {
		key, val := root.Content[k], deref(root.Content[k+1])
		line := 1 + key.Line
		switch key.Value {
		case "show", "version":
			if val.Kind != yaml.ScalarNode {
				p.fail(line, 0, key.Value, "front matter: want a single value")
				continue
			}
			if key.Value == "show" {
				meta.Show = val.Value
			} else {
				meta.Version = val.Value
			}
		case "enable_checker":
			var b bool
			if val.Kind != yaml.ScalarNode || val.Decode(&b) != nil {
				p.fail(line, 0, key.Value, "front matter: want true or false, got %q", val.Value)
				continue
			}
			meta.EnableChecker = b
		case "timeout":
			d, err := seconds(val)
			if err != nil {
				p.fail(line, 0, key.Value, "front matter: %v", err)
				continue
			}
			meta.Timeout = d
		default:
			var v any
			if err := val.Decode(&v); err != nil {
				p.warn(line, 0, key.Value, "front matter: value not kept: %v", err)
				continue
			}
			if meta.Extra == nil {
				meta.Extra = map[string]any{}
			}
			meta.Extra[key.Value] = v
		}
	}
	return end + 1
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}

func seconds(n *yaml.Node) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode {
		return 0, errors.New("want a number of seconds")
	}
	f, err := strconv.ParseFloat(n.Value, 64)
	if err != nil || f <= 0 || f > 24*3600 {
		return 0, fmt.Errorf("want a number of seconds between 0 and 86400, got %q", n.Value)
	}
	return time.Duration(f * float64(time.Second)), nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlErr splits a yaml.v3 error into its 1-based line (0 when unknown) and message.
func yamlErr(err error) (int, string) {
	msg := strings.TrimSpace(err.Error())
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		// yaml.v3 numbers parser errors (unlike scanner errors) from 0; its parser's messages
		// are the "did not find expected …" ones.
		if strings.HasPrefix(m[2], "did not find expected") {
			n++
		}
		return n, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}
