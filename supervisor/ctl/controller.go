package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// LSB exit statuses supervisorctl uses (CTL-EXIT table).
const (
	exitSuccess        = 0
	exitGeneric        = 1
	exitInvalidArgs    = 2
	exitUnimplemented  = 3 // also LSB status "not running"
	exitPrivileges     = 4 // also LSB status "unknown"
	exitNotInstalled   = 5
	exitNotRunning     = 7
	statusNotRunning   = 3
	statusUnknown      = 4
	apiVersion         = "3.0"
	faultUnknownMethod = 1
	faultShutdownState = 6
	faultBadName       = 10
	faultBadSignal     = 11
	faultNoFile        = 20
	faultNotExecutable = 21
	faultFailed        = 30
	faultAbnormal      = 40
	faultSpawnError    = 50
	faultAlreadyStart  = 60
	faultNotRunning    = 70
	faultSuccess       = 80
	faultAlreadyAdded  = 90
	faultStillRunning  = 91
	faultCantReread    = 92
)

// errInterrupted ends the current command because the user pressed Ctrl-C.
var errInterrupted = errors.New("interrupted")

// command is one supervisorctl action. It returns stop=true to leave the
// shell, and an error for what 4.2.5 would let escape as an exception.
type command func(c *Controller, arg string) (stop bool, err error)

// Controller runs supervisorctl commands against one server, keeping the
// exit status across commands like 4.2.5's Controller.
type Controller struct {
	opts       *Options
	out        io.Writer
	errw       io.Writer
	in         lineReader
	ctx        context.Context
	exitStatus int

	client       *Client
	clientKey    string
	completeInfo []ProcessInfo
	completeOK   bool
}

// lineReader is where prompts (y/N, Username:, fg input) read a line.
type lineReader interface {
	// ReadLine shows prompt and returns one line without its newline;
	// io.EOF at end of input, errInterrupted on Ctrl-C.
	ReadLine(ctx context.Context, prompt string) (string, error)
	// ReadPassword is ReadLine without echo where possible.
	ReadPassword(ctx context.Context, prompt string) (string, error)
}

func newController(ctx context.Context, opts *Options, in lineReader, out, errw io.Writer) *Controller {
	return &Controller{opts: opts, out: out, errw: errw, in: in, ctx: ctx}
}

// output writes one line, as 4.2.5's Controller.output.
func (c *Controller) output(s string) {
	io.WriteString(c.out, s+"\n")
}

// rpc returns the client for the current server URL and credentials.
func (c *Controller) rpc() *Client {
	key := c.opts.ServerURL + "\x00" + strPtr(c.opts.Username) + "\x00" + strPtr(c.opts.Password)
	if c.client == nil || c.clientKey != key {
		if c.client != nil {
			c.client.Close()
		}
		c.client = NewClient(c.opts.ServerURL, c.opts.Username, c.opts.Password)
		c.clientKey = key
	}
	return c.client
}

func strPtr(p *string) string {
	if p == nil {
		return "\x01nil"
	}
	return *p
}

// call is a supervisor.* or system.* XML-RPC call on the current server.
func (c *Controller) call(method string, result any, args ...any) error {
	if args == nil {
		args = []any{}
	}
	err := c.rpc().Call(c.ctx, method, args, result)
	if err != nil && c.ctx.Err() != nil {
		return errInterrupted
	}
	return err
}

// close releases the connection.
func (c *Controller) close() {
	if c.client != nil {
		c.client.Close()
	}
}

// setExitFromFault is 4.2.5's set_exitstatus_from_xmlrpc_fault.
func (c *Controller) setExitFromFault(code int, ignored int) {
	switch {
	case code == ignored || code == faultSuccess:
	case code == faultSpawnError || code == faultAbnormal || code == faultNotRunning:
		c.exitStatus = exitNotRunning
	default:
		c.exitStatus = exitGeneric
	}
}

