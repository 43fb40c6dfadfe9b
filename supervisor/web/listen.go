package web

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"strconv"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// listenInet binds host:port ("" host: every interface).
func listenInet(host string, port int) (net.Listener, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return nil, socketError(err)
	}
	return ln, nil
}

// socketError words a bind failure as 4.2.5's openhttpservers does.
func socketError(err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return &ListenError{Msg: "Cannot open an HTTP server: socket.error reported " + err.Error(), Err: err}
	}
	if errno == syscall.EADDRINUSE {
		return &ListenError{Msg: addrInUse, Err: err}
	}
	name := errnoNames[errno]
	if name == "" {
		return &ListenError{Msg: fmt.Sprintf("Cannot open an HTTP server: socket.error reported %d", int(errno)), Err: err}
	}
	return &ListenError{Msg: fmt.Sprintf("Cannot open an HTTP server: socket.error reported errno.%s (%d)", name, int(errno)), Err: err}
}

var errnoNames = map[syscall.Errno]string{
	syscall.EACCES: "EACCES", syscall.EPERM: "EPERM", syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL",
	syscall.ENOENT: "ENOENT", syscall.ENOTDIR: "ENOTDIR", syscall.EROFS: "EROFS",
	syscall.ENAMETOOLONG: "ENAMETOOLONG", syscall.EINVAL: "EINVAL", syscall.EAFNOSUPPORT: "EAFNOSUPPORT",
	syscall.EMFILE: "EMFILE", syscall.ENFILE: "ENFILE", syscall.ENOSPC: "ENOSPC",
}

// staleRetryDelay is 4.2.5's pause after unlinking a stale socket.
var staleRetryDelay = 300 * time.Millisecond

// listenUnix binds the socket as 4.2.5 does: bind "<file>.<pid>", chmod
// it, hard-link it to <file> (atomic: never a moment without a socket, and
// never two servers on one path), then chown. If <file> exists and a live
// server answers on it, the address is in use; otherwise it is stale:
// "Unlinking stale socket <file>" goes to stderr, it is removed and the
// bind retried.
func listenUnix(c *config.UnixHTTPServer, stderr io.Writer) (net.Listener, error) {
	temp := fmt.Sprintf("%s.%d", c.File, os.Getpid())
	for {
		_ = os.Remove(temp)
		ln, err := net.Listen("unix", temp)
		if err != nil {
			return nil, socketError(err)
		}
		ul := ln.(*net.UnixListener)
		// We remove the names ourselves (temp now, the link at Close).
		ul.SetUnlinkOnClose(false)
		if err := os.Chmod(temp, c.Chmod); err != nil {
			ln.Close()
			_ = os.Remove(temp)
			return nil, socketError(err)
		}
		linkErr := os.Link(temp, c.File)
		_ = os.Remove(temp)
		if linkErr != nil {
			ln.Close()
			if inUse(c.File) {
				return nil, &ListenError{Msg: addrInUse, Err: syscall.EADDRINUSE}
			}
			if errors.Is(linkErr, os.ErrExist) {
				// 4.2.5 unlinks whatever is there; we only remove a
				// socket, never a user's file configured by mistake.
				if st, err := os.Lstat(c.File); err == nil && st.Mode()&os.ModeSocket == 0 {
					return nil, &ListenError{Msg: fmt.Sprintf(
						"Cannot open an HTTP server: %s exists and is not a socket; refusing to remove it", c.File), Err: linkErr}
				}
				fmt.Fprintf(stderr, "Unlinking stale socket %s\n", c.File)
				_ = os.Remove(c.File)
				time.Sleep(staleRetryDelay)
				continue
			}
			return nil, socketError(linkErr)
		}
		if c.Chown != nil {
			if err := os.Chown(c.File, c.Chown.UID, c.Chown.GID); err != nil {
				ln.Close()
				_ = os.Remove(c.File)
				if errors.Is(err, syscall.EPERM) {
					return nil, &ListenError{Msg: fmt.Sprintf(
						`Not permitted to chown %s to uid/gid (%d, %d); adjust "sockchown" value in config file or on command line to values that the current user (%s) can successfully chown`,
						c.File, c.Chown.UID, c.Chown.GID, currentUser()), Err: err}
				}
				return nil, socketError(err)
			}
		}
		return ln, nil
	}
}

// inUse is 4.2.5's checkused: something accepts a connection on path and
// answers a request with at least one byte.
func inUse(path string) bool {
	conn, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "GET / HTTP/1.0\r\n\r\n"); err != nil {
		return false
	}
	var b [1]byte
	n, _ := conn.Read(b[:])
	return n == 1
}

func currentUser() string {
	if u, err := user.LookupId(strconv.Itoa(os.Geteuid())); err == nil {
		return u.Username
	}
	return strconv.Itoa(os.Geteuid())
}
