package sandbox

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Security tests: from inside, root must not reach the host.
func TestSecurity(t *testing.T) {
	s := newSandbox(t, Options{})
	hostDir, err := os.MkdirTemp("/var/tmp", "sbxhost")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(hostDir) })
	hostFile := filepath.Join(hostDir, "f")
	os.WriteFile(hostFile, []byte("host\n"), 0o644)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HOST-LISTENER\n"))
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port

	tests := []struct {
		name, script, want string
	}{
		{"sees only its own processes", "ls /proc | grep -c '^[0-9]' | awk '{print ($1 < 10) ? \"few\" : $1}'", "few\n"},
		{"host pid invisible", fmt.Sprintf("test -e /proc/%d/cmdline && grep -c sbx /proc/%d/cmdline || echo absent", os.Getpid(), os.Getpid()), "absent\n"},
		{"writes stay in the upper layer", fmt.Sprintf("echo sandbox > %s && cat %s && rm -rf /etc /home && echo removed", hostFile, hostFile), "sandbox\nremoved\n"},
		{"host loopback unreachable", fmt.Sprintf("timeout 5 bash -c 'cat < /dev/tcp/127.0.0.1/%d' 2>/dev/null || echo refused", port), "refused\n"},
		// This kernel may lack module support (ENOSYS), so the capability
		// is checked too: CAP_SYS_MODULE is bit 16 of CapEff.
		{"no module loading", `python3 -c '
import ctypes
l = ctypes.CDLL(None, use_errno=True)
r = l.init_module(None, 0, b"")
eff = int([x for x in open("/proc/self/status") if x.startswith("CapEff")][0].split()[1], 16)
print("refused" if r != 0 and not (eff >> 16) & 1 else "CAN LOAD")'`, "refused\n"},
		{"no CAP_SYS_ADMIN", `python3 -c '
eff = int([x for x in open("/proc/self/status") if x.startswith("CapEff")][0].split()[1], 16)
print("HAS" if (eff >> 21) & 1 else "none")'`, "none\n"},
		{"no device nodes", "mknod /tmp/vda b 254 0 2>/dev/null || echo denied", "denied\n"},
		{"no mounting", "mount -t tmpfs x /mnt 2>/dev/null || echo denied", "denied\n"},
		{"root stays read-only below", "mount -o remount,rw /sys 2>/dev/null || echo denied", "denied\n"},
		{"lower layer not reachable", fmt.Sprintf("ls %s 2>/dev/null || echo hidden", filepath.Join(s.Dir(), "lower")), "hidden\n"},
		{"no host network devices", "ls /sys/class/net | tr '\\n' ' '", "lo "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _ := run(t, s, Root, tt.script)
			if out != tt.want {
				t.Errorf("got %q, want %q", out, tt.want)
			}
		})
	}
	if b, _ := os.ReadFile(hostFile); string(b) != "host\n" {
		t.Errorf("host file changed: %q", b)
	}
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Errorf("host /etc damaged: %v", err)
	}
	// The probes can fail: the same listener is reachable from the host.
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 32)
	n, _ := c.Read(b)
	c.Close()
	if !strings.HasPrefix(string(b[:n]), "HOST-LISTENER") {
		t.Fatalf("host listener broken: %q", b[:n])
	}
}
