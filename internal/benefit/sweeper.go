package benefit

import (
	"context"
	"log/slog"
	"time"

	"yizhan/internal/worker"
)

// Sweeper expires overdue claims and returns their stock, and grants welcome
// benefits an approval did not get to, every Interval, until its context
// ends. Every API process runs one; the Store makes each
// claim expire once however many run.
type Sweeper struct {
	Service  *Service
	Interval time.Duration
	Log      *slog.Logger
}

// Run sweeps at once and then every Interval until ctx ends.
func (sw *Sweeper) Run(ctx context.Context) {
	t := time.NewTicker(sw.Interval)
	defer t.Stop()
	for {
		n, err := sw.Service.ExpireDue(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			sw.Log.Warn("benefit claims: expiry sweep failed", "error", err)
		case n > 0:
			sw.Log.Info("benefit claims expired, stock returned", "claims", n)
		}
		if _, err := sw.Service.GrantMissingWelcomes(ctx); err != nil && ctx.Err() == nil {
			sw.Log.Warn("welcome benefits: catch-up failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// WelcomeHook returns the hook worker.Service calls inside a membership
// approval's transaction. That transaction holds the new member's row
// locked, so the grant cannot run inside the hook on a connection of its
// own: the hook starts it and returns, and the grant's transaction waits for
// the approval to commit (its read of the worker takes a key-share lock)
// and then claims the welcome offer once. When the approval rolls back,
// the worker is no member and nothing is granted.
func (s *Service) WelcomeHook(log *slog.Logger) func(ctx context.Context, a worker.Application, member worker.Worker) error {
	return func(ctx context.Context, a worker.Application, member worker.Worker) error {
		s.grants.Add(1)
		go func() {
			defer s.grants.Done()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if err := s.GrantWelcome(ctx, member.ID); err != nil {
				log.Error("welcome benefit not granted", "worker", member.ID, "application", a.ID, "error", err)
			}
		}()
		return nil
	}
}

// WaitGrants waits for the welcome grants in flight.
func (s *Service) WaitGrants() { s.grants.Wait() }
