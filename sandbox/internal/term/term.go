// Package term puts a terminal into raw mode and back, with termios ioctls
// (golang.org/x/term is not among the module's dependencies).
package term

import (
	"golang.org/x/sys/unix"
)

// State is a terminal's saved settings.
type State struct{ t unix.Termios }

// IsTerminal reports whether fd is a terminal.
func IsTerminal(fd int) bool {
	_, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	return err == nil
}

// GetState returns fd's current settings.
func GetState(fd int) (*State, error) {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	return &State{*t}, nil
}

// MakeRaw switches fd to raw mode, as cfmakeraw(3) does, and returns the
// previous settings for Restore. Keys like Ctrl-C then reach the program on
// the other side of the session instead of signalling us.
func MakeRaw(fd int) (*State, error) {
	old, err := GetState(fd)
	if err != nil {
		return nil, err
	}
	t := old.t
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &t); err != nil {
		return nil, err
	}
	return old, nil
}

// Restore puts back settings saved by MakeRaw or GetState.
func Restore(fd int, s *State) error {
	return unix.IoctlSetTermios(fd, unix.TCSETS, &s.t)
}

// Equal reports whether two saved states hold the same settings.
func Equal(a, b *State) bool { return a.t == b.t }
