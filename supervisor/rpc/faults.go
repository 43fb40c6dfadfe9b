package rpc

import (
	"errors"
	"fmt"
)

// Fault codes of Supervisor 4.2.5 (xmlrpc.py Faults). Reference §4.3.
const (
	FaultUnknownMethod        = 1
	FaultIncorrectParameters  = 2
	FaultBadArguments         = 3
	FaultSignatureUnsupported = 4
	FaultShutdownState        = 6
	FaultBadName              = 10
	FaultBadSignal            = 11
	FaultNoFile               = 20
	FaultNotExecutable        = 21
	FaultFailed               = 30
	FaultAbnormalTermination  = 40
	FaultSpawnError           = 50
	FaultAlreadyStarted       = 60
	FaultNotRunning           = 70
	FaultSuccess              = 80
	FaultAlreadyAdded         = 90
	FaultStillRunning         = 91
	FaultCantReread           = 92
)

var faultNames = map[int]string{
	FaultUnknownMethod:        "UNKNOWN_METHOD",
	FaultIncorrectParameters:  "INCORRECT_PARAMETERS",
	FaultBadArguments:         "BAD_ARGUMENTS",
	FaultSignatureUnsupported: "SIGNATURE_UNSUPPORTED",
	FaultShutdownState:        "SHUTDOWN_STATE",
	FaultBadName:              "BAD_NAME",
	FaultBadSignal:            "BAD_SIGNAL",
	FaultNoFile:               "NO_FILE",
	FaultNotExecutable:        "NOT_EXECUTABLE",
	FaultFailed:               "FAILED",
	FaultAbnormalTermination:  "ABNORMAL_TERMINATION",
	FaultSpawnError:           "SPAWN_ERROR",
	FaultAlreadyStarted:       "ALREADY_STARTED",
	FaultNotRunning:           "NOT_RUNNING",
	FaultSuccess:              "SUCCESS",
	FaultAlreadyAdded:         "ALREADY_ADDED",
	FaultStillRunning:         "STILL_RUNNING",
	FaultCantReread:           "CANT_REREAD",
}

// FaultName returns the 4.2.5 name of a fault code, or "UNKNOWN".
func FaultName(code int) string {
	if n, ok := faultNames[code]; ok {
		return n
	}
	return "UNKNOWN"
}

// Fault is an XML-RPC fault with one of the codes above. Backends return
// *Fault errors; the RPC layer sends them as faultCode/faultString.
//
// The faultString is the code's name alone when HasDetail is false, and
// "NAME: Detail" when it is true (4.2.5 distinguishes "NO_FILE" from
// "NO_FILE: " — the latter is legal, if rare).
type Fault struct {
	Code      int
	Detail    string
	HasDetail bool
}

// NewFault returns a fault with a detail ("NAME: detail").
func NewFault(code int, detail string) *Fault {
	return &Fault{Code: code, Detail: detail, HasDetail: true}
}

// NewFaultf is NewFault with a format.
func NewFaultf(code int, format string, args ...any) *Fault {
	return NewFault(code, fmt.Sprintf(format, args...))
}

// Code returns a fault without a detail ("NAME"). For the per-process
// backend calls, a detail-less fault whose code 4.2.5 reports with the
// process name (ALREADY_STARTED, NOT_RUNNING, SPAWN_ERROR, ...) gets the
// name as the client spelled it filled in by the RPC layer; see Backend.
func Code(code int) *Fault { return &Fault{Code: code} }

// String is the faultString sent on the wire.
func (f *Fault) String() string {
	if f.HasDetail {
		return FaultName(f.Code) + ": " + f.Detail
	}
	return FaultName(f.Code)
}

// Error implements error with the faultString.
func (f *Fault) Error() string { return f.String() }

// AsFault extracts a *Fault from err. Errors that are not faults become
// FAILED with the error text as detail, which is what 4.2.5 clients see
// for unexpected failures inside multicall.
func AsFault(err error) *Fault {
	if err == nil {
		return nil
	}
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	return NewFault(FaultFailed, err.Error())
}
