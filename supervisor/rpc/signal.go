package rpc

import (
	"strings"
	"syscall"
)

// pySignals are the names Python's signal module defines on Linux, which
// is what 4.2.5's signal_number accepts (including aliases and the
// SIG_DFL-style constants, whose numbers therefore count as valid).
var pySignals = map[string]int{
	"SIGABRT": 6, "SIGALRM": 14, "SIGBUS": 7, "SIGCHLD": 17, "SIGCLD": 17,
	"SIGCONT": 18, "SIGFPE": 8, "SIGHUP": 1, "SIGILL": 4, "SIGINT": 2,
	"SIGIO": 29, "SIGIOT": 6, "SIGKILL": 9, "SIGPIPE": 13, "SIGPOLL": 29,
	"SIGPROF": 27, "SIGPWR": 30, "SIGQUIT": 3, "SIGRTMAX": 64, "SIGRTMIN": 34,
	"SIGSEGV": 11, "SIGSTKFLT": 16, "SIGSTOP": 19, "SIGSYS": 31, "SIGTERM": 15,
	"SIGTRAP": 5, "SIGTSTP": 20, "SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23,
	"SIGUSR1": 10, "SIGUSR2": 12, "SIGVTALRM": 26, "SIGWINCH": 28,
	"SIGXCPU": 24, "SIGXFSZ": 25,
	"SIG_BLOCK": 0, "SIG_DFL": 0, "SIG_IGN": 1, "SIG_SETMASK": 2, "SIG_UNBLOCK": 1,
}

var pySignalNumbers = func() map[int]bool {
	m := map[int]bool{}
	for _, n := range pySignals {
		m[n] = true
	}
	return m
}()

// ParseSignal converts a signal given as a name ("HUP", "sighup") or a
// number (9, "9") the way 4.2.5's signal_number does. ok is false for
// anything it would reject (BAD_SIGNAL).
func ParseSignal(v any) (syscall.Signal, bool) {
	if n, ok := toInt(v); ok {
		if !pySignalNumbers[int(n)] || n != int64(int(n)) {
			return 0, false
		}
		return syscall.Signal(n), true
	}
	s, isString := v.(string)
	if !isString {
		return 0, false
	}
	name := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	n, ok := pySignals[name]
	if !ok {
		return 0, false
	}
	return syscall.Signal(n), true
}
