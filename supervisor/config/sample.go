package config

import (
	_ "embed"
	"io"
)

// SampleConf is the commented sample configuration that
// echo_supervisord_conf prints (CLI-ECHO-01). It covers every section and
// key with 4.2.5's defaults, and Load accepts it as it is.
//
//go:embed sample.conf
var SampleConf string

// EchoMain is the echo_supervisord_conf command: it writes SampleConf to
// stdout and returns 0; like 4.2.5 it ignores its arguments.
func EchoMain(args []string, stdout, stderr io.Writer) int {
	if _, err := io.WriteString(stdout, SampleConf); err != nil {
		_, _ = io.WriteString(stderr, "echo_supervisord_conf: "+err.Error()+"\n")
		return 1
	}
	return 0
}
