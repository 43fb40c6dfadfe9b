package rpc

import (
	"errors"
	"io"
	"math"
	"os"
)

// The offset rules of 4.2.5's options.py readFile/tailFile, on plain file
// reads (log writers flush every write, so the file is current). These
// were written before package logfile exported ReadFile/TailFile; we keep
// ours because they bound the allocation by what the file holds (a client
// asking for length 1<<40 must not make supervisord allocate a terabyte)
// and saturate offset+length instead of wrapping around. They are checked
// against options.py itself in TestLogOffsetsMatchPython.

// errBadArguments and errReadFailed are readFile's two failure kinds.
var (
	errBadArguments = errors.New("BAD_ARGUMENTS")
	errReadFailed   = errors.New("FAILED")
)

// ReadLogRange returns bytes of a log file by readLog's rules (RPC-06):
// offset<0 && length==0 → the last |offset| bytes; offset<0 && length≠0 or
// offset≥0 && length<0 → BAD_ARGUMENTS; length==0 → offset to EOF; else
// length bytes from offset.
func ReadLogRange(path string, offset, length int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errReadFailed
	}
	defer f.Close()
	if offset < 0 {
		if length != 0 {
			return nil, errBadArguments
		}
		st, err := f.Stat()
		if err != nil {
			return nil, errReadFailed
		}
		pos := st.Size() + offset
		if pos < 0 {
			pos = 0
		}
		n := -offset
		if n < 0 { // -MinInt64
			n = math.MaxInt64
		}
		return readAt(f, pos, n)
	}
	if length < 0 {
		return nil, errBadArguments
	}
	if length == 0 {
		st, err := f.Stat()
		if err != nil {
			return nil, errReadFailed
		}
		if offset >= st.Size() {
			return []byte{}, nil
		}
		return readAt(f, offset, st.Size()-offset)
	}
	return readAt(f, offset, length)
}

// maxRead bounds one read so a client cannot make us allocate a huge
// buffer by asking for a huge length; clients page through big logs.
const maxRead = 64 << 20

func readAt(f *os.File, off, n int64) ([]byte, error) {
	if n > maxRead {
		n = maxRead
	}
	b, err := io.ReadAll(io.NewSectionReader(f, off, n))
	if err != nil {
		return nil, errReadFailed
	}
	return b, nil
}

// satAdd adds without wrapping around (Python ints do not overflow).
func satAdd(a, b int64) int64 {
	c := a + b
	if a > 0 && b > 0 && c < 0 {
		return math.MaxInt64
	}
	if a < 0 && b < 0 && c >= 0 {
		return math.MinInt64
	}
	return c
}

// TailLog is tailFile (RPC-21): up to length bytes ending at EOF when the
// file has grown past offset+length (overflow), else from offset; the
// returned offset is the file size. A missing file gives ("", 0, false)
// as 4.2.5's caller does; other errors return the given offset.
func TailLog(path string, offset, length int64) (data []byte, newOffset int64, overflow bool) {
	f, err := os.Open(path)
	if err != nil {
		return []byte{}, offset, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return []byte{}, offset, false
	}
	sz := st.Size()
	if sz > satAdd(offset, length) {
		overflow = true
		offset = sz - 1
	}
	if satAdd(offset, length) > sz {
		if offset > sz-1 {
			length = 0
		}
		offset = sz - length
	}
	if offset < 0 {
		offset = 0
	}
	if length < 0 {
		length = 0
	}
	if length == 0 {
		return []byte{}, sz, overflow
	}
	b, err := readAt(f, offset, length)
	if err != nil {
		return []byte{}, offset, false
	}
	return b, sz, overflow
}
