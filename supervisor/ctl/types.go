package ctl

// ProcessInfo is the struct getProcessInfo/getAllProcessInfo return.
type ProcessInfo struct {
	Name          string `xmlrpc:"name"`
	Group         string `xmlrpc:"group"`
	Start         int    `xmlrpc:"start"`
	Stop          int    `xmlrpc:"stop"`
	Now           int    `xmlrpc:"now"`
	State         int    `xmlrpc:"state"`
	StateName     string `xmlrpc:"statename"`
	SpawnErr      string `xmlrpc:"spawnerr"`
	ExitStatus    int    `xmlrpc:"exitstatus"`
	Logfile       string `xmlrpc:"logfile"`
	StdoutLogfile string `xmlrpc:"stdout_logfile"`
	StderrLogfile string `xmlrpc:"stderr_logfile"`
	Pid           int    `xmlrpc:"pid"`
	Description   string `xmlrpc:"description"`
}

// Result is one entry of the arrays the group/all variants return.
type Result struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	Status      int    `xmlrpc:"status"`
	Description string `xmlrpc:"description"`
}

// ConfigInfo is the part of getAllConfigInfo's structs `avail` shows.
type ConfigInfo struct {
	Name        string `xmlrpc:"name"`
	Group       string `xmlrpc:"group"`
	InUse       bool   `xmlrpc:"inuse"`
	Autostart   bool   `xmlrpc:"autostart"`
	GroupPrio   int    `xmlrpc:"group_prio"`
	ProcessPrio int    `xmlrpc:"process_prio"`
}

// Process states (states.py) that count as stopped for `status`.
const (
	stateStopped = 0
	stateRunning = 20
	stateExited  = 100
	stateFatal   = 200
	stateUnknown = 1000
)

func isStoppedState(s int) bool {
	return s == stateStopped || s == stateExited || s == stateFatal || s == stateUnknown
}

// makeNamespec is 4.2.5's make_namespec.
func makeNamespec(group, name string) string {
	if group == name {
		return name
	}
	return group + ":" + name
}

// splitNamespec is 4.2.5's split_namespec; hasProc is false for `g:` and `g:*`.
func splitNamespec(spec string) (group, name string, hasProc bool) {
	g, p, ok := cutColon(spec)
	if !ok {
		return spec, spec, true
	}
	if p == "" || p == "*" {
		return g, "", false
	}
	return g, p, true
}

func cutColon(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// pyNamespec renders make_namespec for a group/process split that may have
// no process (Python's None prints as "None").
func pyNamespec(group, name string, hasProc bool) string {
	if !hasProc {
		name = "None"
	}
	return makeNamespec(group, name)
}
