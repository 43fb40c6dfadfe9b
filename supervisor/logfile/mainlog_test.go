package logfile

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

func TestLoggerLineFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sd.log")
	w, err := Open(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var echo bytes.Buffer
	l := NewLogger(config.LevelInfo, w, &echo)
	l.now = func() time.Time { return time.Date(2026, 11, 24, 11, 50, 3, 987654321, time.Local) }
	l.Info("spawned: '%s' with pid %d", "x", 42)
	l.Debug("hidden")
	l.Warn("killing 'x' (42) with SIGKILL")
	l.Critical("two\nlines")
	l.Close()
	want := "2026-11-24 11:50:03,987 INFO spawned: 'x' with pid 42\n" +
		"2026-11-24 11:50:03,987 WARN killing 'x' (42) with SIGKILL\n" +
		"2026-11-24 11:50:03,987 CRIT two\nlines\n"
	got, _ := os.ReadFile(path)
	if string(got) != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
	if echo.String() != want {
		t.Errorf("echo:\n%s", echo.String())
	}
}

func TestNilLoggerIsSilent(t *testing.T) {
	var l *Logger
	l.Info("nothing")
	if l.Enabled(config.LevelCritical) {
		t.Error("nil logger enabled")
	}
}
