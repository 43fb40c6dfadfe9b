package ctl

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
)

// cmdloop is the interactive shell: it runs `status` first, then reads
// commands until EOF, quit/exit or Ctrl-C (CTL-SH-01..03).
func (c *Controller) cmdloop(editor *lineEditor, cancelRoot context.CancelFunc) {
	if editor != nil {
		editor.complete = c.completions
		if c.opts.HistoryFile != "" {
			editor.loadHistory(c.opts.HistoryFile)
			defer editor.saveHistory(c.opts.HistoryFile)
		}
	}
	// Ctrl-C while a command runs ends the shell, as KeyboardInterrupt
	// does in 4.2.5; tail -f and fg take the signal for themselves.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	stopWatch := make(chan struct{})
	defer func() {
		signal.Stop(sigs)
		close(stopWatch)
	}()
	go func() {
		for {
			select {
			case <-sigs:
				if !streaming.Load() {
					cancelRoot()
				}
			case <-stopWatch:
				return
			}
		}
	}()

	queue := []string{"status"}
	for {
		var line string
		if len(queue) > 0 {
			line, queue = queue[0], queue[1:]
		} else {
			l, err := c.in.ReadLine(c.ctx, c.opts.Prompt+"> ")
			switch {
			case err == nil:
				line = l
			case errors.Is(err, io.EOF):
				line = "EOF"
			default:
				c.output("")
				return
			}
		}
		stop, err := c.onecmd(line)
		if err != nil {
			c.output("")
			return
		}
		if stop {
			return
		}
	}
}
