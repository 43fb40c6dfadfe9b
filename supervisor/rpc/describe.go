package rpc

import (
	"fmt"
	"time"
)

// Describe returns the description 4.2.5 shows for a process in
// getProcessInfo, supervisorctl status and the web UI (reference §3.6).
// now is the caller's clock; stop times are shown in now's location.
func Describe(p ProcessInfo, now time.Time) string {
	switch p.State {
	case StateRunning:
		up := now.Unix() - p.Start.Unix()
		if up < 0 || p.Start.IsZero() {
			up = 0
		}
		return fmt.Sprintf("pid %d, uptime %s", p.PID, pyTimedelta(up))
	case StateFatal, StateBackoff:
		if p.SpawnErr != "" {
			return p.SpawnErr
		}
		return fmt.Sprintf("unknown error (try \"tail %s\")", p.Name)
	case StateStopped, StateExited:
		if p.Start.IsZero() {
			return "Not started"
		}
		stop := p.Stop
		if stop.IsZero() {
			stop = time.Unix(0, 0)
		}
		return stop.In(now.Location()).Format("Jan 02 03:04 PM")
	}
	return ""
}

// pyTimedelta formats whole seconds as Python's str(timedelta):
// "0:00:05", "1 day, 2:03:04", "5 days, 7:18:14".
func pyTimedelta(secs int64) string {
	days := secs / 86400
	rest := secs % 86400
	hms := fmt.Sprintf("%d:%02d:%02d", rest/3600, rest%3600/60, rest%60)
	switch days {
	case 0:
		return hms
	case 1:
		return "1 day, " + hms
	}
	return fmt.Sprintf("%d days, %s", days, hms)
}
