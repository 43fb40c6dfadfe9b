// Command pidproxy runs a command that daemonizes itself and forwards
// signals to the pid in its pidfile, compatible with Supervisor 4.2.5's
// pidproxy (reference §1.5).
package main

import (
	"os"

	"github.com/supervisorlab/supervisorlab/supervisor/cmd/pidproxy/internal/pidproxy"
)

func main() {
	os.Exit(pidproxy.Main(os.Args, os.Stdout, os.Stderr))
}
