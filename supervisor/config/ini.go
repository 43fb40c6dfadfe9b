package config

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// This file is the INI tokenizer. It reproduces Python 3.11's
// configparser.RawConfigParser._read as Supervisor 4.2.5 configures it
// (inline_comment_prefixes=(';', '#'), strict=False, empty lines kept inside
// multi-line values) instead of using gopkg.in/ini.v1's parser, because
// ini.v1 differs from Python exactly where Supervisor users notice:
//   - it treats `;`/`#` as inline comments even without preceding whitespace
//     (or never, with IgnoreInlineComment), so `command=echo a;b` breaks;
//   - it strips quotes around values (`command="a b"` loses its quotes) and
//     understands backticks and """ blocks, which Python does not;
//   - its continuation rules (IgnoreContinuation / AllowPythonMultilineValues)
//     do not keep blank lines or Python's indent comparison;
//   - it has no line numbers per key, and [DEFAULT] and parent-section
//     lookups work differently from RawConfigParser's defaults;
//   - a bad line is a fatal error at once, whereas Python collects all bad
//     lines and reports them together.
// Keeping our own 200-line tokenizer makes every one of these rules explicit
// and testable (CFG-FMT-*), and the rest of the package never sees raw text.

// iniValue is one option as stored by the parser.
type iniValue struct {
	Value string
	File  string // file holding the option line
	Line  int    // line of the option name
	// inherited is set on copies of [DEFAULT] keys made by expandHere.
	inherited bool
}

// iniSection is one section; repeated headers share one iniSection.
type iniSection struct {
	Name string
	File string // file of the first header
	Line int    // line of the first header
	keys []string
	vals map[string]*iniValue
}

func newSection(name, file string, line int) *iniSection {
	return &iniSection{Name: name, File: file, Line: line, vals: map[string]*iniValue{}}
}

func (s *iniSection) set(key string, v *iniValue) {
	if _, ok := s.vals[key]; !ok {
		s.keys = append(s.keys, key)
	}
	s.vals[key] = v
}

// iniDoc is the merged content of the main file and its includes.
type iniDoc struct {
	defaults *iniSection
	sections []*iniSection
	byName   map[string]*iniSection
}

func newDoc() *iniDoc {
	return &iniDoc{defaults: newSection("DEFAULT", "", 0), byName: map[string]*iniSection{}}
}

func (d *iniDoc) has(section string) bool { _, ok := d.byName[section]; return ok }

// get looks a key up in the section, then in [DEFAULT], as RawConfigParser.get does.
func (d *iniDoc) get(section, key string) (*iniValue, bool) {
	if s, ok := d.byName[section]; ok {
		if v, ok := s.vals[key]; ok {
			return v, true
		}
	}
	v, ok := d.defaults.vals[key]
	return v, ok
}

// options lists the section's keys followed by inherited [DEFAULT] keys.
func (d *iniDoc) options(section string) []string {
	s := d.byName[section]
	var out []string
	seen := map[string]bool{}
	if s != nil {
		for _, k := range s.keys {
			out = append(out, k)
			seen[k] = true
		}
	}
	for _, k := range d.defaults.keys {
		if !seen[k] {
			out = append(out, k)
		}
	}
	return out
}

// expandHere mimics UnhosedConfigParser.expand_here: the literal text
// "%(here)s" is replaced in every value visible from every section (section
// keys and inherited defaults, which thereby become section keys).
func (d *iniDoc) expandHere(here string) {
	const marker = "%(here)s"
	for _, s := range d.sections {
		for _, k := range d.options(s.Name) {
			v, _ := d.get(s.Name, k)
			if strings.Contains(v.Value, marker) {
				nv := *v
				nv.Value = strings.ReplaceAll(v.Value, marker, here)
				if _, own := s.vals[k]; !own {
					nv.inherited = true
				}
				s.set(k, &nv)
			}
		}
	}
}

// parseError is Python's ParsingError / MissingSectionHeaderError.
type parseError struct {
	msg  string
	file string
	line int
}

// pyIsSpace is Python's str.isspace for one character.
func pyIsSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

func pyStrip(rs []rune) []rune {
	i, j := 0, len(rs)
	for i < j && pyIsSpace(rs[i]) {
		i++
	}
	for j > i && pyIsSpace(rs[j-1]) {
		j--
	}
	return rs[i:j]
}

func pyRStrip(s string) string { return strings.TrimRightFunc(s, pyIsSpace) }

