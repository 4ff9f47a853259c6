package partner

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// The refusals of a key. They are made once: a flood of bad keys costs no
// allocation.
var (
	ErrInvalidKey = apperr.New(apperr.APIKeyInvalid, "the X-Api-Key header holds no key that Yizhan issued")
	ErrRevokedKey = apperr.New(apperr.APIKeyRevoked, "this X-Api-Key has been revoked; ask the union for a new key")
	errNotLoaded  = apperr.New(apperr.Unavailable, "partner keys are still loading; try again in a moment").Retry(time.Second)
)

// Gate admits requests that carry a partner key: it finds the key's partner
// in memory, applies the partner's rate limit (a token bucket per process,
// as the per-address limits are) and takes one unit of its daily quota,
// which is exact across processes (quota.go).
type Gate struct {
	store Store
	now   func() time.Time
	log   *slog.Logger

	// ReloadInterval is how often the partners are reloaded even without a
	// notification (a lost one, a listener reconnecting): the longest a
	// revocation can take to reach this process. Default 2s.
	ReloadInterval time.Duration
	// FlushInterval is how often usage is written and idle reservations
	// given back. Default 1s.
	FlushInterval time.Duration
	// BlockSeconds sizes a quota reservation: about this many seconds of
	// the key's rate limit, less near the end of the quota. Default 2.
	BlockSeconds float64
	// CheckEachRequest asks the database whether the key is still valid on
	// every request instead of trusting the map. It exists to measure what
	// that would cost (BENCHMARKS.md); the server sets it only when
	// PARTNER_KEY_CHECK_EACH_REQUEST=true.
	CheckEachRequest bool

	keys     atomic.Pointer[map[[32]byte]*entry]
	reloadMu sync.Mutex
	reload   chan struct{}
}

// entry is one partner in the Gate's map, with its bucket and its lease.
// Partner never changes once loaded; revoked may.
type entry struct {
	Partner
	revoked atomic.Bool

	bucketMu sync.Mutex
	tokens   float64
	at       time.Time

	lease lease
}

// NewGate returns a Gate over store; now may be nil (time.Now).
func NewGate(store Store, now func() time.Time, log *slog.Logger) *Gate {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Gate{store: store, now: now, log: log, reload: make(chan struct{}, 1)}
}

// Loaded reports whether the partners have been loaded once.
func (g *Gate) Loaded() bool { return g.keys.Load() != nil }

// Admit decides whether a request carrying key may go on. It returns the
// key's partner when the key is known (also when the request is refused for
// its rate or quota, so that the refusal can be counted by partner), and:
// ErrInvalidKey (APIKeyInvalid) for a key Yizhan never issued, ErrRevokedKey
// (APIKeyRevoked), RateLimited or QuotaExceeded with a RetryAfter, or
// Unavailable while the partners are not loaded or the quota cannot be
// reserved.
func (g *Gate) Admit(ctx context.Context, key string) (*Partner, error) {
	m := g.keys.Load()
	if m == nil {
		return nil, errNotLoaded
	}
	if !WellFormedKey(key) {
		return nil, ErrInvalidKey
	}
	hash := HashKey(key)
	e := (*m)[hash]
	if e == nil {
		return nil, ErrInvalidKey
	}
	if e.revoked.Load() {
		return &e.Partner, ErrRevokedKey
	}
	if g.CheckEachRequest {
		if err := g.checkInStore(ctx, e, hash); err != nil {
			return &e.Partner, err
		}
	}
	now := g.now()
	if ok, wait := e.allow(now); !ok {
		return &e.Partner, apperr.New(apperr.RateLimited, "this key may send %s requests a second, and %d at once; slow down",
			strconv.FormatFloat(e.Rate.PerSecond, 'f', -1, 64), e.Rate.Burst).Retry(max(wait, time.Second))
	}
	if err := g.take(ctx, e, now); err != nil {
		return &e.Partner, err
	}
	return &e.Partner, nil
}

// checkInStore is CheckEachRequest's lookup.
func (g *Gate) checkInStore(ctx context.Context, e *entry, hash [32]byte) error {
	ks, err := g.store.KeyedPartner(ctx, hash)
	switch {
	case apperr.Is(err, apperr.NotFound):
		return ErrInvalidKey
	case err != nil:
		return err
	case ks.Revoked():
		e.revoked.Store(true)
		return ErrRevokedKey
	}
	return nil
}

// allow takes a token from the partner's bucket, or says how long until one
// is free.
func (e *entry) allow(now time.Time) (bool, time.Duration) {
	e.bucketMu.Lock()
	defer e.bucketMu.Unlock()
	burst := float64(e.Rate.Burst)
	if e.at.IsZero() {
		e.tokens = burst
	} else if dt := now.Sub(e.at); dt > 0 {
		e.tokens = math.Min(burst, e.tokens+dt.Seconds()*e.Rate.PerSecond)
	}
	e.at = now
	if e.tokens >= 1 {
		e.tokens--
		return true, 0
	}
	return false, time.Duration((1 - e.tokens) / e.Rate.PerSecond * float64(time.Second))
}

// Reload reads the partners again. Entries of partners already known keep
// their bucket and lease, so a reload neither refills a bucket nor drops a
// reservation.
func (g *Gate) Reload(ctx context.Context) error {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	rows, err := g.store.KeyedPartners(ctx)
	if err != nil {
		return err
	}
	byID := map[uuid.UUID]*entry{}
	if old := g.keys.Load(); old != nil {
		for _, e := range *old {
			byID[e.ID] = e
		}
	}
	next := make(map[[32]byte]*entry, len(rows))
	for _, r := range rows {
		e := byID[r.ID]
		if e == nil {
			e = &entry{Partner: r.Partner}
		}
		e.revoked.Store(r.Revoked())
		next[r.KeyHash] = e
	}
	g.keys.Store(&next)
	return nil
}

// Changed asks Run to reload soon, without waiting.
func (g *Gate) Changed() {
	select {
	case g.reload <- struct{}{}:
	default:
	}
}

// Run keeps the Gate fresh until ctx ends: it listens for changes to the
// partners, reloads on each and every ReloadInterval, and flushes usage
// every FlushInterval. When ctx ends it settles every lease, giving back
// what this process reserved and did not use.
func (g *Gate) Run(ctx context.Context) {
	reloadEvery, flushEvery := orDuration(g.ReloadInterval, 2*time.Second), orDuration(g.FlushInterval, time.Second)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		g.listen(ctx)
	}()
	reload := time.NewTicker(reloadEvery)
	flush := time.NewTicker(flushEvery)
	defer reload.Stop()
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			g.Flush(sctx, true)
			cancel()
			return
		case <-g.reload:
			g.reloadLogged(ctx)
		case <-reload.C:
			g.reloadLogged(ctx)
		case <-flush.C:
			g.Flush(ctx, false)
		}
	}
}

func (g *Gate) reloadLogged(ctx context.Context) {
	if err := g.Reload(ctx); err != nil && ctx.Err() == nil {
		g.log.Warn("partner keys not reloaded", "error", err)
	}
}

// listen holds a LISTEN connection, reconnecting with backoff.
func (g *Gate) listen(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := time.Now()
		err := g.store.Listen(ctx, g.Changed)
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			g.log.Warn("partner change listener stopped; reconnecting", "error", err)
		}
		if time.Since(start) > time.Minute {
			backoff = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
