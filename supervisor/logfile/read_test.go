package logfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadFileOffsets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		off, length int64
		want        string
		err         error
	}{
		{0, 0, "0123456789", nil},
		{3, 0, "3456789", nil},
		{3, 4, "3456", nil},
		{8, 10, "89", nil},
		{20, 0, "", nil},
		{-3, 0, "789", nil},
		{-30, 0, "0123456789", nil},
		{-3, 2, "", ErrBadArguments},
		{0, -1, "", ErrBadArguments},
	}
	for _, tt := range tests {
		got, err := ReadFile(path, tt.off, tt.length)
		if !errors.Is(err, tt.err) || string(got) != tt.want {
			t.Errorf("ReadFile(%d,%d) = %q, %v; want %q, %v", tt.off, tt.length, got, err, tt.want, tt.err)
		}
	}
	if _, err := ReadFile(path+".missing", 0, 0); !errors.Is(err, ErrFailed) {
		t.Errorf("missing file: %v", err)
	}
}

func TestTailFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		off, length int64
		want        string
		newOff      int64
		overflow    bool
	}{
		{0, 4, "6789", 10, true},
		{0, 100, "0123456789", 10, false},
		{8, 100, "0123456789", 10, false}, // as 4.2.5: the window slides back
		{10, 5, "", 10, false},
		{7, 3, "789", 10, false},
		{5, 3, "789", 10, true},
	}
	for _, tt := range tests {
		got, off, of := TailFile(path, tt.off, tt.length)
		if string(got) != tt.want || off != tt.newOff || of != tt.overflow {
			t.Errorf("TailFile(%d,%d) = %q,%d,%v; want %q,%d,%v", tt.off, tt.length, got, off, of, tt.want, tt.newOff, tt.overflow)
		}
	}
	if got, off, of := TailFile(path+".missing", 5, 10); got != nil || off != 5 || of {
		t.Errorf("missing = %q,%d,%v", got, off, of)
	}
}
