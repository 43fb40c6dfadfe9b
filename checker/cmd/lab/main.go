// Command lab checks a student's lab work step by step, opens the student's sandbox, and helps
// instructors lint and test labs.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/supervisorlab/supervisorlab/checker/labcli"
	"github.com/supervisorlab/supervisorlab/checker/serve"
	"github.com/supervisorlab/supervisorlab/labs"
	"github.com/supervisorlab/supervisorlab/labs/machine"
	"github.com/supervisorlab/supervisorlab/sandbox"
	"github.com/supervisorlab/supervisorlab/sandbox/labtarget"
)

func main() {
	// This binary is also every sandbox's PID 1: the agent takes over here when re-executed.
	sandbox.MaybeRunInit()

	lt := labtarget.Config{DefaultLabName: "supervisor"}
	// start and test build the course machine's image from the binaries beside this one (bin/
	// after make build): our supervisor as the Debian package, in a local apt repository.
	if len(os.Args) > 1 && (os.Args[1] == "start" || os.Args[1] == "test") {
		if r, err := machine.FromExecutable(context.Background(), os.Stderr); err != nil {
			fmt.Fprintf(os.Stderr, "lab: %v; the image will lack our supervisor package\n", err)
		} else {
			lt.Recipe = r
		}
	}
	labcli.Default.DefaultLab = labs.Supervisor
	labcli.Default.DefaultLabName = "supervisor"
	labcli.Default.Sandbox = lt.Current
	labcli.Default.FreshSandbox = lt.Fresh
	labcli.Default.Extra = lt.Commands()

	serve.Default.DefaultLab = labs.Supervisor
	serve.Default.DefaultLabName = "supervisor"
	labcli.Default.Extra["serve"] = serve.Main
	os.Exit(labcli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
