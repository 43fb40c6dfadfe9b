package events

import "strings"

// Type is an event type of Supervisor 4.2.5 (events.py EventTypes).
// Abstract types (EVENT, PROCESS_STATE, ...) are never published; they
// exist so a pool can subscribe to a whole family (EVT-01).
type Type uint8

// Event types. The order is ours; only the names are on the wire.
const (
	TypeEvent Type = iota // EVENT, abstract root: matches everything
	TypeProcessState
	TypeProcessStateStopped
	TypeProcessStateExited
	TypeProcessStateStarting
	TypeProcessStateStopping
	TypeProcessStateBackoff
	TypeProcessStateFatal
	TypeProcessStateRunning
	TypeProcessStateUnknown
	TypeProcessCommunication
	TypeProcessCommunicationStdout
	TypeProcessCommunicationStderr
	TypeProcessLog
	TypeProcessLogStdout
	TypeProcessLogStderr
	TypeRemoteCommunication
	TypeSupervisorStateChange
	TypeSupervisorStateChangeRunning
	TypeSupervisorStateChangeStopping
	TypeTick
	TypeTick5
	TypeTick60
	TypeTick3600
	TypeProcessGroup
	TypeProcessGroupAdded
	TypeProcessGroupRemoved
	numTypes
)

type typeInfo struct {
	name     string
	parent   Type // TypeEvent for direct children; TypeEvent's own parent is itself
	abstract bool
}

var typeTable = [numTypes]typeInfo{
	TypeEvent:                         {"EVENT", TypeEvent, true},
	TypeProcessState:                  {"PROCESS_STATE", TypeEvent, true},
	TypeProcessStateStopped:           {"PROCESS_STATE_STOPPED", TypeProcessState, false},
	TypeProcessStateExited:            {"PROCESS_STATE_EXITED", TypeProcessState, false},
	TypeProcessStateStarting:          {"PROCESS_STATE_STARTING", TypeProcessState, false},
	TypeProcessStateStopping:          {"PROCESS_STATE_STOPPING", TypeProcessState, false},
	TypeProcessStateBackoff:           {"PROCESS_STATE_BACKOFF", TypeProcessState, false},
	TypeProcessStateFatal:             {"PROCESS_STATE_FATAL", TypeProcessState, false},
	TypeProcessStateRunning:           {"PROCESS_STATE_RUNNING", TypeProcessState, false},
	TypeProcessStateUnknown:           {"PROCESS_STATE_UNKNOWN", TypeProcessState, false},
	TypeProcessCommunication:          {"PROCESS_COMMUNICATION", TypeEvent, true},
	TypeProcessCommunicationStdout:    {"PROCESS_COMMUNICATION_STDOUT", TypeProcessCommunication, false},
	TypeProcessCommunicationStderr:    {"PROCESS_COMMUNICATION_STDERR", TypeProcessCommunication, false},
	TypeProcessLog:                    {"PROCESS_LOG", TypeEvent, true},
	TypeProcessLogStdout:              {"PROCESS_LOG_STDOUT", TypeProcessLog, false},
	TypeProcessLogStderr:              {"PROCESS_LOG_STDERR", TypeProcessLog, false},
	TypeRemoteCommunication:           {"REMOTE_COMMUNICATION", TypeEvent, false},
	TypeSupervisorStateChange:         {"SUPERVISOR_STATE_CHANGE", TypeEvent, true},
	TypeSupervisorStateChangeRunning:  {"SUPERVISOR_STATE_CHANGE_RUNNING", TypeSupervisorStateChange, false},
	TypeSupervisorStateChangeStopping: {"SUPERVISOR_STATE_CHANGE_STOPPING", TypeSupervisorStateChange, false},
	TypeTick:                          {"TICK", TypeEvent, true},
	TypeTick5:                         {"TICK_5", TypeTick, false},
	TypeTick60:                        {"TICK_60", TypeTick, false},
	TypeTick3600:                      {"TICK_3600", TypeTick, false},
	TypeProcessGroup:                  {"PROCESS_GROUP", TypeEvent, true},
	TypeProcessGroupAdded:             {"PROCESS_GROUP_ADDED", TypeProcessGroup, false},
	TypeProcessGroupRemoved:           {"PROCESS_GROUP_REMOVED", TypeProcessGroup, false},
}

// String returns the name used in `events=` and in the eventname header.
func (t Type) String() string {
	if t >= numTypes {
		return "Type(?)"
	}
	return typeTable[t].name
}

// Abstract reports whether t only serves subscriptions and is never
// published itself.
func (t Type) Abstract() bool { return t < numTypes && typeTable[t].abstract }

// Parent returns the type t is a subtype of; EVENT is its own parent.
func (t Type) Parent() Type {
	if t >= numTypes {
		return TypeEvent
	}
	return typeTable[t].parent
}

// Is reports whether an event of type t is delivered to a subscription
// to sub: t equals sub or descends from it (Python's isinstance).
func (t Type) Is(sub Type) bool {
	for {
		if t == sub {
			return true
		}
		if t == TypeEvent || t >= numTypes {
			return false
		}
		t = typeTable[t].parent
	}
}

// Types returns every event type, abstract ones included, in a fixed order.
func Types() []Type {
	out := make([]Type, numTypes)
	for i := range out {
		out[i] = Type(i)
	}
	return out
}

// ParseType looks up an event type by name, upper-casing it first as
// 4.2.5 does for `events=` (EVT-01).
func ParseType(name string) (Type, bool) {
	name = strings.ToUpper(strings.TrimSpace(name))
	for i := range typeTable {
		if typeTable[i].name == name {
			return Type(i), true
		}
	}
	return 0, false
}

// ParseTypes parses an `events=` list already split by the config parser.
// The error names the first unknown type in 4.2.5's words, without the
// section (the config package adds where it comes from).
func ParseTypes(names []string) ([]Type, error) {
	out := make([]Type, 0, len(names))
	for _, n := range names {
		t, ok := ParseType(n)
		if !ok {
			return nil, &UnknownTypeError{Name: n}
		}
		out = append(out, t)
	}
	return out, nil
}

// UnknownTypeError is returned by ParseTypes for a name that is no event type.
type UnknownTypeError struct{ Name string }

func (e *UnknownTypeError) Error() string { return "Unknown event type " + e.Name }

// typeMask is a set of concrete types, one bit each.
type typeMask uint64

// maskFor returns the concrete types a subscription to sub receives.
func maskFor(sub Type) typeMask {
	var m typeMask
	for t := Type(0); t < numTypes; t++ {
		if !t.Abstract() && t.Is(sub) {
			m |= 1 << t
		}
	}
	return m
}

func (m typeMask) has(t Type) bool { return t < numTypes && m&(1<<t) != 0 }
