package auth

import (
	"context"
	"runtime"
	"time"

	"yizhan/internal/apperr"
)

// hashGate bounds the password checks running at once. Each argon2id check
// takes DefaultHashParams.Memory (19 MiB) and a core for tens of
// milliseconds; without a bound, 150 parallel logins took 10.8 GB and
// slowed every route. At most workers checks run, at most queue logins wait
// for one, and a login beyond those is refused at once with 503 and
// Retry-After, before it touches the database.
type hashGate struct {
	room  chan struct{} // a token per login admitted: running or waiting
	slots chan struct{} // a token per check running
}

func newHashGate(workers, queue int) *hashGate {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if queue < 0 {
		queue = 0
	}
	return &hashGate{room: make(chan struct{}, workers+queue), slots: make(chan struct{}, workers)}
}

// hashRetryAfter is what a login refused for want of room is told: a queue
// this short drains within a second.
const hashRetryAfter = time.Second

var errLoginsBusy = &apperr.Error{Code: apperr.Unavailable, Message: "too many logins at once; try again in a moment", RetryAfter: hashRetryAfter}

// enter admits a login, or returns Unavailable when the gate is full. Call
// leave when the login is over.
func (g *hashGate) enter() error {
	select {
	case g.room <- struct{}{}:
		return nil
	default:
		return errLoginsBusy
	}
}

func (g *hashGate) leave() { <-g.room }

// check runs CheckPassword in a slot, waiting for one as long as ctx
// allows.
func (g *hashGate) check(ctx context.Context, hash, password string) (bool, error) {
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-g.slots }()
	return CheckPassword(hash, password)
}
