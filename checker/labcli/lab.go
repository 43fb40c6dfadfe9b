package labcli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/supervisorlab/supervisorlab/checker/labdoc"
)

// labRef is a resolved lab: where its markdown is, and the key its progress is kept under.
type labRef struct {
	file string // markdown file as shown in messages
	dir  string // directory holding setup and solutions ("" for an embedded lab)
	fsys fs.FS  // embedded lab, when set
	key  string // progress key: absolute file path, or "embedded:<name>"
}

// resolve finds LAB: a directory holding lab.md or a markdown file; "" is the default lab.
func (c Config) resolve(arg string) (labRef, error) {
	if arg == "" {
		if c.DefaultLab != nil {
			name := c.DefaultLabName
			if name == "" {
				name = "default"
			}
			return labRef{file: name + "/lab.md", fsys: c.DefaultLab, key: "embedded:" + name}, nil
		}
		arg = "lab.md"
		if _, err := os.Stat(arg); errors.Is(err, fs.ErrNotExist) {
			return labRef{}, errors.New("no lab given and no ./lab.md here (use --lab LAB)")
		}
	}
	fi, err := os.Stat(arg)
	if err != nil {
		return labRef{}, pathErr(arg, err)
	}
	ref := labRef{file: arg, dir: filepath.Dir(arg)}
	if fi.IsDir() {
		ref.file, ref.dir = filepath.Join(arg, "lab.md"), arg
		if _, err := os.Stat(ref.file); err != nil {
			return labRef{}, fmt.Errorf("%s: no lab.md in this directory", arg)
		}
	}
	abs, err := filepath.Abs(ref.file)
	if err != nil {
		return labRef{}, err
	}
	ref.key = abs
	return ref, nil
}

// pathErr words a file error in one line: "FILE: no such file or directory".
func pathErr(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", name, pe.Err)
	}
	return err
}

// load reads and parses the lab. Errors that concern the whole document are returned; broken
// steps are left in the Lab for the caller to judge.
func (r labRef) load() (*labdoc.Lab, error) {
	var data []byte
	var err error
	if r.fsys != nil {
		data, err = fs.ReadFile(r.fsys, "lab.md")
	} else {
		data, err = os.ReadFile(r.file)
	}
	if err != nil {
		return nil, pathErr(r.file, err)
	}
	lab, _ := labdoc.Parse(r.file, data)
	if err := lab.DocErr(); err != nil {
		return nil, err
	}
	return lab, nil
}
