package sandbox

import (
	"encoding/json"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// The agent protocol: one SOCK_SEQPACKET connection per command. The client
// sends a request (with its stdio fds attached), the agent answers "started"
// (with the pty master attached for terminal sessions) and later "exit". The
// client may send control messages meanwhile; closing the connection before
// the exit asks the agent to kill the command.

const maxMessage = 64 << 10

type wireRequest struct {
	Argv  []string `json:"argv"`
	User  string   `json:"user,omitempty"`
	Env   []string `json:"env,omitempty"`
	Dir   string   `json:"dir,omitempty"`
	TTY   bool     `json:"tty,omitempty"`
	Rows  uint16   `json:"rows,omitempty"`
	Cols  uint16   `json:"cols,omitempty"`
	Term  string   `json:"term,omitempty"`
	Kill  bool     `json:"kill_group,omitempty"`
	NFile int      `json:"nfile"` // fds attached: stdin, stdout, stderr (not for tty), then extras
}

type wireReply struct {
	Pid    int    `json:"pid,omitempty"`
	Exited bool   `json:"exited,omitempty"`
	Code   int    `json:"code,omitempty"`
	Signal string `json:"signal,omitempty"`
	Err    string `json:"err,omitempty"`
}

// wireControl is sent by the client while a command runs.
type wireControl struct {
	Signal int `json:"signal,omitempty"`
}

// sendMsg writes one message with fds attached.
func sendMsg(c *net.UnixConn, v any, files ...*os.File) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var oob []byte
	if len(files) > 0 {
		fds := make([]int, len(files))
		for i, f := range files {
			fds[i] = int(f.Fd())
		}
		oob = unix.UnixRights(fds...)
	}
	_, _, err = c.WriteMsgUnix(b, oob, nil)
	return err
}

// recvMsg reads one message into v and returns the fds attached to it.
func recvMsg(c *net.UnixConn, v any) ([]*os.File, error) {
	buf := make([]byte, maxMessage)
	oob := make([]byte, unix.CmsgSpace(64*4))
	n, oobn, flags, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, err
	}
	var files []*os.File
	if oobn > 0 {
		msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
		if err != nil {
			return nil, fmt.Errorf("agent protocol: %w", err)
		}
		for _, m := range msgs {
			fds, err := unix.ParseUnixRights(&m)
			if err != nil {
				continue
			}
			for _, fd := range fds {
				files = append(files, os.NewFile(uintptr(fd), "passed-fd"))
			}
		}
	}
	if flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 {
		closeAll(files)
		return nil, fmt.Errorf("agent protocol: message truncated")
	}
	if n == 0 {
		closeAll(files)
		return nil, errClosed
	}
	if err := json.Unmarshal(buf[:n], v); err != nil {
		closeAll(files)
		return nil, fmt.Errorf("agent protocol: bad message: %w", err)
	}
	return files, nil
}

var errClosed = fmt.Errorf("agent protocol: connection closed")

func closeAll(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}
