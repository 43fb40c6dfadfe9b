// Package config reads Supervisor 4.2.5's configuration dialect into a typed
// Config: the INI syntax with Python's comment and continuation rules, the
// %(name)s expansions, [include] globs, every section and option with its
// default and value type, and parse-time errors that name the file and line.
//
// The API the rest of the project builds on:
//
//	Load(path string, opts Options) (*Config, error)   // supervisord's view
//	LoadClient(path string, opts Options) (*Config, error) // supervisorctl's view ([include] ignored)
//	Search(argv0 string) (path string, tried []string)  // 4.2.5's default config search order
//
// Errors returned by Load are *Error values whose Error() text is the
// message 4.2.5 prints after "Error: ", with our file and line appended.
package config
