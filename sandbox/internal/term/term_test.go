package term

import (
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

func TestRawRoundTrip(t *testing.T) {
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer master.Close()
	defer tty.Close()
	fd := int(tty.Fd())
	if !IsTerminal(fd) {
		t.Fatal("pty slave is not a terminal")
	}
	before, err := GetState(fd)
	if err != nil {
		t.Fatal(err)
	}
	old, err := MakeRaw(fd)
	if err != nil {
		t.Fatal(err)
	}
	if !Equal(old, before) {
		t.Error("MakeRaw returned a state other than the previous one")
	}
	raw, _ := unix.IoctlGetTermios(fd, unix.TCGETS)
	if raw.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 || raw.Iflag&unix.ICRNL != 0 || raw.Oflag&unix.OPOST != 0 {
		t.Errorf("not raw: %+v", raw)
	}
	if err := Restore(fd, old); err != nil {
		t.Fatal(err)
	}
	after, _ := GetState(fd)
	if !Equal(after, before) {
		t.Error("Restore did not bring the settings back")
	}
	if IsTerminal(int(^uint(0) >> 1)) {
		t.Error("a bad fd is a terminal")
	}
}
