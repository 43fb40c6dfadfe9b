package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// includes handles [include] files= (CFG-INC-*).
func (l *loader) includes() error {
	if !l.doc.has("include") {
		return nil
	}
	l.doc.expandHere(l.here)
	v, ok := l.doc.get("include", "files")
	if !ok {
		s := l.doc.byName["include"]
		return &Error{Msg: ".ini file has [include] section, but no files setting", Section: "include", File: s.File, Line: s.Line}
	}
	exp := l.environ.clone()
	exp["here"] = l.here
	exp["host_node_name"] = l.host
	files, err := expand(v.Value, exp, "include.files")
	if err != nil {
		return &Error{Msg: err.Error(), Section: "include", File: v.File, Line: v.Line}
	}
	for _, pattern := range strings.Fields(files) {
		if !filepath.IsAbs(pattern) {
			pattern = l.here + "/" + pattern
		}
		matches := pyGlob(pattern)
		if len(matches) == 0 {
			l.cfg.Warnings = append(l.cfg.Warnings, Diagnostic{File: v.File, Line: v.Line, Section: "include",
				Message: fmt.Sprintf("No file matches via include %q", pattern)})
			continue
		}
		sort.Strings(matches)
		for _, name := range matches {
			l.cfg.Infos = append(l.cfg.Infos, fmt.Sprintf("Included extra file %q during parsing", name))
			data, err := os.ReadFile(name)
			if err != nil {
				// RawConfigParser.read skips files it cannot open.
				continue
			}
			l.cfg.Included = append(l.cfg.Included, name)
			if perr := l.doc.read(data, name); perr != nil {
				return &Error{Msg: perr.msg, File: perr.file, Line: perr.line}
			}
			l.doc.expandHere(absDir(name))
		}
	}
	return nil
}

// pyGlob is glob.glob: like filepath.Glob, but hidden files only match a
// pattern that starts with a dot, and a malformed pattern matches nothing.
func pyGlob(pattern string) []string {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil
	}
	var out []string
	pparts := strings.Split(pattern, "/")
	for _, m := range matches {
		mparts := strings.Split(m, "/")
		hidden := false
		for i, part := range mparts {
			if i < len(pparts) && strings.HasPrefix(part, ".") && !strings.HasPrefix(pparts[i], ".") && strings.ContainsAny(pparts[i], "*?[") {
				hidden = true
			}
		}
		if !hidden {
			out = append(out, m)
		}
	}
	return out
}
