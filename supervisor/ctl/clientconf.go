package ctl

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// clientSettings is what supervisorctl takes from a config file: the
// [supervisorctl] section. Nil pointers mean "key absent".
type clientSettings struct {
	ServerURL *string
	Username  *string
	Password  *string
	Prompt    *string
	// HistoryFile is absolute, "" when unset.
	HistoryFile string
}

// confLoader reads the [supervisorctl] section of a config file.
//
// TODO(#5): switch to config.LoadClient once supervisor/config provides it;
// readClientConf is a minimal reader of just this section, kept behind this
// function type so the swap is one line in Main.
type confLoader func(path string) (clientSettings, error)

// searchPaths is 4.2.5's config search order (CLI-SEARCH-01).
func searchPaths(progname string) []string {
	here := filepath.Dir(filepath.Dir(progname))
	return []string{
		filepath.Join(here, "etc", "supervisord.conf"),
		filepath.Join(here, "supervisord.conf"),
		"supervisord.conf",
		"etc/supervisord.conf",
		"/etc/supervisord.conf",
		"/etc/supervisor/supervisord.conf",
	}
}

// searchConfig returns the first existing default config file, or "".
func searchConfig(progname string) string {
	for _, p := range searchPaths(progname) {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// normalizePath is 4.2.5's normalize_path: expanduser, abspath, normpath.
func normalizePath(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			p = home + p[1:]
		}
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return filepath.Clean(p)
}

// iniSection holds one section's keys (lower-cased) and where each was set.
type iniSection struct {
	values map[string]string
	lines  map[string]int
}

// readINI parses Python RawConfigParser syntax as 4.2.5 configures it:
// `=` or `:` delimiters, `;`/`#` comment lines and inline comments after
// whitespace, indented continuation lines, later duplicates win.
func readINI(path string, data string) (map[string]*iniSection, []string, error) {
	sections := map[string]*iniSection{}
	var order []string
	var cur *iniSection
	var curKey string
	curIndent := 0
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	lineno := 0
	for sc.Scan() {
		lineno++
		raw := sc.Text()
		line := stripInlineComment(raw)
		trimmed := strings.TrimSpace(line)
		lstripped := strings.TrimLeft(raw, " \t")
		if strings.HasPrefix(lstripped, "#") || strings.HasPrefix(lstripped, ";") {
			continue
		}
		indent := len(raw) - len(strings.TrimLeft(raw, " \t"))
		if trimmed == "" {
			if cur != nil && curKey != "" {
				cur.values[curKey] += "\n"
			}
			continue
		}
		if cur != nil && curKey != "" && indent > curIndent {
			cur.values[curKey] += "\n" + trimmed
			continue
		}
		if strings.HasPrefix(trimmed, "[") && strings.HasSuffix(trimmed, "]") && len(trimmed) > 2 {
			name := trimmed[1 : len(trimmed)-1]
			if sections[name] == nil {
				sections[name] = &iniSection{values: map[string]string{}, lines: map[string]int{}}
				order = append(order, name)
			}
			cur, curKey = sections[name], ""
			continue
		}
		if cur == nil {
			return nil, nil, fmt.Errorf("File contains no section headers: file %s, line %d: %s", pyRepr(path), lineno, pyRepr(raw))
		}
		i := strings.IndexAny(trimmed, "=:")
		if i <= 0 {
			return nil, nil, fmt.Errorf("Source contains parsing errors: %s: [line %2d]: %s", pyRepr(path), lineno, pyRepr(raw))
		}
		key := strings.ToLower(strings.TrimSpace(trimmed[:i]))
		cur.values[key] = strings.TrimSpace(trimmed[i+1:])
		cur.lines[key] = lineno
		curKey, curIndent = key, indent
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("could not read config file %s", path)
	}
	for _, s := range sections {
		for k, v := range s.values {
			s.values[k] = strings.TrimRight(v, "\n")
		}
	}
	return sections, order, nil
}

// stripInlineComment removes a `;` or `#` comment preceded by whitespace.
func stripInlineComment(s string) string {
	for i := 1; i < len(s); i++ {
		if (s[i] == ';' || s[i] == '#') && (s[i-1] == ' ' || s[i-1] == '\t') {
			return s[:i]
		}
	}
	return s
}

// readClientConf is the minimal [supervisorctl] reader (see confLoader).
func readClientConf(path string) (clientSettings, error) {
	var cs clientSettings
	if _, err := os.Stat(path); err != nil {
		return cs, fmt.Errorf("could not find config file %s", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cs, fmt.Errorf("could not read config file %s", path)
	}
	sections, order, err := readINI(path, string(data))
	if err != nil {
		return cs, err
	}
	sec := sections["supervisorctl"]
	if sec == nil {
		return cs, fmt.Errorf(".ini file does not include supervisorctl section")
	}
	here := filepath.Dir(normalizePath(path))
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env["ENV_"+k] = v
		}
	}
	withHere := map[string]string{"here": here}
	for k, v := range env {
		withHere[k] = v
	}
	def := sections["DEFAULT"]
	get := func(key string, names map[string]string) (*string, error) {
		v, ok := sec.values[key]
		if !ok && def != nil {
			v, ok = def.values[key]
		}
		if !ok {
			return nil, nil
		}
		x, err := pyExpand(v, names, "supervisorctl."+key)
		if err != nil {
			return nil, err
		}
		return &x, nil
	}
	if cs.ServerURL, err = get("serverurl", withHere); err != nil {
		return cs, err
	}
	if cs.ServerURL != nil && strings.HasPrefix(*cs.ServerURL, "unix://") {
		u := "unix://" + normalizePath((*cs.ServerURL)[len("unix://"):])
		cs.ServerURL = &u
	}
	if cs.Prompt, err = get("prompt", env); err != nil {
		return cs, err
	}
	if cs.Username, err = get("username", env); err != nil {
		return cs, err
	}
	if cs.Password, err = get("password", env); err != nil {
		return cs, err
	}
	hist, err := get("history_file", withHere)
	if err != nil {
		return cs, err
	}
	if hist != nil && *hist != "" {
		cs.HistoryFile = normalizePath(*hist)
	}
	for _, name := range order {
		if strings.HasPrefix(name, "ctlplugin:") {
			if _, ok := sections[name].values["supervisor.ctl_factory"]; !ok {
				return cs, fmt.Errorf("section [%s] does not specify a supervisor.ctl_factory", name)
			}
		}
	}
	return cs, nil
}

