package events

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Event is something a pool can be told about. Payload is the body sent
// after the header line; it is rendered lazily, once per pool delivery,
// so publishing an event nobody receives costs next to nothing.
type Event interface {
	Type() Type
	Payload() string
}

// ProcessState is a PROCESS_STATE_* event (EVT-02). From and To are
// 4.2.5 state names (STOPPED, STARTING, RUNNING, BACKOFF, STOPPING,
// EXITED, FATAL, UNKNOWN); To picks the event type.
type ProcessState struct {
	Process, Group string
	From, To       string
	PID            int  // RUNNING, STOPPING, EXITED, STOPPED
	Tries          int  // STARTING, BACKOFF: backoff count so far
	Expected       bool // EXITED
}

var stateTypes = map[string]Type{
	"STOPPED": TypeProcessStateStopped, "EXITED": TypeProcessStateExited,
	"STARTING": TypeProcessStateStarting, "STOPPING": TypeProcessStateStopping,
	"BACKOFF": TypeProcessStateBackoff, "FATAL": TypeProcessStateFatal,
	"RUNNING": TypeProcessStateRunning, "UNKNOWN": TypeProcessStateUnknown,
}

// Type returns the PROCESS_STATE_<To> type, or the abstract PROCESS_STATE
// for a state name 4.2.5 does not have (such an event reaches nobody).
func (e ProcessState) Type() Type {
	if t, ok := stateTypes[e.To]; ok {
		return t
	}
	return TypeProcessState
}

// Payload renders `processname:p groupname:g from_state:S` and the extra
// values of the target state, without a trailing newline.
func (e ProcessState) Payload() string {
	var b strings.Builder
	b.Grow(64 + len(e.Process) + len(e.Group))
	b.WriteString("processname:")
	b.WriteString(e.Process)
	b.WriteString(" groupname:")
	b.WriteString(e.Group)
	b.WriteString(" from_state:")
	b.WriteString(e.From)
	switch e.Type() {
	case TypeProcessStateStarting, TypeProcessStateBackoff:
		b.WriteString(" tries:")
		b.WriteString(strconv.Itoa(e.Tries))
	case TypeProcessStateExited:
		b.WriteString(" expected:")
		if e.Expected {
			b.WriteString("1")
		} else {
			b.WriteString("0")
		}
		b.WriteString(" pid:")
		b.WriteString(strconv.Itoa(e.PID))
	case TypeProcessStateRunning, TypeProcessStateStopping, TypeProcessStateStopped:
		b.WriteString(" pid:")
		b.WriteString(strconv.Itoa(e.PID))
	}
	return b.String()
}

// ProcessLog is a PROCESS_LOG_STDOUT or _STDERR event: one chunk of a
// child's output as read from its pipe (EVT-04). Data is owned by the event.
type ProcessLog struct {
	Process, Group string
	PID            int
	Channel        string // "stdout" or "stderr"
	Data           []byte
}

// Type returns PROCESS_LOG_STDERR for the stderr channel, else _STDOUT.
func (e ProcessLog) Type() Type {
	if e.Channel == "stderr" {
		return TypeProcessLogStderr
	}
	return TypeProcessLogStdout
}

// Payload renders the token line, a newline and the data decoded as UTF-8
// (`Undecodable: b'...'` when it is not valid UTF-8, as 4.2.5).
func (e ProcessLog) Payload() string {
	return "processname:" + e.Process + " groupname:" + e.Group + " pid:" + strconv.Itoa(e.PID) +
		" channel:" + e.Channel + "\n" + pyDecode(e.Data)
}

// ProcessCommunication is a PROCESS_COMMUNICATION_STDOUT or _STDERR event:
// what a child wrote between the capture-mode tokens (CAP-01).
type ProcessCommunication struct {
	Process, Group string
	PID            int
	Channel        string // "stdout" or "stderr"
	Data           []byte
}

