// Package coverage turns searches into anonymous demand and demand into
// plans: where couriers search and find no station within reach, and the
// few sites that would cover most of that demand.
//
// Each nearest and along-route search adds one to a counter of its S2
// level-13 cell (about 1.3 km²) and its clock hour; the counters hold
// nothing else, and are flushed to the store every FlushInterval (Flusher).
// Every answer leaves out the demand of a source (searches, imports) with
// less than MinCount in a cell in the period asked about, each source on
// its own before they are added up. Coverage is measured against the stations of the
// search index with the same exact nearest-neighbour index the search uses.
package coverage

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/station"
)

// Config is how demand is kept and shown.
type Config struct {
	// MinCount is the least demand of one source (searches or imports) a
	// cell must have in the period and hours asked about for that demand to
	// count in any answer: DEMAND_MIN_COUNT, default 5. A cell where no
	// source reaches it appears nowhere.
	MinCount int64
	// Retention is how long counts are kept: DEMAND_RETENTION, default 400
	// days. The sweep deletes older ones.
	Retention time.Duration
	// FlushInterval is how often a process writes its counts:
	// DEMAND_FLUSH_INTERVAL, default 1m.
	FlushInterval time.Duration
}

// DefaultConfig is the configuration when nothing is set.
var DefaultConfig = Config{MinCount: 5, Retention: 400 * 24 * time.Hour, FlushInterval: time.Minute}

// Source says which demand is asked about.
type Source string

// The sources of demand.
const (
	Searches Source = "searches" // counted from searches
	Imported Source = "imported" // imported from elsewhere (POST /v1/coverage/demand/import)
	All      Source = "all"      // both, each suppressed on its own, then added up per cell
)

// A RawCell is the demand of one cell per source, as the store sums it,
// before suppression. A source not asked about is 0.
type RawCell struct {
	ID       CellID
	Searched int64 // counted searches in the period and hours asked
	Imported int64 // imported demand in the hours asked
}

// Count is the cell's demand that may be shown: the sum of the sources
// that each reach minCount on their own. Suppressing each source before
// adding them up keeps imported counts from revealing a few searches: with
// 1 search and 4 imported in a cell, a sum suppressed as a whole would show
// 5, and whoever imported the 4 would learn that 1 search was made there.
func (c RawCell) Count(minCount int64) int64 {
	var n int64
	if c.Searched >= minCount {
		n += c.Searched
	}
	if c.Imported >= minCount {
		n += c.Imported
	}
	return n
}

// A Bucket is the searched demand of one cell in one hour of one day.
type Bucket struct {
	Cell       CellID
	Day        time.Time // the Shanghai date, as midnight UTC
	HourOfWeek int       // 0 is Monday 00:00–01:00 Shanghai time
	N          int64
}

// DemandQuery asks the store for the demand per cell.
type DemandQuery struct {
	Ranges   []Range
	From, To time.Time // Shanghai dates (midnight UTC), inclusive; searched demand only
	Hours    []int     // hours of the day (0–23) to count; nil counts every hour
	Source   Source
}

// An Import is one CSV of demand from elsewhere, aggregated into cells.
type Import struct {
	ID         uuid.UUID
	SHA256     [32]byte // of the file, so that the same file is not imported twice
	ImportedAt time.Time
	ImportedBy uuid.UUID
	Rows       int
	Total      int64
	Cells      []ImportedCell
}

// An ImportedCell is the imported demand of one cell and hour of the week
// (-1: the file gave no hour).
type ImportedCell struct {
	Cell       CellID
	HourOfWeek int
	N          int64
}

// Store keeps the counts.
type Store interface {
	// AddSearches adds the buckets to the stored counts, one upsert per
	// bucket, so that the counts of several processes add up.
	AddSearches(ctx context.Context, b []Bucket) error
	// Demand sums the demand per cell and source of the ranges; cells are
	// returned in id order, suppressed or not (the service suppresses, each
	// source on its own).
	Demand(ctx context.Context, q DemandQuery) ([]RawCell, error)
	// AddImport stores an import whole. Conflict when a file with the same
	// SHA-256 was imported before.
	AddImport(ctx context.Context, imp Import) error
	// Sweep deletes searched counts of days before searchesBefore and
	// imports made before importsBefore, and returns how many rows went.
	Sweep(ctx context.Context, searchesBefore, importsBefore time.Time) (int64, error)
}

// Stations is the search index: every active station, in memory.
type Stations interface {
	Each(fn func(*station.Station) bool)
}

// Service answers coverage questions.
type Service struct {
	store    Store
	stations Stations
	cfg      Config
	now      func() time.Time
	// busy lets few heavy questions run at once: each builds an index of
	// its own.
	busy chan struct{}
}

