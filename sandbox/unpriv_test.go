package sandbox

import (
	"context"
	"os"
	"testing"
)

// TestUnprivileged runs when the tests run as a normal user with
// SBX_TEST_ROOTFS naming a readable image root: the sandbox then maps only
// the caller's uid (to root) and limits by rlimits.
func TestUnprivileged(t *testing.T) {
	rootfs := os.Getenv("SBX_TEST_ROOTFS")
	if os.Geteuid() == 0 || rootfs == "" {
		t.Skip("run as a normal user with SBX_TEST_ROOTFS=<image rootfs>")
	}
	ctx := context.Background()
	s, err := Create(ctx, "u", Options{StateRoot: testRoot(t), Rootfs: rootfs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(ctx); err != nil {
			t.Error(err)
		}
		assertGone(t, s)
	})
	if len(s.st.Cgroups) != 0 {
		t.Errorf("cgroups as a normal user: %v", s.st.Cgroups)
	}
	if out, _ := run(t, s, Root, "id -u; hostname; echo x > /tmp/x && cat /tmp/x"); out != "0\nshiyanlou\nx\n" {
		t.Errorf("got %q", out)
	}
	if _, err := Create(ctx, "h", Options{StateRoot: testRoot(t), Rootfs: HostRootfs}); err == nil {
		t.Error("host mode worked without root")
	}
}
