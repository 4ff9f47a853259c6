// Package standard holds the union's station standards (issue 15 §2 and §4):
// listings on the map apps (上图), the inspection checklist that follows the
// national guideline, the star rule, the 最美站点 recognition and the daily
// service tallies (服务人次). It knows nothing of HTTP or SQL; the Store it
// needs is declared here and implemented in internal/postgres.
package standard

import (
	"context"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/station"
)

// The listing statuses of a station on one map app.
const (
	NotSubmitted = "not_submitted"
	Submitted    = "submitted"
	Listed       = "listed"
	Rejected     = "rejected"
)

// ListingStatuses are the statuses, in the order a listing moves through them.
var ListingStatuses = []string{NotSubmitted, Submitted, Listed, Rejected}

// ValidPlatform reports whether p is one of station.MapPlatforms.
func ValidPlatform(p string) bool {
	for _, q := range station.MapPlatforms {
		if p == q {
			return true
		}
	}
	return false
}

// ValidListingStatus reports whether s is a listing status.
func ValidListingStatus(s string) bool {
	for _, q := range ListingStatuses {
		if s == q {
			return true
		}
	}
	return false
}

// Listing is a station's listing on one map app, as staff set it.
type Listing struct {
	StationID uuid.UUID
	Platform  string
	Status    string
	Date      string // YYYY-MM-DD, Shanghai
	Note      string // empty when none; staff only
	UpdatedAt time.Time
	UpdatedBy string // empty when never set
}

// Inspection is one staff inspection of a station against the checklist.
type Inspection struct {
	ID          uuid.UUID
	StationID   uuid.UUID
	InspectedAt time.Time
	InspectedBy string
	// Items maps every checklist code to pass (true) or fail.
	Items map[string]bool
	Notes string
	// PhotoIDs name photos of the station (the photos feature); kept as
	// given, in order, without duplicates.
	PhotoIDs []uuid.UUID
	// StarLevel is what the inspection gave when it was recorded.
	StarLevel int
}

// Passed is the number of items passed.
func (in *Inspection) Passed() int {
	n := 0
	for _, ok := range in.Items {
		if ok {
			n++
		}
	}
	return n
}

// Tally is a station's count of services on one Shanghai calendar day.
type Tally struct {
	StationID uuid.UUID
	Day       string // YYYY-MM-DD
	Count     int
}

// Staff is a staff member acting on stations.
type Staff interface {
	station.Actor
	// DistrictScope returns the codes the staff member acts in, or all.
	DistrictScope() (codes []string, all bool)
}

// StarFunc gives the star level of a station from its latest inspection's
// items and the number of map apps it is listed on.
type StarFunc func(items map[string]bool, listed int) int

// Store keeps listings, inspections, recognitions and tallies. Each method
// is one transaction. Those that change a station lock it, call check on it
// (or build, whose error is returned and stores nothing), rewrite its star level with
// stars, and return it as stored so the search index can take it.
type Store interface {
	// SetMapListing stores the listing build returns. Returns NotFound or
	// what build returns.
	SetMapListing(ctx context.Context, stationID uuid.UUID, build func(*station.Station) (Listing, error), stars StarFunc) (*station.Station, error)
	// MapListings reads the station, calls check on it and returns the
	// listings staff have set of it, in platform order. Returns NotFound or
	// what check returns.
	MapListings(ctx context.Context, stationID uuid.UUID, check func(*station.Station) error) ([]Listing, error)
	// RecordInspection stores the inspection build returns, with its
	// StarLevel set from stars. Returns NotFound or what build returns.
	RecordInspection(ctx context.Context, stationID uuid.UUID, build func(*station.Station) (*Inspection, error), stars StarFunc) (*station.Station, error)
	// Inspections reads the station, calls check on it and returns its
	// inspections, newest first, those after the cursor (an inspection id;
	// uuid.Nil for the first page). Returns NotFound or what check returns.
	Inspections(ctx context.Context, stationID uuid.UUID, before uuid.UUID, limit int, check func(*station.Station) error) ([]Inspection, error)
	// SetMostBeautiful sets (at, by) or clears (zero at) the recognition.
	SetMostBeautiful(ctx context.Context, stationID uuid.UUID, at time.Time, by string, check func(*station.Station) error) (*station.Station, error)
	// AddService adds one to the station's day, or with set sets it to
	// count. key, when not empty, makes the change once per (actor, key): a
	// repeat returns the first answer with replay true and changes nothing.
	// Returns NotFound, Conflict (the key was used for another station or
	// day) or what check returns.
	AddService(ctx context.Context, stationID uuid.UUID, day string, set bool, count int, actor, key string, at time.Time, check func(*station.Station) error) (t Tally, replay bool, err error)
	// ServiceDays reads the station, calls check on it and returns its
	// tallies from day from to day to (inclusive), newest first; days
	// without a tally are left out. Returns NotFound or what check returns.
	ServiceDays(ctx context.Context, stationID uuid.UUID, from, to string, check func(*station.Station) error) ([]Tally, error)
	// ListingStats counts the active stations of each county within the
	// scope and those listed on each platform.
	ListingStats(ctx context.Context, scope Scope) ([]DistrictListings, error)
	// ServiceReport gathers the month's figures of every station within the
	// scope that is not closed or counted something in the month.
	ServiceReport(ctx context.Context, scope Scope, month Month) ([]StationMonth, error)
	// RecomputeStars rewrites the star level of every inspected station
	// whose level stars gives differently, and returns those stations.
	RecomputeStars(ctx context.Context, stars StarFunc) ([]*station.Station, error)
}

// Scope selects stations by district: DistrictCode (a county, a city or a
// province; empty for all) and Within (the staff member's codes; nil for
// everywhere, empty for nowhere).
type Scope struct {
	DistrictCode string
	Within       []string
}

// DistrictListings is one county's figures of 上图.
type DistrictListings struct {
	DistrictCode string
	Stations     int            // active stations
	Listed       map[string]int // by platform
}

// Share is the share of the county's active stations listed on the
// platform, 0 when it has none.
func (d DistrictListings) Share(platform string) float64 {
	if d.Stations == 0 {
		return 0
	}
	return float64(d.Listed[platform]) / float64(d.Stations)
}