// Type returns PROCESS_COMMUNICATION_STDERR for stderr, else _STDOUT.
func (e ProcessCommunication) Type() Type {
	if e.Channel == "stderr" {
		return TypeProcessCommunicationStderr
	}
	return TypeProcessCommunicationStdout
}

// Payload renders `processname:p groupname:g pid:n`, a newline and the data.
func (e ProcessCommunication) Payload() string {
	return "processname:" + e.Process + " groupname:" + e.Group + " pid:" + strconv.Itoa(e.PID) +
		"\n" + pyDecode(e.Data)
}

// RemoteCommunication is sent by supervisor.sendRemoteCommEvent(type, data).
type RemoteCommunication struct {
	Kind string // the `type` argument
	Data string
}

// Type returns REMOTE_COMMUNICATION.
func (RemoteCommunication) Type() Type { return TypeRemoteCommunication }

// Payload renders `type:<kind>`, a newline and the data.
func (e RemoteCommunication) Payload() string { return "type:" + e.Kind + "\n" + e.Data }

// SupervisorState is SUPERVISOR_STATE_CHANGE_RUNNING (Stopping false) or
// _STOPPING (Stopping true); its payload is empty.
type SupervisorState struct{ Stopping bool }

// Type returns the running or stopping type.
func (e SupervisorState) Type() Type {
	if e.Stopping {
		return TypeSupervisorStateChangeStopping
	}
	return TypeSupervisorStateChangeRunning
}

// Payload is empty.
func (SupervisorState) Payload() string { return "" }

// Tick is TICK_5, TICK_60 or TICK_3600 (EVT-03).
type Tick struct {
	Period int   // 5, 60 or 3600
	When   int64 // start of the period, seconds since the epoch
}

// Type returns the TICK_<Period> type (the abstract TICK for another period).
func (e Tick) Type() Type {
	switch e.Period {
	case 5:
		return TypeTick5
	case 60:
		return TypeTick60
	case 3600:
		return TypeTick3600
	}
	return TypeTick
}

// Payload renders `when:<epoch>`.
func (e Tick) Payload() string { return "when:" + strconv.FormatInt(e.When, 10) }

// ProcessGroup is PROCESS_GROUP_ADDED (Removed false) or _REMOVED.
type ProcessGroup struct {
	Group   string
	Removed bool
}

// Type returns the added or removed type.
func (e ProcessGroup) Type() Type {
	if e.Removed {
		return TypeProcessGroupRemoved
	}
	return TypeProcessGroupAdded
}

// Payload renders `groupname:<g>` with the trailing newline 4.2.5 sends.
func (e ProcessGroup) Payload() string { return "groupname:" + e.Group + "\n" }

// Header renders the line sent before a payload (EVL-01). len counts
// characters as Python's len(str) does, not bytes.
func Header(server string, serial int64, pool string, poolSerial int64, name Type, payload string) string {
	return fmt.Sprintf("ver:3.0 server:%s serial:%d pool:%s poolserial:%d eventname:%s len:%d\n",
		server, serial, pool, poolSerial, name, utf8.RuneCountInString(payload))
}

// pyDecode is 4.2.5's as_string with its fallback: valid UTF-8 as is,
// anything else as `Undecodable: ` and Python's repr of the bytes.
func pyDecode(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return "Undecodable: " + pyBytesRepr(b)
}

// pyBytesRepr renders b as Python 3's repr(bytes) does.
func pyBytesRepr(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var s strings.Builder
	s.Grow(len(b) + 3)
	s.WriteByte('b')
	s.WriteByte(quote)
	const hex = "0123456789abcdef"
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			s.WriteByte('\\')
			s.WriteByte(c)
		case c == '\t':
			s.WriteString(`\t`)
		case c == '\n':
			s.WriteString(`\n`)
		case c == '\r':
			s.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			s.WriteString(`\x`)
			s.WriteByte(hex[c>>4])
			s.WriteByte(hex[c&15])
		default:
			s.WriteByte(c)
		}
	}
	s.WriteByte(quote)
	return s.String()
}
