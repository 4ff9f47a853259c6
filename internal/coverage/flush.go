package coverage

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"
)

// Flusher writes a Counter's counts to the store every Interval, and once
// more when its context ends, and deletes counts older than the retention
// about once an hour. Run it in one goroutine per process.
type Flusher struct {
	Counter   *Counter
	Store     Store
	Interval  time.Duration
	Retention time.Duration
	Log       *slog.Logger
	Now       func() time.Time

	pending   []Bucket // counts a failed write still owes
	lastSweep time.Time
}

// maxPending bounds what failed writes may keep in memory: about a
// million buckets. Beyond it the oldest are dropped (and logged).
const maxPending = 1 << 20

// Run flushes until ctx ends, then flushes once more (within 5 s).
func (f *Flusher) Run(ctx context.Context) {
	t := time.NewTicker(f.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := f.Flush(fctx); err != nil {
				f.log().Warn("demand counts lost at shutdown", "buckets", len(f.pending), "err", err)
			}
			return
		case <-t.C:
			if err := f.Flush(ctx); err != nil && ctx.Err() == nil {
				f.log().Warn("demand flush failed; retrying at the next", "buckets", len(f.pending), "err", err)
			}
			f.sweep(ctx)
		}
	}
}

// Flush writes what has been counted since the last flush. On failure the
// counts are kept for the next.
func (f *Flusher) Flush(ctx context.Context) error {
	for _, t := range f.Counter.Drain() {
		f.pending = append(f.pending, BucketOf(t))
	}
	if len(f.pending) == 0 {
		return nil
	}
	if err := f.Store.AddSearches(ctx, mergeBuckets(f.pending)); err != nil {
		if over := len(f.pending) - maxPending; over > 0 {
			f.log().Warn("demand counts dropped: the database has been unreachable too long", "buckets", over)
			f.pending = append(f.pending[:0], f.pending[over:]...)
		}
		return err
	}
	f.pending = f.pending[:0]
	return nil
}

func (f *Flusher) sweep(ctx context.Context) {
	now := time.Now()
	if f.Now != nil {
		now = f.Now()
	}
	if now.Sub(f.lastSweep) < time.Hour {
		return
	}
	f.lastSweep = now
	n, err := f.Store.Sweep(ctx, Day(now.Add(-f.Retention)), now.Add(-f.Retention))
	if err != nil {
		f.log().Warn("demand retention sweep failed", "err", err)
		return
	}
	if n > 0 {
		f.log().Info("demand retention sweep", "deleted", n)
	}
}

func (f *Flusher) log() *slog.Logger {
	if f.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return f.Log
}

// mergeBuckets adds up buckets of one cell, day and hour, ordered so that
// the upserts of two processes take their row locks in the same order.
func mergeBuckets(in []Bucket) []Bucket {
	type key struct {
		cell CellID
		day  int64
		how  int
	}
	sum := make(map[key]int, len(in))
	out := make([]Bucket, 0, len(in))
	for _, b := range in {
		k := key{b.Cell, b.Day.Unix(), b.HourOfWeek}
		if i, ok := sum[k]; ok {
			out[i].N += b.N
			continue
		}
		sum[k] = len(out)
		out = append(out, b)
	}
	sortBuckets(out)
	return out
}

func sortBuckets(b []Bucket) {
	slices.SortFunc(b, func(x, y Bucket) int {
		if c := cmp.Compare(x.Cell, y.Cell); c != 0 {
			return c
		}
		if c := x.Day.Compare(y.Day); c != 0 {
			return c
		}
		return cmp.Compare(x.HourOfWeek, y.HourOfWeek)
	})
}
