package daemon

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/supervisorlab/supervisorlab/supervisor/config"
)

// Flags are supervisord's command-line options (reference §1.3). Pointer
// fields are nil when the option was not given, so that the config file
// value applies (CLI-GEN-05).
type Flags struct {
	Config      string
	Help        bool
	Version     bool
	CheckConfig bool

	Nodaemon        bool
	Silent          bool
	Nocleanup       bool
	StripAnsi       bool
	User            *string
	Umask           *os.FileMode
	Directory       *string
	Logfile         *string
	LogfileMaxbytes *int64
	LogfileBackups  *int
	Loglevel        *config.LogLevel
	Pidfile         *string
	Identifier      *string
	Childlogdir     *string
	Minfds          *int
	Minprocs        *int
	ProfileOptions  *string
}

// UsageError is a command-line problem: Main prints "Error: <msg>" and
// "For help, use <argv0> -h" and exits 2 (CLI-GEN-01).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

type optSpec struct {
	short string // "" for none
	long  string
	arg   bool
	set   func(f *Flags, name, v string) error
}

func invalid(name, v, why string) error {
	return &UsageError{fmt.Sprintf("invalid value for %s %s: %s", name, pyQuote(v), why)}
}

func pyQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

func intArg(name, v string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, invalid(name, v, fmt.Sprintf("invalid literal for int() with base 10: %s", pyQuote(v)))
	}
	return n, nil
}

var levels = map[string]config.LogLevel{
	"critical": config.LevelCritical, "crit": config.LevelCritical,
	"error": config.LevelError, "erro": config.LevelError,
	"warn": config.LevelWarn, "warning": config.LevelWarn,
	"info":  config.LevelInfo,
	"debug": config.LevelDebug, "debg": config.LevelDebug,
	"trace": config.LevelTrace, "trac": config.LevelTrace,
	"blather": config.LevelBlather, "blat": config.LevelBlather,
}

// byteSize parses 4.2.5's byte_size: a number with an optional KB/MB/GB
// suffix (case-insensitive).
func byteSize(name, v string) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	for suf, m := range map[string]int64{"kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, invalid(name, v, fmt.Sprintf("invalid literal for int() with base 10: %s", pyQuote(s)))
	}
	return n * mult, nil
}

func existingDir(name, v string) (string, error) {
	st, err := os.Stat(v)
	if err != nil || !st.IsDir() {
		return "", invalid(name, v, v+" is not an existing directory")
	}
	return v, nil
}

func existingDirpath(name, v string) (string, error) {
	dir := filepath.Dir(v)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", invalid(name, v, "The directory named as part of the path "+v+" does not exist")
	}
	return v, nil
}

