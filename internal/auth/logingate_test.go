package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// stalledStore holds every login in LoginRecord until released; the other
// methods a login may reach refuse it. The methods it does not define panic
// (the embedded Store is nil).
type stalledStore struct {
	Store
	entered chan string
	release chan struct{}
}

func (s *stalledStore) LoginRecord(ctx context.Context, username string, network []byte, knownSince time.Time) (LoginRecord, error) {
	s.entered <- username
	<-s.release
	return LoginRecord{}, apperr.New(apperr.NotFound, "no such account")
}

func (s *stalledStore) BeginLoginAttempt(context.Context, uuid.UUID, []string, []int, time.Time, time.Time, time.Time) (bool, error) {
	return false, nil
}

// Logins beyond the workers and the queue are refused with 503 and
// Retry-After, before they reach the database; only the workers reach it.
func TestLoginsBeyondTheGateAreRefused(t *testing.T) {
	t.Parallel()
	store := &stalledStore{entered: make(chan string, 10), release: make(chan struct{})}
	cfg := DefaultConfig
	cfg.Hash = HashParams{Memory: 64, Time: 1, Threads: 1}
	cfg.LoginWorkers, cfg.LoginQueue, cfg.LoginWait = 1, 2, time.Hour
	svc, err := NewService(store, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for range 3 {
		wg.Go(func() {
			_, _, err := svc.Login(t.Context(), "someone", "a password", "192.0.2.1")
			errs <- err
		})
	}
	<-store.entered // one runs; two wait for their turn
	waitFor(t, func() bool { return len(svc.gate.room) == 3 })
	// The refusal comes after LoginWait, or when the request ends: here at once.
	gone, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err = svc.Login(gone, "someone", "a password", "192.0.2.1")
	var e *apperr.Error
	if !apperr.Is(err, apperr.Unavailable) || !errors.As(err, &e) || e.RetryAfter <= 0 {
		t.Errorf("a fourth login while one runs and two wait: %v, want unavailable with Retry-After", err)
	}
	if len(store.entered) != 0 {
		t.Error("a waiting or refused login reached the store")
	}
	close(store.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if !apperr.Is(err, apperr.RateLimited) {
			t.Errorf("an admitted login: %v, want it to go on (to the throttle)", err)
		}
	}
	// The room is free again.
	if _, _, err := svc.Login(t.Context(), "someone", "a password", "192.0.2.1"); !apperr.Is(err, apperr.RateLimited) {
		t.Errorf("a login after the others left: %v", err)
	}
}

// A login that cannot get a turn within LoginWait, or whose request ends
// first, is refused and leaves the queue.
func TestLoginWaitIsBounded(t *testing.T) {
	t.Parallel()
	g := newLoginGate(1, 1, time.Millisecond)
	leave, err := g.enter(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.enter(t.Context()); !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("waited past LoginWait: %v, want unavailable", err)
	}
	g.maxWait = time.Hour
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := g.enter(ctx); !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("waited after the request ended: %v, want unavailable", err)
	}
	if len(g.room) != 1 {
		t.Errorf("%d in the room, want the one running", len(g.room))
	}
	leave()
}

// waitFor polls cond: the goroutines it waits for block without a signal.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 5000 {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the condition never held")
}
