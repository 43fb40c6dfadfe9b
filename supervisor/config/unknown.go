package config

import (
	"fmt"
	"strings"
)

// This file lists the keys 4.2.5 reads per section, so that we can warn
// about the ones it silently ignores (typos, keys of another section).

var (
	processKeys = words(`command process_name numprocs numprocs_start priority autostart
		startsecs startretries autorestart exitcodes stopsignal stopwaitsecs stopasgroup
		killasgroup user redirect_stderr stdout_logfile stdout_logfile_maxbytes
		stdout_logfile_backups stdout_capture_maxbytes stdout_events_enabled stdout_syslog
		stderr_logfile stderr_logfile_maxbytes stderr_logfile_backups stderr_capture_maxbytes
		stderr_events_enabled stderr_syslog environment directory umask serverurl`)
	knownKeys = map[string]map[string]bool{
		"supervisord": words(`logfile logfile_maxbytes logfile_backups loglevel pidfile umask
			nodaemon silent minfds minprocs nocleanup childlogdir user directory strip_ansi
			environment identifier`),
		"supervisorctl":    words(`serverurl username password prompt history_file`),
		"unix_http_server": words(`file chmod chown username password`),
		"inet_http_server": words(`port username password`),
		"include":          words(`files`),
		"group":            words(`programs priority`),
		"program":          processKeys,
		"fcgi-program":     union(processKeys, words(`socket socket_backlog socket_owner socket_mode`)),
		"eventlistener":    union(processKeys, words(`events buffer_size result_handler`)),
	}
)

func words(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

func union(a, b map[string]bool) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

// sectionKind maps a section name to its kind as 4.2.5 matches it
// (prefixes, CFG-FMT-10); ok is false for sections 4.2.5 ignores.
func sectionKind(name string) (kind string, ok bool) {
	for _, p := range []string{"program:", "group:", "eventlistener:", "fcgi-program:", "rpcinterface:", "ctlplugin:"} {
		if strings.HasPrefix(name, p) {
			return strings.TrimSuffix(p, ":"), true
		}
	}
	for _, p := range []string{"unix_http_server", "inet_http_server"} {
		if strings.HasPrefix(name, p) {
			return p, true
		}
	}
	switch name {
	case "supervisord", "supervisorctl", "include":
		return name, true
	}
	return "", false
}

// unknownKeys adds a warning per ignored section and per ignored key.
func (l *loader) unknownKeys() {
	for _, k := range l.doc.defaults.keys {
		if !knownAnywhere(k) {
			v := l.doc.defaults.vals[k]
			l.cfg.Notes = append(l.cfg.Notes, Diagnostic{File: v.File, Line: v.Line, Section: "DEFAULT",
				Message: fmt.Sprintf("unknown key %q in section [DEFAULT]: no section reads it", k)})
		}
	}
	for _, s := range l.doc.sections {
		kind, ok := sectionKind(s.Name)
		if !ok {
			l.cfg.Notes = append(l.cfg.Notes, Diagnostic{File: s.File, Line: s.Line, Section: s.Name,
				Message: fmt.Sprintf("unknown section [%s] is ignored", s.Name)})
			continue
		}
		known := knownKeys[kind]
		if known == nil { // rpcinterface, ctlplugin: any key is passed on
			continue
		}
		for _, k := range s.keys {
			v := s.vals[k]
			if !known[k] && !v.inherited {
				msg := fmt.Sprintf("unknown key %q in section [%s] is ignored", k, s.Name)
				if guess := closest(k, known); guess != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", guess)
				}
				if kind == "inet_http_server" && k == "file" {
					msg += " (file= belongs to [unix_http_server]; [inet_http_server] needs port=)"
				}
				l.cfg.Notes = append(l.cfg.Notes, Diagnostic{File: v.File, Line: v.Line, Section: s.Name, Message: msg})
			}
		}
	}
}

// knownAnywhere tells whether any section kind reads key; [DEFAULT] keys
// are inherited everywhere, so only keys no section reads are suspicious.
func knownAnywhere(key string) bool {
	for _, keys := range knownKeys {
		if keys[key] {
			return true
		}
	}
	return false
}

// closest returns the known key within edit distance 2 of key, if any.
func closest(key string, known map[string]bool) string {
	best, bestDist := "", 3
	for k := range known {
		if d := editDistance(key, k); d < bestDist || (d == bestDist && k < best) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
