package ctl

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
)

// streaming is set while a tail -f or fg owns Ctrl-C, so the shell's own
// interrupt handler leaves it alone.
var streaming atomic.Bool

// untilInterrupt runs fn with a context that ends on Ctrl-C (SIGINT) and
// reports whether that is why it ended.
func (c *Controller) untilInterrupt(fn func(ctx context.Context)) bool {
	ctx, cancel := context.WithCancel(c.ctx)
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	streaming.Store(true)
	defer func() {
		signal.Stop(sigs)
		streaming.Store(false)
	}()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	select {
	case <-done:
		return false
	case <-sigs:
		cancel()
		<-done
		return true
	}
}

// tailf follows a log URL until the server closes it or Ctrl-C.
func (c *Controller) tailf(path string) {
	c.output("==> Press Ctrl-C to exit <==")
	client := c.rpc()
	if c.untilInterrupt(func(ctx context.Context) { client.stream(ctx, path, c.out, c.errw) }) {
		c.output("")
	}
}

func cmdTail(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	args := strings.Fields(arg)
	if len(args) < 1 {
		c.output("Error: too few arguments")
		c.exitStatus = exitGeneric
		c.help("tail")
		return false, nil
	}
	if len(args) > 3 {
		c.output("Error: too many arguments")
		c.exitStatus = exitGeneric
		c.help("tail")
		return false, nil
	}
	modifier := ""
	if strings.HasPrefix(args[0], "-") {
		modifier, args = args[0], args[1:]
	}
	var name, channel string
	switch {
	case len(args) == 1:
		name, channel = args[0], "stdout"
	case len(args) > 1:
		name, channel = args[0], strings.ToLower(args[len(args)-1])
		if channel != "stderr" && channel != "stdout" {
			c.output("Error: bad channel " + pyRepr(channel))
			c.exitStatus = exitGeneric
			return false, nil
		}
	default:
		c.output("Error: tail requires process name")
		c.exitStatus = exitGeneric
		return false, nil
	}
	n := int64(1600)
	follow := false
	if modifier != "" {
		what := modifier[1:]
		if what == "f" {
			follow = true
		} else {
			v, ok := pyInt(what)
			if !ok {
				c.output("Error: bad argument " + modifier)
				c.exitStatus = exitGeneric
				return false, nil
			}
			n = v
		}
	}
	if follow {
		c.tailf("/logtail/" + name + "/" + channel)
		return false, nil
	}
	method := "supervisor.readProcessStdoutLog"
	if channel == "stderr" {
		method = "supervisor.readProcessStderrLog"
	}
	var out string
	if err := c.call(method, &out, name, int(-n), 0); err != nil {
		f := faultOf(err)
		if f == nil {
			return false, err
		}
		c.exitStatus = exitGeneric
		switch f.Code {
		case faultNoFile:
			c.output(name + ": ERROR (no log file)")
		case faultFailed:
			c.output(name + ": ERROR (unknown error reading log)")
		case faultBadName:
			c.output(name + ": ERROR (no such process name)")
		default:
			return false, err
		}
		return false, nil
	}
	c.output(out)
	return false, nil
}

func cmdMaintail(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	args := strings.Fields(arg)
	n := int64(1600)
	switch {
	case len(args) > 1:
		c.output("Error: too many arguments")
		c.exitStatus = exitGeneric
		c.help("maintail")
		return false, nil
	case len(args) == 1:
		if !strings.HasPrefix(args[0], "-") {
			c.output("Error: bad argument " + args[0])
			c.exitStatus = exitGeneric
			return false, nil
		}
		what := args[0][1:]
		if what == "f" {
			c.tailf("/mainlogtail")
			return false, nil
		}
		v, ok := pyInt(what)
		if !ok {
			c.output("Error: bad argument " + args[0])
			c.exitStatus = exitGeneric
			return false, nil
		}
		n = v
	}
	var out string
	if err := c.call("supervisor.readLog", &out, int(-n), 0); err != nil {
		f := faultOf(err)
		if f == nil {
			return false, err
		}
		c.exitStatus = exitGeneric
		switch f.Code {
		case faultNoFile:
			c.output("supervisord: ERROR (no log file)")
		case faultFailed:
			c.output("supervisord: ERROR (unknown error reading log)")
		default:
			return false, err
		}
		return false, nil
	}
	c.output(out)
	return false, nil
}

func cmdFg(c *Controller, arg string) (bool, error) {
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	names := strings.Fields(arg)
	if len(names) == 0 {
		c.output("ERROR: no process name supplied")
		c.exitStatus = exitGeneric
		c.help("fg")
		return false, nil
	}
	if len(names) > 1 {
		c.output("ERROR: too many process names supplied")
		c.exitStatus = exitGeneric
		return false, nil
	}
	name := names[0]
	var info ProcessInfo
	if err := c.call("supervisor.getProcessInfo", &info, name); err != nil {
		f := faultOf(err)
		if f == nil {
			return false, err
		}
		if f.Code == faultBadName {
			c.output("ERROR: bad process name supplied")
			c.exitStatus = exitGeneric
		} else {
			c.output("ERROR: " + f.Error())
		}
		return false, nil
	}
	if info.State != stateRunning {
		c.output("ERROR: process not running")
		c.exitStatus = exitGeneric
		return false, nil
	}
	c.output("==> Press Ctrl-C to exit <==")
	client := c.rpc()
	var rerr error
	c.untilInterrupt(func(ctx context.Context) {
		// The two log streams run until fg ends.
		sctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		for _, ch := range []string{"stdout", "stderr"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client.stream(sctx, "/logtail/"+name+"/"+ch, c.out, c.errw)
			}()
		}
		defer func() {
			stop()
			wg.Wait()
		}()
		for {
			line, err := c.in.ReadLine(ctx, "")
			if err != nil {
				c.output("Exiting foreground")
				return
			}
			if err := client.Call(ctx, "supervisor.sendProcessStdin", []any{name, line + "\n"}, nil); err != nil {
				if ctx.Err() != nil {
					c.output("Exiting foreground")
					return
				}
				if f := faultOf(err); f != nil && f.Code == faultNotRunning {
					c.output("Process got killed")
				} else {
					c.output("ERROR: " + asPy(err).Text)
				}
				c.output("Exiting foreground")
				return
			}
			var now ProcessInfo
			if err := client.Call(ctx, "supervisor.getProcessInfo", []any{name}, &now); err != nil {
				if ctx.Err() != nil {
					c.output("Exiting foreground")
					return
				}
				rerr = err
				return
			}
			if now.State != stateRunning {
				c.output("Process got killed")
				c.output("Exiting foreground")
				return
			}
		}
	})
	return false, rerr
}
