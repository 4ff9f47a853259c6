// Package search answers the courier's question — "where is the nearest open
// station with a charger?" — from an in-memory index of active stations, with
// no database round trip on the query path. The index is a geo.Index built
// from the registry and kept fresh by the writes of this process (at once)
// and of every other process (through a Source: notifications plus a
// periodic reconcile).
package search

import (
	"cmp"

	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// Engine holds the index. Queries read an immutable snapshot through one
// atomic load and take no lock; writers serialise on a mutex and publish a
// new snapshot.
type Engine struct {
	cur    atomic.Pointer[snapshot]
	loaded atomic.Bool
	// syncedAt is when the index last caught up with the database (unix
	// nanoseconds); it tells clients how old an answer may be.
	syncedAt atomic.Int64

	mu sync.Mutex // writers only
	// versions is the newest version seen of every station, active or not,
	// so that an older copy arriving late never overwrites a newer one.
	versions map[uuid.UUID]stamp
	// baseRef finds a station's slot in the current base index.
	baseRef map[uuid.UUID]int32
	// rebuildAt is the size of the delta that triggers a full rebuild.
	rebuildMin int
}

// snapshot is one immutable state of the index. Stations live either in the
// large base index (rebuilt rarely) or in the small delta index (rebuilt on
// every write); a base slot superseded by a later write is marked dead.
type snapshot struct {
	version   int64 // counts applied changes; strictly increasing
	base      *geo.Index
	baseSt    []*station.Station
	baseMemo  []Memo   // one per base slot
	dead      []uint64 // bit set over base refs
	deadN     int      // bits set in dead
	delta     *geo.Index
	deltaSt   []*station.Station
	deltaMemo []Memo
	live      int
	// noticed marks the base slots whose station has notices (a bit set
	// over base refs, like dead), so that a filtered query looks at a
	// station's notices only when it has some; noticedN counts them, and
	// deltaNoticed counts the delta's stations with notices.
	noticed      []uint64
	noticedN     int
	deltaNoticed int
}

// stamp is how new a copy of a station is: its Version, then its Revision
// (writes that keep the Version, such as a worker's check-in).
type stamp struct{ version, revision int64 }

func stampOf(s *station.Station) stamp { return stamp{s.Version, s.Revision} }

// olderThan reports whether s is a later copy than the one stamped.
func (v stamp) olderThan(s *station.Station) bool {
	return s.Version > v.version || s.Version == v.version && s.Revision > v.revision
}

// NewEngine returns an empty engine. It answers nothing useful until Load.
func NewEngine() *Engine {
	e := &Engine{versions: map[uuid.UUID]stamp{}, baseRef: map[uuid.UUID]int32{}, rebuildMin: 4096}
	e.cur.Store(&snapshot{base: geo.NewIndex(nil), delta: geo.NewIndex(nil)})
	return e
}

// Loaded reports whether the first full load has completed.
func (e *Engine) Loaded() bool { return e.loaded.Load() }

// Version is the index version: it increases with every applied change.
func (e *Engine) Version() int64 { return e.cur.Load().version }

// Len is the number of active stations in the index.
func (e *Engine) Len() int { return e.cur.Load().live }

// SyncedAt is when the index last caught up with the database.
func (e *Engine) SyncedAt() time.Time {
	n := e.syncedAt.Load()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// MarkSynced records that the index has caught up with the database at t.
func (e *Engine) MarkSynced(t time.Time) { e.syncedAt.Store(t.UnixNano()) }

// Load replaces the whole index with stations (every station of the
// registry; inactive ones are remembered but not indexed).
func (e *Engine) Load(stations []*station.Station) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.versions = make(map[uuid.UUID]stamp, len(stations))
	live := make([]*station.Station, 0, len(stations))
	for _, s := range stations {
		if v, ok := e.versions[s.ID]; ok && !v.olderThan(s) {
			continue
		}
		e.versions[s.ID] = stampOf(s)
		live = append(live, s)
	}
	// A station listed twice keeps its newest copy.
	live = slices.DeleteFunc(live, func(s *station.Station) bool {
		return e.versions[s.ID] != stampOf(s) || s.Status != station.Active
	})
	e.publishRebuild(live, e.cur.Load().version+1)
	e.loaded.Store(true)
}

// Apply folds changed stations into the index. Copies older than what the
// index already holds are ignored, so Apply is idempotent and order-proof.
// It returns how many stations changed the index.
func (e *Engine) Apply(stations ...*station.Station) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	old := e.cur.Load()
	// The newest copy of each station wins, whatever order copies arrive in.
	newest := make(map[uuid.UUID]*station.Station, len(stations))
	for _, s := range stations {
		if v, ok := e.versions[s.ID]; ok && !v.olderThan(s) {
			continue
		}
		if n, ok := newest[s.ID]; !ok || s.Newer(n) {
			newest[s.ID] = s
		}
	}
	if len(newest) == 0 {
		return 0
	}
	changed := make([]*station.Station, 0, len(newest))
	for _, s := range stations {
		if newest[s.ID] == s {
			changed = append(changed, s)
			e.versions[s.ID] = stampOf(s)
			delete(newest, s.ID)
		}
	}
	next := &snapshot{version: old.version + 1, base: old.base, baseSt: old.baseSt, baseMemo: old.baseMemo, dead: old.dead,
		noticed: old.noticed, noticedN: old.noticedN}
	gone := make(map[uuid.UUID]bool, len(changed))
	copied := false
	for _, s := range changed {
		gone[s.ID] = true
		if ref, ok := e.baseRef[s.ID]; ok {
			if !copied {
				next.dead = slices.Clone(old.dead)
				copied = true
			}
			next.dead[ref/64] |= 1 << (ref % 64)
			delete(e.baseRef, s.ID)
		}
	}
	deltaSt := make([]*station.Station, 0, len(old.deltaSt)+len(changed))
	var kept []int // the old delta slot of each station kept, in order
	for j, s := range old.deltaSt {
		if !gone[s.ID] {
			deltaSt = append(deltaSt, s)
			kept = append(kept, j)
		}
	}
	for _, s := range changed {
		if s.Status == station.Active {
			deltaSt = append(deltaSt, s)
		}
	}
	deadCount := 0
	for _, w := range next.dead {
		deadCount += popcount(w)
	}
	next.deadN = deadCount
	next.live = len(next.baseSt) - deadCount + len(deltaSt)
	if len(deltaSt) > max(e.rebuildMin, len(next.baseSt)/8) {
		all := make([]*station.Station, 0, next.live)
		for ref, s := range next.baseSt {
			if next.dead[ref/64]&(1<<(ref%64)) == 0 {
				all = append(all, s)
			}
		}
		e.publishRebuild(append(all, deltaSt...), next.version)
		return len(changed)
	}
	next.deltaSt = deltaSt
	for _, s := range deltaSt {
		if len(s.Notices) > 0 {
			next.deltaNoticed++
		}
	}
	// The delta is rebuilt on every write; the copies it keeps keep their
	// memos (a reader of the old snapshot may still fill one there, which
	// only costs the new snapshot a second rendering).
	next.deltaMemo = make([]Memo, len(deltaSt))
	for i, j := range kept {
		next.deltaMemo[i].p.Store(old.deltaMemo[j].p.Load())
		next.deltaMemo[i].word.Store(old.deltaMemo[j].word.Load())
	}
	next.delta = geo.NewIndex(items(deltaSt))
	e.cur.Store(next)
	return len(changed)
}

