package aid

import (
	"context"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/notify"
	"yizhan/internal/worker"
)

// Filter picks applications for a reviewer's queue.
type Filter struct {
	Status Status // empty for all
	// Districts, when not nil, keeps applications of counties these codes
	// cover (the reviewer's scope); empty and not nil matches nothing.
	Districts []string
	After     uuid.UUID // keyset cursor, in id order
	Limit     int
}

// Store keeps applications and their decisions. Each method is one
// transaction.
type Store interface {
	// Create locks the live worker, calls make with them and stores the
	// application it returns. Returns NotFound, make's error, or Conflict
	// when the worker has an open application.
	Create(ctx context.Context, workerID uuid.UUID, make func(worker.Worker) (Application, error)) (Application, error)
	// Get returns the application with its decisions, or NotFound.
	Get(ctx context.Context, id uuid.UUID) (Application, error)
	// Mine returns the worker's applications, newest first, up to limit,
	// older than before when before is not zero.
	Mine(ctx context.Context, workerID, before uuid.UUID, limit int) ([]Application, error)
	// List returns applications matching f in id order.
	List(ctx context.Context, f Filter) ([]Application, error)
	// Decide locks the application, calls decide on it, stores what decide
	// left with the decision it returns, and writes its event, when not
	// nil, to the notification outbox, all in one transaction. Returns
	// NotFound or decide's error.
	Decide(ctx context.Context, id uuid.UUID, decide func(*Application) (Decision, *notify.Event, error)) (Application, error)
}

// Config tunes the Service.
type Config struct {
	// SecondReviewYuan: an approval above it needs a second one
	// (AID_SECOND_REVIEW_YUAN).
	SecondReviewYuan int
}

// DefaultConfig is the production configuration.
var DefaultConfig = Config{SecondReviewYuan: DefaultSecondReviewYuan}

// Service applies the rules of hardship aid.
type Service struct {
	store Store
	cfg   Config
	now   func() time.Time
}

// NewService returns a Service; now may be nil (time.Now).
func NewService(store Store, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, cfg: cfg, now: now}
}

// SecondReviewYuan is the amount above which an approval needs a second one.
func (s *Service) SecondReviewYuan() int { return s.cfg.SecondReviewYuan }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Apply files a member's application. Returns the errors of New, or
// NotFound.
func (s *Service) Apply(ctx context.Context, workerID uuid.UUID, in Input) (Application, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Application{}, err
	}
	now := s.clock()
	return s.store.Create(ctx, workerID, func(w worker.Worker) (Application, error) {
		a, err := New(in, w, now)
		a.ID = id
		return a, err
	})
}

// Mine returns a page of the worker's applications, newest first.
func (s *Service) Mine(ctx context.Context, workerID, before uuid.UUID, limit int) ([]Application, error) {
	return s.store.Mine(ctx, workerID, before, limit)
}

// List returns a page of the applications of by's districts.
func (s *Service) List(ctx context.Context, by Reviewer, f Filter) ([]Application, error) {
	f.Districts = []string{}
	if by != nil && by.IsStaff() {
		codes, all := by.DistrictScope()
		if all {
			f.Districts = nil
		} else {
			f.Districts = append(f.Districts, codes...)
		}
	}
	return s.store.List(ctx, f)
}

// Get returns an application by may read, with its decisions. Returns
// NotFound, or Forbidden for one outside by's scope.
func (s *Service) Get(ctx context.Context, by Reviewer, id uuid.UUID) (Application, error) {
	a, err := s.store.Get(ctx, id)
	if err != nil {
		return Application{}, err
	}
	if !MayRead(a, by) {
		return Application{}, errOutOfScope(&a)
	}
	return a, nil
}

// Approve approves amount yuan (see ApproveApplication). Returns NotFound,
// Forbidden, Conflict or Invalid.
func (s *Service) Approve(ctx context.Context, by Reviewer, id uuid.UUID, amount int) (Application, error) {
	now := s.clock()
	return s.store.Decide(ctx, id, func(a *Application) (Decision, *notify.Event, error) {
		return ApproveApplication(a, by, amount, s.cfg.SecondReviewYuan, now)
	})
}

// Reject refuses the application with a reason. Returns Invalid, NotFound,
// Forbidden or Conflict.
func (s *Service) Reject(ctx context.Context, by Reviewer, id uuid.UUID, reason string) (Application, error) {
	reason, err := Reason(reason)
	if err != nil {
		return Application{}, err
	}
	now := s.clock()
	return s.store.Decide(ctx, id, func(a *Application) (Decision, *notify.Event, error) {
		return RejectApplication(a, by, reason, now)
	})
}
