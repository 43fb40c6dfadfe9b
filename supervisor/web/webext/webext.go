// Package webext plugs the web UI and /metrics of package ui into
// supervisord: importing it (for its init) registers a daemon extension
// that attaches the pages to every generation's HTTP listeners and counts
// process spawns for /metrics.
package webext

import (
	"github.com/supervisorlab/supervisorlab/supervisor/daemon"
	"github.com/supervisorlab/supervisorlab/supervisor/process"
	"github.com/supervisorlab/supervisorlab/supervisor/web"
	"github.com/supervisorlab/supervisorlab/supervisor/web/ui"
)

func init() {
	daemon.Register(daemon.Extension{Name: "web UI", Attach: Attach})
}

// Attach registers the UI on servers for s (also usable without init).
func Attach(s *daemon.Supervisor, servers *web.Server) (func(), error) {
	u := ui.Register(servers, s)
	s.OnProcessEvent(func(ev process.Event) {
		if ev.To == process.Starting {
			u.CountStart(ev.Group, ev.Name)
		}
	})
	return nil, nil
}
