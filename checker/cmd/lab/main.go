// Command lab checks a student's lab work step by step and helps instructors lint and test labs.
package main

import (
	"os"

	"github.com/supervisorlab/supervisorlab/checker/labcli"
)

func main() {
	// INTEGRATION POINT: set labcli.Default.DefaultLab (the embedded Supervisor lab),
	// DefaultLabName, Sandbox, FreshSandbox and Extra (start, stop, reset, gc) here.
	os.Exit(labcli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
