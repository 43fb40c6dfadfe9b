// Command supervisord runs and supervises processes, compatible with
// Supervisor 4.2.5.
package main

import (
	"os"

	"github.com/supervisorlab/supervisorlab/supervisor/daemon"
	_ "github.com/supervisorlab/supervisorlab/supervisor/web/webext" // web UI and /metrics
)

func main() {
	os.Exit(daemon.Main(os.Args[1:], os.Stdout, os.Stderr))
}
