package activity

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/geo"
)

// Actor is a staff member managing activities or checking people in;
// *auth.Principal is one.
type Actor interface {
	// ActorName is recorded in created_by, updated_by and checked_in_by.
	ActorName() string
	// CanManageDistrict reports whether the actor may act in the division.
	CanManageDistrict(code string) bool
	// DistrictScope returns the division codes the actor acts in, or
	// all=true when it acts everywhere.
	DistrictScope() (codes []string, all bool)
}

// Service applies the rules of activities.
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

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// canManage reports whether the actor may manage an activity of the
// districts: every one of them, or, for one open everywhere, every district
// (as for benefit offers).
func canManage(actor Actor, districts []string) bool {
	if _, all := actor.DistrictScope(); all {
		return true
	}
	if len(districts) == 0 {
		return false
	}
	for _, d := range districts {
		if !actor.CanManageDistrict(d) {
			return false
		}
	}
	return true
}

func forbidActivity() error {
	return apperr.New(apperr.Forbidden, "you may manage only activities whose eligibility.district_codes all lie in your districts")
}

// checkPlace refuses a station that does not exist, is not active, or lies
// outside the activity's districts.
func (s *Service) checkPlace(ctx context.Context, f Fields, was Place) error {
	if !f.Place.AtStation() || f.Place.StationID == was.StationID {
		return nil
	}
	st, err := s.store.StationInfo(ctx, f.Place.StationID)
	var p apperr.Problems
	switch {
	case apperr.Is(err, apperr.NotFound):
		p.Add("station_id", "unknown", "no station has this id")
	case err != nil:
		return err
	case !st.Active:
		p.Add("station_id", "inactive", "the station is not active")
	case !f.Eligibility.CoversCounty(st.DistrictCode):
		p.Add("station_id", "outside", "the station's district %s is outside the activity's eligibility.district_codes", st.DistrictCode)
	}
	return p.Err()
}

// checkPublish refuses publishing an activity whose start has passed.
func checkPublish(f Fields, now time.Time) error {
	if f.Status == Published && !now.Before(f.StartsAt) {
		var p apperr.Problems
		p.Add("starts_at", "out_of_range", "must be in the future to publish the activity")
		return p.Err()
	}
	return nil
}

func (a *Activity) setFields(f Fields) {
	a.Title, a.Description, a.Category, a.Place = f.Title, f.Description, f.Category, f.Place
	a.StartsAt, a.EndsAt, a.Capacity = f.StartsAt, f.EndsAt, f.Capacity
	a.SignupOpensAt, a.SignupClosesAt, a.Eligibility, a.Status = f.SignupOpensAt, f.SignupClosesAt, f.Eligibility, f.Status
}

// Create validates doc and stores a new activity. Returns Invalid or
// Forbidden.
func (s *Service) Create(ctx context.Context, actor Actor, doc Document) (*Activity, error) {
	f, err := doc.Validate()
	if err != nil {
		return nil, err
	}
	if !canManage(actor, f.Eligibility.DistrictCodes) {
		return nil, forbidActivity()
	}
	now := s.clock()
	if f.Status != Draft && f.Status != Published {
		var p apperr.Problems
		p.Add("status", "out_of_range", "a new activity is draft or published")
		return nil, p.Err()
	}
	if err := checkPublish(f, now); err != nil {
		return nil, err
	}
	if err := s.checkPlace(ctx, f, Place{}); err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	a := &Activity{ID: id, Version: 1, CreatedAt: now, CreatedBy: actor.ActorName(), UpdatedAt: now, UpdatedBy: actor.ActorName()}
	a.setFields(f)
	if a.Status == Published {
		a.PublishedAt = now
	}
	if err := s.store.CreateActivity(ctx, a); err != nil {
		return nil, err
	}
	return s.store.GetActivity(ctx, id)
}

