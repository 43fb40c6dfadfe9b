package ctl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// faultOf returns the fault inside err, or nil.
func faultOf(err error) *Fault {
	var f *Fault
	if errors.As(err, &f) {
		return f
	}
	return nil
}

func unknownResult(code int, name string, line int) error {
	return &pyError{Class: "ValueError", Text: fmt.Sprintf("Unknown result code %d for %s", code, name), File: pyCtlFile, Line: line}
}

// statusLines formats process infos as `status` does (CTL-STATUS-01).
func statusLines(infos []ProcessInfo) []string {
	width := 30
	specs := make([]string, len(infos))
	for i, info := range infos {
		specs[i] = makeNamespec(info.Group, info.Name)
		if n := len([]rune(specs[i])); n > width {
			width = n
		}
	}
	lines := make([]string, len(infos))
	for i, info := range infos {
		lines[i] = padRight(specs[i], width+3) + padRight(info.StateName, 10) + info.Description
	}
	return lines
}

// padRight is Python's %-Ns: pad with spaces to n characters.
func padRight(s string, n int) string {
	if k := len([]rune(s)); k < n {
		return s + strings.Repeat(" ", n-k)
	}
	return s
}

func cmdStatus(c *Controller, arg string) (bool, error) {
	ok, err := c.upcheck()
	if err != nil {
		return false, err
	}
	if !ok {
		// status reports LSB "unknown" whatever upcheck decided.
		c.exitStatus = statusUnknown
		return false, nil
	}
	var all []ProcessInfo
	if err := c.call("supervisor.getAllProcessInfo", &all); err != nil {
		return false, err
	}
	names := strings.Fields(arg)
	matching := all
	if len(names) > 0 && !contains(names, "all") {
		matching = nil
		for _, name := range names {
			group, proc, hasProc := splitNamespec(name)
			bad := true
			for _, info := range all {
				if info.Group == group && (!hasProc || info.Name == proc) {
					bad = false
					matching = append(matching, info)
				}
			}
			if bad {
				if !hasProc {
					c.output(group + ": ERROR (no such group)")
				} else {
					c.output(name + ": ERROR (no such process)")
				}
				c.exitStatus = statusUnknown
			}
		}
	}
	for _, l := range statusLines(matching) {
		c.output(l)
	}
	for _, info := range matching {
		if isStoppedState(info.State) {
			c.exitStatus = statusNotRunning
		}
	}
	return false, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func cmdPid(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	names := strings.Fields(arg)
	switch {
	case len(names) == 0:
		var pid int
		if err := c.call("supervisor.getPID", &pid); err != nil {
			return false, err
		}
		c.output(strconv.Itoa(pid))
	case contains(names, "all"):
		var all []ProcessInfo
		if err := c.call("supervisor.getAllProcessInfo", &all); err != nil {
			return false, err
		}
		for _, info := range all {
			c.output(strconv.Itoa(info.Pid))
		}
	default:
		for _, name := range names {
			var info ProcessInfo
			if err := c.call("supervisor.getProcessInfo", &info, name); err != nil {
				c.exitStatus = exitGeneric
				if f := faultOf(err); f != nil && f.Code == faultBadName {
					c.output("No such process " + name)
					continue
				}
				return false, err
			}
			c.output(strconv.Itoa(info.Pid))
			if info.Pid == 0 {
				c.exitStatus = exitNotRunning
			}
		}
	}
	return false, nil
}

func startResult(r Result) (string, error) {
	name := makeNamespec(r.Group, r.Name)
	switch r.Status {
	case faultBadName:
		return name + ": ERROR (no such process)", nil
	case faultNoFile:
		return name + ": ERROR (no such file)", nil
	case faultNotExecutable:
		return name + ": ERROR (file is not executable)", nil
	case faultAlreadyStart:
		return name + ": ERROR (already started)", nil
	case faultSpawnError:
		return name + ": ERROR (spawn error)", nil
	case faultAbnormal:
		return name + ": ERROR (abnormal termination)", nil
	case faultSuccess:
		return name + ": started", nil
	}
	return "", unknownResult(r.Status, name, 761)
}

// showResults prints group/all results with format and folds their codes
// into the exit status.
func (c *Controller) showResults(results []Result, format func(Result) (string, error), ignored int) error {
	for _, r := range results {
		line, err := format(r)
		if err != nil {
			return err
		}
		c.output(line)
		c.setExitFromFault(r.Status, ignored)
	}
	return nil
}

func cmdStart(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	names := strings.Fields(arg)
	if len(names) == 0 {
		c.output("Error: start requires a process name")
		c.exitStatus = exitInvalidArgs
		c.help("start")
		return false, nil
	}
	if contains(names, "all") {
		var results []Result
		if err := c.call("supervisor.startAllProcesses", &results); err != nil {
			return false, err
		}
		return false, c.showResults(results, startResult, faultAlreadyStart)
	}
	for _, name := range names {
		group, proc, hasProc := splitNamespec(name)
		if !hasProc {
			var results []Result
			if err := c.call("supervisor.startProcessGroup", &results, group); err != nil {
				if f := faultOf(err); f != nil && f.Code == faultBadName {
					c.output(group + ": ERROR (no such group)")
					c.exitStatus = exitInvalidArgs
					continue
				}
				c.exitStatus = exitGeneric
				return false, err
			}
			if err := c.showResults(results, startResult, faultAlreadyStart); err != nil {
				return false, err
			}
			continue
		}
		if err := c.call("supervisor.startProcess", nil, name); err != nil {
			f := faultOf(err)
			if f == nil {
				return false, err
			}
			line, ferr := startResult(Result{Name: proc, Group: group, Status: f.Code, Description: f.String})
			if ferr != nil {
				return false, ferr
			}
			c.output(line)
			c.setExitFromFault(f.Code, faultAlreadyStart)
			continue
		}
		c.output(makeNamespec(group, proc) + ": started")
	}
	return false, nil
}

// signalResult formats signal and stop results (_signalresult).
func signalResult(success string) func(Result) (string, error) {
	return func(r Result) (string, error) {
		name := makeNamespec(r.Group, r.Name)
		switch r.Status {
		case faultBadName:
			return name + ": ERROR (no such process)", nil
		case faultBadSignal:
			return name + ": ERROR (bad signal name)", nil
		case faultNotRunning:
			return name + ": ERROR (not running)", nil
		case faultSuccess:
			return name + ": " + success, nil
		case faultFailed:
			return r.Description, nil
		}
		return "", unknownResult(r.Status, name, 835)
	}
}

func cmdStop(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	names := strings.Fields(arg)
	if len(names) == 0 {
		c.output("Error: stop requires a process name")
		c.exitStatus = exitGeneric
		c.help("stop")
		return false, nil
	}
	format := signalResult("stopped")
	if contains(names, "all") {
		var results []Result
		if err := c.call("supervisor.stopAllProcesses", &results); err != nil {
			return false, err
		}
		return false, c.showResults(results, format, faultNotRunning)
	}
	for _, name := range names {
		group, proc, hasProc := splitNamespec(name)
		if !hasProc {
			var results []Result
			if err := c.call("supervisor.stopProcessGroup", &results, group); err != nil {
				c.exitStatus = exitGeneric
				if f := faultOf(err); f != nil && f.Code == faultBadName {
					c.output(group + ": ERROR (no such group)")
					continue
				}
				return false, err
			}
			if err := c.showResults(results, format, faultNotRunning); err != nil {
				return false, err
			}
			continue
		}
		if err := c.call("supervisor.stopProcess", nil, name); err != nil {
			f := faultOf(err)
			if f == nil {
				return false, err
			}
			line, ferr := format(Result{Name: proc, Group: group, Status: f.Code, Description: f.String})
			if ferr != nil {
				return false, ferr
			}
			c.output(line)
			c.setExitFromFault(f.Code, faultNotRunning)
			continue
		}
		c.output(makeNamespec(group, proc) + ": stopped")
	}
	return false, nil
}

func cmdRestart(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	if len(strings.Fields(arg)) == 0 {
		c.output("Error: restart requires a process name")
		c.exitStatus = exitGeneric
		c.help("restart")
		return false, nil
	}
	if _, err := cmdStop(c, arg); err != nil {
		return false, err
	}
	return cmdStart(c, arg)
}

func cmdSignal(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	args := strings.Fields(arg)
	if len(args) < 2 {
		c.output("Error: signal requires a signal name and a process name")
		c.help("signal")
		c.exitStatus = exitGeneric
		return false, nil
	}
	sig, names := args[0], args[1:]
	format := signalResult("signalled")
	if contains(names, "all") {
		var results []Result
		if err := c.call("supervisor.signalAllProcesses", &results, sig); err != nil {
			return false, err
		}
		return false, c.showResults(results, format, -1)
	}
	for _, name := range names {
		group, proc, hasProc := splitNamespec(name)
		if !hasProc {
			var results []Result
			if err := c.call("supervisor.signalProcessGroup", &results, group, sig); err != nil {
				if f := faultOf(err); f != nil && f.Code == faultBadName {
					c.output(group + ": ERROR (no such group)")
					c.exitStatus = exitGeneric
					continue
				}
				return false, err
			}
			if err := c.showResults(results, format, -1); err != nil {
				return false, err
			}
			continue
		}
		if err := c.call("supervisor.signalProcess", nil, name, sig); err != nil {
			f := faultOf(err)
			if f == nil {
				return false, err
			}
			line, ferr := format(Result{Name: proc, Group: group, Status: f.Code, Description: f.String})
			if ferr != nil {
				return false, ferr
			}
			c.output(line)
			c.setExitFromFault(f.Code, -1)
			continue
		}
		c.output(makeNamespec(group, proc) + ": signalled")
	}
	return false, nil
}

func clearResult(r Result) (string, error) {
	name := makeNamespec(r.Group, r.Name)
	switch r.Status {
	case faultBadName:
		return name + ": ERROR (no such process)", nil
	case faultFailed:
		return name + ": ERROR (failed)", nil
	case faultSuccess:
		return name + ": cleared", nil
	}
	return "", unknownResult(r.Status, name, 1260)
}

func cmdClear(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	names := strings.Fields(arg)
	if len(names) == 0 {
		c.output("Error: clear requires a process name")
		c.exitStatus = exitGeneric
		c.help("clear")
		return false, nil
	}
	if contains(names, "all") {
		var results []Result
		if err := c.call("supervisor.clearAllProcessLogs", &results); err != nil {
			return false, err
		}
		return false, c.showResults(results, clearResult, -1)
	}
	for _, name := range names {
		group, proc, hasProc := splitNamespec(name)
		if !hasProc {
			proc = "None"
		}
		if err := c.call("supervisor.clearProcessLogs", nil, name); err != nil {
			f := faultOf(err)
			if f == nil {
				return false, err
			}
			line, ferr := clearResult(Result{Name: proc, Group: group, Status: f.Code, Description: f.String})
			if ferr != nil {
				return false, ferr
			}
			c.output(line)
			c.setExitFromFault(f.Code, -1)
			continue
		}
		c.output(makeNamespec(group, proc) + ": cleared")
	}
	return false, nil
}
