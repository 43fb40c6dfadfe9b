package ui

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
)

// series is one parsed sample.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	metricNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// parseExposition is a strict parser of the Prometheus text format 0.0.4
// as we emit it: every family has HELP then TYPE before its samples, no
// family appears twice, samples belong to the current family, label
// values use only the \\ \" \n escapes, no duplicate series, and the text
// ends with a newline.
func parseExposition(text string) (map[string]string, []series, error) {
	if text == "" || !strings.HasSuffix(text, "\n") {
		return nil, nil, fmt.Errorf("exposition must end with a newline")
	}
	types := map[string]string{}
	var out []series
	seen := map[string]bool{}
	cur, help := "", ""
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		ln := i + 1
		switch {
		case strings.HasPrefix(line, "# HELP "):
			f := strings.SplitN(strings.TrimPrefix(line, "# HELP "), " ", 2)
			if len(f) != 2 || !metricNameRE.MatchString(f[0]) {
				return nil, nil, fmt.Errorf("line %d: bad HELP", ln)
			}
			if _, dup := types[f[0]]; dup || help == f[0] {
				return nil, nil, fmt.Errorf("line %d: family %s repeated", ln, f[0])
			}
			help = f[0]
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Split(strings.TrimPrefix(line, "# TYPE "), " ")
			if len(f) != 2 || f[0] != help {
				return nil, nil, fmt.Errorf("line %d: TYPE without its HELP", ln)
			}
			switch f[1] {
			case "counter", "gauge", "untyped":
			default:
				return nil, nil, fmt.Errorf("line %d: type %q", ln, f[1])
			}
			types[f[0]], cur = f[1], f[0]
		case strings.HasPrefix(line, "#") || line == "":
			return nil, nil, fmt.Errorf("line %d: unexpected %q", ln, line)
		default:
			s, key, err := parseSample(line)
			if err != nil {
				return nil, nil, fmt.Errorf("line %d: %v", ln, err)
			}
			if s.name != cur {
				return nil, nil, fmt.Errorf("line %d: sample %s outside its family (%s)", ln, s.name, cur)
			}
			if types[cur] == "counter" && (s.value < 0 || math.IsNaN(s.value)) {
				return nil, nil, fmt.Errorf("line %d: negative counter", ln)
			}
			if seen[key] {
				return nil, nil, fmt.Errorf("line %d: duplicate series %s", ln, key)
			}
			seen[key] = true
			out = append(out, s)
		}
	}
	return types, out, nil
}

func parseSample(line string) (series, string, error) {
	s := series{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, "", fmt.Errorf("no value")
	}
	s.name = line[:i]
	if !metricNameRE.MatchString(s.name) {
		return s, "", fmt.Errorf("bad metric name %q", s.name)
	}
	rest := line[i:]
	var keys []string
	if rest[0] == '{' {
		rest = rest[1:]
		for rest != "" && rest[0] != '}' {
			eq := strings.Index(rest, `="`)
			if eq < 0 {
				return s, "", fmt.Errorf("bad label in %q", line)
			}
			name := rest[:eq]
			if !labelNameRE.MatchString(name) {
				return s, "", fmt.Errorf("bad label name %q", name)
			}
			rest = rest[eq+2:]
			var val strings.Builder
			closed := false
			for j := 0; j < len(rest); j++ {
				c := rest[j]
				if c == '\\' {
					if j+1 >= len(rest) {
						return s, "", fmt.Errorf("dangling escape")
					}
					switch rest[j+1] {
					case '\\':
						val.WriteByte('\\')
					case '"':
						val.WriteByte('"')
					case 'n':
						val.WriteByte('\n')
					default:
						return s, "", fmt.Errorf("bad escape \\%c", rest[j+1])
					}
					j++
					continue
				}
				if c == '"' {
					rest = rest[j+1:]
					closed = true
					break
				}
				if c == '\n' {
					return s, "", fmt.Errorf("raw newline in label")
				}
				val.WriteByte(c)
			}
			if !closed {
				return s, "", fmt.Errorf("unterminated label value")
			}
			if _, dup := s.labels[name]; dup {
				return s, "", fmt.Errorf("duplicate label %s", name)
			}
			s.labels[name] = val.String()
			keys = append(keys, name+"="+strconv.Quote(val.String()))
			if strings.HasPrefix(rest, ",") {
				rest = rest[1:]
			} else if !strings.HasPrefix(rest, "}") {
				return s, "", fmt.Errorf("expected , or } in %q", line)
			}
		}
		if rest == "" {
			return s, "", fmt.Errorf("unterminated labels")
		}
		rest = rest[1:]
	}
	if !strings.HasPrefix(rest, " ") {
		return s, "", fmt.Errorf("no space before value")
	}
	f := strings.Split(rest[1:], " ")
	if len(f) > 2 || f[0] == "" {
		return s, "", fmt.Errorf("bad value field %q", rest)
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return s, "", fmt.Errorf("bad value %q", f[0])
	}
	s.value = v
	return s, s.name + "{" + strings.Join(keys, ",") + "}", nil
}

