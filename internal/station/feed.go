package station

import (
	"context"

	"github.com/google/uuid"
)

// The change feed lets a client keep a copy of the active stations of a
// scope (a county, a city, a province or everywhere) and fetch only what
// changed since its last visit. Its order is the database's: every write of
// a station takes the id of its transaction, and a page holds the stations
// whose last write lies after the client's position and below the oldest
// transaction still running, so that a transaction that took its id early
// and committed late is never passed over. Applying every page in order to
// an empty copy gives exactly the active stations of the scope, whatever
// was written meanwhile.

// FeedPosition is a place in the feed: what a client has applied so far. It
// is made of database facts (transaction ids), so it holds across restarts
// and on every API process.
type FeedPosition struct {
	// Base is where the client's copy started empty: removals of stations
	// last written before it are left out, as that copy never held them.
	// Zero for a copy that may hold anything.
	Base uint64
	// XID and ID are the last write applied (zero: none yet).
	XID uint64
	ID  uuid.UUID
}

// FeedQuery asks for one page of the feed.
type FeedQuery struct {
	// DistrictCode is the scope: a county, or a city or province covering
	// its counties; empty for every station.
	DistrictCode string
	// After is the client's position; nil starts a full copy.
	After *FeedPosition
	Limit int
}

// FeedPage is one page of the feed, in the feed's order.
type FeedPage struct {
	// Items are the stations to put into the copy (active, in the scope),
	// as they are now.
	Items []*Station
	// Removed are the stations to take out of it: closed, suspended, or
	// moved out of the scope.
	Removed []uuid.UUID
	// Next is the position after this page; the same as the query's when
	// the page is empty.
	Next FeedPosition
	// More reports that more changes are ready now.
	More bool
}

// Feed reads the change feed.
type Feed interface {
	// Changes returns the page after q.After. Returns Gone when the
	// position lies ahead of the database (a cursor issued before the
	// database was restored from a backup).
	Changes(ctx context.Context, q FeedQuery) (FeedPage, error)
}
