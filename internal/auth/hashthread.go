package auth

import (
	"context"
	"runtime"
)

// The server derives password keys in a child process of its own (see
// hasher.go). When that child cannot be started, and in the command-line
// tools, keys are derived here, in this process: each on an OS thread of
// its own whose CPU priority is the lowest the kernel has (nice 19 on
// Linux), so that the kernel lets any serving thread that wakes up preempt
// it. The thread is never handed back to the runtime — the goroutine ends
// still locked to it, and the runtime then ends the thread — so the lowered
// priority never reaches another goroutine. A new thread costs tens of
// microseconds, against the tens of milliseconds of a key.
//
// In process, argon2id's 19 MiB per key is the server's garbage, which its
// collector must mark the whole heap to reclaim: that, not the CPU, is what
// the child process removes (BENCHMARKS.md, "Login flood").

// startProcs is GOMAXPROCS as the process started: what the login bound
// counts from.
var startProcs = runtime.GOMAXPROCS(0)

// LoginWorkers is how many logins cfg lets run at once, each checking at
// most one password at a time: also how many keys the hasher derives at
// once.
func LoginWorkers(cfg Config) int {
	if cfg.LoginWorkers > 0 {
		return cfg.LoginWorkers
	}
	return defaultLoginWorkers()
}

// inProcess derives keys in this process, on a thread at the lowest
// priority.
type inProcess struct{}

func (inProcess) deriveKey(_ context.Context, password string, salt []byte, p HashParams, n uint32) (key []byte, err error) {
	runAside(func() { key, err = idKey([]byte(password), salt, p, n) })
	return key, err
}

// runAside runs f on a new OS thread at the lowest priority, which ends
// with it, and returns when f has returned. f must not panic.
func runAside(f func()) {
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		lowerThreadPriority()
		f()
		close(done)
	}()
	<-done
}
