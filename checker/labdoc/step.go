package labdoc

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// TabStop is how wide a tab in the indentation of a checker block is taken to be when repairing it.
const TabStop = 4

// step loads one checker block; fence is the markdown line of its opening fence and body its
// lines (fence indentation removed).
func (p *parser) step(fence int, title string, body []string) {
	n := len(p.lab.Steps) + 1
	st := Step{N: n, Title: title, File: p.lab.File, Line: fence}
	// YAML counts a few Unicode line breaks (NEL, LS, PS) that markdown does not: keep every
	// line reported for this block inside it.
	nerr, nwarn := len(p.lab.Errors), len(p.lab.Warnings)
	defer func() {
		clamp := func(ds []Diagnostic) {
			for i := range ds {
				ds[i].Line = max(fence, min(ds[i].Line, fence+len(body)))
			}
		}
		clamp(p.lab.Errors[nerr:])
		clamp(p.lab.Warnings[nwarn:])
		for i := range st.Checks {
			c := &st.Checks[i]
			c.Line = max(fence, min(c.Line, fence+len(body)))
			c.ScriptLine = max(fence, min(c.ScriptLine, fence+len(body)))
		}
		p.lab.Steps = append(p.lab.Steps, st)
	}()
	src := strings.Join(body, "\n") + "\n"

	var doc yaml.Node
	err := yaml.Unmarshal([]byte(src), &doc)
	if err != nil && strings.Contains(src, "\t") {
		// First only the lines that start with a tab (the usual quirk: an editor's tab where
		// the block scalar's spaces belong), which keeps tabs that are script content (say in
		// a <<- here-document); then, as the course platform's YAML reader does, every line.
		for _, all := range []bool{false, true} {
			fixed, changed := expandLeadingTabs(body, all)
			var doc2 yaml.Node
			if len(changed) == 0 || yaml.Unmarshal([]byte(strings.Join(fixed, "\n")+"\n"), &doc2) != nil {
				continue
			}
			for _, k := range changed {
				p.warn(fence+1+k, n, "", "tab in indentation read as %d spaces (YAML does not allow tabs there)", TabStop)
			}
			err, doc, body = nil, doc2, fixed
			break
		}
	}
	if err != nil {
		line, field, msg := diagnose(body, err)
		p.fail(fence+line, n, field, "%s", msg)
		st.Broken = true
		return
	}
	if len(doc.Content) == 0 {
		p.fail(fence, n, "", "empty checker block: want a YAML list of checks {name, script, error}")
		st.Broken = true
		return
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.SequenceNode {
		p.fail(fence+root.Line, n, "", "checker block must be a YAML list of checks (\"- name: ...\"), got %s", kindName(root))
		st.Broken = true
		return
	}
	if len(root.Content) == 0 {
		p.fail(fence, n, "", "empty checker block: want a YAML list of checks {name, script, error}")
		st.Broken = true
		return
	}
	bad := len(p.lab.Errors)
	for k, item := range root.Content {
		if c, ok := p.check(fence, n, k+1, deref(item)); ok {
			st.Checks = append(st.Checks, c)
		}
	}
	if len(p.lab.Errors) > bad {
		st.Broken = true
		st.Checks = nil
	}
}

// check loads item k (1-based) of step n.
func (p *parser) check(fence, n, k int, item *yaml.Node) (Check, bool) {
	c := Check{Line: fence + item.Line}
	if item.Kind != yaml.MappingNode {
		p.fail(c.Line, n, "", "check %d must be a mapping with name, script and error, got %s", k, kindName(item))
		return c, false
	}
	seen := map[string]bool{}
	var errorAlias *yaml.Node
	ok := true
	str := func(key, val *yaml.Node) (string, bool) {
		if val.Kind != yaml.ScalarNode {
			p.fail(fence+key.Line, n, key.Value, "check %d: want text, got %s", k, kindName(val))
			return "", false
		}
		return val.Value, true
	}
	for i := 0; i+1 < len(item.Content); i += 2 {
		key, val := item.Content[i], deref(item.Content[i+1])
		line := fence + key.Line
		if seen[key.Value] {
			p.warn(line, n, key.Value, "check %d: key given twice; the last one counts", k)
		}
		seen[key.Value] = true
		var good bool
		switch key.Value {
		case "name":
			c.Name, good = str(key, val)
		case "script":
			c.Script, good = str(key, val)
			c.ScriptLine = fence + val.Line
			if val.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				c.ScriptLine++ // a block scalar starts below its "|"
			}
		case "error":
			c.Error, good = str(key, val)
		case "hint":
			c.Hint, good = str(key, val)
		case "timeout":
			d, err := seconds(val)
			if err != nil {
				p.fail(line, n, "timeout", "check %d: %v", k, err)
			}
			c.Timeout, good = d, err == nil
		default:
			good = true
			if strings.EqualFold(key.Value, "error") && val.Kind == yaml.ScalarNode {
				errorAlias = key
				continue
			}
			p.warn(line, n, key.Value, "check %d: unknown key ignored (known: name, script, error, hint, timeout)", k)
		}
		ok = ok && good
	}
	if !ok {
		return c, false
	}
	if !seen["script"] {
		p.fail(c.Line, n, "script", "check %d (%q): missing script", k, c.Name)
		return c, false
	}
	if strings.TrimSpace(c.Script) == "" {
		p.fail(c.Line, n, "script", "check %d (%q): empty script", k, c.Name)
		return c, false
	}
	c.Error = strings.TrimRight(c.Error, "\n")
	c.Hint = strings.TrimRight(c.Hint, "\n")
	if !seen["error"] && errorAlias != nil {
		c.Error = strings.TrimRight(deref(item.Content[indexOf(item, errorAlias)+1]).Value, "\n")
		p.warn(fence+errorAlias.Line, n, errorAlias.Value, "check %d: key %q read as \"error\"", k, errorAlias.Value)
	} else if errorAlias != nil {
		p.warn(fence+errorAlias.Line, n, errorAlias.Value, "check %d: unknown key ignored (known: name, script, error, hint, timeout)", k)
	}
	if c.Error == "" {
		p.warn(c.Line, n, "error", "check %d (%q): no error message; a failure will only name the check", k, c.Name)
	}
	if !strings.HasPrefix(c.Script, "#!") {
		p.warn(c.ScriptLine, n, "script", "check %d (%q): no shebang; runs with %s", k, c.Name, DefaultShell)
	}
	return c, true
}

