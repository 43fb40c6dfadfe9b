package sandbox

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	MaybeRunInit()
	if root := os.Getenv("SBX_TEST_CONTROLLER"); root != "" {
		os.Exit(controllerHelper(root))
	}
	os.Exit(m.Run())
}

// controllerHelper plays a `lab start` that gets SIGKILLed: it creates a
// sandbox, says so, and waits to be killed.
func controllerHelper(root string) int {
	s, err := Create(context.Background(), "crash", Options{StateRoot: root, Rootfs: HostRootfs})
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("ready", s.Pid())
	select {}
}
