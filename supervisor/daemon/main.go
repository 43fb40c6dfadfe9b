package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
	"github.com/supervisorlab/supervisorlab/supervisor/events"
	"github.com/supervisorlab/supervisorlab/supervisor/logfile"
	"github.com/supervisorlab/supervisorlab/supervisor/process"
	"github.com/supervisorlab/supervisorlab/supervisor/rpc"
	"github.com/supervisorlab/supervisorlab/supervisor/web"
	"golang.org/x/sys/unix"
)

// daemonFDEnv names the status pipe a daemonized child reports on: "ok"
// once it is serving, nothing (and its exit status) when startup failed.
const daemonFDEnv = "SUPERVISORLAB_DAEMON_STATUS_FD"

const rootWarning = `Supervisord is running as root and it is searching for its configuration file in default locations (including its current working directory); you probably want to specify a "-c" argument specifying an absolute path to a configuration file for improved security.`

const rootCrit = "Supervisor is running as root.  Privileges were not dropped because no user is specified in the config file.  If you intend to run as root, you can set user=root in the config file to avoid this message."

// Main is supervisord's command line. It returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	argv0 := "supervisord"
	if len(os.Args) > 0 {
		argv0 = os.Args[0]
	}
	usage := func(err error) int {
		fmt.Fprintf(stderr, "Error: %s\n", err.Error())
		fmt.Fprintf(stderr, "For help, use %s -h\n", argv0)
		return 2
	}
	f, err := ParseFlags(args)
	if err != nil {
		return usage(err)
	}
	if f.Help {
		fmt.Fprintf(stdout, usageText, argv0)
		return 0
	}
	if f.Version {
		fmt.Fprintln(stdout, rpc.Version)
		return 0
	}
	path := f.Config
	if path == "" {
		found, tried := config.Search(argv0)
		if found == "" {
			return usage(config.NotFoundError(tried))
		}
		path = found
		// The daemonized child is started with the same arguments; the
		// parent already warned.
		if os.Getuid() == 0 && !f.CheckConfig && os.Getenv(daemonFDEnv) == "" {
			fmt.Fprintf(stderr, "UserWarning: %s\n", rootWarning)
		}
	}
	if f.CheckConfig {
		return config.CheckConfig(path, stdout, stderr)
	}
	load := func() (*config.Config, error) {
		cfg, err := config.Load(path, config.Options{})
		if err != nil {
			return nil, err
		}
		if !cfg.HasSupervisord {
			return nil, errors.New(".ini file does not include supervisord section")
		}
		f.apply(&cfg.Supervisord)
		return cfg, nil
	}
	cfg, err := load()
	if err != nil {
		return usage(err)
	}
	// Later loads (reread, reload) must find the file after a chdir to
	// [supervisord] directory.
	path = cfg.Path

	statusFD := -1
	if s := os.Getenv(daemonFDEnv); s != "" {
		statusFD, _ = strconv.Atoi(s)
		os.Unsetenv(daemonFDEnv)
	} else if !cfg.Supervisord.Nodaemon {
		return daemonize(args, stderr)
	}

	// A closed terminal or pipe on stdout must not kill supervisord (Go
	// exits on SIGPIPE for fds 1 and 2 unless the signal is caught). It is
	// caught, not ignored, so children still start with the default.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)

	r := &runner{flags: f, load: load, stdout: stdout, stderr: stderr, statusFD: statusFD}
	r.reaper = process.NewReaper(true, reapedUnknown(func() *logfile.Logger { return r.logger.Load() }))
	r.reaper.OnSIGCHLD(func() { r.logger.Load().Debug("received SIGCHLD indicating a child quit") })
	// One event bus for the life of the pid: serials continue across
	// reloads (EVT-05); TICK events come from it too.
	r.bus = events.NewBus()
	stopTicks := make(chan struct{})
	defer close(stopTicks)
	go events.NewTicker(r.bus).Run(events.RealClock, stopTicks)
	defer r.reaper.Close()
	first := true
	for {
		code, restart, err := r.runOnce(cfg, first)
		if err != nil {
			return usage(err)
		}
		if !restart {
			return code
		}
		first = false
		if cfg, err = load(); err != nil {
			return usage(err)
		}
	}
}

// daemonize re-executes supervisord in a new session and waits until the
// child reports that it is serving (exit 0, as 4.2.5's parent after its
// fork) or has failed (its exit status; its messages went to our stderr).
func daemonize(args []string, stderr io.Writer) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "Error: cannot daemonize: %v\n", err)
		return 2
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(stderr, "Error: cannot daemonize: %v\n", err)
		return 2
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), daemonFDEnv+"=3")
	cmd.ExtraFiles = []*os.File{pw}
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if f, ok := stderr.(*os.File); ok {
		cmd.Stderr = f
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "Error: cannot daemonize: %v\n", err)
		return 2
	}
	pw.Close()
	status, _ := io.ReadAll(pr)
	pr.Close()
	if strings.HasPrefix(string(status), "ok") {
		_ = cmd.Process.Release()
		return 0
	}
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() > 0 {
			return ee.ExitCode()
		}
		return 1
	}
	return 0
}

