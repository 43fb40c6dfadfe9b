// Command supervisord runs and supervises processes, compatible with
// Supervisor 4.2.5.
package main

import (
	"os"

	"github.com/supervisorlab/supervisorlab/supervisor/daemon"
)

func main() {
	os.Exit(daemon.Main(os.Args[1:], os.Stdout, os.Stderr))
}