var options = []optSpec{
	{"c", "configuration", true, func(f *Flags, n, v string) error { f.Config = v; return nil }},
	{"n", "nodaemon", false, func(f *Flags, n, v string) error { f.Nodaemon = true; return nil }},
	{"s", "silent", false, func(f *Flags, n, v string) error { f.Silent = true; return nil }},
	{"h", "help", false, func(f *Flags, n, v string) error { f.Help = true; return nil }},
	{"?", "", false, func(f *Flags, n, v string) error { f.Help = true; return nil }},
	{"v", "version", false, func(f *Flags, n, v string) error { f.Version = true; return nil }},
	{"", "check-config", false, func(f *Flags, n, v string) error { f.CheckConfig = true; return nil }},
	{"u", "user", true, func(f *Flags, n, v string) error {
		if _, err := strconv.Atoi(v); err != nil {
			if _, err := user.Lookup(v); err != nil {
				return &UsageError{"Invalid user name " + v}
			}
		} else if _, err := user.LookupId(v); err != nil {
			return &UsageError{"Invalid user id " + v}
		}
		f.User = &v
		return nil
	}},
	{"m", "umask", true, func(f *Flags, n, v string) error {
		u, err := strconv.ParseUint(v, 8, 32)
		if err != nil {
			return invalid(n, v, v+" can not be converted to an octal type")
		}
		m := os.FileMode(u)
		f.Umask = &m
		return nil
	}},
	{"d", "directory", true, func(f *Flags, n, v string) error {
		d, err := existingDir(n, v)
		f.Directory = &d
		return err
	}},
	{"l", "logfile", true, func(f *Flags, n, v string) error {
		if v != "syslog" {
			if _, err := existingDirpath(n, v); err != nil {
				return err
			}
		}
		f.Logfile = &v
		return nil
	}},
	{"y", "logfile_maxbytes", true, func(f *Flags, n, v string) error {
		b, err := byteSize(n, v)
		f.LogfileMaxbytes = &b
		return err
	}},
	{"z", "logfile_backups", true, func(f *Flags, n, v string) error {
		i, err := intArg(n, v)
		f.LogfileBackups = &i
		return err
	}},
	{"e", "loglevel", true, func(f *Flags, n, v string) error {
		l, ok := levels[strings.ToLower(v)]
		if !ok {
			return invalid(n, v, "bad logging level name "+pyQuote(v))
		}
		f.Loglevel = &l
		return nil
	}},
	{"j", "pidfile", true, func(f *Flags, n, v string) error {
		p, err := existingDirpath(n, v)
		f.Pidfile = &p
		return err
	}},
	{"i", "identifier", true, func(f *Flags, n, v string) error { f.Identifier = &v; return nil }},
	{"q", "childlogdir", true, func(f *Flags, n, v string) error {
		d, err := existingDir(n, v)
		f.Childlogdir = &d
		return err
	}},
	{"k", "nocleanup", false, func(f *Flags, n, v string) error { f.Nocleanup = true; return nil }},
	{"a", "minfds", true, func(f *Flags, n, v string) error {
		i, err := intArg(n, v)
		f.Minfds = &i
		return err
	}},
	{"", "minprocs", true, func(f *Flags, n, v string) error {
		i, err := intArg(n, v)
		f.Minprocs = &i
		return err
	}},
	{"t", "strip_ansi", false, func(f *Flags, n, v string) error { f.StripAnsi = true; return nil }},
	{"", "profile_options", true, func(f *Flags, n, v string) error {
		for _, o := range strings.Split(v, ",") {
			if o != "cumulative" && o != "calls" && o != "callers" {
				return invalid(n, v, "Unknown profile option "+pyQuote(o))
			}
		}
		f.ProfileOptions = &v
		return nil
	}},
}

// ParseFlags parses args getopt-style as 4.2.5 does: clustered short
// options, --long=value or --long value, unique prefixes of long names,
// no positional arguments, and each option at most once.
func ParseFlags(args []string) (*Flags, error) {
	f := &Flags{}
	seen := map[string]bool{}
	apply := func(o *optSpec, shown, val string) error {
		key := o.long
		if key == "" {
			key = o.short
		}
		if seen[key] {
			return &UsageError{fmt.Sprintf("conflicting command line option %s", pyQuote(shown))}
		}
		seen[key] = true
		return o.set(f, shown, val)
	}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			o, err := findLong(name)
			if err != nil {
				return nil, err
			}
			if o.arg && !hasVal {
				if i+1 >= len(args) {
					return nil, &UsageError{fmt.Sprintf("option --%s requires argument", o.long)}
				}
				i++
				val = args[i]
			} else if !o.arg && hasVal {
				return nil, &UsageError{fmt.Sprintf("option --%s must not have an argument", o.long)}
			}
			if err := apply(o, "--"+o.long, val); err != nil {
				return nil, err
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			o := findShort(a[j : j+1])
			if o == nil {
				return nil, &UsageError{fmt.Sprintf("option -%s not recognized", a[j:j+1])}
			}
			val := ""
			if o.arg {
				if j+1 < len(a) {
					val = a[j+1:]
				} else if i+1 < len(args) {
					i++
					val = args[i]
				} else {
					return nil, &UsageError{fmt.Sprintf("option -%s requires argument", o.short)}
				}
				j = len(a)
			}
			if err := apply(o, "-"+o.short, val); err != nil {
				return nil, err
			}
		}
	}
	if rest := args[i:]; len(rest) > 0 {
		quoted := make([]string, len(rest))
		for k, r := range rest {
			quoted[k] = pyQuote(r)
		}
		return nil, &UsageError{fmt.Sprintf("positional arguments are not supported: [%s]", strings.Join(quoted, ", "))}
	}
	return f, nil
}

