package ctl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// Places 4.2.5 (Debian bookworm, Python 3.11) reports for exceptions that
// escape a command. They appear in `error: ...` lines, which some scripts
// match, so we keep them identical.
const (
	pyXMLRPCFile    = "/usr/lib/python3/dist-packages/supervisor/xmlrpc.py"
	pyCtlFile       = "/usr/lib/python3/dist-packages/supervisor/supervisorctl.py"
	pyClientFile    = "/usr/lib/python3.11/xmlrpc/client.py"
	pySocketFile    = "/usr/lib/python3.11/socket.py"
	pyHTTPClient    = "/usr/lib/python3.11/http/client.py"
	pyExpatFile     = "/usr/lib/python3.11/xmlrpc/client.py"
	pyGetpassFile   = "/usr/lib/python3.11/getpass.py"
	lineUnixConnect = 557 // UnixStreamHTTPConnection.connect
	lineBadProto    = 505 // SupervisorTransport: unknown protocol
	lineProtoErr    = 539 // SupervisorTransport.request: non-200 status
	lineFault       = 668 // Unmarshaller.close raising Fault
	lineInetConnect = 836 // socket.create_connection
	lineGetaddrinfo = 962 // socket.getaddrinfo
)

// pyError is an error shaped like the Python exception 4.2.5 would raise in
// the same situation; Line renders 4.2.5's generic error line for it.
type pyError struct {
	Class string // e.g. "ConnectionRefusedError"
	Text  string // str(exception)
	File  string
	Line  int
	Errno syscall.Errno // 0 unless an OSError with an errno
	Err   error         // the Go error underneath, if any
}

func (e *pyError) Error() string { return e.Text }
func (e *pyError) Unwrap() error { return e.Err }

// line is what Controller.onecmd prints for an escaped exception.
func (e *pyError) line() string {
	return fmt.Sprintf("error: <class '%s'>, %s: file: %s line: %d", e.Class, e.Text, e.File, e.Line)
}

// Fault is an XML-RPC fault returned by the server.
type Fault struct {
	Code   int
	String string
}

func (f *Fault) Error() string { return fmt.Sprintf("<Fault %d: %s>", f.Code, pyRepr(f.String)) }

// ProtocolError is a non-200 HTTP answer to an XML-RPC request.
type ProtocolError struct {
	Status int
	Reason string
}

func (p *ProtocolError) Error() string {
	// 4.2.5's proxy always targets http://127.0.0.1, whatever serverurl is.
	return fmt.Sprintf("<ProtocolError for 127.0.0.1/RPC2: %d %s>", p.Status, p.Reason)
}

// asPy turns any error escaping a command into the Python exception 4.2.5
// would have shown.
func asPy(err error) *pyError {
	var pe *pyError
	if errors.As(err, &pe) {
		return pe
	}
	var f *Fault
	if errors.As(err, &f) {
		return &pyError{Class: "xmlrpc.client.Fault", Text: f.Error(), File: pyClientFile, Line: lineFault, Err: err}
	}
	var p *ProtocolError
	if errors.As(err, &p) {
		return &pyError{Class: "xmlrpc.client.ProtocolError", Text: p.Error(), File: pyXMLRPCFile, Line: lineProtoErr, Err: err}
	}
	return &pyError{Class: "Exception", Text: err.Error(), File: pyCtlFile, Line: 0, Err: err}
}

// errnoClass maps an errno to the OSError subclass Python raises for it.
func errnoClass(n syscall.Errno) string {
	switch n {
	case syscall.ECONNREFUSED:
		return "ConnectionRefusedError"
	case syscall.ENOENT:
		return "FileNotFoundError"
	case syscall.EACCES, syscall.EPERM:
		return "PermissionError"
	case syscall.ECONNRESET:
		return "ConnectionResetError"
	case syscall.ECONNABORTED:
		return "ConnectionAbortedError"
	case syscall.EPIPE:
		return "BrokenPipeError"
	case syscall.ETIMEDOUT:
		return "TimeoutError"
	case syscall.ENOTDIR:
		return "NotADirectoryError"
	}
	return "OSError"
}

// errnoText renders `[Errno N] Message` as Python's OSError does; Go's
// strerror table is glibc's with the first letter lowered.
func errnoText(n syscall.Errno) string {
	msg := n.Error()
	if r, size := utf8.DecodeRuneInString(msg); size > 0 {
		msg = string(unicode.ToUpper(r)) + msg[size:]
	}
	return fmt.Sprintf("[Errno %d] %s", int(n), msg)
}

// pyRepr quotes s as Python's repr() of a str does.
func pyRepr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(quote):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == utf8.RuneError:
			b.WriteString(`\ufffd`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pyInt parses an integer the way Python's int() parses a str: optional
// sign, decimal digits, single underscores between digits.
func pyInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" || body[0] == '_' || body[len(body)-1] == '_' || strings.Contains(body, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:len(s)-len(body)]+strings.ReplaceAll(body, "_", ""), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
