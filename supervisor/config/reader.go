package config

import "errors"

// This file reads one section's keys the way 4.2.5's saneget does, and
// records errors and warnings with their file and line.

// secReader reads keys of one section with 4.2.5's saneget semantics.
type secReader struct {
	doc     *iniDoc
	env     expansions // parser.expansions (ENV_*)
	section string
	// wrap marks errors of process sections, which 4.2.5 suffixes.
	wrap   bool
	pyFile string
}

// raw returns the unexpanded value and whether the key exists.
func (r *secReader) raw(key string) (*iniValue, bool) { return r.doc.get(r.section, key) }

// errAt builds an *Error located at key (or at the section header).
func (r *secReader) errAt(key string, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	e := &Error{Msg: err.Error(), Section: r.section, InSection: r.wrap, pyFile: r.pyFile}
	if v, ok := r.raw(key); ok && key != "" {
		e.File, e.Line = v.File, v.Line
	} else if s, ok := r.doc.byName[r.section]; ok {
		e.File, e.Line = s.File, s.Line
	}
	return e
}

// combined is dict(parser.expansions + extra) as saneget builds it.
func (r *secReader) combined(extra expansions) expansions {
	c := r.env.clone()
	for k, v := range extra {
		c[k] = v
	}
	return c
}

// get is saneget: the value (or def when absent), %-expanded unless
// noExpand. present tells whether the key was in the file.
func (r *secReader) get(key string, def *string, extra expansions, noExpand bool) (val string, present bool, err error) {
	v, ok := r.raw(key)
	switch {
	case ok:
		val = v.Value
	case def != nil:
		val = *def
	default:
		return "", false, nil
	}
	if !noExpand {
		val, err = expand(val, r.combined(extra), r.section+"."+key)
		if err != nil {
			return "", ok, r.errAt(key, err)
		}
	}
	return val, ok, nil
}

// str reads a key with a string default.
func (r *secReader) str(key, def string, extra expansions) (string, error) {
	v, _, err := r.get(key, &def, extra, false)
	return v, err
}

// opt reads a key without default: ok is false when absent.
func (r *secReader) opt(key string, extra expansions) (string, bool, error) {
	return r.get(key, nil, extra, false)
}

func (r *secReader) integer(key, def string, extra expansions) (int, error) {
	s, err := r.str(key, def, extra)
	if err != nil {
		return 0, err
	}
	v, err := integer(s)
	if err != nil {
		return 0, r.errAt(key, err)
	}
	return v, nil
}

func (r *secReader) boolean(key, def string, extra expansions) (bool, error) {
	s, err := r.str(key, def, extra)
	if err != nil {
		return false, err
	}
	v, err := boolean(s)
	if err != nil {
		return false, r.errAt(key, err)
	}
	return v, nil
}

func (r *secReader) byteSize(key, def string, extra expansions) (int64, error) {
	s, err := r.str(key, def, extra)
	if err != nil {
		return 0, err
	}
	v, err := byteSize(s)
	if err != nil {
		return 0, r.errAt(key, err)
	}
	return v, nil
}

func (l *loader) reader(section string) *secReader {
	return &secReader{doc: l.doc, env: l.environ, section: section}
}

func (l *loader) warn(section, key, msg string) {
	l.cfg.Warnings = append(l.cfg.Warnings, l.diagnostic(section, key, msg))
}

// note records one of our own warnings (see Config.Notes).
func (l *loader) note(section, key, msg string) {
	l.cfg.Notes = append(l.cfg.Notes, l.diagnostic(section, key, msg))
}

func (l *loader) diagnostic(section, key, msg string) Diagnostic {
	d := Diagnostic{Section: section, Message: msg}
	if v, ok := l.doc.get(section, key); ok && key != "" {
		d.File, d.Line = v.File, v.Line
	} else if s, ok := l.doc.byName[section]; ok {
		d.File, d.Line = s.File, s.Line
	}
	return d
}
