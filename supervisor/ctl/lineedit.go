package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// isTerminal reports whether fd is a terminal.
func isTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// completer returns the completions for the word that starts at start in
// line (cursor at the end of that word), readline style: each a full word.
type completer func(line string, start, end int) []string

// lineEditor is a small readline: a prompt, the usual emacs keys, history,
// tab completion. It reads the terminal in cbreak-like mode (no canonical
// input, no echo, no signals) but keeps output processing, so text other
// goroutines print still starts each line at column 0.
type lineEditor struct {
	fd       int
	out      io.Writer
	history  []string
	complete completer
	// wordBreaks are the characters that end a word for completion:
	// readline's defaults without ':', '*' and '-' (CTL-SH-02).
	wordBreaks string
}

func newLineEditor(fd int, out io.Writer) *lineEditor {
	return &lineEditor{fd: fd, out: out, wordBreaks: " \t\n\"\\'`@$><=;|&{("}
}

// rawMode switches the terminal and returns the function that restores it.
func (e *lineEditor) rawMode(echo bool) (func(), error) {
	old, err := unix.IoctlGetTermios(e.fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Iflag &^= unix.ICRNL | unix.IXON | unix.INLCR | unix.IGNCR | unix.ISTRIP
	t.Lflag &^= unix.ICANON | unix.ISIG | unix.IEXTEN
	if !echo {
		t.Lflag &^= unix.ECHO | unix.ECHONL
	}
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(e.fd, unix.TCSETS, &t); err != nil {
		return nil, err
	}
	return func() { _ = unix.IoctlSetTermios(e.fd, unix.TCSETS, old) }, nil
}

// readByte waits for one byte, giving up when ctx ends.
func (e *lineEditor) readByte(ctx context.Context) (byte, error) {
	var b [1]byte
	for {
		if ctx.Err() != nil {
			return 0, errInterrupted
		}
		fds := []unix.PollFd{{Fd: int32(e.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, 100)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return 0, err
		}
		if n == 0 {
			continue
		}
		k, err := unix.Read(e.fd, b[:])
		if err != nil {
			if errors.Is(err, unix.EINTR) || errors.Is(err, unix.EAGAIN) {
				continue
			}
			return 0, err
		}
		if k == 0 {
			return 0, io.EOF
		}
		return b[0], nil
	}
}

// ReadPassword reads a line without echo.
func (e *lineEditor) ReadPassword(ctx context.Context, prompt string) (string, error) {
	restore, err := e.rawMode(false)
	if err != nil {
		return "", err
	}
	defer restore()
	io.WriteString(e.out, prompt)
	var buf []byte
	for {
		b, err := e.readByte(ctx)
		if err != nil {
			return "", err
		}
		switch b {
		case '\r', '\n':
			io.WriteString(e.out, "\n")
			return string(buf), nil
		case 3:
			return "", errInterrupted
		case 4:
			if len(buf) == 0 {
				return "", io.EOF
			}
		case 127, 8:
			if len(buf) > 0 {
				buf = buf[:len(buf)-1]
			}
		default:
			buf = append(buf, b)
		}
	}
}

// editState is the line being edited.
type editState struct {
	prompt string
	buf    []rune
	pos    int
}

func (e *lineEditor) redraw(s *editState) {
	var b strings.Builder
	b.WriteString("\r")
	b.WriteString(s.prompt)
	b.WriteString(string(s.buf))
	b.WriteString("\x1b[K")
	if back := len(s.buf) - s.pos; back > 0 {
		fmt.Fprintf(&b, "\x1b[%dD", back)
	}
	io.WriteString(e.out, b.String())
}

// ReadLine edits one line. It returns io.EOF on Ctrl-D at an empty line
// and errInterrupted on Ctrl-C (after echoing ^C) or when ctx ends.
func (e *lineEditor) ReadLine(ctx context.Context, prompt string) (string, error) {
	restore, err := e.rawMode(false)
	if err != nil {
		return "", err
	}
	defer restore()
	s := &editState{prompt: prompt}
	io.WriteString(e.out, prompt)
	histPos := len(e.history)
	saved := ""
	lastTab := false
	var pending []byte
	for {
		b, err := e.readByte(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) && len(s.buf) == 0 {
				return "", io.EOF
			}
			return "", err
		}
		wasTab := lastTab
		lastTab = false
		switch b {
		case '\r', '\n':
			io.WriteString(e.out, "\n")
			line := string(s.buf)
			if strings.TrimSpace(line) != "" {
				e.history = append(e.history, line)
			}
			return line, nil
		case 3: // Ctrl-C
			io.WriteString(e.out, "^C")
			return "", errInterrupted
		case 4: // Ctrl-D
			if len(s.buf) == 0 {
				return "", io.EOF
			}
			if s.pos < len(s.buf) {
				s.buf = append(s.buf[:s.pos], s.buf[s.pos+1:]...)
			}
		case 1: // Ctrl-A
			s.pos = 0
		case 5: // Ctrl-E
			s.pos = len(s.buf)
		case 2: // Ctrl-B
			if s.pos > 0 {
				s.pos--
			}
		case 6: // Ctrl-F
			if s.pos < len(s.buf) {
				s.pos++
			}
		case 11: // Ctrl-K
			s.buf = s.buf[:s.pos]
		case 21: // Ctrl-U
			s.buf = append([]rune{}, s.buf[s.pos:]...)
			s.pos = 0
		case 23: // Ctrl-W: delete the whitespace-separated word before the cursor
			i := s.pos
			for i > 0 && s.buf[i-1] == ' ' {
				i--
			}
			for i > 0 && s.buf[i-1] != ' ' {
				i--
			}
			s.buf = append(s.buf[:i], s.buf[s.pos:]...)
			s.pos = i
		case 12: // Ctrl-L
			io.WriteString(e.out, "\x1b[H\x1b[2J")
		case 127, 8: // Backspace
			if s.pos > 0 {
				s.buf = append(s.buf[:s.pos-1], s.buf[s.pos:]...)
				s.pos--
			}
		case 16: // Ctrl-P
			histPos, saved = e.historyMove(s, histPos, -1, saved)
		case 14: // Ctrl-N
			histPos, saved = e.historyMove(s, histPos, +1, saved)
		case '\t':
			e.tab(s, wasTab)
			lastTab = true
		case 27: // escape sequences: arrows, Home/End, Delete
			seq, err := e.escape(ctx)
			if err != nil {
				return "", err
			}
			switch seq {
			case "[A", "OA":
				histPos, saved = e.historyMove(s, histPos, -1, saved)
			case "[B", "OB":
				histPos, saved = e.historyMove(s, histPos, +1, saved)
			case "[C", "OC":
				if s.pos < len(s.buf) {
					s.pos++
				}
			case "[D", "OD":
				if s.pos > 0 {
					s.pos--
				}
			case "[H", "OH", "[1~", "[7~":
				s.pos = 0
			case "[F", "OF", "[4~", "[8~":
				s.pos = len(s.buf)
			case "[3~":
				if s.pos < len(s.buf) {
					s.buf = append(s.buf[:s.pos], s.buf[s.pos+1:]...)
				}
			}
		default:
			if b < 32 {
				break
			}
			pending = append(pending, b)
			if !utf8.FullRune(pending) {
				continue
			}
			r, _ := utf8.DecodeRune(pending)
			pending = pending[:0]
			s.buf = append(s.buf[:s.pos], append([]rune{r}, s.buf[s.pos:]...)...)
			s.pos++
		}
		e.redraw(s)
	}
}

// escape reads the rest of an ESC sequence ("[A", "[3~", "OH", ...).
func (e *lineEditor) escape(ctx context.Context) (string, error) {
	b, err := e.readByte(ctx)
	if err != nil {
		return "", err
	}
	if b != '[' && b != 'O' {
		return string(b), nil
	}
	seq := []byte{b}
	for len(seq) < 8 {
		c, err := e.readByte(ctx)
		if err != nil {
			return "", err
		}
		seq = append(seq, c)
		if c >= 0x40 && c <= 0x7e {
			break
		}
	}
	return string(seq), nil
}

func (e *lineEditor) historyMove(s *editState, pos, dir int, saved string) (int, string) {
	next := pos + dir
	if next < 0 || next > len(e.history) {
		return pos, saved
	}
	if pos == len(e.history) {
		saved = string(s.buf)
	}
	if next == len(e.history) {
		s.buf = []rune(saved)
	} else {
		s.buf = []rune(e.history[next])
	}
	s.pos = len(s.buf)
	return next, saved
}

// tab completes the word before the cursor: a single match is inserted,
// several insert their common prefix, and a second Tab lists them.
func (e *lineEditor) tab(s *editState, second bool) {
	if e.complete == nil {
		return
	}
	line := string(s.buf[:s.pos])
	start := strings.LastIndexAny(line, e.wordBreaks) + 1
	word := line[start:]
	matches := e.complete(string(s.buf), start, len(line))
	if len(matches) == 0 {
		io.WriteString(e.out, "\a")
		return
	}
	prefix := matches[0]
	for _, m := range matches[1:] {
		for !strings.HasPrefix(m, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	if len(prefix) > len(word) {
		ins := []rune(prefix[len(word):])
		s.buf = append(s.buf[:s.pos], append(ins, s.buf[s.pos:]...)...)
		s.pos += len(ins)
		return
	}
	if !second {
		io.WriteString(e.out, "\a")
		return
	}
	io.WriteString(e.out, "\n")
	shown := make([]string, len(matches))
	for i, m := range matches {
		shown[i] = strings.TrimRight(m, " ")
	}
	for _, l := range columnize(shown, termWidth(e.fd)-1) {
		io.WriteString(e.out, l+"\n")
	}
}

func termWidth(fd int) int {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 80
	}
	return int(ws.Col)
}

// loadHistory reads a history file (one entry per line, as GNU readline
// writes it); a missing file is no error.
func (e *lineEditor) loadHistory(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l != "" {
			e.history = append(e.history, l)
		}
	}
}

// saveHistory writes the history back; failures are ignored as in 4.2.5.
func (e *lineEditor) saveHistory(path string) {
	var b strings.Builder
	for _, h := range e.history {
		b.WriteString(h + "\n")
	}
	_ = os.WriteFile(path, []byte(b.String()), 0o600)
}
