package events

import "bytes"

// Capture-mode tokens (CAP-01).
var (
	BeginToken = []byte("<!--XSUPERVISOR:BEGIN-->")
	EndToken   = []byte("<!--XSUPERVISOR:END-->")
)

// Capture splits one output channel of one process run into bytes for the
// log and blocks written between BeginToken and EndToken (CAP-01, CAP-03).
//
// Unlike 4.2.5 it loses nothing (CAP-02 is not reproduced): it holds back
// only a tail that could be the start of a token, never "anything shorter
// than a token", and Close hands what is left to the log. A block still
// open at Close goes to the log with its BEGIN token, as the child wrote it.
type Capture struct {
	// Log receives bytes outside capture blocks; Comm receives each
	// complete block, without its tokens, bounded to the last Max bytes
	// as 4.2.5 bounds its capture log. The slices are not retained.
	Log  func([]byte)
	Comm func([]byte)
	Max  int
	// Captured, when set, also receives the bytes of a block as they
	// arrive (4.2.5 publishes PROCESS_LOG_* for them too).
	Captured func([]byte)

	capturing bool
	pending   []byte // a possible token prefix
	captured  []byte
	dropped   bool // captured lost its head to Max
	raw       []byte
}

// Capturing reports whether a block is open.
func (c *Capture) Capturing() bool { return c.capturing }

// Write feeds one read from the pipe.
func (c *Capture) Write(data []byte) (int, error) {
	n := len(data)
	if len(c.pending) > 0 {
		data = append(c.pending, data...)
		c.pending = nil
	}
	for len(data) > 0 {
		token := BeginToken
		if c.capturing {
			token = EndToken
		}
		i := bytes.Index(data, token)
		if i < 0 {
			k := prefixAtEnd(data, token)
			c.emit(data[:len(data)-k])
			if k > 0 {
				c.pending = append([]byte(nil), data[len(data)-k:]...)
			}
			break
		}
		c.emit(data[:i])
		data = data[i+len(token):]
		c.toggle()
	}
	return n, nil
}

// Close flushes held-back bytes to the log at the end of the stream.
func (c *Capture) Close() error {
	if c.capturing {
		// An unterminated block: log it as written rather than lose it.
		c.capturing = false
		block := append(append([]byte(nil), BeginToken...), c.raw...)
		c.captured, c.raw = nil, nil
		c.emit(block)
	}
	if len(c.pending) > 0 {
		p := c.pending
		c.pending = nil
		c.emit(p)
	}
	return nil
}

func (c *Capture) emit(b []byte) {
	if len(b) == 0 {
		return
	}
	if !c.capturing {
		if c.Log != nil {
			c.Log(b)
		}
		return
	}
	if c.Captured != nil {
		c.Captured(b)
	}
	c.raw = append(c.raw, b...)
	c.captured = append(c.captured, b...)
	if c.Max > 0 && len(c.captured) > c.Max {
		c.captured = append(c.captured[:0], c.captured[len(c.captured)-c.Max:]...)
	}
	if len(c.raw) > 4*c.Max+4096 {
		c.raw = nil // only kept for an unterminated block; do not grow without bound
	}
}

func (c *Capture) toggle() {
	c.capturing = !c.capturing
	if c.capturing {
		return
	}
	block := c.captured
	c.captured, c.raw = nil, nil
	if c.Comm != nil {
		c.Comm(block)
	}
}

// prefixAtEnd returns the length of the longest proper prefix of token
// that data ends with.
func prefixAtEnd(data, token []byte) int {
	for l := min(len(token)-1, len(data)); l > 0; l-- {
		if bytes.HasSuffix(data, token[:l]) {
			return l
		}
	}
	return 0
}

// Output is one output channel of one process run as the event system
// sees it: bytes go to Log and, when EventsEnabled, PROCESS_LOG_* events
// are published for them (EVT-04); when CaptureMaxbytes > 0, capture
// blocks become PROCESS_COMMUNICATION_* events instead of log bytes. The
// engine writes each pipe read to it and closes it at EOF.
//
// As Debian's 4.2.5 does (seen in TestOracleEventTextMatchesPython, and
// in dispatchers.py, whose _log publishes whatever channel it writes
// to), the bytes of a capture block also produce PROCESS_LOG_* events
// when EventsEnabled. Reference EVT-04 says otherwise; the oracle wins.
type Output struct {
	Bus             *Bus
	Process, Group  string
	PID             int
	Channel         string // "stdout" or "stderr"
	EventsEnabled   bool
	CaptureMaxbytes int
	Log             func([]byte) // may be nil

	capture *Capture
	closing bool
}

// Write handles one chunk read from the pipe.
func (o *Output) Write(data []byte) (int, error) {
	if o.CaptureMaxbytes <= 0 {
		o.log(data)
		return len(data), nil
	}
	if o.capture == nil {
		o.capture = &Capture{Log: o.log, Comm: o.comm, Captured: o.event, Max: o.CaptureMaxbytes}
	}
	return o.capture.Write(data)
}

// Close flushes what capture mode held back.
func (o *Output) Close() error {
	if o.capture == nil {
		return nil
	}
	// The bytes of an unterminated block had their events already.
	o.closing = o.capture.Capturing()
	return o.capture.Close()
}

func (o *Output) log(b []byte) {
	if o.Log != nil {
		o.Log(b)
	}
	if !o.closing {
		o.event(b)
	}
}

// event publishes PROCESS_LOG_<channel> for b when enabled and wanted.
func (o *Output) event(b []byte) {
	if !o.EventsEnabled {
		return
	}
	ev := ProcessLog{Process: o.Process, Group: o.Group, PID: o.PID, Channel: o.Channel}
	if o.Bus.Wants(ev.Type()) {
		ev.Data = bytes.Clone(b)
		o.Bus.Publish(ev)
	}
}

func (o *Output) comm(b []byte) {
	ev := ProcessCommunication{Process: o.Process, Group: o.Group, PID: o.PID, Channel: o.Channel}
	if o.Bus.Wants(ev.Type()) {
		ev.Data = bytes.Clone(b)
		o.Bus.Publish(ev)
	}
}
