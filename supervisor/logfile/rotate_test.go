package logfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func readOr(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return b
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// allBytes concatenates backups (oldest first) and the current file.
func allBytes(t *testing.T, path string, backups int) []byte {
	t.Helper()
	var out []byte
	for i := backups; i >= 1; i-- {
		out = append(out, readOr(t, fmt.Sprintf("%s.%d", path, i))...)
	}
	return append(out, readOr(t, path)...)
}

// BB-23: one large write lands entirely in .1 and leaves the file empty.
func TestRotationQuirksBB23(t *testing.T) {
	tests := []struct {
		name      string
		backups   int
		wantCur   int
		wantOne   int
		oneExists bool
	}{
		{"backups=2", 2, 0, 1540, true},
		{"backups=0 truncates", 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "w.out")
			w, err := Open(path, 300, tt.backups)
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			if _, err := w.Write(bytes.Repeat([]byte("x"), 1540)); err != nil {
				t.Fatal(err)
			}
			if got := len(readOr(t, path)); got != tt.wantCur {
				t.Errorf("current size = %d, want %d", got, tt.wantCur)
			}
			if got := exists(path + ".1"); got != tt.oneExists {
				t.Errorf(".1 exists = %v, want %v", got, tt.oneExists)
			}
			if got := len(readOr(t, path+".1")); got != tt.wantOne {
				t.Errorf(".1 size = %d, want %d", got, tt.wantOne)
			}
		})
	}
}

func TestRotationShiftsBackupsAndKeepsEveryByte(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w, err := Open(path, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var want []byte
	for i := 0; i < 4; i++ {
		chunk := []byte(fmt.Sprintf("chunk-%d-abc\n", i)) // 12 bytes: rotates each time
		want = append(want, chunk...)
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if exists(path + ".4") {
		t.Fatal("kept more than 3 backups")
	}
	if got := string(readOr(t, path+".1")); got != "chunk-3-abc\n" {
		t.Errorf(".1 = %q", got)
	}
	if got := string(readOr(t, path+".3")); got != "chunk-1-abc\n" {
		t.Errorf(".3 = %q", got)
	}
	// The oldest chunk fell off the end: the other three are intact.
	if got := allBytes(t, path, 3); !bytes.Equal(got, want[12:]) {
		t.Errorf("content = %q", got)
	}
}

func TestRotationNeverSplitsUTF8(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w, err := Open(path, 5, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// "abcd" + first byte of "é" reaches maxbytes mid-sequence.
	e := []byte("é")
	for _, chunk := range [][]byte{[]byte("abcd"), e[:1], e[1:], []byte("z")} {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(readOr(t, path+".1")); got != "abcdé" {
		t.Errorf(".1 = %q, want the whole sequence", got)
	}
	if got := string(readOr(t, path)); got != "z" {
		t.Errorf("current = %q", got)
	}
}

func TestRotationNonUTF8BytesKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	w, err := Open(path, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	in := []byte{0xff, 0xfe, 0x00, 0xc3, 0x41, 0x80, 0x80, 0xe2, 0x82}
	for _, b := range in {
		if _, err := w.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	if got := allBytes(t, path, 5); !bytes.Equal(got, in) {
		t.Errorf("got % x, want % x", got, in)
	}
}

func TestWriterNonRegularFileDoesNotRotate(t *testing.T) {
	w, err := Open(os.DevNull, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for i := 0; i < 3; i++ {
		if _, err := w.Write([]byte("hello")); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
}

func TestReopenAndClear(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "log")
	w, err := Open(path, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Write([]byte("one\n"))
	if err := os.Rename(path, path+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("two\n"))
	if got := string(readOr(t, path)); got != "two\n" {
		t.Errorf("after reopen = %q", got)
	}
	if err := w.Clear(); err != nil {
		t.Fatal(err)
	}
	if got := string(readOr(t, path)); got != "" {
		t.Errorf("after clear = %q", got)
	}
	if got := string(readOr(t, path+".moved")); got != "one\n" {
		t.Errorf("moved = %q", got)
	}
}

func TestIncompleteUTF8(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"abc", 0}, {"é", 0}, {"\xc3", 1}, {"a\xe2", 2}, {"a\xe2\x82", 1},
		{"€", 0}, {"\xf0\x9f", 2}, {"\xf0\x9f\x98", 1}, {"😀", 0}, {"\x80\x80\x80", 0}, {"\xff", 0},
	}
	for _, tt := range tests {
		if got := incompleteUTF8([]byte(tt.in)); got != tt.want {
			t.Errorf("incompleteUTF8(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// FuzzWriter checks that no byte is lost while backups suffice, and that no
// file starts with a continuation byte when the input is valid UTF-8.
func FuzzWriter(f *testing.F) {
	f.Add([]byte("héllo wörld €€€ 😀😀"), uint8(3), uint8(7))
	f.Add([]byte{0xff, 0xc3, 0xc3, 0x80, 0x41}, uint8(1), uint8(2))
	f.Add([]byte(strings.Repeat("日本語", 20)), uint8(2), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, chunk, max uint8) {
		if chunk == 0 || max == 0 || len(data) > 4096 {
			return
		}
		path := filepath.Join(t.TempDir(), "log")
		backups := len(data) + 2 // enough that nothing falls off
		if backups > 300 {
			return
		}
		w, err := Open(path, int64(max), backups)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(data); i += int(chunk) {
			end := min(i+int(chunk), len(data))
			if _, err := w.Write(data[i:end]); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		if got := allBytes(t, path, backups); !bytes.Equal(got, data) {
			t.Fatalf("lost bytes: got % x want % x", got, data)
		}
		if utf8.Valid(data) {
			for i := 1; i <= backups; i++ {
				b := readOr(t, fmt.Sprintf("%s.%d", path, i))
				if !utf8.Valid(b) {
					t.Fatalf("backup %d is not valid UTF-8: % x", i, b)
				}
			}
		}
	})
}
