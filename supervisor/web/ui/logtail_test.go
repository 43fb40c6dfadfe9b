package ui

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSplitTailPath(t *testing.T) {
	tests := []struct {
		in, ns, ch string
		ok         bool
	}{
		{"web", "web", "stdout", true},
		{"g:web/stderr", "g:web", "stderr", true},
		{"g:web/stdout", "g:web", "stdout", true},
		{"web/stdin", "", "", false},
		{"web/stderr/x", "", "", false},
		{"../etc/passwd", "", "", false},
		{"/etc/passwd", "", "", false},
		{"..", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		ns, ch, ok := splitTailPath(tt.in)
		if ns != tt.ns || ch != tt.ch || ok != tt.ok {
			t.Errorf("splitTailPath(%q) = %q %q %v, want %q %q %v", tt.in, ns, ch, ok, tt.ns, tt.ch, tt.ok)
		}
	}
}

// FuzzSplitTailPath: an accepted path never names a file: no slash in the
// name, and the channel is stdout or stderr.
func FuzzSplitTailPath(f *testing.F) {
	for _, s := range []string{"web", "g:web/stderr", "../x", "a/b/c", "", "/", "x/stdout/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		ns, ch, ok := splitTailPath(p)
		if !ok {
			return
		}
		if ns == "" || strings.Contains(ns, "/") || ns == ".." || (ch != "stdout" && ch != "stderr") {
			t.Fatalf("%q accepted as %q %q", p, ns, ch)
		}
	})
}

// TestLogtailTruncateAndRotate: a follow announces truncation and
// continues with a rotated (replaced) file, as 4.2.5 does (WEB-09).
func TestLogtailTruncateAndRotate(t *testing.T) {
	f := serve(t)
	log := filepath.Join(f.dir, "sleeper.out")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.base+"/logtail/sleeper", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("X-Accel-Buffering") != "no" || resp.Header.Get("Last-Modified") == "" {
		t.Errorf("headers: %v", resp.Header)
	}
	var got strings.Builder
	readUntil := func(want string) {
		t.Helper()
		buf := make([]byte, 4096)
		for !strings.Contains(got.String(), want) {
			n, err := resp.Body.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				t.Fatalf("waiting for %q: %v after %q", want, err, got.String())
			}
		}
	}
	readUntil("hello")
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	readUntil("==> File truncated <==\n")
	// Rotation: the file is renamed away and a new one takes its place.
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(log, []byte("fresh file line\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	readUntil("fresh file line")
}

func TestMainlogtail(t *testing.T) { // WEB-09
	f := serve(t)
	if code, _, _ := f.get(t, "/mainlogtail"); code != 404 {
		t.Errorf("no main log: %d, want 404", code)
	}
	main := filepath.Join(f.dir, "supervisord.log")
	if err := os.WriteFile(main, []byte(strings.Repeat("x", 5000)+"\n2026-01-01 INFO <b>started</b>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.backend.MainLog = main
	code, body := readSome(t, f.base, "/mainlogtail", "<b>started</b>\n")
	if code != 200 || len(body) > tailStart+64 {
		t.Errorf("mainlogtail: %d, %d bytes (want the last %d)", code, len(body), tailStart)
	}
}
