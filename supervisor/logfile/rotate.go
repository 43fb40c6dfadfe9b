package logfile

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// Writer is an append-only log file that rotates by size. It is safe for
// concurrent use.
type Writer struct {
	mu       sync.Mutex
	path     string
	maxBytes int64
	backups  int

	f        *os.File
	size     int64
	regular  bool   // only regular files can be renamed and measured
	pending  int    // continuation bytes still owed by a UTF-8 sequence when rotation was due
	rotating bool   // rotation is due once the pending bytes arrive
	last     []byte // the last (up to 3) bytes written, to see sequences split across writes
}

// Open opens (creating if needed) path for appending. maxBytes <= 0 disables
// rotation; backups is the number of rotated files kept.
func Open(path string, maxBytes int64, backups int) (*Writer, error) {
	w := &Writer{path: path, maxBytes: maxBytes, backups: backups}
	if err := w.open(false); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open(truncate bool) error {
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	if truncate {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(w.path, flags, 0o666)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	w.f = f
	w.regular = st.Mode().IsRegular()
	w.size = st.Size()
	w.pending, w.rotating = 0, false
	return nil
}

// Path returns the file name given to Open.
func (w *Writer) Path() string { return w.path }

// Write appends p and rotates when the file has reached maxBytes. Every byte
// of p is written before any rotation that p triggers.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return 0, os.ErrClosed
	}
	written := 0
	if w.rotating {
		// Finish the UTF-8 sequence started before the rotation was due.
		k := 0
		for k < len(p) && k < w.pending && isCont(p[k]) {
			k++
		}
		if k > 0 {
			n, err := w.write(p[:k])
			written += n
			if err != nil {
				return written, err
			}
		}
		if k < w.pending && k == len(p) {
			w.pending -= k
			return written, nil
		}
		if err := w.rotate(); err != nil {
			return written, err
		}
		p = p[k:]
	}
	if len(p) == 0 {
		return written, nil
	}
	n, err := w.write(p)
	written += n
	if err != nil {
		return written, err
	}
	if w.maxBytes > 0 && w.regular && w.size >= w.maxBytes {
		if need := incompleteUTF8(w.last); need > 0 {
			w.rotating, w.pending = true, need
			return written, nil
		}
		if err := w.rotate(); err != nil {
			return written, err
		}
	}
	return written, nil
}

func (w *Writer) write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.size += int64(n)
	w.last = append(w.last, p[:n]...)
	if len(w.last) > 3 {
		w.last = append(w.last[:0], w.last[len(w.last)-3:]...)
	}
	return n, err
}

// rotate renames the current file to .1 (shifting older backups) and opens
// a new empty file. With no backups the file is truncated (ROT-02).
func (w *Writer) rotate() error {
	w.rotating, w.pending = false, 0
	if w.backups <= 0 {
		if err := w.f.Truncate(0); err != nil {
			return err
		}
		w.size = 0
		return nil
	}
	w.f.Close()
	w.f = nil
	for i := w.backups - 1; i >= 1; i-- {
		src := fmt.Sprintf("%s.%d", w.path, i)
		if _, err := os.Lstat(src); err == nil {
			_ = os.Rename(src, fmt.Sprintf("%s.%d", w.path, i+1)) // best effort, as 4.2.5
		}
	}
	renameErr := os.Rename(w.path, w.path+".1")
	// Reopen even if the rename failed so that no later byte is lost.
	if err := w.open(renameErr == nil); err != nil {
		return err
	}
	return renameErr
}

// Reopen closes and reopens the file at the same path (SIGUSR2, LOG-CH-07),
// so that external log rotation (move + SIGUSR2) works.
func (w *Writer) Reopen() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	return w.open(false)
}

// Clear removes the current file (never the backups) and opens a new one,
// as clearLog and clearProcessLogs do.
func (w *Writer) Clear() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	if err := os.Remove(w.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		_ = w.open(false)
		return err
	}
	return w.open(false)
}

// Close closes the file. Further writes fail with os.ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

func isCont(b byte) bool { return b&0xC0 == 0x80 }

// incompleteUTF8 reports how many continuation bytes the end of p still
// needs to complete a UTF-8 sequence, or 0 when p does not end inside one
// (including when p is not UTF-8 at all).
func incompleteUTF8(p []byte) int {
	for i := 1; i <= 3 && i <= len(p); i++ {
		b := p[len(p)-i]
		if isCont(b) {
			continue
		}
		var size int
		switch {
		case b&0xE0 == 0xC0:
			size = 2
		case b&0xF0 == 0xE0:
			size = 3
		case b&0xF8 == 0xF0:
			size = 4
		default:
			return 0
		}
		if size > i {
			return size - i
		}
		return 0
	}
	return 0
}
