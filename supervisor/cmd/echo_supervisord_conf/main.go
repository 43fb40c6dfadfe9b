// Command echo_supervisord_conf prints a commented sample supervisord
// configuration, like Supervisor 4.2.5's command of the same name.
package main

import (
	"os"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

func main() {
	os.Exit(config.EchoMain(os.Args[1:], os.Stdout, os.Stderr))
}
