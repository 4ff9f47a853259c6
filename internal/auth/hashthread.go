package auth

import (
	"fmt"
	"runtime"
)

// A password check is argon2id: 19 MiB and tens of milliseconds of one core
// in a tight loop. Run on one of the runtime's ordinary threads, a flood of
// failed logins kept one of two cores busy hashing, and the requests the
// other routes were serving waited behind it for the scheduler's tick (the
// station list's p99 went from 3 ms to 23 ms on two cores; BENCHMARKS.md,
// "Login flood").
//
// So each check runs on an OS thread of its own whose CPU priority is the
// lowest the kernel has (nice 19 on Linux): the kernel lets any serving
// thread that wakes up preempt it at once. The thread is never handed back
// to the runtime — the goroutine ends still locked to it, and the runtime
// then ends the thread — so the lowered priority never reaches another
// goroutine. A new thread costs tens of microseconds, against the tens of
// milliseconds of the check. The check still holds one of the runtime's
// Ps while it runs (or waits for the CPU); ServingProcs says how many Ps
// the server should run with so that serving keeps every core it had.

// startProcs is GOMAXPROCS as the process started, before ServingProcs is
// applied: what the login bound and ServingProcs count from.
var startProcs = runtime.GOMAXPROCS(0)

// LoginWorkers is how many logins cfg lets run at once, each checking at
// most one password at a time.
func LoginWorkers(cfg Config) int {
	if cfg.LoginWorkers > 0 {
		return cfg.LoginWorkers
	}
	return defaultLoginWorkers()
}

// ServingProcs is the GOMAXPROCS that leaves serving the Ps the process
// started with while every login slot of cfg checks a password: one more P
// per slot. It depends only on cfg and the start, so applying it twice
// changes nothing.
func ServingProcs(cfg Config) int { return startProcs + LoginWorkers(cfg) }

// checkPasswordAside is CheckPassword on a thread of its own at the lowest
// priority; see above.
func checkPasswordAside(hash, password string) (ok bool, err error) {
	runAside(func() {
		defer func() {
			if r := recover(); r != nil { // argon2 panics on parameters no hash of ours has
				ok, err = false, fmt.Errorf("%w: %v", errBadHash, r)
			}
		}()
		ok, err = CheckPassword(hash, password)
	})
	return ok, err
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
