package ui

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// tailStart is how much of the file a follow starts with (WEB-09).
const tailStart = 1024

// logtail serves /logtail/<namespec>[/stdout|/stderr] (WEB-09). The file
// comes only from the process's configuration, never from the URL, so a
// name with "/" or ".." in it is simply an unknown process.
func (u *UI) logtail(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		rpc.WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	rest, channel, ok := splitTailPath(strings.TrimPrefix(r.URL.Path, "/logtail/"))
	if !ok {
		u.refuse(w, r, http.StatusNotFound, "log tail of a path that is not <process>[/stdout|/stderr]")
		return
	}
	v, err := u.rpc.Call(r.Context(), "supervisor.getProcessInfo", []any{rest})
	if err != nil {
		rpc.WriteHTTPError(w, http.StatusNotFound)
		return
	}
	var path string
	info, _ := v.(rpc.Struct)
	for _, m := range info {
		if m.Name == channel+"_logfile" {
			path, _ = m.Value.(string)
		}
	}
	if path == "" {
		rpc.WriteHTTPError(w, http.StatusNotFound)
		return
	}
	w.Header().Set("X-Accel-Buffering", "no")
	u.follow(w, r, path)
}

// splitTailPath splits "<namespec>[/stdout|/stderr]"; anything else (an
// empty name, more slashes, another channel) is not a log of ours.
func splitTailPath(p string) (namespec, channel string, ok bool) {
	namespec, channel = p, "stdout"
	if ns, ch, cut := strings.Cut(p, "/"); cut {
		if ch != "stdout" && ch != "stderr" {
			return "", "", false
		}
		namespec, channel = ns, ch
	}
	if namespec == "" || namespec == "." || namespec == ".." {
		return "", "", false
	}
	return namespec, channel, true
}

// mainlogtail follows supervisord's own log.
func (u *UI) mainlogtail(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		rpc.WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	path := u.backend.MainLogfile()
	if path == "" {
		rpc.WriteHTTPError(w, http.StatusNotFound)
		return
	}
	u.follow(w, r, path)
}

// follow sends the last tailStart bytes of path, then what is appended,
// until the client goes away or the server closes. A rotated file (new
// inode) is reopened; a truncated one is announced as 4.2.5 does.
func (u *UI) follow(w http.ResponseWriter, r *http.Request, path string) {
	f, err := os.Open(path)
	if err != nil {
		rpc.WriteHTTPError(w, http.StatusNotFound)
		return
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		rpc.WriteHTTPError(w, http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain;charset=utf-8")
	h.Set("Last-Modified", st.ModTime().UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)

	off := max(st.Size()-tailStart, 0)
	buf := make([]byte, 32<<10)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		// Copy whatever is new.
		for {
			n, err := f.ReadAt(buf, off)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				off += int64(n)
			}
			if err != nil || n == 0 {
				if err != nil && !errors.Is(err, io.EOF) {
					return
				}
				break
			}
		}
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-u.done:
			return
		case <-tick.C:
		}
		if cur, err := os.Stat(path); err == nil && !sameFile(cur, st) {
			if nf, err := os.Open(path); err == nil {
				_ = f.Close()
				f, st, off = nf, cur, 0
				continue
			}
		}
		if st2, err := f.Stat(); err == nil && st2.Size() < off {
			if _, err := io.WriteString(w, "==> File truncated <==\n"); err != nil {
				return
			}
			off = 0
		}
	}
}

func sameFile(a, b os.FileInfo) bool {
	sa, ok1 := a.Sys().(*syscall.Stat_t)
	sb, ok2 := b.Sys().(*syscall.Stat_t)
	if !ok1 || !ok2 {
		return true
	}
	return sa.Ino == sb.Ino && sa.Dev == sb.Dev
}
