package rpc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// Version is the Supervisor release whose wire behaviour we implement;
// getSupervisorVersion returns it and supervisorctl prints it.
const Version = "4.2.5"

// APIVersion is what getAPIVersion returns.
const APIVersion = "3.0"

// DefaultMaxBody bounds an XML-RPC request body; 4.2.5 has no bound. The
// largest legitimate payload is sendProcessStdin data.
const DefaultMaxBody = 16 << 20

// Logger receives the lines 4.2.5 writes to the main log from its HTTP
// and XML-RPC layers, with 4.2.5's levels. nil discards them.
type Logger func(level config.LogLevel, msg string)

// Server is the /RPC2 XML-RPC endpoint: it decodes calls, runs the
// system.* and supervisor.* methods against a Backend and encodes the
// result. It is safe for concurrent use.
type Server struct {
	backend Backend
	log     Logger
	// MaxBody is the largest request body accepted (HTTP 413 beyond).
	MaxBody int64
	// Now is the clock for getProcessInfo's "now" and descriptions.
	Now func() time.Time
	// Location formats stopped-process descriptions (default time.Local).
	Location *time.Location
}

// NewServer returns a Server for b. log may be nil.
func NewServer(b Backend, log Logger) *Server {
	if log == nil {
		log = func(config.LogLevel, string) {}
	}
	return &Server{backend: b, log: log, MaxBody: DefaultMaxBody, Now: time.Now}
}

// ServeHTTP answers one XML-RPC request (the caller routes /RPC2* here).
// Non-POST → 400 as Medusa does; undecodable body or no method name → 400
// with an ERRO log line; body too large → 413.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	if r.ContentLength > s.MaxBody {
		WriteHTTPError(w, http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.MaxBody+1))
	if err != nil {
		WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	if int64(len(body)) > s.MaxBody {
		WriteHTTPError(w, http.StatusRequestEntityTooLarge)
		return
	}
	req, err := DecodeRequest(body)
	if err != nil {
		why := "unmarshallable"
		if errors.Is(err, errNoMethod) {
			why = "no method name"
		}
		s.log(config.LevelError, fmt.Sprintf("XML-RPC request data %s is invalid: %s", pyQuote(body), why))
		WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	s.log(config.LevelTrace, "XML-RPC method called: "+req.Method+"()")
	v, err := s.Call(r.Context(), req.Method, req.Params)
	if err != nil && r.Context().Err() != nil {
		return // the client is gone; nobody to answer
	}
	var pe *panicError
	if errors.As(err, &pe) {
		// HTTP-05: a bug inside a method is an internal server error.
		s.log(config.LevelCritical, fmt.Sprintf("Handling XML-RPC request with data %s raised an unexpected exception: %v", pyQuote(body), pe.value))
		WriteHTTPError(w, http.StatusInternalServerError)
		return
	}
	var out []byte
	if err != nil {
		f := AsFault(err)
		s.log(config.LevelTrace, fmt.Sprintf("XML-RPC method %s() returned fault: [%d] %s", req.Method, f.Code, f.String()))
		out = EncodeFault(f)
	} else {
		s.log(config.LevelTrace, "XML-RPC method "+req.Method+"() returned successfully")
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		writeResponse(buf, v)
		out = buf.Bytes()
		defer func() {
			if buf.Cap() <= 4<<20 { // don't pin huge log reads
				bufPool.Put(buf)
			}
		}()
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

// Call runs one method by name with decoded params, as a /RPC2 request
// would, and returns the wire value or an error (a *Fault, or ctx.Err()).
// The web UI uses it so that both front ends behave the same.
func (s *Server) Call(ctx context.Context, method string, params []any) (any, error) {
	m, ok := methodTable[method]
	if !ok {
		return nil, Code(FaultUnknownMethod)
	}
	if len(params) < m.min || len(params) > len(m.params) {
		return nil, Code(FaultIncorrectParameters)
	}
	v, err := invoke(m, &call{s: s, ctx: ctx}, params)
	var pe *panicError
	if errors.As(err, &pe) {
		return nil, err
	}
	if err != nil {
		if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			return nil, err
		}
		return nil, AsFault(err)
	}
	return v, nil
}

// httpReasons are Medusa's reason phrases for the codes we send.
var httpReasons = map[int]string{
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	411: "Length Required",
	413: "Request Entity Too Large",
	500: "Internal Server Error",
}

// WriteHTTPError writes Medusa's HTML error page for code.
func WriteHTTPError(w http.ResponseWriter, code int) {
	reason := httpReasons[code]
	if reason == "" {
		reason = http.StatusText(code)
	}
	body := "<head>\r\n<title>Error response</title>\r\n</head>\r\n<body>\r\n<h1>Error response</h1>\r\n" +
		"<p>Error code " + strconv.Itoa(code) + ".\r\n<p>Message: " + reason + ".\r\n</body>\r\n"
	w.Header().Set("Content-Type", "text/html")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

// pyQuote renders request data for log lines like Python's repr() of a
// str, bounded so a huge body cannot flood the log.
func pyQuote(b []byte) string {
	const max = 2048
	s, more := string(b), ""
	if len(s) > max {
		s, more = s[:max], "..."
	}
	return pyReprString(s) + more
}

func pyReprString(s string) string {
	q := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteRune(q)
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == q:
			b.WriteRune('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteRune(q)
	return b.String()
}

// panicError carries a panic out of a method (a bug, in us or in the
// backend) so one bad call cannot take supervisord down.
type panicError struct{ value any }

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

func invoke(m *method, c *call, params []any) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, &panicError{r}
		}
	}()
	return m.fn(c, params)
}
