package activity

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/notify"
)

// Filter selects activities for a staff listing.
type Filter struct {
	Status Status    // empty for all
	After  uuid.UUID // keyset cursor: ids greater than this
	Limit  int
}

// NewSignup is a sign-up about to be made: everything the Store needs that
// does not come from the database.
type NewSignup struct {
	ID             uuid.UUID
	ActivityID     uuid.UUID
	WorkerID       uuid.UUID
	IdempotencyKey string
	Code           string
	CreatedAt      time.Time
}

// SignupCheck decides whether a sign-up may go ahead on the activity as
// read (its version is then what the sign-up is made against).
type SignupCheck func(a *Activity, w Participant) error

// StationInfo is what placing an activity at a station needs to know of it.
type StationInfo struct {
	ID           uuid.UUID
	DistrictCode string
	Active       bool
}

// ErrCodeTaken is returned by a Store when a fresh sign-up code collides
// with one of the activity's; SignUp then retries with another code.
var ErrCodeTaken = errors.New("sign-up code taken")

// ErrChanged is returned by a Store when the activity changed between the
// check and the sign-up; SignUp then checks again.
var ErrChanged = errors.New("activity changed during the sign-up")

// Store keeps activities and sign-ups. Each method is one transaction.
type Store interface {
	// CreateActivity stores a new activity. Returns Unprocessable when its
	// station does not exist.
	CreateActivity(ctx context.Context, a *Activity) error
	// GetActivity returns NotFound when there is no such activity.
	GetActivity(ctx context.Context, id uuid.UUID) (*Activity, error)
	// UpdateActivity locks the activity and calls change on a copy, which
	// may change its fields but not its counters. When the capacity grew,
	// the first in line get the new places in the same transaction, each
	// with its WaitlistPromotedEvent in the outbox, while the activity is
	// published and before its start (now). Returns NotFound or change's
	// error.
	UpdateActivity(ctx context.Context, id uuid.UUID, now time.Time, change func(a *Activity) error) (*Activity, error)
	// ListActivities returns up to f.Limit activities ordered by id.
	ListActivities(ctx context.Context, f Filter) ([]*Activity, error)
	// Upcoming returns the published activities that have not ended at now
	// and start in [from, to), by start.
	Upcoming(ctx context.Context, now, from, to time.Time) ([]*Activity, error)
	// Participant returns what eligibility needs of a live worker, or
	// NotFound.
	Participant(ctx context.Context, workerID uuid.UUID) (Participant, error)
	// StationInfo returns the station, or NotFound.
	StationInfo(ctx context.Context, id uuid.UUID) (StationInfo, error)

	// SignUp makes the sign-up n exactly once. It first looks for an
	// earlier sign-up with the same worker and Idempotency-Key: when there
	// is one it returns it as it is now, with replay = true (Conflict when
	// the key was used for another activity). Otherwise it calls check with
	// the activity and the worker, then, in one statement that locks the
	// activity, takes a free place (confirmed) or the next number in line
	// (waitlisted, with its position) and stores the sign-up and its key.
	// Returns NotFound (activity or worker), check's error,
	// AlreadySignedUp, ErrCodeTaken, or ErrChanged when the activity
	// changed after check.
	SignUp(ctx context.Context, n NewSignup, check SignupCheck) (_ Signup, replay bool, _ error)
	// WorkerSignup returns the worker's sign-up for the activity: the one
	// they hold, else their last cancelled one; NotFound when none.
	WorkerSignup(ctx context.Context, activityID, workerID uuid.UUID) (Signup, error)
	// Cancel locks the activity and the sign-up the worker holds on it,
	// calls check, and cancels it at now. A confirmed sign-up's place goes
	// to the first in line in the same transaction, with its
	// WaitlistPromotedEvent in the outbox (returned as promoted). Returns
	// NotFound (no sign-up held) or check's error.
	Cancel(ctx context.Context, activityID, workerID uuid.UUID, now time.Time, check func(a *Activity, s Signup) error) (cancelled Signup, promoted *Signup, _ error)
	// CheckIn locks the sign-up with the code on the activity, calls check,
	// and checks it in at now by actor; it answers the sign-up with its
	// attendee. Returns NotFound (activity or code) or check's error.
	CheckIn(ctx context.Context, activityID uuid.UUID, code string, now time.Time, actor string, check func(a *Activity, s Signup) error) (RosterEntry, error)
	// Roster calls each for up to limit sign-ups of the activity (every
	// one when limit is 0) whose QueueNo follows after, in order of
	// sign-up, with its attendee as of now. NotFound when there is no
	// activity; an error from each stops the roster.
	Roster(ctx context.Context, activityID uuid.UUID, now time.Time, after int64, limit int, each func(RosterEntry) error) error
	// NoShows counts the worker's no-shows at now (see NoShow).
	NoShows(ctx context.Context, workerID uuid.UUID, now time.Time) (int, error)
}

// WaitlistPromotedEvent is the notification a promoted worker gets: the
// activity's title, when and where, in the words the worker reads.
func WaitlistPromotedEvent(a *Activity, s Signup) notify.Event {
	return notify.Event{
		WorkerID: s.WorkerID.String(),
		Name:     notify.WaitlistPromoted,
		DedupKey: "waitlist_promoted:" + s.ID.String(),
		Data: map[string]string{
			"title":     a.Title,
			"starts_at": FormatWhen(a.StartsAt),
			"place":     a.PlaceName(),
			"result":    "候补成功，已为您保留名额",
		},
	}
}
