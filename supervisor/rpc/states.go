package rpc

// ProcessState is a process state with 4.2.5's numeric codes (states.py).
type ProcessState int

// Process states. Reference §3.1.
const (
	StateStopped  ProcessState = 0
	StateStarting ProcessState = 10
	StateRunning  ProcessState = 20
	StateBackoff  ProcessState = 30
	StateStopping ProcessState = 40
	StateExited   ProcessState = 100
	StateFatal    ProcessState = 200
	StateUnknown  ProcessState = 1000
)

// String returns the state name used on the wire (statename).
func (s ProcessState) String() string {
	switch s {
	case StateStopped:
		return "STOPPED"
	case StateStarting:
		return "STARTING"
	case StateRunning:
		return "RUNNING"
	case StateBackoff:
		return "BACKOFF"
	case StateStopping:
		return "STOPPING"
	case StateExited:
		return "EXITED"
	case StateFatal:
		return "FATAL"
	case StateUnknown:
		return "UNKNOWN"
	}
	return ""
}

// Running reports membership of RUNNING_STATES (RUNNING, BACKOFF, STARTING).
func (s ProcessState) Running() bool {
	return s == StateRunning || s == StateBackoff || s == StateStarting
}

// Stopped reports membership of STOPPED_STATES (STOPPED, EXITED, FATAL, UNKNOWN).
func (s ProcessState) Stopped() bool {
	return s == StateStopped || s == StateExited || s == StateFatal || s == StateUnknown
}

// Signallable reports membership of SIGNALLABLE_STATES (RUNNING, STARTING, STOPPING).
func (s ProcessState) Signallable() bool {
	return s == StateRunning || s == StateStarting || s == StateStopping
}

// SupervisorState is supervisord's "mood" (states.py SupervisorStates).
type SupervisorState int

// Supervisor states.
const (
	SupervisorFatal      SupervisorState = 2
	SupervisorRunning    SupervisorState = 1
	SupervisorRestarting SupervisorState = 0
	SupervisorShutdown   SupervisorState = -1
)

// String returns the statename of getState.
func (s SupervisorState) String() string {
	switch s {
	case SupervisorFatal:
		return "FATAL"
	case SupervisorRunning:
		return "RUNNING"
	case SupervisorRestarting:
		return "RESTARTING"
	case SupervisorShutdown:
		return "SHUTDOWN"
	}
	return ""
}