type runner struct {
	flags    *Flags
	load     func() (*config.Config, error)
	stdout   io.Writer
	stderr   io.Writer
	statusFD int
	reaper   *process.Reaper
	logger   atomic.Pointer[logfile.Logger]
	bus      *events.Bus
	sigs     chan os.Signal
}

// runOnce runs one generation: from the config to shutdown or reload
// (DMN-02). err is a usage error (exit 2).
func (r *runner) runOnce(cfg *config.Config, first bool) (code int, restart bool, err error) {
	sd := &cfg.Supervisord
	var infos []string
	if first {
		if sd.User != "" {
			msg, err := dropPrivileges(sd.User)
			if err != nil {
				return 0, false, err
			}
			infos = append(infos, msg)
		}
		for _, lim := range []struct {
			res  int
			min  int
			name string
			what string
			flag string
		}{
			{syscall.RLIMIT_NOFILE, sd.Minfds, "RLIMIT_NOFILE", "file descriptors", "minfds"},
			{unix.RLIMIT_NPROC, sd.Minprocs, "RLIMIT_NPROC", "processes", "minprocs"},
		} {
			msg, err := raiseLimit(lim.res, lim.min, lim.name, lim.what, lim.flag)
			if err != nil {
				return 0, false, err
			}
			if msg != "" {
				infos = append(infos, msg)
			}
		}
	}

	var echo io.Writer
	if sd.Nodaemon && !sd.Silent && r.statusFD < 0 {
		echo = r.stdout
	}
	log, err := openMainLog(sd, echo)
	if err != nil {
		return 0, false, err
	}
	defer log.Close()
	r.logger.Store(log)

	if os.Geteuid() == 0 && sd.User == "" {
		log.Critical("%s", rootCrit)
	}
	for _, w := range cfg.Warnings {
		log.Warn("%s", w.Message)
	}
	for _, i := range cfg.Infos {
		log.Info("%s", i)
	}
	for _, i := range infos {
		log.Info("%s", i)
	}
	if !sd.Nocleanup {
		cleanAutoLogs(sd.Childlogdir, sd.Identifier, log)
	}

	sup := New(cfg, log, r.reaper, r.load)
	sup.UseEvents(r.bus)
	ri := &rpcInit{cfg: cfg, log: log}
	servers := web.New(cfg, sup, ri.logger)
	servers.Stderr = r.stderr
	for _, ext := range registered() {
		detach, err := ext.Attach(sup, servers)
		if err != nil {
			return 0, false, fmt.Errorf("%s: %v", ext.Name, err)
		}
		if detach != nil {
			defer detach()
		}
	}
	if err := sup.MakeGroups(); err != nil {
		return 0, false, err
	}
	defer sup.Close()
	if err := servers.Listen(); err != nil {
		return 0, false, err
	}
	ri.flush()
	serveDone := make(chan error, 1)
	go func() { serveDone <- servers.Serve() }()

	if r.sigs == nil {
		r.sigs = make(chan os.Signal, 8)
		signal.Notify(r.sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR2)
	}

	if r.statusFD >= 0 && first {
		log.Info("daemonizing the supervisord process")
		if sd.Directory != "" {
			if err := os.Chdir(sd.Directory); err != nil {
				log.Critical("can't chdir into '%s': %v", sd.Directory, err)
			} else {
				log.Info("set current directory: '%s'", sd.Directory)
			}
		}
		syscall.Umask(int(sd.Umask))
		detachStdio()
	}
	pidfile := sd.Pidfile
	if pidfile != "" {
		if err := os.WriteFile(pidfile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			log.Critical("could not write pidfile %s", pidfile)
			pidfile = ""
		}
	}
	log.Info("supervisord started with pid %d", os.Getpid())
	if r.statusFD >= 0 {
		st := os.NewFile(uintptr(r.statusFD), "daemon-status")
		_, _ = st.Write([]byte("ok\n"))
		st.Close()
		r.statusFD = -2 // reported; later generations stay detached
	}

	sup.emitState(rpc.SupervisorRunning)
	sup.AutostartAll()

	stopped := make(chan struct{})
	stopping := false
	for {
		select {
		case sig := <-r.sigs:
			r.handleSignal(sup, sig.(syscall.Signal))
			continue
		case <-sup.Done():
		case <-stopped:
		}
		if !stopping && sup.Mood() < rpc.SupervisorRunning {
			stopping = true
			go func() {
				_ = sup.StopAllGroups(context.Background())
				close(stopped)
			}()
			continue
		}
		select {
		case <-stopped:
		default:
			continue
		}
		break
	}

	// Let the response to supervisor.shutdown/restart reach the client.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = servers.Shutdown(ctx)
	cancel()
	<-serveDone
	restart = sup.Mood() == rpc.SupervisorRestarting
	if !restart && pidfile != "" {
		_ = os.Remove(pidfile)
	}
	return 0, restart, nil
}

