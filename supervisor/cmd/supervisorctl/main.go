// Command supervisorctl controls a supervisord, compatible with Supervisor 4.2.5.
package main

import (
	"os"

	"github.com/supervisorlab/supervisorlab/supervisor/ctl"
)

func main() {
	os.Exit(ctl.Main(os.Args[1:], os.Stdout, os.Stderr))
}
