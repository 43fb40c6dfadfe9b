package process

import (
	"bytes"
	"log/syslog"
	"sync"
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
