package search

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/station"
)

// fakeSource is a registry in memory whose notifications can be dropped and
// whose listener can fail: a struct of function fields would do, but the
// state is simpler kept here.
type fakeSource struct {
	mu        sync.Mutex
	rows      []*station.Station // in write order; the watermark is an index into it
	notify    func()
	listenErr chan error
	silent    bool // drop notifications
}

func (f *fakeSource) ChangesSince(ctx context.Context, since uint64) ([]*station.Station, uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*station.Station(nil), f.rows[since:]...), uint64(len(f.rows)), nil
}

func (f *fakeSource) Listen(ctx context.Context, notify func()) error {
	f.mu.Lock()
	f.notify = notify
	f.mu.Unlock()
	notify()
	select {
	case <-ctx.Done():
		return nil
	case err := <-f.listenErr:
		return err
	}
}

func (f *fakeSource) write(s *station.Station) {
	f.mu.Lock()
	f.rows = append(f.rows, s)
	notify, silent := f.notify, f.silent
	f.mu.Unlock()
	if notify != nil && !silent {
		notify()
	}
}

func found(e *Engine, id uuid.UUID) bool {
	hits, _ := e.Nearest(Query{Point: orb.Point{119.89, 29.45}, Limit: 50}, nil)
	for _, h := range hits {
		if h.Station.ID == id {
			return true
		}
	}
	return false
}

func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSyncerConvergesWithoutNotifications(t *testing.T) {
	t.Parallel()
	src := &fakeSource{listenErr: make(chan error, 1)}
	st := func(v int64) *station.Station {
		return &station.Station{ID: uuid.MustParse("0190f5a8-0000-7000-8000-000000000001"), Location: orb.Point{119.89, 29.45},
			Status: station.Active, Version: v, Hours: station.AlwaysOpen()}
	}
	src.write(st(1))
	e := NewEngine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &Syncer{Engine: e, Source: src, Log: slog.New(slog.DiscardHandler), Interval: 200 * time.Millisecond}
	go s.Run(ctx)
	within(t, 2*time.Second, "initial load", e.Loaded)
	if !found(e, st(1).ID) {
		t.Fatal("the loaded station is not found")
	}

	// A notified write arrives well before the periodic reconcile.
	closed := st(2)
	closed.Status = station.Closed
	start := time.Now()
	src.write(closed)
	within(t, time.Second, "notified close", func() bool { return !found(e, closed.ID) })
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Logf("notified write took %v (the periodic reconcile may have beaten the notification on a busy machine)", d)
	}

	// A dropped notification is caught by the periodic reconcile.
	src.mu.Lock()
	src.silent = true
	src.mu.Unlock()
	src.write(st(3))
	within(t, 2*time.Second, "reopen without a notification", func() bool { return found(e, closed.ID) })

	// A failed listener reconnects and reconciles.
	src.mu.Lock()
	src.silent = false
	src.mu.Unlock()
	src.listenErr <- errors.New("connection reset")
	src.write(st(4))
	within(t, 2*time.Second, "after the listener failed", func() bool {
		hits, _ := e.Nearest(Query{Point: orb.Point{119.89, 29.45}, Limit: 1}, nil)
		return len(hits) == 1 && hits[0].Station.Version == 4
	})
	if e.SyncedAt().IsZero() {
		t.Error("SyncedAt was never set")
	}
}
