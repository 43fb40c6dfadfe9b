package config

import (
	"os"
	"syscall"
)

// Config is a fully parsed and validated supervisord configuration file,
// with its includes merged, every value typed and every default applied.
type Config struct {
	// Path is the absolute path of the main configuration file.
	Path string
	// ServerURL is what 4.2.5 computes for SUPERVISOR_SERVER_URL: the
	// first unix server as unix://<file>, else the inet server as
	// http://<host or localhost>:<port>, else "" (CFG-PROG-08).
	ServerURL string
	// Included lists the files merged through [include], in the order read.
	Included []string

	Supervisord   Supervisord
	Supervisorctl Supervisorctl
	// HasSupervisord and HasSupervisorctl tell whether the sections were
	// present; supervisord requires the first, supervisorctl does not.
	HasSupervisord   bool
	HasSupervisorctl bool

	UnixHTTPServer *UnixHTTPServer // nil when the section is absent
	InetHTTPServer *InetHTTPServer // nil when the section is absent
	// UnixHTTPServers and InetHTTPServers list every [unix_http_server*]
	// and [inet_http_server*] section in file order (4.2.5 serves them
	// all); the single fields above are their first elements.
	UnixHTTPServers []*UnixHTTPServer
	InetHTTPServers []*InetHTTPServer

	// Groups holds every process group (programs, event listener pools,
	// fcgi programs, [group:x] sections), sorted by (Priority, Name) as
	// supervisord starts them.
	Groups []*Group

	// RPCInterfaces lists [rpcinterface:x] sections in file order.
	RPCInterfaces []RPCInterface

	// Warnings are the non-fatal messages 4.2.5 logs (at WARN) while
	// parsing: deprecated syslog logfiles, redirect_stderr with a
	// stderr_logfile, AUTO logs without rollover, include patterns that
	// match nothing. Each carries its file and line.
	Warnings []Diagnostic
	// Notes are our own warnings, which 4.2.5 does not print: ignored
	// sections and keys (typos), options a factory cannot take. They are
	// for `supervisord --check-config`; the main log keeps 4.2.5's lines.
	Notes []Diagnostic
	// Infos are the informational lines 4.2.5 logs while parsing, such as
	// `Included extra file "..." during parsing`.
	Infos []string
}

// Diagnostic is a message tied to a place in a configuration file.
type Diagnostic struct {
	File    string
	Line    int // 0 when unknown
	Section string
	Message string
}

// Supervisord is the [supervisord] section.
type Supervisord struct {
	Logfile         string // absolute path, "syslog", or as given for /dev/stdout
	LogfileMaxbytes int64
	LogfileBackups  int
	Loglevel        LogLevel
	Pidfile         string
	Umask           os.FileMode
	Nodaemon        bool
	Silent          bool
	Minfds          int
	Minprocs        int
	Nocleanup       bool
	Childlogdir     string
	User            string // as written; "" when unset
	UID             int    // User resolved (Load checks it exists); -1 when unset
	Directory       string // "" when unset
	StripAnsi       bool
	Environment     Env // environment=, also merged into every Program.Environment
	Identifier      string
}

// Supervisorctl is the [supervisorctl] section.
type Supervisorctl struct {
	ServerURL   string // default http://localhost:9001
	Username    string
	Password    string
	Prompt      string // default "supervisor"
	HistoryFile string
}

// UnixHTTPServer is the [unix_http_server] section.
type UnixHTTPServer struct {
	File     string      // absolute socket path
	Chmod    os.FileMode // default 0700
	Chown    *UserGroup  // nil when unset
	Username string
	Password string // plain text or "{SHA}" + 40 hex digits
}

// InetHTTPServer is the [inet_http_server] section (or [inet_http_server:name]).
type InetHTTPServer struct {
	Name     string // section name, "inet_http_server" unless suffixed
	Host     string // "" means all interfaces
	Port     int
	Username string
	Password string
}

// UserGroup is a resolved `user` or `user:group` value.
type UserGroup struct {
	User  string
	UID   int
	GID   int // -1 when no group was given
	Group string
}

// GroupKind says which kind of section produced a group.
type GroupKind int

const (
	KindProgram       GroupKind = iota // [program:x] (an implicit group of its own)
	KindGroup                          // [group:x]
	KindEventListener                  // [eventlistener:x]
	KindFCGI                           // [fcgi-program:x]
)

