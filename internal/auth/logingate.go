package auth

import (
	"context"
	"time"

	"yizhan/internal/apperr"
)

// loginGate bounds the logins at work at once. Each checks an argon2id hash
// (DefaultHashParams.Memory, 19 MiB, and a core for tens of milliseconds)
// and makes a few database round trips; without a bound, 150 parallel
// logins took 10.8 GB, every database connection, and 1–4 s from every
// other route.
//
// At most workers logins run (read the account, count the attempt, hash,
// record) — so logins never hold more than workers database connections
// and workers × 19 MiB of hashing memory. At most queue more wait for a
// turn, holding nothing but their request, for up to maxWait. A login
// beyond those, or one that waited too long, is refused with 503 and
// Retry-After before it touches the database; the refusal, too, comes after
// maxWait, which paces a client that retries at once (it holds a goroutine
// and a connection meanwhile, both bounded by the server's connection caps).
type loginGate struct {
	room    chan struct{} // a token per login admitted: running or waiting
	slots   chan struct{} // a token per login running
	maxWait time.Duration
}

// defaultLoginWorkers is half the cores, at least one: a flood of logins
// leaves the other half to every other route.
func defaultLoginWorkers() int { return max(1, startProcs/2) }

func newLoginGate(workers, queue int, maxWait time.Duration) *loginGate {
	if workers <= 0 {
		workers = defaultLoginWorkers()
	}
	if queue < 0 {
		queue = 0
	}
	if maxWait <= 0 {
		maxWait = time.Second
	}
	return &loginGate{room: make(chan struct{}, workers+queue), slots: make(chan struct{}, workers), maxWait: maxWait}
}

// loginRetryAfter is what a login refused for want of room is told: the
// queue drains within about a second.
const loginRetryAfter = time.Second

var errLoginsBusy = &apperr.Error{Code: apperr.Unavailable, Message: "too many logins at once; try again in a moment", RetryAfter: loginRetryAfter}

// enter admits a login and waits for its turn, or returns Unavailable when
// the queue is full, the turn does not come within maxWait, or ctx ends.
// Call the returned leave when the login is over.
func (g *loginGate) enter(ctx context.Context) (leave func(), err error) {
	select {
	case g.room <- struct{}{}:
	default:
		// Refused, after a pause: answered at once, a client that retries
		// at once would turn the refusals into a request flood of their own.
		g.pause(ctx)
		return nil, errLoginsBusy
	}
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots; <-g.room }, nil
	default:
	}
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return func() { <-g.slots; <-g.room }, nil
	case <-t.C:
		<-g.room
		return nil, errLoginsBusy
	case <-ctx.Done():
		<-g.room
		return nil, &apperr.Error{Code: apperr.Unavailable, Message: "the login was cancelled", Err: ctx.Err()}
	}
}

// pause waits maxWait or until ctx ends.
func (g *loginGate) pause(ctx context.Context) {
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