// publishRebuild makes live the new base, with an empty delta.
func (e *Engine) publishRebuild(live []*station.Station, version int64) {
	// Stations near each other on the map sit near each other in baseSt
	// (a Z-order curve), so the pointers of one answer's stations share
	// cache lines; ties by id keep builds deterministic whatever the write
	// order.
	type keyed struct {
		z uint64
		s *station.Station
	}
	order := make([]keyed, len(live))
	for i, s := range live {
		order[i] = keyed{zOrder(s.Location), s}
	}
	slices.SortFunc(order, func(a, b keyed) int {
		if c := cmp.Compare(a.z, b.z); c != 0 {
			return c
		}
		return cmp.Compare(string(a.s.ID[:]), string(b.s.ID[:]))
	})
	for i := range order {
		live[i] = order[i].s
	}
	e.baseRef = make(map[uuid.UUID]int32, len(live))
	for i, s := range live {
		e.baseRef[s.ID] = int32(i)
	}
	noticed, noticedN := make([]uint64, (len(live)+63)/64), 0
	for i, s := range live {
		if len(s.Notices) > 0 {
			noticed[i/64] |= 1 << (i % 64)
			noticedN++
		}
	}
	e.cur.Store(&snapshot{
		version:  version,
		base:     geo.NewIndex(items(live)),
		baseSt:   live,
		baseMemo: make([]Memo, len(live)),
		dead:     make([]uint64, (len(live)+63)/64),
		delta:    geo.NewIndex(nil),
		live:     len(live),
		noticed:  noticed,
		noticedN: noticedN,
	})
}