// Group is a process group as supervisord manages it.
type Group struct {
	Name     string
	Kind     GroupKind
	Priority int
	// Section is the defining section, e.g. "program:web" or "group:g".
	Section string
	// Programs are the processes of the group, in (Priority, Name) order.
	Programs []*Program

	// Event listener pools only.
	Events        []string // upper-cased event type names
	BufferSize    int
	ResultHandler string

	// FastCGI programs only.
	Socket        string      // tcp://host:port or unix:///path
	SocketBackLog int         // 0: unset, listen with SOMAXCONN
	SocketOwner   *UserGroup  // unix sockets only; nil: supervisord's user
	SocketMode    os.FileMode // unix sockets only; default 0700

	// File and Line locate the section that defined the group.
	File string
	Line int
}

// AutoRestart is the `autorestart` policy.
type AutoRestart int

const (
	RestartUnexpected AutoRestart = iota
	RestartAlways
	RestartNever
)

// LogLevel is a supervisord log level; lower is more severe.
type LogLevel int

const (
	LevelCritical LogLevel = 50
	LevelError    LogLevel = 40
	LevelWarn     LogLevel = 30
	LevelInfo     LogLevel = 20
	LevelDebug    LogLevel = 10
	LevelTrace    LogLevel = 5
	LevelBlather  LogLevel = 3
)

// Program is one process, after numprocs expansion: [program:x] with
// numprocs=3 yields three Programs with distinct Names.
type Program struct {
	Name        string // process name (process_name expanded)
	ProgramName string // the section's name after "program:"
	Group       string
	ProcessNum  int
	// Section is the section the process comes from ("program:x",
	// "eventlistener:x" or "fcgi-program:x").
	Section string

	Command string   // as configured, after expansion
	Argv    []string // Command split with POSIX shell-word rules (nil when CommandErr != nil)
	// CommandErr is set when Command cannot be split ("can't parse command
	// '...': No closing quotation") or is empty ("command is empty"). 4.2.5
	// accepts such a config and fails at spawn time, so the engine reports
	// this as the spawn error.
	CommandErr   error
	Priority     int
	Autostart    bool
	Autorestart  AutoRestart
	Startsecs    int
	Startretries int
	Exitcodes    []int
	Stopsignal   syscall.Signal
	Stopwaitsecs int
	Stopasgroup  bool
	Killasgroup  bool
	User         string       // "" when unset
	UID          int          // User resolved; -1 when unset
	Directory    string       // "" when unset; checked at spawn time, as 4.2.5 does
	Umask        *os.FileMode // nil: inherit
	// Environment is [supervisord] environment= with the program's own
	// environment= on top (CFG-EXP-02). supervisord's inherited variables
	// and SUPERVISOR_* are not in it; the engine adds them at spawn.
	Environment Env
	ServerURL   string // resolved from AUTO; "" when there is no HTTP server
	// serverURLAuto is true while ServerURL still has to be computed.
	serverURLAuto bool

	RedirectStderr bool
	Stdout         LogSpec
	Stderr         LogSpec

	// File and Line locate the [program:x] section header.
	File string
	Line int
}

// LogSpec configures one of a process's output channels.
type LogSpec struct {
	// Logfile is an absolute path, "" for none (NONE/OFF, or stderr when
	// redirect_stderr is set), or Auto for an automatic file in childlogdir.
	Logfile         string
	Auto            bool
	Maxbytes        int64
	Backups         int
	CaptureMaxbytes int64
	EventsEnabled   bool
	Syslog          bool
}

// Env is an ordered list of environment variables.
type Env []EnvVar

// EnvVar is one KEY=VALUE pair.
type EnvVar struct {
	Key, Value string
}

// RPCInterface is an [rpcinterface:x] section.
type RPCInterface struct {
	Name    string
	Factory string            // supervisor.rpcinterface_factory
	Extra   map[string]string // other keys, passed to the factory
}

// Namespec is how supervisorctl and XML-RPC name the process: its own
// name when it is alone in a group of the same name, else "group:name".
func (p *Program) Namespec() string {
	if p.Group == p.Name {
		return p.Name
	}
	return p.Group + ":" + p.Name
}
