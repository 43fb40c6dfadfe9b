package ctl

import (
	"errors"
	"io"
	"strings"
)

// confirm asks a y/N question in interactive mode (4.2.5 raw_input).
func (c *Controller) confirm(question string, pyLine int) (bool, error) {
	if !c.opts.Interactive {
		return true, nil
	}
	answer, err := c.in.ReadLine(c.ctx, question)
	if err != nil {
		return false, inputError(err, pyCtlFile, pyLine, "EOF when reading a line")
	}
	return strings.HasPrefix(strings.ToLower(answer), "y"), nil
}

// inputError turns the end of input at a prompt into the EOFError 4.2.5
// reports there; Ctrl-C stays an interruption.
func inputError(err error, file string, line int, text string) error {
	if errors.Is(err, io.EOF) {
		return &pyError{Class: "EOFError", Text: text, File: file, Line: line, Err: err}
	}
	return errInterrupted
}

func cmdShutdown(c *Controller, arg string) (bool, error) {
	if arg != "" {
		c.output("Error: shutdown accepts no arguments")
		c.exitStatus = exitGeneric
		c.help("shutdown")
		return false, nil
	}
	really, err := c.confirm("Really shut the remote supervisord process down y/N? ", 987)
	if err != nil || !really {
		return false, err
	}
	err = c.call("supervisor.shutdown", nil)
	if err == nil {
		c.output("Shut down")
		return false, nil
	}
	if f := faultOf(err); f != nil {
		if f.Code == faultShutdownState {
			c.output("ERROR: already shutting down")
			return false, nil
		}
		c.exitStatus = exitGeneric
		return false, err
	}
	var pe *pyError
	if errors.As(err, &pe) && pe.Errno != 0 {
		c.exitStatus = exitGeneric
		switch pe.Errno {
		case errnoConnRefused:
			c.output("ERROR: " + c.opts.ServerURL + " refused connection (already shut down?)")
			return false, nil
		case errnoNoEnt:
			c.output("ERROR: " + c.opts.ServerURL + " no such file (already shut down?)")
			return false, nil
		}
	}
	return false, err
}

func cmdReload(c *Controller, arg string) (bool, error) {
	if arg != "" {
		c.output("Error: reload accepts no arguments")
		c.exitStatus = exitGeneric
		c.help("reload")
		return false, nil
	}
	really, err := c.confirm("Really restart the remote supervisord process y/N? ", 1027)
	if err != nil || !really {
		return false, err
	}
	if err := c.call("supervisor.restart", nil); err != nil {
		c.exitStatus = exitGeneric
		if f := faultOf(err); f != nil && f.Code == faultShutdownState {
			c.output("ERROR: already shutting down")
			return false, nil
		}
		return false, err
	}
	c.output("Restarted supervisord")
	return false, nil
}

func cmdVersion(c *Controller, arg string) (bool, error) {
	if arg != "" {
		c.output("Error: version accepts no arguments")
		c.exitStatus = exitGeneric
		c.help("version")
		return false, nil
	}
	if ok, err := c.upcheck(); !ok {
		return false, err
	}
	var v string
	if err := c.call("supervisor.getSupervisorVersion", &v); err != nil {
		return false, err
	}
	c.output(v)
	return false, nil
}

func cmdOpen(c *Controller, arg string) (bool, error) {
	url := strings.TrimSpace(arg)
	scheme, _, _ := splitScheme(url)
	if scheme != "unix" && scheme != "http" {
		c.output("ERROR: url must be http:// or unix://")
		c.exitStatus = exitGeneric
		return false, nil
	}
	c.opts.ServerURL = url
	old := c.exitStatus
	_, err := cmdStatus(c, "")
	c.exitStatus = old
	return false, err
}

func cmdEOF(c *Controller, arg string) (bool, error) {
	c.output("")
	return true, nil
}

func cmdHelp(c *Controller, arg string) (bool, error) {
	if strings.TrimSpace(arg) == "help" {
		c.output("help\t\tPrint a list of available actions")
		c.output("help <action>\tPrint help for <action>")
		return false, nil
	}
	if arg == "" {
		c.output("")
		c.printTopics("default commands (type help <topic>):", pluginCommands(), 79)
		return false, nil
	}
	if _, ok := helpTexts[arg]; ok {
		c.help(arg)
		return false, nil
	}
	c.output("*** No help on " + arg)
	return false, nil
}

// commands maps each 4.2.5 command word to its implementation.
var commands map[string]command

func init() {
	commands = map[string]command{
		"help": cmdHelp, "EOF": cmdEOF, "quit": cmdEOF, "exit": cmdEOF,
		"status": cmdStatus, "start": cmdStart, "stop": cmdStop, "restart": cmdRestart,
		"signal": cmdSignal, "pid": cmdPid, "clear": cmdClear,
		"avail": cmdAvail, "reread": cmdReread, "update": cmdUpdate, "add": cmdAdd, "remove": cmdRemove,
		"shutdown": cmdShutdown, "reload": cmdReload, "version": cmdVersion, "open": cmdOpen,
		"tail": cmdTail, "maintail": cmdMaintail, "fg": cmdFg,
	}
}