func findShort(s string) *optSpec {
	for i := range options {
		if options[i].short == s {
			return &options[i]
		}
	}
	return nil
}

func findLong(name string) (*optSpec, error) {
	var matches []*optSpec
	for i := range options {
		o := &options[i]
		if o.long == "" {
			continue
		}
		if o.long == name {
			return o, nil
		}
		if strings.HasPrefix(o.long, name) {
			matches = append(matches, o)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return nil, &UsageError{fmt.Sprintf("option --%s not recognized", name)}
	}
	return nil, &UsageError{fmt.Sprintf("option --%s not a unique prefix", name)}
}

// apply overrides the [supervisord] section with the command line.
func (f *Flags) apply(s *config.Supervisord) {
	if f.Nodaemon {
		s.Nodaemon = true
	}
	if f.Silent {
		s.Silent = true
	}
	if f.Nocleanup {
		s.Nocleanup = true
	}
	if f.StripAnsi {
		s.StripAnsi = true
	}
	if f.User != nil {
		s.User = *f.User
	}
	if f.Umask != nil {
		s.Umask = *f.Umask
	}
	if f.Directory != nil {
		s.Directory = abs(*f.Directory)
	}
	if f.Logfile != nil {
		s.Logfile = *f.Logfile
		if s.Logfile != "syslog" {
			s.Logfile = abs(s.Logfile)
		}
	}
	if f.LogfileMaxbytes != nil {
		s.LogfileMaxbytes = *f.LogfileMaxbytes
	}
	if f.LogfileBackups != nil {
		s.LogfileBackups = *f.LogfileBackups
	}
	if f.Loglevel != nil {
		s.Loglevel = *f.Loglevel
	}
	if f.Pidfile != nil {
		s.Pidfile = abs(*f.Pidfile)
	}
	if f.Identifier != nil {
		s.Identifier = *f.Identifier
	}
	if f.Childlogdir != nil {
		s.Childlogdir = abs(*f.Childlogdir)
	}
	if f.Minfds != nil {
		s.Minfds = *f.Minfds
	}
	if f.Minprocs != nil {
		s.Minprocs = *f.Minprocs
	}
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// usageText is our own wording; the flags, their long names and their
// meaning are 4.2.5's, which is what scripts rely on.
const usageText = `supervisord: start and watch the programs of a configuration file.

Usage: %s [options]

Options:
  -c, --configuration FILE     configuration file (searched for when not given)
  -n, --nodaemon               stay in the foreground (config: nodaemon=true)
  -s, --silent                 do not echo the log to stdout in the foreground
  -h, -?, --help               show this help and exit
  -v, --version                show the version and exit
  -u, --user USER              switch to USER (name or uid) after start-up
  -m, --umask UMASK            octal umask of the daemon (default 022)
  -d, --directory DIR          change to DIR when daemonizing
  -l, --logfile FILE           main log file
  -y, --logfile_maxbytes SIZE  rotate the main log at SIZE (e.g. 50MB)
  -z, --logfile_backups N      keep N rotated main logs
  -e, --loglevel LEVEL         critical, error, warn, info, debug, trace or blather
  -j, --pidfile FILE           write the daemon's pid to FILE
  -i, --identifier NAME        name of this supervisord (RPC, events)
  -q, --childlogdir DIR        directory for AUTO child logs
  -k, --nocleanup              keep old AUTO child logs at start-up
  -a, --minfds N               file descriptors needed to start
  -t, --strip_ansi             remove ANSI escapes from child output
      --minprocs N             processes needed to start
      --profile_options LIST   accepted for compatibility; ignored
      --check-config           check the configuration, print its warnings and
                               exit (0 when valid, 2 otherwise)
`
