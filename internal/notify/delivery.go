package notify

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Pending is an outbox message leased to one process for delivery.
type Pending struct {
	ID        int64
	WorkerID  string
	Event     string
	DedupKey  string
	Data      map[string]string
	CreatedAt time.Time
	// Attempts counts the sends tried before this lease.
	Attempts int
	// Reserved says an acceptance of the template was already taken for
	// it (by an earlier attempt).
	Reserved bool
	// OpenID is the worker's, read when the message was leased; empty
	// when the worker erased their account.
	OpenID string
}

// Result says what became of a message, or of one attempt at it (Retry).
// Every result but Retry is final.
type Result string

// The results, as recorded in the outbox and counted in the metrics.
const (
	Sent         Result = "sent"          // WeChat took the message
	Retry        Result = "retry"         // this attempt failed; another follows after a backoff
	NoTemplate   Result = "no_template"   // the configuration gives the event no template: dropped
	NoAcceptance Result = "no_acceptance" // the worker has no acceptance of the template left: dropped
	Unsubscribed Result = "unsubscribed"  // WeChat says the worker did not subscribe (43101): dropped
	Erased       Result = "erased"        // the worker erased their account: dropped
	Rejected     Result = "rejected"      // WeChat refused the message itself (bad template, data, page, openid): dropped
	TooOld       Result = "expired"       // still undelivered after MaxAge: dropped
)

// Results lists every result, for metrics that show zeros.
var Results = []Result{Sent, Retry, NoTemplate, NoAcceptance, Unsubscribed, Erased, Rejected, TooOld}

// Outcome is what an attempt records.
type Outcome struct {
	Result Result
	At     time.Time
	// Attempted says a send was tried (it counts among the attempts).
	Attempted bool
	// Errcode is WeChat's errcode for a refusal, 0 for a transport failure
	// or none; HasErrcode says whether there is one.
	Errcode    int
	HasErrcode bool
	// NextAttemptAt is when a Retry is due.
	NextAttemptAt time.Time
	// TemplateID is the template tried; with Unsubscribed the worker's
	// remaining acceptances of it are set to none, and with Rejected or
	// TooOld the acceptance the message took is given back.
	TemplateID string
}

// Store is the outbox as the Deliverer needs it. Every method is one
// transaction.
type Store interface {
	// Lease takes up to limit messages due at now that no other process
	// holds, and holds them until until: a process that stops leaves them
	// to be delivered again after that (at least once).
	Lease(ctx context.Context, now, until time.Time, limit int) ([]Pending, error)
	// Reserve takes one of the worker's acceptances of templateID for
	// message id, and reports false when none is left.
	Reserve(ctx context.Context, id int64, workerID, templateID string, now time.Time) (bool, error)
	// Finish records the outcome of message id. A final one forgets the
	// message's data.
	Finish(ctx context.Context, id int64, o Outcome) error
	// Release hands leased messages back, due at at, without an attempt.
	Release(ctx context.Context, ids []int64, at time.Time) error
	// EnqueueExpiringClaims writes a ClaimExpiring event, once per claim,
	// for every uncollected benefit claim that expires within the next
	// within, and returns how many it wrote.
	EnqueueExpiringClaims(ctx context.Context, now time.Time, within time.Duration) (int, error)
	// Tidy drops the messages still pending that were written before
	// tooOld (as TooOld, forgetting their data), and deletes the finished
	// ones that finished before forget. It returns how many of each.
	Tidy(ctx context.Context, now, tooOld, forget time.Time) (expired, deleted int, err error)
}

// Retention is how long a finished message's row (its dedup key, result
// and times, never its data) is kept: a change done again within it writes
// no second event.
const Retention = 30 * 24 * time.Hour

// Sender sends one subscribe message. A refusal by WeChat is a *SendError;
// anything else is a transport failure.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SendError is WeChat's refusal of a message.
type SendError struct {
	Errcode int
	// Message is WeChat's errmsg, which never quotes the message's data.
	Message string
}

func (e *SendError) Error() string {
	return fmt.Sprintf("wechat errcode %d: %.200s", e.Errcode, e.Message)
}

// Classify says what a send's error means, and whether WeChat as a whole
// should be left alone for a while (busy, over its quota, or unreachable).
//
//   - 43101: the worker has not subscribed: drop.
//   - 40003 (bad openid), 40037 (bad template id), 41030 (bad page),
//     47003 (bad data): the message can never go: drop.
//   - 45009 (the daily quota), -1 (WeChat busy), a transport failure: retry
//     after a backoff, and pause.
//   - 40001, 42001 (the token, after the client's own refresh and retry
//     failed) and any other errcode: retry after a backoff.
func Classify(err error) (r Result, pause bool) {
	if err == nil {
		return Sent, false
	}
	var se *SendError
	if !errors.As(err, &se) {
		return Retry, true
	}
	switch se.Errcode {
	case 43101:
		return Unsubscribed, false
	case 40003, 40037, 41030, 47003:
		return Rejected, false
	case 45009, -1:
		return Retry, true
	default:
		return Retry, false
	}
}

// Backoff is the wait after the attempt-th failed attempt (1, 2, …):
// base doubled each time up to max, spread by ±20 % with r in [0, 1) so
// that a crowd of messages failed together does not come back together.
func Backoff(attempt int, base, max time.Duration, r float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return time.Duration(float64(d) * (0.8 + 0.4*r))
}
