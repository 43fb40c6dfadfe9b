// Package sandbox owns the teaching sandbox: a disposable Linux environment per
// student in which the lab's software really runs and checks run as root.
//
// # Model
//
// A sandbox is a tree of processes under an init agent that is PID 1 of fresh
// user, mount, PID, UTS, IPC, network and cgroup namespaces. The agent is the
// current binary re-executed with a sentinel in its environment; every command
// that embeds sandboxes must call [MaybeRunInit] first thing in main (and in
// TestMain). Before it pivots into the sandbox's root it mounts:
//
//   - an overlayfs root: a read-only lower layer (a cached debootstrap image, or
//     the host's own / in "host" mode) under an upper layer that lives on a
//     size-limited tmpfs inside the sandbox's mount namespace, so stopping or
//     resetting the sandbox discards every change and nothing is mounted on the
//     host, even when the controlling process is SIGKILLed;
//   - a private /proc, a read-only /sys, a minimal /dev with a new devpts
//     instance, and tmpfs /tmp and /run.
//
// Commands are forked from one agent thread whose capability bounding set
// lacks CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO and the like, so root in
// the sandbox can use sudo, chown, bind :80 and manage its own loopback, but
// cannot mount, remount /sys, load modules or create device nodes; and the
// user namespace keeps even the capabilities it has from reaching the host.
//
// The agent then serves requests on a SOCK_SEQPACKET unix socket in the
// sandbox's state directory (reachable from the host only). A request names a
// command, a user (root or the student "shiyanlou"), environment and working
// directory; its stdin/stdout/stderr travel as file descriptors (SCM_RIGHTS),
// and for terminal sessions the agent allocates a pty from the sandbox's own
// devpts and hands the master back. The agent is the only waiter for its
// children and reaps orphans (it owns every process in its PID namespace).
//
// Check scripts travel as a memfd, never touching the sandbox's disk, and run
// as root: the student cannot read or change them.
//
// The same agent runs as PID 1 of a Kubernetes pod ([PodInitEnv]); [Pod] is
// the backend that reaches it through kubectl exec. [Sandbox] is the one
// interface over both; sandbox/labtarget adapts it to the checker's
// runner.Target and provides the `lab start/stop/reset/gc` commands.
//
// State of each sandbox is recorded on disk (state.json in its directory under
// [DefaultStateRoot]); [Stop] and [GC] use it to clean up after a crashed
// controller. Limits come from cgroup v1 (pids, memory) when writable and from
// rlimits otherwise.
package sandbox
