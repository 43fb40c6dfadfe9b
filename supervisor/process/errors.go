package process

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by Process methods; the daemon maps them to faults.
var (
	ErrAlreadyStarted = errors.New("already started")
	ErrNotRunning     = errors.New("not running")
	ErrUnknownState   = errors.New("in an unknown process state")
	ErrSpawn          = errors.New("spawn error")
	ErrAbnormal       = errors.New("abnormal termination")
	ErrNoStdin        = errors.New("stdin is closed")
)

// CommandKind classifies why a command cannot be run (CFG-CMD-04).
type CommandKind int

const (
	CommandNotFound CommandKind = iota
	CommandNotExecutable
	CommandNoPermission
	CommandBad // cannot be parsed or is empty
)

// CommandError says why a command cannot be run; Error() is 4.2.5's text.
type CommandError struct {
	Kind CommandKind
	Msg  string
}

func (e *CommandError) Error() string { return e.Msg }

// pyRepr quotes s as Python's repr() of a str does, for messages that
// 4.2.5 builds with %r.
func pyRepr(s string) string {
	q := "'"
	if strings.Contains(s, "'") && !strings.Contains(s, "\"") {
		q = "\""
	}
	var b strings.Builder
	b.WriteString(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case string(r) == q:
			b.WriteString(`\` + q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteString(q)
	return b.String()
}
