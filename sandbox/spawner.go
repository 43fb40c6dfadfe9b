package sandbox

import (
	"fmt"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// droppedCaps leave the capability bounding set of everything the agent
// starts: root in the sandbox may not mount, remount (/sys stays read-only),
// load modules, touch raw I/O or the clock, or reboot. The rest (chown,
// setuid for sudo, binding :80, net admin of its own network namespace)
// stays, so the course's commands work as on a real machine.
var droppedCaps = []uintptr{
	unix.CAP_SYS_ADMIN, unix.CAP_SYS_MODULE, unix.CAP_SYS_RAWIO, unix.CAP_SYS_BOOT,
	unix.CAP_SYS_TIME, unix.CAP_MAC_ADMIN, unix.CAP_MAC_OVERRIDE, unix.CAP_SYSLOG,
	unix.CAP_SYS_PACCT, unix.CAP_WAKE_ALARM, unix.CAP_BLOCK_SUSPEND, unix.CAP_AUDIT_CONTROL,
	unix.CAP_AUDIT_READ, unix.CAP_BPF, unix.CAP_PERFMON, unix.CAP_CHECKPOINT_RESTORE,
}

// spawner forks every command from one OS thread whose bounding set was
// reduced: the bounding set is per thread and a forked child inherits the
// forking thread's. (AllThreadsSyscall would do it process-wide, but it
// refuses to run in binaries linked with cgo.)
type spawner struct {
	reqs chan spawnReq
}

type spawnReq struct {
	path string
	argv []string
	attr *syscall.ProcAttr
	// after runs on the spawner thread right after the fork, with its
	// result (registering the pid under the agent's lock).
	after func(pid int, err error)
}

func newSpawner() (*spawner, error) {
	s := &spawner{reqs: make(chan spawnReq)}
	ready := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: this thread's bounding set is special
		for _, c := range droppedCaps {
			if err := unix.Prctl(unix.PR_CAPBSET_DROP, c, 0, 0, 0); err != nil && err != unix.EINVAL {
				ready <- fmt.Errorf("drop capability %d: %w", c, err)
				return
			}
		}
		ready <- nil
		for r := range s.reqs {
			r.after(syscall.ForkExec(r.path, r.argv, r.attr))
		}
	}()
	return s, <-ready
}

// forkExec starts a process from the spawner thread; after is called with
// the result before forkExec returns.
func (s *spawner) forkExec(path string, argv []string, attr *syscall.ProcAttr, after func(int, error)) {
	done := make(chan struct{})
	s.reqs <- spawnReq{path, argv, attr, func(pid int, err error) { after(pid, err); close(done) }}
	<-done
}
