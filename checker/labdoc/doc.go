// Package labdoc reads lab documents: markdown in the shiyanlou / lanqiao course format with YAML
// front matter (show, version, enable_checker, and any other key, which is kept) and fenced blocks
// whose info string is `checker`. Each checker block is one step (step N is the N-th block in
// document order) holding a YAML list of checks {name, script, error} plus the optional `timeout`
// (seconds) used by courses on the platform and our own optional `hint`.
//
// Labs in the wild have quirks. Whatever has one sensible reading is loaded and reported as a
// warning with file:line: a UTF-8 byte order mark, CRLF line endings, tabs in the indentation of a
// block (YAML forbids them; leading tabs are expanded with a tab stop of 4, the way the course
// platform's editors lay them out), a check without `error`, a key spelt `Error`, a script without
// a shebang (it runs with bash). A block that still does not parse, or does not hold a list of
// checks, is rejected with an error naming file:line and the field; the other steps still load,
// so one broken block does not hide the rest of the lab.
package labdoc
