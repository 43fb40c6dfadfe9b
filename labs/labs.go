// Package labs owns the lab content shipped inside the `lab` binary: each lab is a
// directory holding lab.md (the course text with its checker blocks), setup (the machine
// before step 1) and solutions/step-N.sh (what a student would type), embedded with
// go:embed so `lab` works from any directory.
package labs

import (
	"embed"
	"io/fs"
)

//go:embed supervisor/lab.md supervisor/setup supervisor/solutions
var content embed.FS

// Supervisor is the Supervisor lab ("Supervisor 进程管理：安装与配置"), rooted at its
// directory: lab.md, setup and solutions/step-1.sh … step-6.sh.
var Supervisor fs.FS = mustSub(content, "supervisor")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a literal embedded above; fs.Sub fails only on an invalid path
	}
	return sub
}