func find(ss []series, name string, labels ...string) (float64, bool) {
next:
	for _, s := range ss {
		if s.name != name || len(s.labels) != len(labels)/2 {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if s.labels[labels[i]] != labels[i+1] {
				continue next
			}
		}
		return s.value, true
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	f := serve(t)
	f.ui.CountStart("sleeper", "sleeper")
	// One XML-RPC request, to see the counter move.
	resp, err := http.Post(f.base+"/RPC2", "text/xml", strings.NewReader(`<?xml version="1.0"?><methodCall><methodName>supervisor.getState</methodName></methodCall>`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, hdr, body := f.get(t, "/metrics")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %q", code, hdr.Get("Content-Type"))
	}
	types, ss, err := parseExposition(body)
	if err != nil {
		t.Fatalf("%v\n%s", err, body)
	}
	evil := []string{"group", "g", "name", evilName}
	sl := []string{"group", "sleeper", "name", "sleeper"}
	tests := []struct {
		name   string
		labels []string
		check  func(float64) bool
	}{
		{"supervisor_up", nil, func(v float64) bool { return v == 1 }},
		{"supervisor_state", nil, func(v float64) bool { return v == 1 }},
		{"supervisor_rpc_requests_total", nil, func(v float64) bool { return v == 1 }},
		{"supervisor_uptime_seconds", nil, func(v float64) bool { return v >= 0 }},
		{"supervisor_processes", []string{"state", "RUNNING"}, func(v float64) bool { return v == 1 }},
		{"supervisor_processes", []string{"state", "STOPPED"}, func(v float64) bool { return v == 1 }},
		{"supervisor_processes", []string{"state", "FATAL"}, func(v float64) bool { return v == 0 }},
		{"supervisor_process_state", sl, func(v float64) bool { return v == float64(rpc.StateRunning) }},
		{"supervisor_process_state", evil, func(v float64) bool { return v == float64(rpc.StateStopped) }},
		{"supervisor_process_running", sl, func(v float64) bool { return v == 1 }},
		{"supervisor_process_uptime_seconds", sl, func(v float64) bool { return v >= 0 }},
		{"supervisor_process_uptime_seconds", evil, func(v float64) bool { return v == 0 }},
		{"supervisor_process_start_time_seconds", sl, func(v float64) bool { return v > 1e9 }},
		{"supervisor_process_exit_status", evil, func(v float64) bool { return v == 0 }},
		{"supervisor_process_pid", sl, func(v float64) bool { return v > 1 }},
		{"supervisor_process_starts_total", sl, func(v float64) bool { return v == 1 }},
		{"supervisor_process_starts_total", evil, func(v float64) bool { return v == 0 }},
	}
	for _, tt := range tests {
		v, ok := find(ss, tt.name, tt.labels...)
		if !ok || !tt.check(v) {
			t.Errorf("%s%v = %v (found %v)", tt.name, tt.labels, v, ok)
		}
	}
	if types["supervisor_rpc_requests_total"] != "counter" || types["supervisor_process_state"] != "gauge" {
		t.Errorf("types: %v", types)
	}
}

func TestMetricsStartCountOnlyWhenWired(t *testing.T) {
	f := serve(t)
	_, _, body := f.get(t, "/metrics")
	if strings.Contains(body, "supervisor_process_starts_total") {
		t.Errorf("starts_total reported without a source of spawns")
	}
}

func TestParserRejects(t *testing.T) { // the checker must be able to fail
	for _, bad := range []string{
		"x 1",   // no newline
		"x 1\n", // no HELP/TYPE
		"# HELP x h\n# TYPE x gauge\nx{a=\"b} 1\n",
		"# HELP x h\n# TYPE x gauge\nx{a=\"\\t\"} 1\n",
		"# HELP x h\n# TYPE x gauge\nx 1\nx 2\n",
		"# HELP x h\n# TYPE x gauge\ny 1\n",
		"# HELP x h\n# TYPE x counter\nx -1\n",
		"# HELP x h\n# TYPE x gauge\nx 1e\n",
		"# HELP x h\n# TYPE x gauge\nx{1a=\"b\"} 1\n",
	} {
		if _, _, err := parseExposition(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// FuzzMetricLabels: any label value survives escaping and strict parsing.
func FuzzMetricLabels(f *testing.F) {
	for _, s := range []string{"", "plain", `a"b`, `back\slash`, "new\nline", evilName, "\\n", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var b bytes.Buffer
		m := &metricWriter{w: &b}
		m.family("x_total", "counter", "help with \\ and \n newline")
		m.sample("x_total", []string{"name", v}, 3)
		_, ss, err := parseExposition(b.String())
		if err != nil {
			t.Fatalf("%q: %v\n%s", v, err, b.String())
		}
		if len(ss) != 1 || ss[0].labels["name"] != v || ss[0].value != 3 {
			t.Fatalf("%q: round trip gave %+v", v, ss)
		}
	})
}
