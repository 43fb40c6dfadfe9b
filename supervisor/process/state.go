package process

// State is a process state with 4.2.5's numeric codes (states.py).
type State int

// Process states (reference §3.1).
const (
	Stopped  State = 0
	Starting State = 10
	Running  State = 20
	Backoff  State = 30
	Stopping State = 40
	Exited   State = 100
	Fatal    State = 200
	Unknown  State = 1000
)

var stateNames = map[State]string{
	Stopped: "STOPPED", Starting: "STARTING", Running: "RUNNING", Backoff: "BACKOFF",
	Stopping: "STOPPING", Exited: "EXITED", Fatal: "FATAL", Unknown: "UNKNOWN",
}

// String returns the upper-case state name.
func (s State) String() string { return stateNames[s] }

// IsStopped reports membership of STOPPED_STATES.
func (s State) IsStopped() bool { return s == Stopped || s == Exited || s == Fatal || s == Unknown }

// IsRunning reports membership of RUNNING_STATES.
func (s State) IsRunning() bool { return s == Running || s == Backoff || s == Starting }

// IsSignallable reports membership of SIGNALLABLE_STATES.
func (s State) IsSignallable() bool { return s == Running || s == Starting || s == Stopping }

// Event is one state change, with what PROCESS_STATE_* events carry.
type Event struct {
	Process  *Process
	Name     string
	Group    string
	From, To State
	PID      int  // the pid for RUNNING, STOPPING, EXITED, STOPPED
	Tries    int  // the backoff count for STARTING and BACKOFF
	Expected bool // for EXITED
}
