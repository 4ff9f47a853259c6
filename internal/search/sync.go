package search

import (
	"context"
	"log/slog"
	"time"

	"yizhan/internal/station"
)

// Source is where the index learns of the registry's changes.
type Source interface {
	// ChangesSince returns every station written since the watermark (0:
	// every station) and the watermark to pass next time.
	ChangesSince(ctx context.Context, since uint64) ([]*station.Station, uint64, error)
	// Listen calls notify whenever the registry may have changed, until ctx
	// ends (nil) or the connection fails (an error).
	Listen(ctx context.Context, notify func()) error
}

// Syncer keeps an Engine in step with a Source: one full load, then a
// reconcile whenever a notification arrives and at least every Interval, so
// that a lost notification or a listener reconnect leaves the index stale
// for at most Interval.
type Syncer struct {
	Engine   *Engine
	Source   Source
	Log      *slog.Logger
	Interval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	watermark uint64
}

// Run loads the index and keeps it fresh until ctx ends. Failures are logged
// and retried; the index keeps answering from what it has.
func (s *Syncer) Run(ctx context.Context) {
	if s.Now == nil {
		s.Now = time.Now
	}
	wake := make(chan struct{}, 1)
	notify := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	go s.listen(ctx, notify)

	backoff := 100 * time.Millisecond
	for !s.Engine.Loaded() {
		if err := s.load(ctx); err != nil {
			s.Log.Warn("search index: initial load failed; retrying", "error", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
	tick := time.NewTicker(s.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-tick.C:
		}
		if err := s.Reconcile(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("search index: reconcile failed", "error", err)
		}
	}
}

func (s *Syncer) load(ctx context.Context) error {
	start := s.Now()
	all, wm, err := s.Source.ChangesSince(ctx, 0)
	if err != nil {
		return err
	}
	s.Engine.Load(all)
	s.watermark = wm
	s.Engine.MarkSynced(start)
	s.Log.Info("search index loaded", "stations", len(all), "active", s.Engine.Len(), "duration", s.Now().Sub(start))
	return nil
}

// Reconcile applies every change since the last one. Run calls it; tests may
// call it directly (never concurrently with Run).
func (s *Syncer) Reconcile(ctx context.Context) error {
	start := s.Now()
	changed, wm, err := s.Source.ChangesSince(ctx, s.watermark)
	if err != nil {
		return err
	}
	if n := s.Engine.Apply(changed...); n > 0 {
		s.Log.Debug("search index: applied changes", "stations", n, "version", s.Engine.Version())
	}
	s.watermark = wm
	s.Engine.MarkSynced(start)
	return nil
}

func (s *Syncer) listen(ctx context.Context, notify func()) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		start := s.Now()
		err := s.Source.Listen(ctx, notify)
		if ctx.Err() != nil {
			return
		}
		if s.Now().Sub(start) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		s.Log.Warn("search index: listener lost; reconnecting", "error", err, "retry_in", backoff)
		notify() // reconcile now: notifications may have been missed
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