// upcheck verifies the server speaks our API before a command (CTL-UP-01).
func (c *Controller) upcheck() (bool, error) {
	var api string
	err := c.call("supervisor.getVersion", &api)
	if err == nil {
		if api != apiVersion {
			c.output(fmt.Sprintf("Sorry, this version of supervisorctl expects to talk to a server with API version %s, but the remote version is %s.", apiVersion, api))
			c.exitStatus = exitNotInstalled
			return false, nil
		}
		return true, nil
	}
	var f *Fault
	if errors.As(err, &f) {
		if f.Code == faultUnknownMethod {
			c.output("Sorry, supervisord responded but did not recognize the supervisor namespace commands that supervisorctl uses to control it.  Please check that the [rpcinterface:supervisor] section is enabled in the configuration file (see sample.conf).")
			c.exitStatus = exitUnimplemented
			return false, nil
		}
		c.exitStatus = exitGeneric
		return false, err
	}
	var pe *pyError
	if errors.As(err, &pe) && pe.Errno != 0 {
		switch pe.Errno {
		case errnoConnRefused:
			c.output(c.opts.ServerURL + " refused connection")
			c.exitStatus = exitPrivileges
			return false, nil
		case errnoNoEnt:
			c.output(c.opts.ServerURL + " no such file")
			c.exitStatus = exitNotRunning
			return false, nil
		}
		c.exitStatus = exitGeneric
	}
	return false, err
}

// parseLine is Python cmd.Cmd.parseline: the command word is the leading
// run of identifier characters; `?` means help.
func parseLine(line string) (cmd string, arg string, rest string, ok bool) {
	line = strings.TrimSpace(line)
	if line == "" {
		return "", "", "", true
	}
	if line[0] == '?' {
		line = "help " + line[1:]
	} else if line[0] == '!' {
		return "", "", line, false
	}
	i := 0
	for i < len(line) && isIdent(line[i]) {
		i++
	}
	return line[:i], strings.TrimSpace(line[i:]), line, true
}

func isIdent(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// onecmd runs one command line and reports whether the shell should stop.
func (c *Controller) onecmd(line string) (stop bool, err error) {
	name, arg, line, ok := parseLine(line)
	if line == "" {
		return false, nil
	}
	c.completeOK = false
	if !ok || name == "" {
		c.unknown(line)
		return false, nil
	}
	fn := commands[name]
	if fn == nil {
		c.unknown(line)
		return false, nil
	}
	stop, err = fn(c, arg)
	if err == nil {
		return stop, nil
	}
	if errors.Is(err, errInterrupted) {
		return false, err
	}
	var pe *ProtocolError
	if errors.As(err, &pe) {
		if pe.Status != 401 {
			c.exitStatus = exitGeneric
			c.output(asPy(err).line())
			return false, nil
		}
		c.output("Server requires authentication")
		if c.opts.Interactive {
			user, err := c.in.ReadLine(c.ctx, "Username:")
			if err != nil {
				return c.afterError(inputError(err, pyCtlFile, 212, "EOF when reading a line"))
			}
			pass, err := c.in.ReadPassword(c.ctx, "Password:")
			if err != nil {
				return c.afterError(inputError(err, pyGetpassFile, 148, ""))
			}
			c.output("")
			c.opts.Username, c.opts.Password = &user, &pass
			return c.onecmd(line)
		}
		c.exitStatus = exitGeneric
		// 4.2.5 then runs the command a second time, outside its 401
		// handler, so the failure is reported again as an exception.
		stop, err = fn(c, arg)
		if err == nil {
			return stop, nil
		}
		if errors.Is(err, errInterrupted) {
			return false, err
		}
	}
	return c.afterError(err)
}

// afterError reports an error that escaped a command as 4.2.5 does.
func (c *Controller) afterError(err error) (bool, error) {
	if errors.Is(err, errInterrupted) {
		return false, err
	}
	c.output(asPy(err).line())
	c.exitStatus = exitGeneric
	return false, nil
}

func (c *Controller) unknown(line string) {
	c.output("*** Unknown syntax: " + line)
	c.exitStatus = exitGeneric
}
