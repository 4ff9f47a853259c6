// Package activity is about the union's activities and courses: a weekly
// course at a station (Linping's 群团集市), a health check, legal-aid
// hours, each with a limited number of places. Staff publish them; workers
// sign up; the overflow waits in line and moves up when someone cancels;
// staff check people in at the door with the sign-up's code. It knows
// nothing of HTTP or SQL; the Store it needs is declared here and
// implemented in internal/postgres.
//
// Places are never oversold and a sign-up never happens twice: the Store
// takes a place or a number in the line in one statement that locks the
// activity's row, whose counters the schema bounds by the capacity, and
// records the Idempotency-Key with the sign-up.
package activity

import (
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"
)

// Shanghai is the time zone activities are announced in.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// Category is the kind of activity.
type Category string

// Categories lists every category.
var Categories = []Category{"course", "event", "health_check", "legal_aid", "other"}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// Status is where an activity stands. Only a published activity takes
// sign-ups; cancelled and finished are final.
//
// The sign-up statuses below carry a Signup prefix.
type Status string

// The statuses.
const (
	Draft     Status = "draft"
	Published Status = "published"
	Cancelled Status = "cancelled"
	Finished  Status = "finished"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Draft || s == Published || s == Cancelled || s == Finished }

// Place is where an activity happens: a station, or an address with its
// point (WGS-84).
type Place struct {
	StationID uuid.UUID // uuid.Nil when the place is an address
	Address   string
	Location  orb.Point // set with Address
}

// AtStation reports whether the place is a station.
func (p Place) AtStation() bool { return p.StationID != uuid.Nil }

// Eligibility says who may sign up, as for benefit offers. Empty lists
// restrict nothing.
type Eligibility struct {
	MembersOnly bool
	Occupations []string
	// DistrictCodes are division codes (county, city or province); the
	// worker's county must lie in one of them. They also decide which
	// district staff manage the activity.
	DistrictCodes []string
}

// Activity is one activity or course.
type Activity struct {
	ID          uuid.UUID
	Title       string
	Description string
	Category    Category
	Place       Place
	StartsAt    time.Time
	EndsAt      time.Time
	Capacity    int
	// SignupOpensAt and SignupClosesAt are the sign-up window as staff set
	// it; zero: from publication, and until the start.
	SignupOpensAt  time.Time
	SignupClosesAt time.Time
	Eligibility    Eligibility
	Status         Status
	PublishedAt    time.Time // zero until published
	// Confirmed and Waitlisted count the sign-ups holding a place and those
	// waiting for one, as the store keeps them.
	Confirmed  int
	Waitlisted int
	Version    int64
	CreatedAt  time.Time
	CreatedBy  string
	UpdatedAt  time.Time
	UpdatedBy  string
	// StationName and StationLocation describe the place's station, as
	// read with the activity (empty for an address).
	StationName     string
	StationLocation orb.Point
}

// PlacesLeft is how many confirmed places are still free.
func (a *Activity) PlacesLeft() int { return max(0, a.Capacity-a.Confirmed) }

// Location is where the activity happens: its station's point or its own.
func (a *Activity) Location() orb.Point {
	if a.Place.AtStation() {
		return a.StationLocation
	}
	return a.Place.Location
}

// PlaceName names the place for people: the station's name or the address.
func (a *Activity) PlaceName() string {
	if a.Place.AtStation() {
		return a.StationName
	}
	return a.Place.Address
}

// SignupStatus is where a sign-up stands.
type SignupStatus string

// The sign-up statuses. Confirmed holds a place; Waitlisted waits in line
// and becomes confirmed when a place frees; checked_in came; cancelled
// gave up (a worker may sign up again afterwards).
const (
	SignupConfirmed  SignupStatus = "confirmed"
	SignupWaitlisted SignupStatus = "waitlisted"
	SignupCancelled  SignupStatus = "cancelled"
	SignupCheckedIn  SignupStatus = "checked_in"
)

// Signup is a worker's sign-up for an activity.
type Signup struct {
	ID         uuid.UUID
	ActivityID uuid.UUID
	WorkerID   uuid.UUID
	// Code is shown at the door; 8 characters of CodeAlphabet.
	Code   string
	Status SignupStatus
	// QueueNo is the sign-up's number on the activity, in order of sign-up.
	QueueNo int64
	// Position is the place in the waiting line, from 1, for a waitlisted
	// sign-up; 0 otherwise.
	Position    int
	CreatedAt   time.Time
	PromotedAt  time.Time // when it moved from the line to a place
	CancelledAt time.Time
	CheckedInAt time.Time
	CheckedInBy string
}

// Participant is what eligibility needs to know of a worker.
type Participant struct {
	ID         uuid.UUID
	Member     bool
	Occupation string // empty when not given
	// DistrictCode is the worker's county: a member's approved membership
	// county, a non-member's home county; empty when not given.
	DistrictCode string
}

// Attendee is what staff see of a sign-up's worker on the roster: names and
// phone masked (王*明, 138****8000), and the worker's no-shows.
type Attendee struct {
	Name  string
	Phone string
	// NoShows counts the worker's confirmed sign-ups for activities that
	// ended without them checking in, across every activity.
	NoShows int
}

// RosterEntry is one sign-up on an activity's roster.
type RosterEntry struct {
	Signup   Signup
	Attendee Attendee
	// NoShow is set on a confirmed sign-up whose activity has ended.
	NoShow bool
}
