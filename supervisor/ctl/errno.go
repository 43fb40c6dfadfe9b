package ctl

import "syscall"

const (
	errnoConnRefused = syscall.ECONNREFUSED
	errnoNoEnt       = syscall.ENOENT
)
