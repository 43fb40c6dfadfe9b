package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Main is supervisorctl: args are the command-line arguments without the
// program name. It returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	return Run(os.Args[0], args, os.Stdin, stdout, stderr)
}

// Run is Main with the program name and stdin given explicitly.
func Run(progname string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, helped, err := parseOptions(progname, args, stdout, loadClientConf)
	if helped {
		return exitSuccess
	}
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "Error: %s\nFor help, use %s -h\n", ue.msg, progname)
			return exitInvalidArgs
		}
		fmt.Fprintf(stderr, "Error: %s\n", err)
		return exitInvalidArgs
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var in lineReader
	var editor *lineEditor
	if f, ok := stdin.(*os.File); ok && isTerminal(int(f.Fd())) {
		editor = newLineEditor(int(f.Fd()), stdout)
		in = editor
	} else {
		in = newPipeInput(stdin, stdout, stderr)
	}
	c := newController(ctx, opts, in, stdout, stderr)
	defer c.close()

	if len(opts.Args) > 0 {
		if _, err := c.onecmd(strings.Join(opts.Args, " ")); err != nil {
			return exitGeneric
		}
		return c.exitStatus
	}
	c.cmdloop(editor, cancel)
	return exitSuccess // the shell always exits 0
}
