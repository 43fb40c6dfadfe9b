// Package pidproxy is the pidproxy command: it starts a command (typically
// one that forks into the background and writes a pidfile) and forwards
// TERM, HUP, INT, USR1, USR2 and QUIT to the pid found in the pidfile, so
// that supervisord can stop such programs (CLI-PIDP-01..03).
//
// Differences from 4.2.5, all in the user's favour: the exit of the started
// command is noticed at once instead of within 5 seconds, and a command
// that cannot be executed is reported on stderr (4.2.5's forked child just
// exits 127).
package pidproxy

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// usage is our own wording; the argument order is 4.2.5's.
const usage = `pidproxy: run a command and pass the signals it gets on to the pid in a pidfile.

Use it for programs that fork into the background and write a pidfile: supervisord
signals pidproxy, and pidproxy signals the pid written in the file.

Usage: %s <pidfile name> <command> [<cmdarg1> ...]
`

// forwarded are the signals passed on; the first three also end pidproxy.
var forwarded = []os.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGQUIT}

// Main runs pidproxy with the full argv (argv[0] included, as 4.2.5 prints
// it in the usage) and returns the exit status.
func Main(argv []string, stdout, stderr io.Writer) int {
	if len(argv) < 3 {
		name := "pidproxy"
		if len(argv) > 0 {
			name = argv[0]
		}
		fmt.Fprintf(stdout, usage+"\n", name)
		return 1
	}
	pidfile, cmdargs := argv[1], argv[2:]
	// 4.2.5 uses os.path.abspath: relative to the cwd, no PATH search.
	abscmd, err := filepath.Abs(cmdargs[0])
	if err != nil {
		fmt.Fprintf(stderr, "pidproxy: %v\n", err)
		return 1
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)

	proc, err := os.StartProcess(abscmd, cmdargs, &os.ProcAttr{Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}})
	if err != nil {
		fmt.Fprintf(stderr, "pidproxy: couldn't exec %s: %v\n", abscmd, err)
		return 127
	}
	exited := make(chan struct{})
	go func() { _, _ = proc.Wait(); close(exited) }()
	for {
		select {
		case <-exited:
			return 0
		case s := <-sigs:
			sig := s.(syscall.Signal)
			pid, err := readPid(pidfile)
			if err != nil {
				fmt.Fprintf(stdout, "Can't read child pidfile %s!\n", pidfile)
				continue
			}
			_ = syscall.Kill(pid, sig)
			if sig == syscall.SIGTERM || sig == syscall.SIGINT || sig == syscall.SIGQUIT {
				return 0
			}
		}
	}
}

func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("bad pid %q", b)
	}
	return pid, nil
}
