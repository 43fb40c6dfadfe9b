package rpc_test

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

func TestDescribe(t *testing.T) { // DESC-01..04
	utc := time.UTC
	now := time.Date(2026, 11, 24, 11, 50, 30, 0, utc)
	at := func(d time.Duration) time.Time { return now.Add(-d) }
	tests := []struct {
		name string
		p    rpc.ProcessInfo
		want string
	}{
		{"running", rpc.ProcessInfo{State: rpc.StateRunning, PID: 42, Start: at(5 * time.Second)}, "pid 42, uptime 0:00:05"},
		{"running a day", rpc.ProcessInfo{State: rpc.StateRunning, PID: 1, Start: at(26*time.Hour + 3*time.Minute + 4*time.Second)}, "pid 1, uptime 1 day, 2:03:04"},
		{"running days", rpc.ProcessInfo{State: rpc.StateRunning, PID: 1, Start: at(5*24*time.Hour + 7*time.Hour + 18*time.Minute + 14*time.Second)}, "pid 1, uptime 5 days, 7:18:14"},
		{"clock went back", rpc.ProcessInfo{State: rpc.StateRunning, PID: 1, Start: now.Add(time.Hour)}, "pid 1, uptime 0:00:00"},
		{"fatal with spawnerr", rpc.ProcessInfo{Name: "x", State: rpc.StateFatal, SpawnErr: "can't find command 'x'"}, "can't find command 'x'"},
		{"backoff without spawnerr", rpc.ProcessInfo{Name: "x", State: rpc.StateBackoff}, `unknown error (try "tail x")`},
		{"stopped never started", rpc.ProcessInfo{State: rpc.StateStopped}, "Not started"},
		{"exited", rpc.ProcessInfo{State: rpc.StateExited, Start: at(time.Hour), Stop: time.Date(2026, 11, 4, 13, 5, 0, 0, utc)}, "Nov 04 01:05 PM"},
		{"stopped from backoff, no stop time", rpc.ProcessInfo{State: rpc.StateStopped, Start: at(time.Hour)}, "Jan 01 12:00 AM"},
		{"starting", rpc.ProcessInfo{State: rpc.StateStarting}, ""},
		{"stopping", rpc.ProcessInfo{State: rpc.StateStopping}, ""},
		{"unknown", rpc.ProcessInfo{State: rpc.StateUnknown}, ""},
	}
	for _, tt := range tests {
		if got := rpc.Describe(tt.p, now); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestParseSignal(t *testing.T) { // RPC-16, signal_number
	tests := []struct {
		in   any
		want syscall.Signal
		ok   bool
	}{
		{"HUP", syscall.SIGHUP, true},
		{"sighup", syscall.SIGHUP, true},
		{" term ", syscall.SIGTERM, true},
		{"9", syscall.SIGKILL, true},
		{int64(15), syscall.SIGTERM, true},
		{"RTMIN", 34, true},
		{"IOT", syscall.SIGABRT, true},
		{"0", 0, true}, // SIG_DFL's number counts in 4.2.5
		{"35", 0, false},
		{"FOO", 0, false},
		{"", 0, false},
		{int64(65), 0, false},
		{[]any{}, 0, false},
	}
	for _, tt := range tests {
		got, ok := rpc.ParseSignal(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseSignal(%#v) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFaultStrings(t *testing.T) { // §4.3
	tests := []struct {
		f    *rpc.Fault
		want string
	}{
		{rpc.Code(rpc.FaultUnknownMethod), "UNKNOWN_METHOD"},
		{rpc.NewFault(rpc.FaultBadName, "grp:bogus"), "BAD_NAME: grp:bogus"},
		{rpc.NewFault(rpc.FaultNoFile, ""), "NO_FILE: "},
		{rpc.NewFaultf(rpc.FaultCantReread, "bad %s", "x"), "CANT_REREAD: bad x"},
		{rpc.Code(999), "UNKNOWN"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.f, got, tt.want)
		}
	}
	wrapped := fmt.Errorf("ctx: %w", rpc.Code(rpc.FaultNotRunning))
	if f := rpc.AsFault(wrapped); f.Code != rpc.FaultNotRunning {
		t.Errorf("AsFault through a wrap: %v", f)
	}
	if f := rpc.AsFault(errors.New("disk on fire")); f.String() != "FAILED: disk on fire" {
		t.Errorf("plain error: %v", f)
	}
	if rpc.AsFault(nil) != nil {
		t.Error("AsFault(nil) != nil")
	}
}
