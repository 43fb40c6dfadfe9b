package sandbox

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestMain(m *testing.M) {
	MaybeRunInit()
	if filepath.Base(os.Args[0]) == "kubectl" {
		os.Exit(fakeKubectl(os.Args[1:]))
	}
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
