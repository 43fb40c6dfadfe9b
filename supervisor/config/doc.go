// Package config reads Supervisor 4.2.5's configuration dialect into a typed
// Config: the INI syntax with Python's comment and continuation rules, the
// %(name)s expansions, [include] globs, every section and option with its
// default and value type, and parse-time errors that name the file and line.
//
// The API the rest of the project builds on:
//
//	Load(path string, opts Options) (*Config, error)       // supervisord's view
//	LoadClient(path string, opts Options) (*Config, error) // supervisorctl's view ([include] ignored)
//	Search(argv0 string) (path string, tried []string)     // 4.2.5's default config search order
//	NotFoundError(tried []string) error                    // supervisord's message when Search finds nothing
//	CheckConfig(path string, stdout, stderr io.Writer) int // supervisord --check-config
//	EchoMain(args []string, stdout, stderr io.Writer) int  // echo_supervisord_conf
//	SplitCommand(command string) ([]string, error)         // shlex.split as command= uses it
//
// Errors returned by Load are *Error values. Error() is one line: the
// message 4.2.5 prints after "Error: ", then where the problem is, e.g.
//
//	invalid literal for int() with base 10: 'abc' in section 'program:x' (file: '/etc/supervisor/conf.d/x.conf', line 4)
//
// and PythonText() is exactly 4.2.5's text, for byte-compatible output.
//
// How Load works, and where 4.2.5's behaviour lives:
//
//   - ini.go tokenizes like Python's configparser.RawConfigParser (our own
//     tokenizer; the file says why gopkg.in/ini.v1 is not used for this).
//   - pyfmt.go is Python's % operator (expansions) and repr() (messages).
//   - shlex.go splits command= (POSIX) and environment= (4.2.5's legacy
//     tokenizer with its quirks).
//   - values.go holds the value types of datatypes.py.
//   - load.go runs ServerOptions.read_config's steps in 4.2.5's order, so
//     that the first error reported is the one 4.2.5 reports: include.go
//     ([include]), sections.go ([supervisord], [rpcinterface:x], the HTTP
//     servers, realize), groups.go (process_groups_from_parser and
//     _processes_from_section). reader.go reads keys like saneget.
//   - unknown.go lists the keys 4.2.5 reads, to warn about ignored ones.
//
// Where we knowingly differ from 4.2.5: entry points ([rpcinterface:x]
// factories, result_handler) cannot be imported, so only the ones a 4.2.5
// install ships are accepted; log and socket paths are made absolute
// against the working directory at load time; a [group:x]'s processes are
// sorted by (priority, name); numprocs above 10000 is refused; invalid
// UTF-8 is an error rather than a Python traceback; a bare %s (no name),
// which Python fills with the whole expansion dict, lists it sorted.
//
// Tests: golden results for every file in testdata/config, a differential
// test against Debian's Python supervisord (accept/reject and message),
// a value-by-value comparison with 4.2.5's ServerOptions, direct
// comparisons with Python's configparser, shlex, datatypes and % operator,
// one test per row of the behavioural reference §2, and fuzz targets.
package config