// zOrder interleaves the bits of a point's quantised longitude and latitude.
func zOrder(p orb.Point) uint64 {
	x := uint64((min(max(p[0], -180), 180) + 180) / 360 * (1<<32 - 1))
	y := uint64((min(max(p[1], -90), 90) + 90) / 180 * (1<<32 - 1))
	return spread(x) | spread(y)<<1
}

// spread moves the low 32 bits of v to the even bit positions.
func spread(v uint64) uint64 {
	v &= 0xffffffff
	v = (v | v<<16) & 0x0000ffff0000ffff
	v = (v | v<<8) & 0x00ff00ff00ff00ff
	v = (v | v<<4) & 0x0f0f0f0f0f0f0f0f
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

func items(ss []*station.Station) []geo.Item {
	out := make([]geo.Item, len(ss))
	for i, s := range ss {
		out[i] = geo.Item{Key: s.ID, Point: s.Location, Tags: uint64(s.Amenities), Ref: int32(i)}
	}
	return out
}

func popcount(w uint64) int {
	n := 0
	for w != 0 {
		w &= w - 1
		n++
	}
	return n
}

// Query is a nearest-station question.
type Query struct {
	Point     orb.Point // WGS-84
	Limit     int
	RadiusM   float64 // 0 for unlimited
	Amenities station.AmenitySet
	// OpenAt, when not zero, keeps only stations open at that instant
	// (within their hours and not temporarily closed by a notice).
	OpenAt time.Time
	// At is the instant the question is about: a notice in force then
	// takes its amenity away from the Amenities filter. Zero means OpenAt,
	// or the time of the query when OpenAt is zero too.
	At time.Time
}

// Hit is one station of an answer.
type Hit struct {
	Station    *station.Station
	Memo       *Memo     // the indexed copy's memo
	Point      orb.Point // the station's location, from the index's copy
	DistanceM  float64
	BearingDeg float64
}

// scratch holds a query's working buffers; pooled so that a query makes
// no allocations of its own beyond the caller's dst.
type scratch struct {
	base, delta     []geo.Neighbor
	acc             acceptor
	baseFn, deltaFn func(int32) bool // acc's methods, bound once
}

var scratchPool = sync.Pool{New: func() any {
	sc := &scratch{}
	sc.baseFn, sc.deltaFn = sc.acc.base, sc.acc.delta
	return sc
}}

// Nearest returns the Limit nearest active stations matching the query,
// ordered by great-circle distance and then id, appended to dst[:0], and the
// index version that answered. It takes no lock.
func (e *Engine) Nearest(q Query, dst []Hit) ([]Hit, int64) {
	s := e.cur.Load()
	dst = dst[:0]
	if q.Limit <= 0 {
		return dst, s.version
	}
	sc := scratchPool.Get().(*scratch)
	defer func() {
		sc.acc = acceptor{} // a pooled scratch must not keep a snapshot alive
		scratchPool.Put(sc)
	}()
	gq := geo.Query{Point: q.Point, K: q.Limit, MaxDistance: q.RadiusM, Tags: uint64(q.Amenities)}
	f := filter{openAt: q.OpenAt, at: q.At, want: q.Amenities}
	if sc.acc.forBase(s, f) {
		gq.Accept = sc.baseFn
	}
	sc.base = s.base.Nearest(gq, sc.base)
	sc.delta = sc.delta[:0]
	if s.delta.Len() > 0 {
		gq.Accept = nil
		if sc.acc.forDelta(s, f) {
			gq.Accept = sc.deltaFn
		}
		sc.delta = s.delta.Nearest(gq, sc.delta)
	}
	// Merge the two sorted lists; a station lives in only one of them.
	b, d := sc.base, sc.delta
	from := geo.NewOrigin(q.Point)
	for len(dst) < q.Limit && (len(b) > 0 || len(d) > 0) {
		var h Hit
		var n geo.Neighbor
		if len(d) == 0 || len(b) > 0 && less(b[0], d[0]) {
			n, b = b[0], b[1:]
			h.Station, h.Memo = s.baseSt[n.Ref], &s.baseMemo[n.Ref]
		} else {
			n, d = d[0], d[1:]
			h.Station, h.Memo = s.deltaSt[n.Ref], &s.deltaMemo[n.Ref]
		}
		h.Point, h.DistanceM, h.BearingDeg = n.Point, n.Distance, from.BearingTo(n.Point)
		dst = append(dst, h)
	}
	return dst, s.version
}

// filter is what a query asks of a station beyond the index's own tests.
type filter struct {
	openAt time.Time          // zero: open or not
	at     time.Time          // when notices are evaluated; see Query.At
	want   station.AmenitySet // the amenities asked for
}

// notices reports whether notices can change the answer (they only ever
// remove stations from a filtered one), and the instant to evaluate them at.
func (f filter) notices(stationsWithNotices int) (bool, time.Time) {
	if stationsWithNotices == 0 || f.openAt.IsZero() && f.want == 0 {
		return false, time.Time{}
	}
	at := f.at
	if at.IsZero() {
		at = f.openAt
	}
	if at.IsZero() {
		at = time.Now()
	}
	return true, at
}

// acceptor is the predicate a query hands the index beyond its own tests:
// not superseded (base only), open at the instant when one is given, and
// not deprived by a notice of an amenity asked for. Nearest keeps one in its
// pooled scratch with its method values made once, so that a filtered query
// allocates no closure.
type acceptor struct {
	s     *snapshot
	f     filter
	open  bool
	notes bool      // notices can change the answer
	at    time.Time // when notices are evaluated
}

// forBase sets a up for the base index and reports whether a predicate is
// needed at all: without one, the index makes no call per candidate.
func (a *acceptor) forBase(s *snapshot, f filter) bool {
	a.s, a.f, a.open = s, f, !f.openAt.IsZero()
	a.notes, a.at = f.notices(s.noticedN)
	return a.open || s.deadN > 0 || a.notes
}

// forDelta sets a up for the delta index, which holds no dead entries.
func (a *acceptor) forDelta(s *snapshot, f filter) bool {
	a.s, a.f, a.open = s, f, !f.openAt.IsZero()
	a.notes, a.at = f.notices(s.deltaNoticed)
	return a.open || a.notes
}

func (a *acceptor) base(ref int32) bool {
	s := a.s
	word, bit := ref/64, uint64(1)<<(ref%64)
	if s.dead[word]&bit != 0 {
		return false
	}
	if a.notes && s.noticed[word]&bit != 0 && !a.f.honours(s.baseSt[ref], a.at) {
		return false
	}
	return !a.open || s.baseSt[ref].Hours.OpenAt(a.f.openAt)
}

func (a *acceptor) delta(ref int32) bool {
	st := a.s.deltaSt[ref]
	if a.notes && len(st.Notices) > 0 && !a.f.honours(st, a.at) {
		return false
	}
	return !a.open || st.Hours.OpenAt(a.f.openAt)
}

// honours reports whether the station's notices leave it matching f.
func (f filter) honours(st *station.Station, at time.Time) bool {
	if !f.openAt.IsZero() && st.ClosedAt(f.openAt) {
		return false
	}
	return st.OffersAt(f.want, at)
}

func less(a, b geo.Neighbor) bool {
	if a.Distance != b.Distance {
		return a.Distance < b.Distance
	}
	return string(a.Key[:]) < string(b.Key[:])
}