// NewService returns a Service; now defaults to time.Now.
func NewService(store Store, stations Stations, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if cfg.MinCount < 1 {
		cfg.MinCount = 1
	}
	return &Service{store: store, stations: stations, cfg: cfg, now: now, busy: make(chan struct{}, 2)}
}

// Config is the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

var errBusy = apperr.New(apperr.Unavailable, "other coverage questions are being answered; try again in a moment").Retry(2 * time.Second)

func (s *Service) enter(ctx context.Context) error {
	select {
	case s.busy <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(10 * time.Second):
		return errBusy
	}
}

func (s *Service) leave() { <-s.busy }

var errStaffOnly = apperr.New(apperr.Forbidden, "only union staff may see coverage")

// A Report is coverage in a box, for the hours asked and for the night.
type Report struct {
	Request  Request
	MinCount int64
	Stations int        // stations that count (for the hours asked, when asked)
	Cells    []Assessed // the cells shown (not suppressed) whose centre is in the box, by id
	Totals   Totals
	Night    *Report // the same at night (22:00–06:00); nil inside a night report
}

// Coverage measures the demand of the box covered by the stations.
// Every staff member may ask about any box: the answer is anonymous
// aggregates of cells whose demand of each source counts only when it
// reaches MinCount.
func (s *Service) Coverage(ctx context.Context, by *auth.Principal, r Request) (*Report, error) {
	if !by.IsStaff() {
		return nil, errStaffOnly
	}
	if err := r.normalise(s.now(), s.cfg.Retention); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.leave()
	rep, err := s.assess(ctx, r)
	if err != nil {
		return nil, err
	}
	night := r
	night.Hours = NightHours()
	if rep.Night, err = s.assess(ctx, night); err != nil {
		return nil, err
	}
	return rep, nil
}

func (s *Service) assess(ctx context.Context, r Request) (*Report, error) {
	cells, err := s.demand(ctx, r)
	if err != nil {
		return nil, err
	}
	sup := s.supply(r)
	assessed, totals := Assess(cells, sup, r.ReachM, r.MinStations)
	return &Report{Request: r, MinCount: s.cfg.MinCount, Stations: sup.Len(), Cells: assessed, Totals: totals}, nil
}

// demand is the shown cells of the box: centre inside, each source's demand
// counted only when it reaches MinCount.
func (s *Service) demand(ctx context.Context, r Request) ([]Cell, error) {
	raw, err := s.store.Demand(ctx, DemandQuery{Ranges: Ranges(r.Box), From: r.From, To: r.To, Hours: r.Hours, Source: r.Source})
	if err != nil {
		return nil, err
	}
	return Shown(raw, r.Box, s.cfg.MinCount), nil
}

// Shown keeps the cells whose centre lies in box with the demand of each
// source that reaches minCount on its own (RawCell.Count), ordered by id:
// the only cells and counts any answer may show or count. A cell where no
// source reaches minCount is left out.
func Shown(cells []RawCell, box orb.Bound, minCount int64) []Cell {
	out := make([]Cell, 0, len(cells))
	for _, c := range cells {
		if n := c.Count(minCount); n > 0 && c.ID.Valid() && InBound(box, c.ID.Centre()) {
			out = append(out, Cell{ID: c.ID, Count: n})
		}
	}
	sortCells(out)
	return out
}

// A Plan is where the next k stations would cover most demand.
type Plan struct {
	Request Request
	K       int
	Before  Totals // coverage by today's stations
	Items   []Suggestion
}

// Suggest plans k sites by greedy maximum coverage over the centres of the
// shown demand cells of the box.
func (s *Service) Suggest(ctx context.Context, by *auth.Principal, r Request, k int) (*Plan, error) {
	if !by.IsStaff() {
		return nil, errStaffOnly
	}
	var p apperr.Problems
	if k < 1 || k > MaxSites {
		p.Add("k", "out_of_range", "must be from 1 to %d", MaxSites)
	}
	if err := r.normalise(s.now(), s.cfg.Retention); err != nil {
		p.AddAll("", err)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.leave()
	cells, err := s.demand(ctx, r)
	if err != nil {
		return nil, err
	}
	assessed, totals := Assess(cells, s.supply(r), r.ReachM, r.MinStations)
	covered := make([]bool, len(assessed))
	for i, a := range assessed {
		covered[i] = a.Covered
	}
	return &Plan{Request: r, K: k, Before: totals, Items: Greedy(cells, covered, r.ReachM, k)}, nil
}

// MaxSites is the most sites one plan may ask for.
const MaxSites = 50