func indexOf(m *yaml.Node, key *yaml.Node) int {
	for i, n := range m.Content {
		if n == key {
			return i
		}
	}
	return -1
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("the text %q", truncate(n.Value, 40))
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "something else"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// expandLeadingTabs expands the tabs in the leading whitespace of the lines that start with a tab
// (of every line when all) and returns the lines and the indexes of those it changed.
func expandLeadingTabs(lines []string, all bool) ([]string, []int) {
	out := make([]string, len(lines))
	var changed []int
	for i, l := range lines {
		lead := len(l) - len(strings.TrimLeft(l, " \t"))
		if !strings.Contains(l[:lead], "\t") || !all && l[0] != '\t' {
			out[i] = l
			continue
		}
		col := 0
		for _, r := range l[:lead] {
			if r == '\t' {
				col += TabStop - col%TabStop
			} else {
				col++
			}
		}
		out[i] = strings.Repeat(" ", col) + l[lead:]
		changed = append(changed, i)
	}
	return out, changed
}

var (
	keyNoSpaceRE = regexp.MustCompile(`^\s*(?:-\s+)?([A-Za-z_]+):([^\s/].*)$`)
	keyRE        = regexp.MustCompile(`^(\s*)(?:-\s+)?([A-Za-z_]+):(?:\s|$)`)
	itemRE       = regexp.MustCompile(`^(\s*)-\s+(?:([A-Za-z_]+):)?`)
)

// diagnose explains why a block does not parse: the 1-based line within body, the field, and a
// message. It recognises the mistakes seen in real labs and falls back to the YAML parser's words.
func diagnose(body []string, err error) (int, string, string) {
	// A list item indented differently from the first one.
	first := -1
	for i, l := range body {
		m := itemRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if first < 0 {
			first = len(m[1])
			continue
		}
		if len(m[1]) != first && !inBlockScalar(body, i) {
			return i + 1, m[2], fmt.Sprintf("list item indented %d spaces where the items before it have %d", len(m[1]), first)
		}
	}
	line, msg := yamlErr(err)
	// Look at the reported line and the one after it: yaml.v3 sometimes names the line before.
	for _, i := range []int{line - 1, line} {
		if i < 0 || i >= len(body) {
			continue
		}
		l := body[i]
		if m := keyNoSpaceRE.FindStringSubmatch(l); m != nil && isKnownKey(m[1]) {
			return i + 1, m[1], fmt.Sprintf("no space after %q, so YAML reads the line as text, not a key: write %q", m[1]+":", m[1]+": "+truncate(m[2], 20))
		}
		if key, ind, ok := openBlockScalar(body, i); ok && strings.TrimSpace(l) != "" {
			lead := len(l) - len(strings.TrimLeft(l, " "))
			if lead < ind && !keyRE.MatchString(l) && !itemRE.MatchString(l) {
				return i + 1, key, fmt.Sprintf("line indented %d spaces, less than the %d of the %s block above it", lead, ind, key)
			}
		}
	}
	field := ""
	for i := min(line-1, len(body)-1); i >= 0; i-- {
		if m := keyRE.FindStringSubmatch(body[i]); m != nil {
			field = m[2]
			break
		}
	}
	if line == 0 {
		line = 1
	}
	return line, field, "invalid YAML: " + msg
}

func isKnownKey(k string) bool {
	switch strings.ToLower(k) {
	case "name", "script", "error", "hint", "timeout":
		return true
	}
	return false
}

// openBlockScalar finds the "key: |" or "key: >" above line i whose block line i would belong
// to, and that block's indentation (from its first non-empty line).
func openBlockScalar(body []string, i int) (string, int, bool) {
	for j := i - 1; j >= 0; j-- {
		m := keyRE.FindStringSubmatch(body[j])
		if m == nil {
			continue
		}
		rest := strings.TrimSpace(body[j][len(m[0]):])
		if rest == "" || (rest[0] != '|' && rest[0] != '>') {
			return "", 0, false
		}
		for k := j + 1; k < len(body); k++ {
			if strings.TrimSpace(body[k]) != "" {
				return m[2], len(body[k]) - len(strings.TrimLeft(body[k], " ")), true
			}
		}
		return "", 0, false
	}
	return "", 0, false
}

// inBlockScalar reports whether line i sits inside a block scalar (so "- x" there is text).
func inBlockScalar(body []string, i int) bool {
	_, ind, ok := openBlockScalar(body, i)
	if !ok {
		return false
	}
	l := body[i]
	return len(l)-len(strings.TrimLeft(l, " ")) >= ind
}