func (r *runner) handleSignal(sup *Supervisor, sig syscall.Signal) {
	log := sup.Logger()
	switch sig {
	case syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT:
		log.Warn("received %s indicating exit request", process.SignalName(sig))
		sup.setMood(rpc.SupervisorShutdown)
	case syscall.SIGHUP:
		if sup.Mood() == rpc.SupervisorShutdown {
			log.Warn("ignored SIGHUP indicating restart request (shutdown in progress)")
			return
		}
		log.Warn("received SIGHUP indicating restart request")
		sup.setMood(rpc.SupervisorRestarting)
	case syscall.SIGUSR2:
		log.Info("received SIGUSR2 indicating log reopen request")
		sup.ReopenLogs()
	}
}

// MakeGroups creates every configured group without starting anything.
func (s *Supervisor) MakeGroups() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, gc := range s.active.Groups {
		g, err := s.makeGroup(gc)
		if err != nil {
			return err
		}
		s.groups[gc.Name] = g
	}
	return nil
}

// AutostartAll starts autostart processes in ascending priority.
func (s *Supervisor) AutostartAll() {
	for _, g := range s.ordered() {
		for _, p := range g.Procs {
			p.Autostart()
		}
	}
}

func openMainLog(sd *config.Supervisord, echo io.Writer) (*logfile.Logger, error) {
	switch sd.Logfile {
	case "syslog":
		l := logfile.NewLogger(sd.Loglevel, nil, echo)
		if err := l.UseSyslog("supervisord"); err != nil {
			return nil, fmt.Errorf("could not open syslog: %v", err)
		}
		return l, nil
	case "":
		return logfile.NewLogger(sd.Loglevel, nil, echo), nil
	}
	maxb := sd.LogfileMaxbytes
	if st, err := os.Stat(sd.Logfile); err == nil && !st.Mode().IsRegular() {
		maxb = 0 // /dev/stdout and friends cannot rotate (ISS-01)
	}
	w, err := logfile.Open(sd.Logfile, maxb, sd.LogfileBackups)
	if err != nil {
		return nil, fmt.Errorf("could not open logfile %s: %v", sd.Logfile, err)
	}
	return logfile.NewLogger(sd.Loglevel, w, echo), nil
}

// rpcInit sends the web/rpc layers' lines to the main log, putting 4.2.5's
// "RPC interface 'supervisor' initialized" line before each server's CRIT
// line, the order 4.2.5 logs them in.
type rpcInit struct {
	cfg    *config.Config
	log    *logfile.Logger
	logged int
}

func (ri *rpcInit) logger(level config.LogLevel, msg string) {
	if level == config.LevelCritical && strings.HasPrefix(msg, "Server '") && ri.logged < serverCount(ri.cfg) {
		ri.one()
	}
	ri.log.Log(level, msg)
}

// flush logs the lines of servers that had no CRIT line (with auth).
func (ri *rpcInit) flush() {
	for ri.logged < serverCount(ri.cfg) {
		ri.one()
	}
}

func (ri *rpcInit) one() {
	ri.logged++
	for _, x := range ri.cfg.RPCInterfaces {
		ri.log.Info("RPC interface '%s' initialized", x.Name)
	}
}

func serverCount(cfg *config.Config) int {
	n := 0
	if cfg.InetHTTPServer != nil {
		n++
	}
	if cfg.UnixHTTPServer != nil {
		n++
	}
	return n
}

// cleanAutoLogs removes AUTO child logs of earlier runs (LOG-CH-03).
func cleanAutoLogs(dir, ident string, log *logfile.Logger) {
	if dir == "" {
		return
	}
	re, err := regexp.Compile(`^.+?---` + regexp.QuoteMeta(ident) + `-\S+\.log\.?\d{0,4}`)
	if err != nil {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if re.MatchString(e.Name()) {
			path := filepath.Join(dir, e.Name())
			if err := os.Remove(path); err != nil {
				log.Warn("Failed to clean up %s", path)
			}
		}
	}
}

func detachStdio() {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return
	}
	for fd := 0; fd <= 2; fd++ {
		_ = syscall.Dup3(int(null.Fd()), fd, 0)
	}
	null.Close()
}
