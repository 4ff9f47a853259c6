// Package truth keeps the station registry honest between staff visits:
// workers check in at a station and say which amenities work, file reports
// of what is wrong, and staff work through the reports, post notices
// (temporarily closed, an amenity unavailable) and record their visits.
//
// It holds the rules and knows nothing of HTTP or SQL; the Store it needs is
// declared here and implemented in internal/postgres. What the public sees
// of a station (its last confirmation, each amenity's state, its notices)
// lives on station.Station and never names a worker.
package truth

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/station"
)

// The rules' numbers. The schema keeps MaxReportsPerDay and the one
// check-in per hour too (db/migrations/00019_station_truth.sql).
const (
	// CheckinRadiusM is how near a worker must be to check in, in metres.
	CheckinRadiusM = 300
	// MaxReportsPerDay is how many reports a worker may file per Shanghai
	// calendar day.
	MaxReportsPerDay = 5
	// MaxNote is the longest note, in characters.
	MaxNote = 500
	// FlagReports open reports from distinct workers within FlagWindow flag
	// a station as needing review.
	FlagReports = 3
	FlagWindow  = 7 * 24 * time.Hour
	// MaxMessage is the longest notice message, in characters.
	MaxMessage = 200
	// MaxNoticeSpan is the longest a notice may be in force: a station
	// closed for longer should be suspended.
	MaxNoticeSpan = 180 * 24 * time.Hour
	// MaxNoticeLead is how far ahead a notice may start.
	MaxNoticeLead = 365 * 24 * time.Hour
	// MaxNotices is the most notices a station may hold in force or to
	// come, which bounds what every search carries.
	MaxNotices = 20
)

// CheckinInput is a worker's check-in as sent. Point is used to check that
// the worker stands near the station and is then forgotten: it is never
// stored or logged.
type CheckinInput struct {
	Point   orb.Point // WGS-84
	Working []string  // amenity codes
	Broken  []string
	Note    string
}

// Checkin is a stored check-in. It holds no location.
type Checkin struct {
	ID        uuid.UUID
	StationID uuid.UUID
	WorkerID  uuid.UUID
	At        time.Time
	// Hour is At truncated to the hour: one check-in per worker, station
	// and hour.
	Hour    time.Time
	Working station.AmenitySet
	Broken  station.AmenitySet
	Note    string
}

// Category is what a report says is wrong.
type Category string

// Categories are the report categories, in the order forms list them.
var Categories = []Category{"closed_when_open", "amenity_missing", "amenity_broken", "wrong_location", "unsafe", "dirty", "other"}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, k := range Categories {
		if c == k {
			return true
		}
	}
	return false
}

// aboutAmenity reports whether the category needs an amenity.
func (c Category) aboutAmenity() bool { return c == "amenity_missing" || c == "amenity_broken" }

// ReportStatus is where a report stands in the staff queue.
type ReportStatus string

// The report statuses.
const (
	Open      ReportStatus = "open"
	Resolved  ReportStatus = "resolved"
	Dismissed ReportStatus = "dismissed"
)

// Valid reports whether s is a known status.
func (s ReportStatus) Valid() bool { return s == Open || s == Resolved || s == Dismissed }

// ReportInput is a report as sent; nil means absent.
type ReportInput struct {
	Category *string
	Amenity  *string
	Note     *string
}

// Report is a worker's report about a station.
type Report struct {
	ID        uuid.UUID
	StationID uuid.UUID
	WorkerID  uuid.UUID // never shown to staff or the public
	Category  Category
	Amenity   string // an amenity code, or empty
	Note      string
	Status    ReportStatus
	CreatedAt time.Time
	// Set when staff resolved or dismissed it.
	DecidedAt    time.Time
	DecidedBy    string
	DecisionNote string
	// Read with the report, for the queue.
	StationName  string
	DistrictCode string
}

// OpenReport is what the flagging rule needs of an open report.
type OpenReport struct {
	WorkerID  uuid.UUID
	CreatedAt time.Time
}

// ReportFilter selects reports for the staff queue.
type ReportFilter struct {
	Status       ReportStatus // empty for all
	DistrictCode string       // a county, city or province code; empty for all
	// Districts, when not nil, keeps reports of stations these codes cover
	// (the staff member's scope); empty and not nil matches nothing.
	Districts []string
	StationID uuid.UUID // zero for all
	After     uuid.UUID // keyset cursor
	Limit     int
}

// NoticeInput is a staff notice as sent; nil means absent.
type NoticeInput struct {
	Kind    *string
	Amenity *string
	From    *time.Time
	Until   *time.Time
	Message *string
}

// Staff is the staff member acting; auth.Principal is one.
type Staff interface {
	station.Actor
	// DistrictScope returns the codes the staff member acts in, or all.
	DistrictScope() (codes []string, all bool)
}

// Store keeps check-ins, reports, notices and visits. Each method is one
// transaction, and each that changes a station returns it as stored, so the
// search index can take it.
type Store interface {
	// Checkin locks the station, calls check on it, stores the check-in it
	// returns and saves the station as check changed it. Returns NotFound,
	// whatever check returns, or TooFrequent when the worker has checked in
	// at the station within the same hour.
	Checkin(ctx context.Context, stationID uuid.UUID, check func(*station.Station) (Checkin, error)) (*station.Station, error)
	// FileReport counts a report against the worker's day (TooFrequent
	// past MaxReportsPerDay), locks the station, calls check on it, stores
	// the report check returns and sets the station's NeedsReview to what
	// flag says of its open reports created since flagSince. Returns
	// NotFound or whatever check returns.
	FileReport(ctx context.Context, stationID, workerID uuid.UUID, day string, check func(*station.Station) (Report, error),
		flagSince time.Time, flag func([]OpenReport) bool) (Report, *station.Station, error)
	// MyReports returns the worker's reports, newest first, up to limit,
	// older than before when before is not zero.
	MyReports(ctx context.Context, workerID uuid.UUID, before uuid.UUID, limit int) ([]Report, error)
	// ListReports returns reports ordered by id.
	ListReports(ctx context.Context, f ReportFilter) ([]Report, error)
	// DecideReport locks the report and its station, calls decide on the
	// report, saves it and sets the station's NeedsReview as FileReport
	// does. Returns NotFound or whatever decide returns.
	DecideReport(ctx context.Context, id uuid.UUID, decide func(*Report) error,
		flagSince time.Time, flag func([]OpenReport) bool) (Report, *station.Station, error)
	// PostNotice locks the station, calls check on it and stores the notice
	// it returns, by createdBy. Returns NotFound or whatever check returns.
	PostNotice(ctx context.Context, stationID uuid.UUID, createdBy string, check func(*station.Station) (station.Notice, error)) (*station.Station, error)
	// Verify locks the station, calls check on it and records a staff
	// visit at at by by. Returns NotFound or whatever check returns.
	Verify(ctx context.Context, stationID uuid.UUID, at time.Time, by string, check func(*station.Station) error) (*station.Station, error)
}
