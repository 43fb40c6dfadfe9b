package ctl

import "strings"

// vocabulary is what tab completes as a command word, in 4.2.5's order.
func vocabulary() []string {
	return append([]string{"help"}, pluginCommands()...)
}

// completions implements 4.2.5's Controller.complete for the word
// line[start:end] (CTL-SH-02).
func (c *Controller) completions(line string, start, end int) []string {
	text := line[start:end]
	var matches []string
	words := strings.Fields(line)
	switch {
	case strings.TrimSpace(line) == "":
		matches = completeFrom(vocabulary(), text)
	case len(words) == 1 && !strings.HasSuffix(line, " "):
		matches = completeFrom(vocabulary(), text)
	// 4.2.5 tests `action in ('help')`, a substring test on "help".
	case strings.Contains("help", words[0]):
		matches = completeFrom(vocabulary(), text)
	case contains([]string{"add", "remove", "update"}, words[0]):
		var groups []string
		for _, info := range c.completionInfo() {
			if !contains(groups, info.Group) {
				groups = append(groups, info.Group)
			}
		}
		matches = completeFrom(groups, text)
	case contains([]string{"clear", "fg", "pid", "restart", "signal", "start", "status", "stop", "tail"}, words[0]):
		var procs []string
		for _, info := range c.completionInfo() {
			if strings.Contains(text, ":") || info.Name != info.Group {
				procs = append(procs, info.Group+":"+info.Name)
				if star := info.Group + ":*"; !contains(procs, star) {
					procs = append(procs, star)
				}
			} else {
				procs = append(procs, info.Name)
			}
		}
		matches = completeFrom(procs, text)
	}
	return matches
}

func completeFrom(words []string, text string) []string {
	var out []string
	for _, w := range words {
		if strings.HasPrefix(w, text) && !contains(out, w+" ") {
			out = append(out, w+" ")
		}
	}
	return out
}

// completionInfo caches getAllProcessInfo until the next command, since
// one Tab may ask for completions more than once.
func (c *Controller) completionInfo() []ProcessInfo {
	if !c.completeOK {
		var infos []ProcessInfo
		if err := c.call("supervisor.getAllProcessInfo", &infos); err != nil {
			return nil
		}
		c.completeInfo, c.completeOK = infos, true
	}
	return c.completeInfo
}