// Get returns an activity the actor may manage. Returns NotFound or
// Forbidden.
func (s *Service) Get(ctx context.Context, actor Actor, id uuid.UUID) (*Activity, error) {
	a, err := s.store.GetActivity(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canManage(actor, a.Eligibility.DistrictCodes) {
		return nil, forbidActivity()
	}
	return a, nil
}

// Patch applies a JSON merge patch to the activity as it is when its row is
// locked. ifVersion, when not 0, is the version the editor saw (If-Match).
// Publishing, cancelling and finishing are changes of status. The capacity
// cannot fall below the places taken; raising it gives the new places to
// the first in line. Returns NotFound, Stale, Invalid, Forbidden or
// Unprocessable (a change of status not allowed).
func (s *Service) Patch(ctx context.Context, actor Actor, id uuid.UUID, ifVersion int64, patch []byte) (*Activity, error) {
	cur, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if ifVersion != 0 && cur.Version != ifVersion {
		return nil, staleActivity(cur.Version, ifVersion)
	}
	checked, err := ApplyMergePatch(cur, patch)
	if err != nil {
		return nil, err
	}
	if !canManage(actor, checked.Eligibility.DistrictCodes) {
		return nil, forbidActivity()
	}
	if err := s.checkPlace(ctx, checked, cur.Place); err != nil {
		return nil, err
	}
	now := s.clock()
	return s.store.UpdateActivity(ctx, id, now, func(a *Activity) error {
		if ifVersion != 0 && a.Version != ifVersion {
			return staleActivity(a.Version, ifVersion)
		}
		if !canManage(actor, a.Eligibility.DistrictCodes) {
			return forbidActivity()
		}
		f, err := ApplyMergePatch(a, patch)
		if err != nil {
			return err
		}
		if f.Place != checked.Place || !slices.Equal(f.Eligibility.DistrictCodes, checked.Eligibility.DistrictCodes) {
			return &apperr.Error{Code: apperr.Stale, Message: "the activity's place or districts changed while this patch was checked; send it again"}
		}
		if err := checkTransition(a, f.Status, now); err != nil {
			return err
		}
		if f.Status == Published && a.Status == Draft {
			if err := checkPublish(f, now); err != nil {
				return err
			}
			a.PublishedAt = now
		}
		if f.Capacity < a.Confirmed {
			var p apperr.Problems
			p.Add("capacity", "out_of_range", "must be at least %d, the places already taken", a.Confirmed)
			return p.Err()
		}
		a.setFields(f)
		a.Version++
		a.UpdatedAt = now
		a.UpdatedBy = actor.ActorName()
		return nil
	})
}

func staleActivity(have, want int64) error {
	return apperr.New(apperr.Stale, "the activity is at version %d, not %d; fetch it again and reapply your change", have, want)
}

// List returns a page of the activities the actor may manage, and the
// cursor of the next page (uuid.Nil on the last one).
func (s *Service) List(ctx context.Context, actor Actor, f Filter) ([]*Activity, uuid.UUID, error) {
	want := f.Limit
	f.Limit++
	list, err := s.store.ListActivities(ctx, f)
	if err != nil {
		return nil, uuid.Nil, err
	}
	next := uuid.Nil
	if len(list) > want {
		list = list[:want]
		next = list[want-1].ID
	}
	out := list[:0]
	for _, a := range list {
		if canManage(actor, a.Eligibility.DistrictCodes) {
			out = append(out, a)
		}
	}
	return out, next, nil
}

// Listing is an activity as listed to a worker.
type Listing struct {
	Activity *Activity
	// DistanceM is the distance from the worker's point, in metres; -1
	// when the worker gave none.
	DistanceM float64
}

// UpcomingQuery is what a worker's listing asks for.
type UpcomingQuery struct {
	// At is the worker's point (WGS-84), nil when not given.
	At       *orb.Point
	From, To time.Time // zero: from now, and 90 days after From
	Limit    int
}

// MaxListingSpan is the widest from..to a worker's listing may span.
const MaxListingSpan = 366 * 24 * time.Hour

// DefaultListingSpan is the listing's span when to is not given.
const DefaultListingSpan = 90 * 24 * time.Hour

// Upcoming lists the published activities the worker may sign up for that
// have not ended and start between q.From and q.To: nearest first when the
// worker gave a point (then by start), else by start. Returns NotFound when
// the worker does not exist.
func (s *Service) Upcoming(ctx context.Context, workerID uuid.UUID, q UpcomingQuery) ([]Listing, error) {
	now := s.clock()
	if q.From.IsZero() {
		q.From = now
	}
	if q.To.IsZero() {
		q.To = q.From.Add(DefaultListingSpan)
	}
	w, err := s.store.Participant(ctx, workerID)
	if err != nil {
		return nil, err
	}
	list, err := s.store.Upcoming(ctx, now, q.From, q.To)
	if err != nil {
		return nil, err
	}
	out := make([]Listing, 0, len(list))
	for _, a := range list {
		if a.Eligibility.Eligible(w) != nil {
			continue
		}
		l := Listing{Activity: a, DistanceM: -1}
		if q.At != nil {
			l.DistanceM = geo.Distance(*q.At, a.Location())
		}
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(x, y Listing) int {
		if c := cmp.Compare(x.DistanceM, y.DistanceM); c != 0 {
			return c
		}
		return x.Activity.StartsAt.Compare(y.Activity.StartsAt)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// Published returns an activity as a worker may read it: published,
// finished or cancelled (a worker signed up for it must learn that it was
// cancelled), never a draft. Returns NotFound.
func (s *Service) Published(ctx context.Context, id uuid.UUID) (*Activity, error) {
	a, err := s.store.GetActivity(ctx, id)
	if err != nil {
		return nil, err
	}
	if a.Status == Draft {
		return nil, apperr.New(apperr.NotFound, "%s not found", apperr.Word("activity"))
	}
	return a, nil
}

// SignUp signs the worker up for the activity, once per Idempotency-Key: a
// repeated key returns the sign-up it made, as it stands now, with replay =
// true. The answer is confirmed (a place) or waitlisted with the position
// in line. Returns Invalid (a missing or malformed key), NotFound, NotOpen,
// NotEligible, AlreadySignedUp, or Conflict when the key was used for
// another activity.
func (s *Service) SignUp(ctx context.Context, workerID, activityID uuid.UUID, key string) (Signup, bool, error) {
	if !ValidIdempotencyKey(key) {
		var p apperr.Problems
		if key == "" {
			p.Add("Idempotency-Key", "required", "send an Idempotency-Key header (such as a UUID made when the worker tapped sign up), so that a retry never signs up twice")
		} else {
			p.Add("Idempotency-Key", "format", "must be 1 to 100 printable ASCII characters")
		}
		return Signup{}, false, p.Err()
	}
	for attempt := 0; ; attempt++ {
		now := s.clock()
		id, err := uuid.NewV7()
		if err != nil {
			return Signup{}, false, err
		}
		code, err := NewCode()
		if err != nil {
			return Signup{}, false, err
		}
		n := NewSignup{ID: id, ActivityID: activityID, WorkerID: workerID, IdempotencyKey: key, Code: code, CreatedAt: now}
		got, replay, err := s.store.SignUp(ctx, n, func(a *Activity, w Participant) error {
			if err := a.checkSignup(now); err != nil {
				return err
			}
			return a.Eligibility.Eligible(w)
		})
		if (errors.Is(err, ErrCodeTaken) || errors.Is(err, ErrChanged)) && attempt < 5 {
			continue
		}
		if errors.Is(err, ErrChanged) {
			return Signup{}, false, apperr.New(apperr.Unavailable, "the activity was changing; try again")
		}
		return got, replay, err
	}
}

// MySignup returns the worker's sign-up for the activity (see
// Store.WorkerSignup) and their no-shows. Returns NotFound.
func (s *Service) MySignup(ctx context.Context, workerID, activityID uuid.UUID) (Signup, error) {
	return s.store.WorkerSignup(ctx, activityID, workerID)
}

// NoShows counts the worker's no-shows now.
func (s *Service) NoShows(ctx context.Context, workerID uuid.UUID) (int, error) {
	return s.store.NoShows(ctx, workerID, s.clock())
}

// Cancel cancels the sign-up the worker holds on the activity, before its
// start; a confirmed place goes to the first in line in the same
// transaction. Returns NotFound, NotOpen or AlreadyCheckedIn.
func (s *Service) Cancel(ctx context.Context, workerID, activityID uuid.UUID) (Signup, *Signup, error) {
	now := s.clock()
	return s.store.Cancel(ctx, activityID, workerID, now, func(a *Activity, sg Signup) error {
		return a.checkCancel(sg, now)
	})
}

// CheckIn checks in, at the activity, the sign-up whose code (or QR
// payload) staff read at the door. Returns Invalid (a malformed code),
// NotFound, Forbidden, NotOpen, AlreadyCheckedIn or NotConfirmed.
func (s *Service) CheckIn(ctx context.Context, actor Actor, activityID uuid.UUID, code string) (RosterEntry, error) {
	code, ok := ParseCode(code)
	if !ok {
		var p apperr.Problems
		p.Add("code", "format", "must be the 8-character sign-up code or the sign-up's qr_payload")
		return RosterEntry{}, p.Err()
	}
	if _, err := s.Get(ctx, actor, activityID); err != nil {
		return RosterEntry{}, err
	}
	now := s.clock()
	return s.store.CheckIn(ctx, activityID, code, now, actor.ActorName(), func(a *Activity, sg Signup) error {
		if !canManage(actor, a.Eligibility.DistrictCodes) {
			return forbidActivity()
		}
		return a.checkCheckIn(sg, now)
	})
}

// Roster calls each for up to limit sign-ups (all when 0) of an activity
// the actor may manage whose QueueNo follows after, in order of sign-up.
// Returns NotFound or Forbidden before the first.
func (s *Service) Roster(ctx context.Context, actor Actor, activityID uuid.UUID, after int64, limit int, each func(RosterEntry) error) (*Activity, error) {
	a, err := s.Get(ctx, actor, activityID)
	if err != nil {
		return nil, err
	}
	return a, s.store.Roster(ctx, activityID, s.clock(), after, limit, each)
}
