package wish

import (
	"context"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/notify"
	"yizhan/internal/worker"
)

// Filter picks wishes for a list.
type Filter struct {
	Status Status // required
	// DistrictCode keeps wishes of counties it covers (a county, city or
	// province code); empty for all.
	DistrictCode string
	// Districts, when not nil, keeps wishes of counties these codes cover
	// (a staff member's scope); empty and not nil matches nothing.
	Districts []string
	After     uuid.UUID // keyset cursor, in id order
	Limit     int
}

// Store keeps wishes. Each method is one transaction.
type Store interface {
	// Create locks the live worker, calls make with them and stores the
	// wish it returns. Returns NotFound (no such live worker), make's
	// error, or Conflict when the worker has a wish awaiting review.
	Create(ctx context.Context, workerID uuid.UUID, make func(worker.Worker) (Wish, error)) (Wish, error)
	// Get returns the wish, or NotFound.
	Get(ctx context.Context, id uuid.UUID) (Wish, error)
	// Mine returns the worker's wishes, newest first, up to limit, older
	// than before when before is not zero.
	Mine(ctx context.Context, workerID, before uuid.UUID, limit int) ([]Wish, error)
	// List returns wishes matching f in id order.
	List(ctx context.Context, f Filter) ([]Wish, error)
	// Update locks the wish, calls change on it and stores what change left,
	// with the events change returns written to the notification outbox in
	// the same transaction. Returns NotFound or change's error.
	Update(ctx context.Context, id uuid.UUID, change func(*Wish) ([]notify.Event, error)) (Wish, error)
}

// Service applies the rules of micro-wishes.
type Service struct {
	store Store
	now   func() time.Time
}

// NewService returns a Service; now may be nil (time.Now).
func NewService(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Post files a member's wish for review. Returns the errors of New, or
// NotFound.
func (s *Service) Post(ctx context.Context, workerID uuid.UUID, in Input) (Wish, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return Wish{}, err
	}
	now := s.clock()
	return s.store.Create(ctx, workerID, func(w worker.Worker) (Wish, error) {
		wish, err := New(in, w, now)
		wish.ID = id
		return wish, err
	})
}

// Mine returns a page of the worker's wishes, newest first.
func (s *Service) Mine(ctx context.Context, workerID, before uuid.UUID, limit int) ([]Wish, error) {
	return s.store.Mine(ctx, workerID, before, limit)
}

// List returns a page of wishes. Anyone lists public statuses (f.Districts
// may narrow them); pending, rejected and withdrawn wishes only staff, of
// their districts. by may be nil. Returns Forbidden.
func (s *Service) List(ctx context.Context, by Actor, f Filter) ([]Wish, error) {
	if !f.Status.Public() {
		f.Districts = nil
		if by == nil || !by.IsStaff() {
			return nil, apperr.New(apperr.Forbidden, "only union staff list wishes that are %s", apperr.Word(f.Status))
		}
		if codes, all := by.DistrictScope(); !all {
			f.Districts = append([]string{}, codes...)
		}
	}
	return s.store.List(ctx, f)
}

// Get returns a wish that by may read (see Visible); by may be nil.
// Returns NotFound.
func (s *Service) Get(ctx context.Context, by Actor, id uuid.UUID) (Wish, error) {
	w, err := s.store.Get(ctx, id)
	if err != nil {
		return Wish{}, err
	}
	if !Visible(w, by) {
		return Wish{}, apperr.New(apperr.NotFound, "%s not found", apperr.Word("wish"))
	}
	return w, nil
}

// Approve publishes a pending wish. Returns NotFound, Forbidden or
// Conflict.
func (s *Service) Approve(ctx context.Context, by Actor, id uuid.UUID) (Wish, error) {
	now := s.clock()
	return s.update(ctx, by, id, func(w *Wish) ([]notify.Event, error) { return nil, Approve(w, by, now) })
}

// Reject refuses a pending wish with a reason. Returns Invalid, NotFound,
// Forbidden or Conflict.
func (s *Service) Reject(ctx context.Context, by Actor, id uuid.UUID, reason string) (Wish, error) {
	reason, err := Reason(reason)
	if err != nil {
		return Wish{}, err
	}
	now := s.clock()
	return s.update(ctx, by, id, func(w *Wish) ([]notify.Event, error) { return nil, Reject(w, by, reason, now) })
}

// Pledge records by's pledge and notifies the worker in the same
// transaction. Of pledges at once, exactly one wins; the others get
// AlreadyPledged, but for the winner's own retry, which answers the wish as
// it stands. Returns NotFound, Forbidden or AlreadyPledged.
func (s *Service) Pledge(ctx context.Context, by Actor, id uuid.UUID) (Wish, error) {
	now := s.clock()
	return s.update(ctx, by, id, func(w *Wish) ([]notify.Event, error) {
		ev, err := Pledge(w, by, now)
		if err != nil || ev.Name == "" {
			return nil, err
		}
		return []notify.Event{ev}, nil
	})
}

// Deliver records the delivery and notifies the worker in the same
// transaction. Returns NotFound, Forbidden or Conflict.
func (s *Service) Deliver(ctx context.Context, by Actor, id uuid.UUID) (Wish, error) {
	now := s.clock()
	return s.update(ctx, by, id, func(w *Wish) ([]notify.Event, error) {
		ev, err := Deliver(w, by, now)
		return []notify.Event{ev}, err
	})
}

// update refuses, before any other refusal, a wish by may not read: staff
// of other districts are Forbidden, as everywhere; to anyone else a wish
// not yet public does not exist (NotFound).
func (s *Service) update(ctx context.Context, by Actor, id uuid.UUID, change func(*Wish) ([]notify.Event, error)) (Wish, error) {
	return s.store.Update(ctx, id, func(w *Wish) ([]notify.Event, error) {
		switch {
		case Visible(*w, by):
		case by.IsStaff():
			return nil, apperr.New(apperr.Forbidden, "you may not act on wishes of district %s", w.DistrictCode)
		default:
			return nil, apperr.New(apperr.NotFound, "%s not found", apperr.Word("wish"))
		}
		return change(w)
	})
}

// Confirm records that the worker received their wish. Returns NotFound or
// Conflict.
func (s *Service) Confirm(ctx context.Context, workerID, id uuid.UUID) (Wish, error) {
	now := s.clock()
	return s.store.Update(ctx, id, func(w *Wish) ([]notify.Event, error) { return nil, Confirm(w, workerID, now) })
}
