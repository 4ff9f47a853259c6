// Package photo keeps the photos of stations (issue 15 §1): staff upload up
// to MaxPerStation JPEG or PNG photos to a station, one of them its
// entrance (门头照). Every upload is decoded and re-encoded (image.go), so
// that no metadata — a phone's GPS position least of all — is stored, and
// is kept as a FullEdge version and a ThumbEdge thumbnail in a directory
// under content-addressed names (dir.go), written durably before the row
// that names them commits. The Store is declared here and implemented in
// internal/postgres.
package photo

import (
	"context"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/station"
)

// MaxPerStation is how many photos a station may have; the schema keeps it
// (ten slots per station).
const MaxPerStation = 10

// Photo is one photo of a station.
type Photo struct {
	ID        uuid.UUID
	StationID uuid.UUID
	// Slot is the photo's place among the station's MaxPerStation.
	Slot     int
	Entrance bool
	// Full and Thumb are the content-addressed names of the two images.
	Full, Thumb             string
	Width, Height           int
	ThumbWidth, ThumbHeight int
	Bytes                   int // of the full version
	CreatedAt               time.Time
	CreatedBy               string
}

// Ref is what a station answer shows of the photo.
func (p Photo) Ref() *station.PhotoRef {
	return &station.PhotoRef{ID: p.ID, Full: p.Full, Thumb: p.Thumb, Width: p.Width, Height: p.Height}
}

// Staff is whoever manages photos: a staff member acting within districts.
type Staff interface {
	station.Actor
}

// Store keeps photo rows. Each method is one transaction, and each that
// changes a station's photos rewrites the station's photo columns
// (photo_count, entrance) in it and returns the station as stored, so the
// search index can take it.
type Store interface {
	// District returns the station's district code as stored, without
	// locking the station: NotFound when there is none.
	District(ctx context.Context, stationID uuid.UUID) (string, error)
	// Add locks the station and calls check with it and its photos. When a
	// photo of the station already has p.Full, it returns that photo and
	// existing true, writing nothing. Otherwise it takes p.Slot from check's
	// answer, holds shared locks on both names (see RemoveUnreferenced),
	// calls write, which must make the files durable, and inserts p (marked
	// the entrance, unmarking any other, when p.Entrance). Returns
	// NotFound, Conflict when the station has MaxPerStation photos, or what
	// check or write return.
	Add(ctx context.Context, p Photo, check func(st *station.Station, photos []Photo) (slot int, err error), write func() error) (out Photo, st *station.Station, existing bool, err error)
	// SetEntrance marks the photo as its station's entrance (unmarking any
	// other) or unmarks it, after check approves the station. Returns
	// NotFound (no such station or photo of it) or what check returns.
	SetEntrance(ctx context.Context, stationID, photoID uuid.UUID, entrance bool, check func(*station.Station) error) (Photo, *station.Station, error)
	// Delete removes the photo's row after check approves the station.
	// Returns NotFound or what check returns.
	Delete(ctx context.Context, stationID, photoID uuid.UUID, check func(*station.Station) error) (Photo, *station.Station, error)
	// List returns the photos of each station, entrance first, then by
	// slot.
	List(ctx context.Context, stationIDs []uuid.UUID) (map[uuid.UUID][]Photo, error)
	// Unreferenced returns those of names that no photo names.
	Unreferenced(ctx context.Context, names []string) ([]string, error)
	// RemoveUnreferenced calls remove while holding the name's exclusive
	// lock, when no photo names it, and reports whether it did. An Add of
	// the same name waits for it, or it for the Add, so a file is never
	// removed under a row that commits.
	RemoveUnreferenced(ctx context.Context, name string, remove func() error) (bool, error)
}
