package notify

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Deliverer sends the outbox's messages. Every API process runs one; the
// Store's leases keep two from sending one message at once.
type Deliverer struct {
	Store     Store
	Sender    Sender
	Templates Templates
	// Now is time.Now when nil.
	Now func() time.Time
	// Log hears of failures by message id, event and errcode, never of a
	// message's data or its worker's openid.
	Log *slog.Logger
	// Observe, when set, counts each message's result (metrics).
	Observe func(Result)
	// Rand is rand.Float64 when nil: the spread of backoffs.
	Rand func() float64

	Interval      time.Duration // how often to look for due messages: default 1s
	Batch         int           // messages leased at once: default 32
	Concurrency   int           // sends in flight at once: default 4
	Lease         time.Duration // how long a leased message is held: default 1m
	RetryBase     time.Duration // the first backoff: default 30s
	RetryMax      time.Duration // the longest backoff: default 30m
	MaxAge        time.Duration // a message older than this is dropped: default 24h
	SweepInterval time.Duration // how often expiring claims are looked for: default 1m
	// ExpiringWithin is how near its expiry a claim is announced: 24h.
	ExpiringWithin time.Duration

	mu          sync.Mutex
	pausedUntil time.Time
	pause       time.Duration
	lastSweep   time.Time
}

func (d *Deliverer) defaults() {
	set := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	set(&d.Interval, time.Second)
	set(&d.Lease, time.Minute)
	set(&d.RetryBase, 30*time.Second)
	set(&d.RetryMax, 30*time.Minute)
	set(&d.MaxAge, 24*time.Hour)
	set(&d.SweepInterval, time.Minute)
	set(&d.ExpiringWithin, 24*time.Hour)
	if d.Batch <= 0 {
		d.Batch = 32
	}
	if d.Concurrency <= 0 {
		d.Concurrency = 4
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Rand == nil {
		d.Rand = rand.Float64
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
}

// Run delivers until ctx ends: due messages as they come (polled every
// Interval, at once again while batches come full), and expiring claims
// every SweepInterval.
func (d *Deliverer) Run(ctx context.Context) {
	d.defaults()
	failures := 0
	for ctx.Err() == nil {
		if d.Now().Sub(d.lastSweep) >= d.SweepInterval {
			if n, err := d.Sweep(ctx); err != nil && ctx.Err() == nil {
				d.Log.Warn("notifications: the expiring-claims sweep failed", "error", err)
			} else if n > 0 {
				d.Log.Info("notifications: claims expiring soon announced", "claims", n)
			}
		}
		n, err := d.DeliverOnce(ctx)
		wait := d.Interval
		switch {
		case err != nil && ctx.Err() == nil:
			// The database is down: look again less and less often, and
			// say so once per attempt, not once per Interval.
			failures++
			wait = min(d.Interval<<min(failures, 10), d.RetryMax)
			d.Log.Warn("notifications: leasing failed", "error", err, "retry_in", wait.String())
		case n == d.Batch:
			failures, wait = 0, 0
		default:
			failures = 0
		}
		if p := d.pausedFor(); p > wait {
			wait = min(p, d.RetryMax)
		}
		if wait == 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// Sweep enqueues the claims expiring within ExpiringWithin, and tidies the
// outbox (Tidy).
func (d *Deliverer) Sweep(ctx context.Context) (int, error) {
	d.defaults()
	now := d.Now()
	d.lastSweep = now
	if err := Tidy(ctx, d.Store, now, d.MaxAge, d.Log); err != nil {
		return 0, err
	}
	return d.Store.EnqueueExpiringClaims(ctx, now, d.ExpiringWithin)
}

// Tidy drops the messages pending for longer than maxAge and deletes the
// rows of those finished more than Retention ago. A process that cannot
// send (WeChat not configured) runs it too, so that no message's data
// waits forever.
func Tidy(ctx context.Context, s Store, now time.Time, maxAge time.Duration, log *slog.Logger) error {
	expired, deleted, err := s.Tidy(ctx, now, now.Add(-maxAge), now.Add(-Retention))
	if err != nil {
		return err
	}
	if expired > 0 {
		log.Warn("notifications: dropped undelivered after their maximum age", "messages", expired, "max_age", maxAge.String())
	}
	if deleted > 0 {
		log.Info("notifications: forgot finished messages", "messages", deleted)
	}
	return nil
}

func (d *Deliverer) pausedFor() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.pausedUntil.Sub(d.Now())
}

// pauseAll leaves WeChat alone for a while after it was busy or
// unreachable: every failure in a row doubles the pause, up to RetryMax.
func (d *Deliverer) pauseAll(now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pause == 0 {
		d.pause = d.RetryBase
	} else {
		d.pause = min(2*d.pause, d.RetryMax)
	}
	d.pausedUntil = now.Add(d.pause)
}

func (d *Deliverer) resume() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pause = 0
}

// DeliverOnce leases one batch of due messages and delivers it, unless
// WeChat is being left alone; it returns how many messages it leased.
func (d *Deliverer) DeliverOnce(ctx context.Context) (int, error) {
	d.defaults()
	now := d.Now()
	if d.pausedFor() > 0 {
		return 0, nil
	}
	batch, err := d.Store.Lease(ctx, now, now.Add(d.Lease), d.Batch)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	var (
		next     = make(chan Pending)
		mu       sync.Mutex
		released []int64
		wg       sync.WaitGroup
	)
	for range min(d.Concurrency, len(batch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				if d.pausedFor() > 0 || ctx.Err() != nil {
					mu.Lock()
					released = append(released, p.ID)
					mu.Unlock()
					continue
				}
				d.deliver(ctx, p)
			}
		}()
	}
	for _, p := range batch {
		next <- p
	}
	close(next)
	wg.Wait()
	if len(released) > 0 {
		d.mu.Lock()
		at := d.pausedUntil
		d.mu.Unlock()
		if err := d.Store.Release(context.WithoutCancel(ctx), released, at); err != nil {
			// Their leases end on their own.
			d.Log.Warn("notifications: release failed", "messages", len(released), "error", err)
		}
	}
	return len(batch), nil
}

// deliver sends one message and records what became of it.
func (d *Deliverer) deliver(ctx context.Context, p Pending) {
	now := d.Now()
	tpl, ok := d.Templates[p.Event]
	o := Outcome{At: now, TemplateID: tpl.TemplateID}
	switch {
	case p.OpenID == "":
		o.Result = Erased
	case !ok:
		o.Result = NoTemplate
	case now.Sub(p.CreatedAt) > d.MaxAge:
		o.Result = TooOld
	}
	if o.Result == "" && !p.Reserved {
		reserved, err := d.Store.Reserve(ctx, p.ID, p.WorkerID, tpl.TemplateID, now)
		if err != nil {
			// The lease ends and another attempt tries again.
			d.Log.Warn("notifications: reserving an acceptance failed", "message", p.ID, "event", p.Event, "error", err)
			return
		}
		if !reserved {
			o.Result = NoAcceptance
		}
	}
	if o.Result == "" {
		err := d.Sender.Send(ctx, Render(tpl, p.OpenID, p.Data))
		var pause bool
		o.Result, pause = Classify(err)
		o.Attempted = true
		// WeChat's errmsg is not logged: only its errcode, in case it ever
		// quotes a field's value.
		var transport error
		var se *SendError
		if errors.As(err, &se) {
			o.Errcode, o.HasErrcode = se.Errcode, true
		} else if err != nil {
			o.HasErrcode, transport = true, err // errcode 0
		}
		switch {
		case o.Result == Retry:
			o.NextAttemptAt = now.Add(Backoff(p.Attempts+1, d.RetryBase, d.RetryMax, d.Rand()))
			d.Log.Warn("notifications: send failed; will retry", "message", p.ID, "event", p.Event,
				"attempt", p.Attempts+1, "errcode", o.Errcode, "transport_error", transport)
		case o.Result != Sent:
			d.Log.Warn("notifications: WeChat refused a message; dropped", "message", p.ID, "event", p.Event,
				"result", string(o.Result), "errcode", o.Errcode)
		}
		if pause {
			d.pauseAll(now)
		} else if err == nil {
			d.resume()
		}
	}
	if err := d.Store.Finish(context.WithoutCancel(ctx), p.ID, o); err != nil {
		d.Log.Error("notifications: recording an outcome failed", "message", p.ID, "result", string(o.Result), "error", err)
		return
	}
	if d.Observe != nil {
		d.Observe(o.Result)
	}
}
