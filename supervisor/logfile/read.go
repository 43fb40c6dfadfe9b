package logfile

import (
	"errors"
	"io"
	"os"
)

// ErrBadArguments and ErrFailed are the readLog failures that 4.2.5 reports
// as the BAD_ARGUMENTS and FAILED faults.
var (
	ErrBadArguments = errors.New("bad arguments")
	ErrFailed       = errors.New("failed")
)

// ReadFile implements readLog/readProcessStdoutLog offsets (RPC-06): a
// negative offset with length 0 returns the last -offset bytes; a negative
// offset with a non-zero length, or a non-negative offset with a negative
// length, is ErrBadArguments; length 0 reads to end of file. Any I/O error
// (including a missing file) is ErrFailed wrapped with the cause; callers
// that must report NO_FILE check for the file first.
func ReadFile(path string, offset, length int64) ([]byte, error) {
	if offset < 0 && length != 0 {
		return nil, ErrBadArguments
	}
	if offset >= 0 && length < 0 {
		return nil, ErrBadArguments
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Join(ErrFailed, err)
	}
	defer f.Close()
	if offset < 0 {
		st, err := f.Stat()
		if err != nil {
			return nil, errors.Join(ErrFailed, err)
		}
		pos := st.Size() + offset
		if pos < 0 {
			pos = 0
		}
		return readAt(f, pos, -offset)
	}
	if length == 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return nil, errors.Join(ErrFailed, err)
		}
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, errors.Join(ErrFailed, err)
		}
		return data, nil
	}
	return readAt(f, offset, length)
}

func readAt(f *os.File, off, n int64) ([]byte, error) {
	buf := make([]byte, n)
	got, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, errors.Join(ErrFailed, err)
	}
	return buf[:got], nil
}

// TailFile implements tailProcessStdoutLog (RPC-21): it returns at most
// length bytes ending at the end of the file, the file size as the new
// offset, and overflow=true when the file grew beyond offset+length. A file
// that cannot be read gives (nil, offset, false), as 4.2.5 does.
func TailFile(path string, offset, length int64) (data []byte, newOffset int64, overflow bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, offset, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, offset, false
	}
	sz := st.Size()
	if sz > offset+length {
		overflow = true
		offset = sz - 1
	}
	if offset+length > sz {
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
	if length > 0 {
		data, err = readAt(f, offset, length)
		if err != nil {
			return nil, offset, false
		}
	}
	return data, sz, overflow
}
