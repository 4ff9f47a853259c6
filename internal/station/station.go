// Package station is the registry of union service stations: their fields,
// the rules they obey and who may change them. It knows nothing of HTTP or
// SQL; the Store it needs is declared here and implemented in
// internal/postgres.
package station

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"
)

// Status is a station's lifecycle state. Only active stations are offered to
// workers; closed ones keep their row and history.
type Status string

// The statuses.
const (
	Active    Status = "active"
	Suspended Status = "suspended"
	Closed    Status = "closed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Active || s == Suspended || s == Closed }

// HostTypes are the kinds of place that host a station.
var HostTypes = []string{"bank", "restaurant", "shop", "union_office", "government", "transport_hub", "enterprise", "community", "other"}

// Host is the business or body whose premises hold the station.
type Host struct {
	Type string
	Name string
}

// Station is one service station.
type Station struct {
	ID           uuid.UUID
	Name         string
	Address      string
	DistrictCode string
	// Location is WGS-84, [lng, lat]. Conversions to the Chinese map systems
	// happen at the edge.
	Location     orb.Point
	Host         Host
	Amenities    AmenitySet
	Hours        Hours
	ContactPhone string // empty when none
	Status       Status
	// Demo marks stations loaded by `make run`'s demo data.
	Demo      bool
	Version   int64
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string

	// Revision counts every write of the station's record, those that keep
	// its Version too (a worker's check-in, a notice, a staff visit), so
	// that the search index takes the newest copy.
	Revision int64
	// LastConfirmedAt is the last check-in of a worker at the station; zero
	// when none.
	LastConfirmedAt time.Time
	// AmenityChecks holds what check-ins last said of each amenity, by code.
	AmenityChecks map[string]AmenityCheck
	// VerifiedAt is the last staff visit, by VerifiedBy (an actor name,
	// never shown on public answers); zero when none.
	VerifiedAt time.Time
	VerifiedBy string
	// NeedsReview flags a station that several workers reported (see
	// internal/truth).
	NeedsReview bool
	// Notices are the station's latest staff notices, ordered by From: every
	// one in force or to come, and maybe some expired (whoever evaluates
	// them does so at an instant of their own).
	Notices []Notice

	// PhotoCount is how many photos the station has (at most 10), and
	// Entrance its entrance photo (门头照), nil when none is marked: what
	// every answer shows of its photos (internal/photo keeps them).
	PhotoCount int
	Entrance   *PhotoRef
	// Standing is what the union's standards say of the station: map
	// listings, stars, recognition (internal/standard).
	Standing Standing
}

// PhotoRef names a stored photo's two images by their content-addressed
// names (the hex sha256 of their JPEG bytes).
type PhotoRef struct {
	ID            uuid.UUID
	Full, Thumb   string
	Width, Height int
}

// Newer reports whether s is a later copy of the same station than o.
func (s *Station) Newer(o *Station) bool {
	if s.Version != o.Version {
		return s.Version > o.Version
	}
	return s.Revision > o.Revision
}

// Fields are the parts of a station its editors set; the rest is managed by
// the registry.
type Fields struct {
	Name         string
	Address      string
	DistrictCode string
	Location     orb.Point
	Host         Host
	Amenities    AmenitySet
	Hours        Hours
	ContactPhone string
	Status       Status
}

func (s *Station) fields() Fields {
	return Fields{s.Name, s.Address, s.DistrictCode, s.Location, s.Host, s.Amenities, s.Hours, s.ContactPhone, s.Status}
}

func (f Fields) equal(o Fields) bool {
	return f.Name == o.Name && f.Address == o.Address && f.DistrictCode == o.DistrictCode &&
		f.Location == o.Location && f.Host == o.Host && f.Amenities == o.Amenities &&
		f.Hours.Equal(o.Hours) && f.ContactPhone == o.ContactPhone && f.Status == o.Status
}

func (s *Station) setFields(f Fields) {
	s.Name, s.Address, s.DistrictCode, s.Location = f.Name, f.Address, f.DistrictCode, f.Location
	s.Host, s.Amenities, s.Hours, s.ContactPhone, s.Status = f.Host, f.Amenities, f.Hours, f.ContactPhone, f.Status
}

// Actor is whoever changes the registry: a staff member, or the system.
type Actor interface {
	// ActorName is recorded in created_by, updated_by and the history.
	ActorName() string
	// CanManageDistrict reports whether the actor may act on stations of the
	// district code.
	CanManageDistrict(code string) bool
}

// Change is one entry of a station's history.
type Change struct {
	Version   int64
	Action    string // create, update, close or import
	ChangedAt time.Time
	ChangedBy string
	// Fields maps each changed field (by its JSON name) to its values before
	// and after, in their JSON form; Before is null on create.
	Fields map[string]FieldChange
}

// FieldChange is a field's value before and after a change.
type FieldChange struct {
	Before any `json:"before"`
	After  any `json:"after"`
}

// ListFilter selects stations for a listing page.
type ListFilter struct {
	DistrictCode string // a county, or a city or province covering its counties; empty for all
	// Within, when not nil, keeps only stations that one of these division
	// codes covers (a staff member's districts: see auth.Covers); an empty
	// non-nil list keeps none.
	Within      []string
	Status      Status     // empty for all
	Amenities   AmenitySet // every one required
	Query       string     // a substring of the name or the address
	NeedsReview *bool      // nil for all
	// StaleBefore, when not zero, keeps stations nobody has verified or
	// confirmed since then.
	StaleBefore time.Time
	// NotListedOn, when set, keeps stations not listed on that map app
	// (one of MapPlatforms).
	NotListedOn string
	After       uuid.UUID // keyset cursor: ids greater than this
	Limit       int
}

// Store keeps stations. Each method is one transaction.
type Store interface {
	// Create stores a new station and its history entry (action "create" or
	// "import"). Returns Conflict if the id exists. guard, when not nil, is
	// called as Guard says; an error from it stores nothing and is returned.
	Create(ctx context.Context, s *Station, action string, guard Guard) error
	// CreateMany stores every station or none, as Create does.
	CreateMany(ctx context.Context, ss []*Station, action string, guard Guard) error
	// Get returns NotFound when there is no such station.
	Get(ctx context.Context, id uuid.UUID) (*Station, error)
	// Update locks the station, calls change on a copy and, when change
	// returns a non-empty action, saves the copy with its version increased and
	// a history entry. change may return an error, which is passed back.
	// Returns NotFound, or whatever change returns.
	Update(ctx context.Context, id uuid.UUID, change func(s *Station) (action string, err error)) (*Station, error)
	// List returns up to f.Limit stations ordered by id.
	List(ctx context.Context, f ListFilter) ([]*Station, error)
	// History returns the station's changes, oldest first; NotFound when
	// there is no such station.
	History(ctx context.Context, id uuid.UUID) ([]Change, error)
}
