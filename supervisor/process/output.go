package process

import (
	"bytes"
	"log/syslog"
	"os"
	"sync"
	"syscall"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/logfile"
)

var ansiTerminators = []byte("HfABCDRsuJKhlpm")

// stripEscapes removes ANSI escape sequences (ESC '[' up to and including
// a terminator letter) as 4.2.5's strip_ansi does (LOG-CH-06).
func stripEscapes(s []byte) []byte {
	if bytes.IndexByte(s, 0x1b) < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	show := true
	for i := 0; i < len(s); i++ {
		if !show {
			if bytes.IndexByte(ansiTerminators, s[i]) >= 0 {
				show = true
			}
			continue
		}
		n := bytes.Index(s[i:], []byte("\x1b["))
		if n < 0 {
			return append(out, s[i:]...)
		}
		out = append(out, s[i:i+n]...)
		i += n + 1 // skip ESC and '['; the loop's i++ moves past '['
		show = false
	}
	return out
}

// syslogSink sends a channel's output to syslog, one message per line
// prefixed with the process name (LOG-CH-05).
type syslogSink struct {
	mu   sync.Mutex
	name string
	w    *syslog.Writer
	err  bool
}

func (s *syslogSink) write(data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil && !s.err {
		w, err := syslog.New(syslog.LOG_INFO|syslog.LOG_USER, "supervisord")
		if err != nil {
			s.err = true // no syslog daemon: nothing to send to
			return
		}
		s.w = w
	}
	if s.w == nil {
		return
	}
	for _, line := range bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n")) {
		_ = s.w.Info(s.name + " " + string(line))
	}
}

// Capture-mode tokens (CAP-*, 4.2.5 dispatchers.py).
var (
	beginToken = []byte("<!--XSUPERVISOR:BEGIN-->")
	endToken   = []byte("<!--XSUPERVISOR:END-->")
)

// channel is the output side of one pipe of one spawn.
type channel struct {
	p       *Process
	name    string // "stdout" or "stderr"
	w       *logfile.Writer
	spec    config.LogSpec
	pid     int
	failing bool // a write error was logged; log the next one only after a success

	// Capture mode, when spec.CaptureMaxbytes > 0.
	capturing bool
	pending   []byte // 4.2.5's output_buffer
	captured  []byte // 4.2.5's capturelog, bounded to CaptureMaxbytes
}

// readBufs holds read buffers: a buffer is taken only when a pipe has data,
// so hundreds of idle processes do not each keep 128 KiB alive.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 128<<10); return &b }}

func (p *Process) startReaders(r *run, pp *pipes) {
	var wg sync.WaitGroup
	wg.Add(1)
	go readPipe(&wg, pp.stdoutR, &channel{p: p, name: "stdout", w: p.stdoutLog, spec: p.cfg.Stdout, pid: r.pid})
	if pp.stderrR != nil {
		wg.Add(1)
		go readPipe(&wg, pp.stderrR, &channel{p: p, name: "stderr", w: p.stderrLog, spec: p.cfg.Stderr, pid: r.pid})
	}
	go func() { wg.Wait(); close(r.done) }()
}

// readPipe copies a child's pipe into ch until EOF.
func readPipe(wg *sync.WaitGroup, f *os.File, ch *channel) {
	defer wg.Done()
	defer f.Close()
	defer ch.eof()
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	for {
		eof := false
		err := rc.Read(func(fd uintptr) bool {
			bp := readBufs.Get().(*[]byte)
			defer readBufs.Put(bp)
			n, rerr := syscall.Read(int(fd), *bp)
			for rerr == syscall.EINTR {
				n, rerr = syscall.Read(int(fd), *bp)
			}
			switch {
			case rerr == syscall.EAGAIN:
				return false // wait until readable
			case rerr != nil || n == 0:
				eof = true
			default:
				ch.feed((*bp)[:n])
			}
			return true
		})
		if err != nil || eof {
			return
		}
	}
}

// feed handles one read from the pipe (4.2.5's record_output).
func (c *channel) feed(data []byte) {
	if c.spec.CaptureMaxbytes <= 0 {
		c.log(data)
		return
	}
	c.pending = append(c.pending, data...)
	for {
		token := beginToken
		if c.capturing {
			token = endToken
		}
		// Unlike 4.2.5 (CAP-02), only a tail that may begin a token is held
		// back; 4.2.5 also holds anything shorter than a token, so a short
		// last line could stay out of the log for good.
		if len(c.pending) == 0 {
			return
		}
		data := c.pending
		c.pending = nil
		before, after, found := bytes.Cut(data, token)
		if !found {
			if k := prefixAtEnd(data, token); k > 0 {
				c.pending = append(c.pending, data[len(data)-k:]...)
				data = data[:len(data)-k]
			}
			c.log(data)
			return
		}
		c.log(before)
		c.toggle()
		c.pending = append(c.pending, after...)
		if len(after) == 0 {
			return
		}
	}
}

// eof flushes a held-back tail: the child wrote it, so it goes to the log
// (or, inside an unterminated block, to the capture buffer).
func (c *channel) eof() {
	if len(c.pending) > 0 {
		data := c.pending
		c.pending = nil
		c.log(data)
	}
}

func (c *channel) toggle() {
	c.capturing = !c.capturing
	if c.capturing {
		return
	}
	data := c.captured
	c.captured = nil
	if c.p.opts.Comm != nil {
		c.p.opts.Comm(c.p, c.name, c.pid, data)
	}
	c.p.log().Debug("'%s' %s emitted a comm event", c.p.cfg.Name, c.name)
}

// log is 4.2.5's _log: to the capture buffer or the log file and syslog,
// to the main log at debug level, and to the Output hook.
func (c *channel) log(data []byte) {
	if len(data) == 0 {
		return
	}
	p := c.p
	if p.opts.StripANSI {
		data = stripEscapes(data)
	}
	if c.capturing {
		c.captured = append(c.captured, data...)
		if max := c.spec.CaptureMaxbytes; int64(len(c.captured)) > max {
			c.captured = c.captured[int64(len(c.captured))-max:]
		}
	} else {
		if c.spec.Syslog {
			p.syslog.write(data)
		}
		if c.w != nil {
			_, err := c.w.Write(data)
			if err != nil && !c.failing {
				p.log().Error("could not write %s log of %s: %v", c.name, p.cfg.Name, err)
			}
			c.failing = err != nil
		}
	}
	if lg := p.log(); lg.Enabled(config.LevelDebug) {
		lg.Debug("'%s' %s output:\n%s", p.cfg.Name, c.name, data)
	}
	// PROCESS_LOG_* events are documented as not emitted in capture mode
	// (4.2.5's code emits them anyway); we follow the documentation.
	if p.opts.Output != nil && !c.capturing {
		p.opts.Output(p, c.name, c.pid, data)
	}
}

// prefixAtEnd returns the length of the longest proper prefix of token
// that data ends with.
func prefixAtEnd(data, token []byte) int {
	for l := len(token) - 1; l > 0; l-- {
		if bytes.HasSuffix(data, token[:l]) {
			return l
		}
	}
	return 0
}
