package station

import (
	"time"

	"github.com/google/uuid"
)

// What workers and staff have seen of a station, apart from its registered
// fields: the last confirmation, each amenity's last confirmation or report
// of a breakdown, the last staff visit, the review flag and the notices in
// force. None of it changes the station's Version (an editor's ETag), and
// none of it names a worker; internal/truth keeps the rules that set it.

// AmenityCheck is what workers last said of one amenity of a station. A zero
// time means never.
type AmenityCheck struct {
	ConfirmedAt      time.Time
	ReportedBrokenAt time.Time
}

// NoticeKind is what a staff notice says of a station.
type NoticeKind string

// The notice kinds.
const (
	// TemporarilyClosed: the station is not open, whatever its hours say.
	TemporarilyClosed NoticeKind = "temporarily_closed"
	// AmenityUnavailable: one amenity cannot be used.
	AmenityUnavailable NoticeKind = "amenity_unavailable"
)

// Valid reports whether k is a known kind.
func (k NoticeKind) Valid() bool { return k == TemporarilyClosed || k == AmenityUnavailable }

// Notice is a staff notice about a station, in force from From until Until
// (exclusive). It starts and expires on its own: whoever asks at an instant
// evaluates it then, so nothing sweeps notices.
type Notice struct {
	ID      uuid.UUID
	Kind    NoticeKind
	Amenity AmenitySet // the one amenity of an AmenityUnavailable notice
	From    time.Time
	Until   time.Time
	Message string
}

// InForce reports whether the notice applies at t.
func (n *Notice) InForce(t time.Time) bool { return !t.Before(n.From) && t.Before(n.Until) }

// ClosedAt reports whether a TemporarilyClosed notice is in force at t.
func (s *Station) ClosedAt(t time.Time) bool {
	for i := range s.Notices {
		if n := &s.Notices[i]; n.Kind == TemporarilyClosed && n.InForce(t) {
			return true
		}
	}
	return false
}

// UnavailableAt returns the amenities an AmenityUnavailable notice takes
// away at t.
func (s *Station) UnavailableAt(t time.Time) AmenitySet {
	var out AmenitySet
	for i := range s.Notices {
		if n := &s.Notices[i]; n.Kind == AmenityUnavailable && n.InForce(t) {
			out |= n.Amenity
		}
	}
	return out
}

// OpenAt reports whether workers can use the station at t: active, within
// its hours, and not temporarily closed.
func (s *Station) OpenAt(t time.Time) bool {
	return s.Status == Active && s.Hours.OpenAt(t) && !s.ClosedAt(t)
}

// OffersAt reports whether the station has every amenity of want at t: it
// lists them, and no notice then takes one away.
func (s *Station) OffersAt(want AmenitySet, t time.Time) bool {
	return s.Amenities.Has(want) && (len(s.Notices) == 0 || s.UnavailableAt(t)&want == 0)
}
