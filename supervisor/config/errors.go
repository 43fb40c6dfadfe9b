package config

import (
	"fmt"
	"strings"
)

// Error is a configuration error. Msg is the text 4.2.5 prints after
// "Error: " (without 4.2.5's own " in section ... (file: ...)" suffix);
// Error() adds where the problem is, which 4.2.5 does not always say.
type Error struct {
	Msg string
	// Section is the section the error belongs to ("" when none).
	Section string
	// InSection is true when 4.2.5 itself suffixes the message with
	// " in section '<Section>' (file: '<file>')" (process sections).
	InSection bool
	// File and Line locate the offending key or section header; Line is 0
	// when unknown.
	File string
	Line int
	// Hint is our own advice, printed after the location (may be "").
	Hint string
	// pyFile is the file name 4.2.5 would print in its suffix.
	pyFile string
}

// Error renders the message on one line, with the location appended:
//
//	<msg> in section 'program:x' (file: '/etc/supervisor/conf.d/x.conf', line 4)
func (e *Error) Error() string {
	msg := strings.ReplaceAll(e.Msg, "\n\t", " ")
	msg = strings.ReplaceAll(msg, "\n", " ")
	var b strings.Builder
	b.WriteString(msg)
	if e.InSection {
		fmt.Fprintf(&b, " in section %s", pyRepr(e.Section))
	}
	if e.File != "" {
		if e.Line > 0 {
			fmt.Fprintf(&b, " (file: %s, line %d)", pyRepr(e.File), e.Line)
		} else {
			fmt.Fprintf(&b, " (file: %s)", pyRepr(e.File))
		}
	}
	if e.Hint != "" {
		b.WriteString("; " + e.Hint)
	}
	return b.String()
}

// PythonText is the message exactly as 4.2.5 would print it after
// "Error: " (possibly on several lines), for compatibility checks.
func (e *Error) PythonText() string {
	if e.InSection {
		return fmt.Sprintf("%s in section %s (file: %s)", e.Msg, pyRepr(e.Section), pyRepr(e.pyFile))
	}
	return e.Msg
}
