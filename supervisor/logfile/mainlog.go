package logfile

import (
	"fmt"
	"io"
	"log/syslog"
	"strings"
	"sync"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// levelNames are 4.2.5's four-letter level names (LOG-01).
var levelNames = map[config.LogLevel]string{
	config.LevelCritical: "CRIT",
	config.LevelError:    "ERRO",
	config.LevelWarn:     "WARN",
	config.LevelInfo:     "INFO",
	config.LevelDebug:    "DEBG",
	config.LevelTrace:    "TRAC",
	config.LevelBlather:  "BLAT",
}

// LevelName returns the four-letter name of a level ("INFO").
func LevelName(l config.LogLevel) string {
	if n, ok := levelNames[l]; ok {
		return n
	}
	return fmt.Sprintf("LVL%d", int(l))
}

// Logger writes supervisord's main (activity) log: lines of the form
// `2006-01-02 15:04:05,000 INFO message` to a rotating file, to syslog, and
// optionally echoed to a terminal (nodaemon without silent, LOG-02). A nil
// *Logger discards everything. It is safe for concurrent use.
type Logger struct {
	mu    sync.Mutex
	level config.LogLevel
	file  *Writer
	sys   *syslog.Writer
	echo  io.Writer
	now   func() time.Time
}

// NewLogger returns a logger at level writing to file (may be nil) and echo
// (may be nil).
func NewLogger(level config.LogLevel, file *Writer, echo io.Writer) *Logger {
	return &Logger{level: level, file: file, echo: echo, now: time.Now}
}

// UseSyslog sends lines to the local syslog daemon (logfile=syslog, LOG-03).
func (l *Logger) UseSyslog(tag string) error {
	w, err := syslog.New(syslog.LOG_INFO|syslog.LOG_USER, tag)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.sys = w
	l.mu.Unlock()
	return nil
}

// SetEcho changes the terminal echo (nil stops it), e.g. after daemonizing.
func (l *Logger) SetEcho(w io.Writer) {
	l.mu.Lock()
	l.echo = w
	l.mu.Unlock()
}

// Level returns the configured level.
func (l *Logger) Level() config.LogLevel {
	if l == nil {
		return config.LevelCritical
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.level
}

// Enabled reports whether messages at level are written.
func (l *Logger) Enabled(level config.LogLevel) bool {
	return l != nil && level >= l.Level()
}

// File returns the main log's rotating writer, nil when logging to syslog
// or nowhere (readLog then answers NO_FILE).
func (l *Logger) File() *Writer {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.file
}

// Log writes msg at level. Multi-line messages are written verbatim.
func (l *Logger) Log(level config.LogLevel, msg string) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if level < l.level {
		return
	}
	line := l.now().Format("2006-01-02 15:04:05,000") + " " + LevelName(level) + " " + msg + "\n"
	if l.file != nil {
		_, _ = l.file.Write([]byte(line)) // a full disk must not stop supervision
	}
	if l.sys != nil {
		for _, part := range strings.Split(strings.TrimSuffix(line, "\n"), "\n") {
			_ = l.sys.Info(part)
		}
	}
	if l.echo != nil {
		_, _ = io.WriteString(l.echo, line)
	}
}

// Logf formats and logs at level.
func (l *Logger) Logf(level config.LogLevel, format string, args ...any) {
	if !l.Enabled(level) {
		return
	}
	l.Log(level, fmt.Sprintf(format, args...))
}

// Critical, Error, Warn, Info, Debug, Trace and Blather log at their level.
func (l *Logger) Critical(format string, args ...any) { l.Logf(config.LevelCritical, format, args...) }
func (l *Logger) Error(format string, args ...any)    { l.Logf(config.LevelError, format, args...) }
func (l *Logger) Warn(format string, args ...any)     { l.Logf(config.LevelWarn, format, args...) }
func (l *Logger) Info(format string, args ...any)     { l.Logf(config.LevelInfo, format, args...) }
func (l *Logger) Debug(format string, args ...any)    { l.Logf(config.LevelDebug, format, args...) }
func (l *Logger) Trace(format string, args ...any)    { l.Logf(config.LevelTrace, format, args...) }
func (l *Logger) Blather(format string, args ...any)  { l.Logf(config.LevelBlather, format, args...) }

// Reopen reopens the log file (SIGUSR2).
func (l *Logger) Reopen() error {
	if f := l.File(); f != nil {
		return f.Reopen()
	}
	return nil
}

// Close closes the file and syslog connection.
func (l *Logger) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	if l.file != nil {
		err = l.file.Close()
	}
	if l.sys != nil {
		_ = l.sys.Close()
	}
	return err
}
