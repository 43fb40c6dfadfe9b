package daemon

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// openFCGISocket creates, binds and listens on an [fcgi-program:x] socket
// (CFG-FCGI-03): "tcp://host:port" (IPv4, SO_REUSEADDR) or
// "unix:///path" (an existing file is replaced; socket_owner and
// socket_mode applied). Its children get it as fd 0.
func openFCGISocket(g *config.Group) (*os.File, error) {
	backlog := g.SocketBackLog
	if backlog <= 0 {
		backlog = syscall.SOMAXCONN
	}
	var fd int
	var err error
	switch {
	case strings.HasPrefix(g.Socket, "tcp://"):
		host, port, _ := strings.Cut(strings.TrimPrefix(g.Socket, "tcp://"), ":")
		p, _ := strconv.Atoi(port)
		ip := net.ParseIP(host)
		if ip == nil {
			addrs, lerr := net.LookupIP(host)
			if lerr != nil || len(addrs) == 0 {
				return nil, fmt.Errorf("cannot resolve %s", host)
			}
			ip = addrs[0]
		}
		ip4 := ip.To4()
		if ip4 == nil {
			return nil, fmt.Errorf("%s is not an IPv4 address", host)
		}
		if fd, err = syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
			return nil, err
		}
		sa := &syscall.SockaddrInet4{Port: p}
		copy(sa.Addr[:], ip4)
		if err = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err == nil {
			err = syscall.Bind(fd, sa)
		}
	case strings.HasPrefix(g.Socket, "unix://"):
		path := strings.TrimPrefix(g.Socket, "unix://")
		if _, serr := os.Lstat(path); serr == nil {
			os.Remove(path)
		}
		if fd, err = syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0); err != nil {
			return nil, err
		}
		if err = syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err == nil {
			if o := g.SocketOwner; o != nil {
				err = os.Chown(path, o.UID, o.GID)
			}
			if err == nil && g.SocketMode != 0 {
				err = os.Chmod(path, g.SocketMode)
			}
			if err != nil {
				os.Remove(path)
			}
		}
	default:
		return nil, fmt.Errorf("bad socket %q", g.Socket)
	}
	if err == nil {
		err = syscall.Listen(fd, backlog)
	}
	if err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), g.Socket), nil
}
