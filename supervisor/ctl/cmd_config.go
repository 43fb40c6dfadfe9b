package ctl

import (
	"fmt"
	"sort"
	"strings"
)

func formatConfigInfo(ci ConfigInfo) string {
	inuse, auto := "avail", "manual"
	if ci.InUse {
		inuse = "in use"
	}
	if ci.Autostart {
		auto = "auto"
	}
	return fmt.Sprintf("%s %s %s %d:%d", padRight(makeNamespec(ci.Group, ci.Name), 32), padRight(inuse, 9), padRight(auto, 9), ci.GroupPrio, ci.ProcessPrio)
}

func cmdAvail(c *Controller, arg string) (bool, error) {
	if arg != "" {
		c.output("Error: avail accepts no arguments")
		c.exitStatus = exitGeneric
		c.help("avail")
		return false, nil
	}
	var infos []ConfigInfo
	if err := c.call("supervisor.getAllConfigInfo", &infos); err != nil {
		c.exitStatus = exitGeneric
		if f := faultOf(err); f != nil && f.Code == faultShutdownState {
			c.output("ERROR: supervisor shutting down")
			return false, nil
		}
		return false, err
	}
	for _, ci := range infos {
		c.output(formatConfigInfo(ci))
	}
	return false, nil
}

// reloadConfig returns reloadConfig's added, changed and removed group names.
func (c *Controller) reloadConfig() (added, changed, removed []string, err error) {
	var result [][][]string
	if err := c.call("supervisor.reloadConfig", &result); err != nil {
		return nil, nil, nil, err
	}
	if len(result) == 0 || len(result[0]) < 3 {
		return nil, nil, nil, &pyError{Class: "ValueError", Text: "not enough values to unpack", File: pyCtlFile, Line: 1160}
	}
	return result[0][0], result[0][1], result[0][2], nil
}

func cmdReread(c *Controller, arg string) (bool, error) {
	if arg != "" {
		c.output("Error: reread accepts no arguments")
		c.exitStatus = exitGeneric
		c.help("reread")
		return false, nil
	}
	added, changed, removed, err := c.reloadConfig()
	if err != nil {
		c.exitStatus = exitGeneric
		if f := faultOf(err); f != nil {
			switch f.Code {
			case faultShutdownState:
				c.output("ERROR: supervisor shutting down")
				return false, nil
			case faultCantReread:
				c.output("ERROR: " + f.String)
				return false, nil
			}
		}
		return false, err
	}
	changes := map[string]string{}
	for _, n := range added {
		changes[n] = "available"
	}
	for _, n := range changed {
		changes[n] = "changed"
	}
	for _, n := range removed {
		changes[n] = "disappeared"
	}
	if len(changes) == 0 {
		c.output("No config updates to processes")
		return false, nil
	}
	names := make([]string, 0, len(changes))
	for n := range changes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.output(n + ": " + changes[n])
	}
	return false, nil
}

func cmdAdd(c *Controller, arg string) (bool, error) {
	for _, name := range strings.Fields(arg) {
		if err := c.call("supervisor.addProcessGroup", nil, name); err != nil {
			f := faultOf(err)
			switch {
			case f != nil && f.Code == faultShutdownState:
				c.output("ERROR: shutting down")
				c.exitStatus = exitGeneric
			case f != nil && f.Code == faultAlreadyAdded:
				c.output("ERROR: process group already active")
			case f != nil && f.Code == faultBadName:
				c.output("ERROR: no such process/group: " + name)
				c.exitStatus = exitGeneric
			default:
				c.exitStatus = exitGeneric
				return false, err
			}
			continue
		}
		c.output(name + ": added process group")
	}
	return false, nil
}

func cmdRemove(c *Controller, arg string) (bool, error) {
	for _, name := range strings.Fields(arg) {
		if err := c.call("supervisor.removeProcessGroup", nil, name); err != nil {
			c.exitStatus = exitGeneric
			f := faultOf(err)
			switch {
			case f != nil && f.Code == faultStillRunning:
				c.output("ERROR: process/group still running: " + name)
			case f != nil && f.Code == faultBadName:
				c.output("ERROR: no such process/group: " + name)
			default:
				return false, err
			}
			continue
		}
		c.output(name + ": removed process group")
	}
	return false, nil
}

func cmdUpdate(c *Controller, arg string) (bool, error) {
	added, changed, removed, err := c.reloadConfig()
	if err != nil {
		c.exitStatus = exitGeneric
		if f := faultOf(err); f != nil && f.Code == faultShutdownState {
			c.output("ERROR: already shutting down")
			return false, nil
		}
		return false, err
	}
	valid := map[string]bool{}
	var order []string
	for _, g := range strings.Fields(arg) {
		if !valid[g] {
			valid[g] = true
			order = append(order, g)
		}
	}
	if valid["all"] {
		valid, order = map[string]bool{}, nil
	}
	if len(valid) > 0 {
		var all []ProcessInfo
		if err := c.call("supervisor.getAllProcessInfo", &all); err != nil {
			return false, err
		}
		groups := map[string]bool{}
		for _, info := range all {
			groups[info.Group] = true
		}
		for _, g := range added {
			groups[g] = true
		}
		// 4.2.5 walks a Python set here, so with several bad names its
		// order is arbitrary; we keep the command-line order.
		for _, g := range order {
			if !groups[g] {
				c.output("ERROR: no such group: " + g)
				c.exitStatus = exitGeneric
			}
		}
	}
	skip := func(g string) bool { return len(valid) > 0 && !valid[g] }
	for _, g := range removed {
		if skip(g) {
			continue
		}
		var results []Result
		if err := c.call("supervisor.stopProcessGroup", &results, g); err != nil {
			return false, err
		}
		c.output(g + ": stopped")
		failed := false
		for _, r := range results {
			if r.Status == faultFailed {
				failed = true
			}
		}
		if failed {
			c.output(g + ": has problems; not removing")
			c.exitStatus = exitGeneric
			continue
		}
		if err := c.call("supervisor.removeProcessGroup", nil, g); err != nil {
			return false, err
		}
		c.output(g + ": removed process group")
	}
	for _, g := range changed {
		if skip(g) {
			continue
		}
		if err := c.call("supervisor.stopProcessGroup", nil, g); err != nil {
			return false, err
		}
		c.output(g + ": stopped")
		if err := c.call("supervisor.removeProcessGroup", nil, g); err != nil {
			return false, err
		}
		if err := c.call("supervisor.addProcessGroup", nil, g); err != nil {
			return false, err
		}
		c.output(g + ": updated process group")
	}
	for _, g := range added {
		if skip(g) {
			continue
		}
		if err := c.call("supervisor.addProcessGroup", nil, g); err != nil {
			return false, err
		}
		c.output(g + ": added process group")
	}
	return false, nil
}
