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

// Logins beyond the workers and the queue are refused at once with 503 and
// Retry-After, before they reach the database.
func TestLoginsBeyondTheGateAreRefusedAtOnce(t *testing.T) {
	t.Parallel()
	store := &stalledStore{entered: make(chan string, 10), release: make(chan struct{})}
	cfg := DefaultConfig
	cfg.Hash = HashParams{Memory: 64, Time: 1, Threads: 1}
	cfg.HashWorkers, cfg.HashQueue = 1, 2
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
	for range 3 {
		<-store.entered
	}
	_, _, err = svc.Login(t.Context(), "someone", "a password", "192.0.2.1")
	var e *apperr.Error
	if !apperr.Is(err, apperr.Unavailable) || !errors.As(err, &e) || e.RetryAfter <= 0 {
		t.Errorf("a fourth login while three are in: %v, want unavailable with Retry-After", err)
	}
	if len(store.entered) != 0 {
		t.Error("the refused login reached the store")
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

// A login waiting for a hashing slot gives up when its request ends.
func TestHashSlotWaitEndsWithTheRequest(t *testing.T) {
	t.Parallel()
	g := newHashGate(1, 1)
	g.slots <- struct{}{} // a check in progress
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := g.check(ctx, "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "x"); err == nil {
		t.Error("a check ran while the only slot was taken")
	}
}
