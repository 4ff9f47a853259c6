package partner

import (
	"context"
	"math"
	"sync"
	"time"

	"yizhan/internal/apperr"
)

// The daily quota, exact across processes without a database round trip
// per request.
//
// Each process leases blocks of a partner's quota for the day from
// PostgreSQL (Store.Reserve: one row per partner and day, grown under a row
// lock, and a CHECK that it never passes the quota), and admits requests
// from its block in memory. Every FlushInterval it adds what it admitted to
// the day's count and, when the partner sent it nothing since the last
// flush, gives the rest of its block back, so that the quota is not
// stranded in a process the balancer stopped sending the partner to. When
// the block runs out it reserves another. A block is about BlockSeconds of
// the key's rate, and never more than a sixteenth of what is left of the
// quota, so the last units of a day are spread in small blocks rather than
// held whole by one process.
//
// Since every admitted request was reserved first and reservations never
// pass the quota, no number of processes admits more than the quota between
// them. The price: a process that dies holding a block loses its unused
// part for the day (the partner gets slightly less, never more), and the
// usage admins see lags by up to a FlushInterval.

// lease is one process's block of one partner's quota for one day.
type lease struct {
	mu   sync.Mutex
	day  Day
	left int64 // reserved and not yet admitted
	used int64 // admitted and not yet settled
	// touched says a request was admitted since the last flush.
	touched bool
	// exhaustedUntil spares the database a reservation per request once
	// the day's quota is spent: a process asks again a second later, as
	// another may have given some back.
	exhaustedUntil time.Time
	// pending are earlier days' counts not yet settled.
	pending []settlement
}

type settlement struct {
	day           Day
	used, release int64
}

// take admits one request against the day's quota.
func (g *Gate) take(ctx context.Context, e *entry, now time.Time) error {
	day := DayOf(now)
	l := &e.lease
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.day != day {
		if l.used > 0 || l.left > 0 {
			l.pending = append(l.pending, settlement{day: l.day, used: l.used, release: l.left})
		}
		l.day, l.left, l.used, l.exhaustedUntil = day, 0, 0, time.Time{}
	}
	if l.left == 0 {
		if now.Before(l.exhaustedUntil) {
			return quotaExceeded(e, now)
		}
		// A client hanging up must not throw away a block the database
		// granted: the reservation runs to its end on its own clock.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		n, err := g.store.Reserve(rctx, e.ID, day, g.grant(e))
		cancel()
		switch {
		case apperr.Is(err, apperr.Unauthorized):
			e.revoked.Store(true)
			return ErrRevokedKey
		case err != nil:
			if apperr.Is(err, apperr.Unavailable) {
				return apperr.Wrap(apperr.Unavailable, err, "the partner's quota cannot be checked just now; try again shortly").Retry(time.Second)
			}
			return err
		case n == 0:
			l.exhaustedUntil = now.Add(time.Second)
			return quotaExceeded(e, now)
		}
		l.left = n
	}
	l.left--
	l.used++
	l.touched = true
	return nil
}

func quotaExceeded(e *entry, now time.Time) error {
	wait := DayOf(now).Next().Time().Sub(now)
	return apperr.New(apperr.QuotaExceeded, "this key's daily quota of %d requests is spent; it renews at midnight, Beijing time", e.DailyQuota).Retry(max(wait, time.Second))
}

// grant is how much of what is left to reserve at once for e.
func (g *Gate) grant(e *entry) func(reserved, quota int64) int64 {
	seconds := g.BlockSeconds
	if seconds <= 0 {
		seconds = 2
	}
	block := int64(math.Ceil(e.Rate.PerSecond * seconds))
	return func(reserved, quota int64) int64 { return Grant(reserved, quota, block) }
}

// Grant is the block to reserve when reserved of quota are taken: block,
// but no more than a sixteenth of what is left (at least 1), and never past
// the quota.
func Grant(reserved, quota, block int64) int64 {
	left := quota - reserved
	if left <= 0 {
		return 0
	}
	return max(1, min(block, left/16, left))
}

// Flush writes what this process admitted since the last flush and gives
// back the blocks of partners it admitted nothing for since then (all of
// them when final). Counts that cannot be written stay for the next flush.
func (g *Gate) Flush(ctx context.Context, final bool) {
	m := g.keys.Load()
	if m == nil {
		return
	}
	for _, e := range *m {
		l := &e.lease
		l.mu.Lock()
		work := l.pending
		l.pending = nil
		cur := settlement{day: l.day, used: l.used}
		if final || !l.touched {
			cur.release = l.left
			l.left = 0
		}
		l.used, l.touched = 0, false
		l.mu.Unlock()
		if cur.used > 0 || cur.release > 0 {
			work = append(work, cur)
		}
		for _, s := range work {
			if err := g.store.Settle(ctx, e.ID, s.day, s.used, s.release); err != nil {
				g.log.Warn("partner usage not written; kept for the next flush", "partner", e.Name, "error", err)
				l.mu.Lock()
				if s.day == l.day && !final {
					l.used += s.used
					l.left += s.release
				} else {
					l.pending = append(l.pending, s)
				}
				l.mu.Unlock()
			}
		}
	}
}