// pyExpand applies Python's `s % mapping` as 4.2.5's expand() does, with its
// error messages.
func pyExpand(s string, names map[string]string, where string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		start := i
		i++
		if i >= len(s) {
			return "", badFormat(s, where, "incomplete format")
		}
		if s[i] == '%' {
			b.WriteByte('%')
			continue
		}
		if s[i] != '(' {
			return "", badFormat(s, where, "format requires a mapping")
		}
		end := strings.IndexByte(s[i:], ')')
		if end < 0 {
			return "", badFormat(s, where, "incomplete format key")
		}
		key := s[i+1 : i+end]
		i += end + 1
		for i < len(s) && strings.IndexByte("#0- +", s[i]) >= 0 {
			i++
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i >= len(s) {
			return "", badFormat(s, where, "incomplete format")
		}
		val, ok := names[key]
		if !ok {
			keys := make([]string, 0, len(names))
			for k := range names {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return "", fmt.Errorf("Format string %s for %s contains names (%s) which cannot be expanded. Available names: %s",
				pyRepr(s), pyRepr(where), pyRepr(key), strings.Join(keys, ", "))
		}
		switch s[i] {
		case 's', 'r', 'a':
			b.WriteString(val)
		default:
			return "", badFormat(s, where, fmt.Sprintf("unsupported format character %s (0x%x) at index %d", pyRepr(string(s[i])), s[i], i-start+start))
		}
	}
	return b.String(), nil
}

func badFormat(s, where, why string) error {
	return fmt.Errorf("Format string %s for %s is badly formatted: %s", pyRepr(s), pyRepr(where), why)
}
