package ui

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// allStates are the process states in code order, for the per-state
// series (so a state with no process still reports 0).
var allStates = []rpc.ProcessState{
	rpc.StateStopped, rpc.StateStarting, rpc.StateRunning, rpc.StateBackoff,
	rpc.StateStopping, rpc.StateExited, rpc.StateFatal, rpc.StateUnknown,
}

// metrics writes the Prometheus text exposition format (version 0.0.4)
// by hand: a handful of gauges and counters do not justify a client
// library.
func (u *UI) metrics(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		rpc.WriteHTTPError(w, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	u.WriteMetrics(w)
}

// WriteMetrics writes the current metrics in Prometheus text format.
func (u *UI) WriteMetrics(w io.Writer) {
	now := u.Now()
	var infos []rpc.ProcessInfo
	for _, g := range u.backend.Groups() {
		for _, n := range g.Processes {
			if p, err := u.backend.ProcessInfo(g.Name, n); err == nil {
				infos = append(infos, p)
			}
		}
	}
	sort.Slice(infos, func(i, j int) bool {
		if infos[i].Group != infos[j].Group {
			return infos[i].Group < infos[j].Group
		}
		return infos[i].Name < infos[j].Name
	})
	m := &metricWriter{w: w}

	m.family("supervisor_up", "gauge", "1 while supervisord is RUNNING (not shutting down or restarting).")
	up := 0.0
	if u.backend.State() == rpc.SupervisorRunning {
		up = 1
	}
	m.sample("supervisor_up", nil, up)
	m.family("supervisor_state", "gauge", "supervisord's state code as getState reports it (2 FATAL, 1 RUNNING, 0 RESTARTING, -1 SHUTDOWN).")
	m.sample("supervisor_state", nil, float64(u.backend.State()))
	m.family("supervisor_uptime_seconds", "gauge", "Seconds since this supervisord generation started serving.")
	m.sample("supervisor_uptime_seconds", nil, now.Sub(u.started).Seconds())
	m.family("supervisor_pid", "gauge", "Process id of supervisord.")
	m.sample("supervisor_pid", nil, float64(u.backend.PID()))
	m.family("supervisor_rpc_requests_total", "counter", "XML-RPC requests received on /RPC2.")
	m.sample("supervisor_rpc_requests_total", nil, float64(u.rpcReqs()))

	byState := map[rpc.ProcessState]int{}
	for _, p := range infos {
		byState[p.State]++
	}
	m.family("supervisor_processes", "gauge", "Number of processes in each state.")
	for _, s := range allStates {
		m.sample("supervisor_processes", []string{"state", s.String()}, float64(byState[s]))
	}

	lbl := func(p rpc.ProcessInfo) []string { return []string{"group", p.Group, "name", p.Name} }
	m.family("supervisor_process_state", "gauge", "Process state code (0 STOPPED, 10 STARTING, 20 RUNNING, 30 BACKOFF, 40 STOPPING, 100 EXITED, 200 FATAL, 1000 UNKNOWN).")
	for _, p := range infos {
		m.sample("supervisor_process_state", lbl(p), float64(p.State))
	}
	m.family("supervisor_process_running", "gauge", "1 when the process is RUNNING.")
	for _, p := range infos {
		v := 0.0
		if p.State == rpc.StateRunning {
			v = 1
		}
		m.sample("supervisor_process_running", lbl(p), v)
	}
	m.family("supervisor_process_uptime_seconds", "gauge", "Seconds since the process started; 0 unless RUNNING.")
	for _, p := range infos {
		v := 0.0
		if p.State == rpc.StateRunning && !p.Start.IsZero() {
			v = max(now.Sub(p.Start).Seconds(), 0)
		}
		m.sample("supervisor_process_uptime_seconds", lbl(p), v)
	}
	m.family("supervisor_process_start_time_seconds", "gauge", "Unix time of the last start; 0 if never started.")
	for _, p := range infos {
		v := 0.0
		if !p.Start.IsZero() {
			v = float64(p.Start.UnixNano()) / 1e9
		}
		m.sample("supervisor_process_start_time_seconds", lbl(p), v)
	}
	m.family("supervisor_process_exit_status", "gauge", "Last exit status (-1 when killed by a signal, 0 before any exit).")
	for _, p := range infos {
		m.sample("supervisor_process_exit_status", lbl(p), float64(p.ExitStatus))
	}
	m.family("supervisor_process_pid", "gauge", "Process id; 0 when not running.")
	for _, p := range infos {
		m.sample("supervisor_process_pid", lbl(p), float64(p.PID))
	}
	u.mu.Lock()
	counts := u.counts
	starts := make(map[string]uint64, len(u.starts))
	for k, v := range u.starts {
		starts[k] = v
	}
	u.mu.Unlock()
	if counts {
		m.family("supervisor_process_starts_total", "counter", "Spawn attempts (transitions to STARTING) since supervisord started.")
		for _, p := range infos {
			m.sample("supervisor_process_starts_total", lbl(p), float64(starts[namespec(p.Group, p.Name)]))
		}
	}
}

type metricWriter struct{ w io.Writer }

func (m *metricWriter) family(name, typ, help string) {
	fmt.Fprintf(m.w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

// sample writes one line; labels are name/value pairs.
func (m *metricWriter) sample(name string, labels []string, v float64) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(escapeLabel(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	b.WriteByte('\n')
	_, _ = io.WriteString(m.w, b.String())
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
var helpEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