// splitLines splits as Python's universal-newline text mode does, keeping
// a "\n" at the end of every line but possibly the last.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	var lines []string
	for len(text) > 0 {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			lines = append(lines, text)
			break
		}
		lines = append(lines, text[:i+1])
		text = text[i+1:]
	}
	return lines
}

// read parses data (the file named name) into d, merging with what is
// already there: later sections and keys win, as with strict=False.
func (d *iniDoc) read(data []byte, name string) *parseError {
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return &parseError{msg: fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: invalid start byte in file %s", data[off], off, pyRepr(name)), file: name, line: 1 + strings.Count(string(data[:off]), "\n")}
	}
	var (
		cur         *iniSection
		optname     string
		parts       []string // pending value lines of optname
		optval      *iniValue
		indentLevel int
		perr        *parseError
	)
	flush := func() {
		if optval != nil {
			optval.Value = pyRStrip(strings.Join(parts, "\n"))
		}
		optval, parts = nil, nil
	}
	for i, line := range splitLines(string(data)) {
		lineno := i + 1
		rs := []rune(line)
		commentStart := -1
		// Inline comments, round by round as Python does it (see _read).
		type pos struct {
			prefix rune
			index  int
		}
		prefixes := []pos{{';', -1}, {'#', -1}}
		for commentStart < 0 && len(prefixes) > 0 {
			var next []pos
			for _, p := range prefixes {
				idx := -1
				for k := p.index + 1; k < len(rs); k++ {
					if rs[k] == p.prefix {
						idx = k
						break
					}
				}
				if idx < 0 {
					continue
				}
				next = append(next, pos{p.prefix, idx})
				if idx == 0 || pyIsSpace(rs[idx-1]) {
					if commentStart < 0 || idx < commentStart {
						commentStart = idx
					}
				}
			}
			prefixes = next
		}
		if st := pyStrip(rs); len(st) > 0 && (st[0] == ';' || st[0] == '#') {
			commentStart = 0
		}
		valueRunes := rs
		if commentStart >= 0 {
			valueRunes = rs[:commentStart]
		}
		value := string(pyStrip(valueRunes))
		if value == "" {
			if commentStart < 0 && cur != nil && optname != "" && optval != nil {
				parts = append(parts, "")
			}
			continue
		}
		curIndent := 0
		for k, r := range rs {
			if !pyIsSpace(r) {
				curIndent = k
				break
			}
		}
		if cur != nil && optname != "" && curIndent > indentLevel {
			parts = append(parts, value)
			continue
		}
		indentLevel = curIndent
		if header, ok := sectionHeader(value); ok {
			flush()
			if s, ok := d.byName[header]; ok {
				cur = s
			} else if header == "DEFAULT" {
				cur = d.defaults
				if cur.File == "" {
					cur.File, cur.Line = name, lineno
				}
			} else {
				cur = newSection(header, name, lineno)
				d.sections = append(d.sections, cur)
				d.byName[header] = cur
			}
			optname = ""
			continue
		}
		if cur == nil {
			return &parseError{
				msg:  fmt.Sprintf("File contains no section headers.\nfile: %s, line: %d\n%s", pyRepr(name), lineno, pyRepr(line)),
				file: name, line: lineno,
			}
		}
		delim := strings.IndexAny(value, "=:")
		if delim < 0 {
			perr = addParseError(perr, name, lineno, line)
			continue
		}
		flush()
		rawName := value[:delim]
		if rawName == "" {
			perr = addParseError(perr, name, lineno, line)
		}
		optname = strings.ToLower(pyRStrip(rawName))
		optval = &iniValue{File: name, Line: lineno}
		parts = []string{string(pyStrip([]rune(value[delim+1:])))}
		cur.set(optname, optval)
	}
	flush()
	if perr != nil {
		return perr
	}
	return nil
}

func addParseError(e *parseError, file string, lineno int, line string) *parseError {
	if e == nil {
		e = &parseError{msg: "Source contains parsing errors: " + pyRepr(file), file: file, line: lineno}
	}
	e.msg += fmt.Sprintf("\n\t[line %2d]: %s", lineno, pyRepr(line))
	return e
}

// sectionHeader matches Python's SECTCRE `\[(?P<header>.+)\]` against the
// start of value: the header runs to the last ']' of the line.
func sectionHeader(value string) (string, bool) {
	if !strings.HasPrefix(value, "[") {
		return "", false
	}
	j := strings.LastIndexByte(value, ']')
	if j < 2 {
		return "", false
	}
	return value[1:j], true
}
