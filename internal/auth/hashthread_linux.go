package auth

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// lowerThreadPriority sets the calling OS thread's nice value to 19, the
// lowest priority. On Linux setpriority with PRIO_PROCESS and a thread id
// applies to that thread alone. Lowering a priority needs no privilege; if
// it fails anyway the check runs at the usual priority.
func lowerThreadPriority() { _ = unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), 19) }

// threadNice returns the calling OS thread's nice value (for tests).
func threadNice() (int, error) {
	// The raw syscall returns 20 - nice, so that it is never negative.
	p, err := unix.Getpriority(unix.PRIO_PROCESS, unix.Gettid())
	return 20 - p, err
}

// hasherProcAttr makes the kernel kill the hasher child when the thread
// that started it ends: the parent keeps that thread until the child has
// exited, so this happens only when the parent dies.
func hasherProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
