package ctl

import (
	"sort"
	"strings"
)

// helpTexts holds each command's `help <cmd>` text (tabs are significant).
var helpTexts = map[string]string{
	"add":   "add <name> [...]\tActivates any updates in config for process/group",
	"avail": "avail\t\t\tDisplay all configured processes",
	"clear": "clear <name>\t\tClear a process' log files.\nclear <name> <name>\tClear multiple process' log files\nclear all\t\tClear all process' log files",
	"exit":  "exit\tExit the supervisor shell.",
	"fg":    "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit",
	"maintail": "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\n" +
		"maintail -100\tlast 100 *bytes* of supervisord main log file\n" +
		"maintail\tlast 1600 *bytes* of supervisor main log file\n",
	"open":     "open <url>\tConnect to a remote supervisord process.\n\t\t(for UNIX domain socket, use unix:///socket/path)",
	"pid":      "pid\t\t\tGet the PID of supervisord.\npid <name>\t\tGet the PID of a single child process by name.\npid all\t\t\tGet the PID of every child process, one per line.",
	"quit":     "quit\tExit the supervisor shell.",
	"reload":   "reload \t\tRestart the remote supervisord.",
	"remove":   "remove <name> [...]\tRemoves process/group from active config",
	"reread":   "reread \t\t\tReload the daemon's configuration files without add/remove",
	"restart":  "restart <name>\t\tRestart a process\nrestart <gname>:*\tRestart all processes in a group\nrestart <name> <name>\tRestart multiple processes or groups\nrestart all\t\tRestart all processes\nNote: restart does not reread config files. For that, see reread and update.",
	"shutdown": "shutdown \tShut the remote supervisord down.",
	"signal":   "signal <signal name> <name>\t\tSignal a process\nsignal <signal name> <gname>:*\t\tSignal all processes in a group\nsignal <signal name> <name> <name>\tSignal multiple processes or groups\nsignal <signal name> all\t\tSignal all processes",
	"start":    "start <name>\t\tStart a process\nstart <gname>:*\t\tStart all processes in a group\nstart <name> <name>\tStart multiple processes or groups\nstart all\t\tStart all processes",
	"status":   "status <name>\t\tGet status for a single process\nstatus <gname>:*\tGet status for all processes in a group\nstatus <name> <name>\tGet status for multiple named processes\nstatus\t\t\tGet all process status info",
	"stop":     "stop <name>\t\tStop a process\nstop <gname>:*\t\tStop all processes in a group\nstop <name> <name>\tStop multiple processes or groups\nstop all\t\tStop all processes",
	"tail": "tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\ntail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\n" +
		"tail -100 <name>\tlast 100 *bytes* of process stdout\ntail <name> stderr\tlast 1600 *bytes* of process stderr",
	"update":  "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate all\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate <gname> [...]\tUpdate specific groups",
	"version": "version\t\t\tShow the version of the remote supervisord process",
}

// help prints a command's help text.
func (c *Controller) help(name string) {
	c.output(helpTexts[name])
}

// pluginCommands lists the documented commands, sorted, as `help` shows them.
func pluginCommands() []string {
	names := make([]string, 0, len(helpTexts))
	for n := range helpTexts {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// printTopics is Python cmd.Cmd.print_topics: header, `=` ruler, the names
// in columns no wider than width, then a blank line.
func (c *Controller) printTopics(header string, names []string, width int) {
	c.output(header)
	c.output(strings.Repeat("=", len(header)))
	for _, l := range columnize(names, width) {
		c.output(l)
	}
	c.output("")
}

// columnize is cmd.Cmd.columnize: as few rows as fit in width columns,
// filled column by column, two spaces between columns.
func columnize(list []string, width int) []string {
	size := len(list)
	if size == 0 {
		return []string{"<empty>"}
	}
	if size == 1 {
		return []string{list[0]}
	}
	nrows, ncols := size, 1
	var colwidths []int
	found := false
	for nr := 1; nr < size; nr++ {
		nc := (size + nr - 1) / nr
		colwidths = colwidths[:0]
		total := -2
		for col := 0; col < nc; col++ {
			w := 0
			for row := 0; row < nr; row++ {
				i := row + nr*col
				if i >= size {
					break
				}
				if len(list[i]) > w {
					w = len(list[i])
				}
			}
			colwidths = append(colwidths, w)
			total += w + 2
			if total > width {
				break
			}
		}
		if total <= width {
			nrows, ncols, found = nr, nc, true
			break
		}
	}
	if !found {
		nrows, ncols, colwidths = size, 1, []int{0}
	}
	var lines []string
	for row := 0; row < nrows; row++ {
		var texts []string
		for col := 0; col < ncols; col++ {
			i := row + nrows*col
			x := ""
			if i < size {
				x = list[i]
			}
			texts = append(texts, x)
		}
		for len(texts) > 0 && texts[len(texts)-1] == "" {
			texts = texts[:len(texts)-1]
		}
		for i := range texts {
			texts[i] = padRight(texts[i], colwidths[i])
		}
		lines = append(lines, strings.Join(texts, "  "))
	}
	return lines
}
