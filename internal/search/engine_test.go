package search

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

var shanghai = time.FixedZone("CST", 8*3600)

// timetables are the hours random stations get: the awkward ones on purpose.
var timetables = func() []station.Hours {
	var out []station.Hours
	for _, raw := range []string{
		`{"always_open":true}`,
		`{"always_open":true,"closed_dates":["2027-01-27"]}`,
		`{"weekly":{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]],"wed":[["08:00","20:00"]],"thu":[["08:00","20:00"]],"fri":[["08:00","20:00"]]}}`,
		`{"weekly":{"tue":[["22:00","06:00"]],"wed":[["22:00","06:00"]]},"closed_dates":["2027-01-27"]}`,
		`{"weekly":{"wed":[["00:00","24:00"]],"sun":[["18:00","18:00"]]}}`,
		`{"weekly":{}}`,
		`{"weekly":{"mon":[["04:30","10:00"],["15:00","20:00"]],"wed":[["04:30","10:00"],["15:00","20:00"]]}}`,
	} {
		h, err := station.ParseHours([]byte(raw))
		if err != nil {
			panic(err)
		}
		out = append(out, h)
	}
	return out
}()

// randomStations makes n stations clustered like real ones: dense towns and a
// sparse countryside in eastern China.
func randomStations(r *rand.Rand, n int) []*station.Station {
	towns := make([]orb.Point, 40)
	for i := range towns {
		towns[i] = orb.Point{110 + r.Float64()*12, 22 + r.Float64()*16}
	}
	out := make([]*station.Station, n)
	for i := range out {
		var p orb.Point
		if r.IntN(10) < 8 {
			t := towns[r.IntN(len(towns))]
			p = orb.Point{t[0] + r.NormFloat64()*0.05, t[1] + r.NormFloat64()*0.05}
		} else {
			p = orb.Point{100 + r.Float64()*25, 20 + r.Float64()*25}
		}
		var amen station.AmenitySet
		for b := range len(station.Amenities) {
			if r.IntN(3) == 0 {
				amen |= 1 << b
			}
		}
		if r.IntN(20) == 0 {
			amen |= 1 << 15 // nursing_supplies: rare on its own, rarer combined
		}
		out[i] = &station.Station{
			ID:        seqID(r, i),
			Location:  p,
			Amenities: amen,
			Hours:     timetables[r.IntN(len(timetables))],
			Status:    station.Active,
			Version:   1,
		}
		if r.IntN(30) == 0 {
			out[i].Status = station.Suspended
		}
		if r.IntN(6) == 0 {
			out[i].Notices = randomNotices(r)
		}
	}
	// A few stations share a point, so ties are broken by id.
	for i := 0; i+1 < n && i < 200; i += 2 {
		out[i+1].Location = out[i].Location
	}
	return out
}

// randomNotices makes one to three notices that start and end around the
// awkward times, so that queries meet notices before, during and after them.
func randomNotices(r *rand.Rand) []station.Notice {
	out := make([]station.Notice, 1+r.IntN(3))
	for i := range out {
		from := awkwardTimes[r.IntN(len(awkwardTimes))].Add(time.Duration(r.IntN(7)-3) * time.Hour)
		n := station.Notice{ID: seqID(r, i), From: from, Until: from.Add(time.Duration(1+r.IntN(72)) * time.Hour)}
		if r.IntN(2) == 0 {
			n.Kind = station.TemporarilyClosed
		} else {
			n.Kind = station.AmenityUnavailable
			n.Amenity = 1 << []int{0, 6, 15, r.IntN(len(station.Amenities))}[r.IntN(4)]
		}
		out[i] = n
	}
	return out
}

// noticesAllow is the specification of notices, written out apart from the
// station package's: a closure in force at OpenAt removes the station from
// an open_now search, and an amenity unavailable at At (OpenAt when At is
// zero) removes it from a search for that amenity.
func noticesAllow(s *station.Station, openAt, at time.Time, want station.AmenitySet) bool {
	if at.IsZero() {
		at = openAt
	}
	for _, n := range s.Notices {
		switch n.Kind {
		case station.TemporarilyClosed:
			if !openAt.IsZero() && !openAt.Before(n.From) && openAt.Before(n.Until) {
				return false
			}
		case station.AmenityUnavailable:
			if want&n.Amenity != 0 && !at.Before(n.From) && at.Before(n.Until) {
				return false
			}
		}
	}
	return true
}

func seqID(r *rand.Rand, i int) uuid.UUID {
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[:8], r.Uint64())
	binary.BigEndian.PutUint64(id[8:], uint64(i))
	return id
}

// bruteNearest is the specification: every active station, filtered, ranked
// by distance and id. It keeps the best Limit in a sorted slice, which is
// simple enough to trust and spares sorting every station per query.
func bruteNearest(all []*station.Station, q Query) []Hit {
	better := func(a, b Hit) bool {
		if a.DistanceM != b.DistanceM {
			return a.DistanceM < b.DistanceM
		}
		return string(a.Station.ID[:]) < string(b.Station.ID[:])
	}
	hits := make([]Hit, 0, q.Limit+1)
	for _, s := range all {
		if s.Status != station.Active || !s.Amenities.Has(q.Amenities) {
			continue
		}
		d := geo.Distance(q.Point, s.Location)
		if q.RadiusM > 0 && d > q.RadiusM {
			continue
		}
		h := Hit{Station: s, DistanceM: d}
		if len(hits) == q.Limit && !better(h, hits[len(hits)-1]) {
			continue
		}
		if !q.OpenAt.IsZero() && !s.Hours.OpenAt(q.OpenAt) || !noticesAllow(s, q.OpenAt, q.At, q.Amenities) {
			continue
		}
		i, _ := slices.BinarySearchFunc(hits, h, func(a, b Hit) int {
			if better(a, b) {
				return -1
			}
			return 1
		})
		hits = slices.Insert(hits, i, h)
		if len(hits) > q.Limit {
			hits = hits[:q.Limit]
		}
	}
	for i := range hits {
		hits[i].BearingDeg = geo.Bearing(q.Point, hits[i].Station.Location)
	}
	return hits
}

func describe(hs []Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = fmt.Sprintf("%s@%.6f", h.Station.ID, h.DistanceM)
	}
	return out
}

// awkwardTimes are instants around midnights, overnight intervals and the
// closed date 2027-01-27 (a Wednesday), in Shanghai time.
var awkwardTimes = []time.Time{
	time.Date(2027, 1, 27, 0, 0, 0, 0, shanghai),   // closed date starts; Tue 22:00–06:00 spill runs on
	time.Date(2027, 1, 27, 3, 0, 0, 0, shanghai),   // inside the spill
	time.Date(2027, 1, 27, 5, 59, 0, 0, shanghai),  // last minute of the spill
	time.Date(2027, 1, 27, 6, 0, 0, 0, shanghai),   // spill ends
	time.Date(2027, 1, 27, 22, 30, 0, 0, shanghai), // Wed 22:00 interval cancelled by the closed date
	time.Date(2027, 1, 28, 2, 0, 0, 0, shanghai),   // its would-be spill
	time.Date(2027, 1, 31, 17, 59, 0, 0, shanghai), // Sunday before an 18:00–18:00 (24 h) interval
	time.Date(2027, 2, 1, 17, 59, 0, 0, shanghai),  // Monday inside it
	time.Date(2027, 2, 1, 18, 0, 0, 0, shanghai),   // it ends
	time.Date(2026, 12, 2, 23, 59, 59, 0, time.UTC),
}

func checkAgainstBrute(t *testing.T, e *Engine, registry map[uuid.UUID]*station.Station, r *rand.Rand, queries int) {
	t.Helper()
	all := make([]*station.Station, 0, len(registry))
	for _, s := range registry {
		all = append(all, s)
	}
	amenityFilters := []station.AmenitySet{0, 1 << 0, 1<<0 | 1<<6, 1<<15 | 1<<4 | 1<<11, 1<<len(station.Amenities) - 1}
	var buf []Hit
	for i := range queries {
		q := Query{Limit: []int{1, 10, 50}[r.IntN(3)]}
		switch r.IntN(10) {
		case 0: // far from every station: the Pacific, the Arctic
			q.Point = orb.Point{160 + r.Float64()*10, -10 + r.Float64()*80}
		default:
			q.Point = orb.Point{105 + r.Float64()*18, 21 + r.Float64()*18}
		}
		q.Amenities = amenityFilters[r.IntN(len(amenityFilters))]
		q.At = awkwardTimes[r.IntN(len(awkwardTimes))].Add(time.Duration(r.IntN(5)-2) * time.Hour)
		if r.IntN(2) == 0 {
			q.OpenAt = q.At
		}
		switch r.IntN(4) {
		case 0:
			q.RadiusM = 1 + r.Float64()*100000
		case 1: // exactly the distance of some station: it must be included
			unlimited := q
			unlimited.RadiusM = 0
			if hs := bruteNearest(all, unlimited); len(hs) > 0 {
				q.RadiusM = hs[len(hs)-1].DistanceM
			}
		}
		var version int64
		buf, version = e.Nearest(q, buf)
		if version != e.Version() {
			t.Fatalf("answered by version %d, engine at %d", version, e.Version())
		}
		want := bruteNearest(all, q)
		if got, want := describe(buf), describe(want); !slices.Equal(got, want) {
			t.Fatalf("query %d %+v:\n got %v\nwant %v", i, q, got, want)
		}
		for j, h := range buf {
			if h.BearingDeg != want[j].BearingDeg {
				t.Fatalf("query %d: bearing %v, want %v", i, h.BearingDeg, want[j].BearingDeg)
			}
		}
	}
}

func TestNearestMatchesBruteForce(t *testing.T) {
	t.Parallel()
	n, queries := 100_000, 1000
	if testing.Short() || raceEnabled {
		n, queries = 10_000, 200
	}
	r := rand.New(rand.NewPCG(1, 2))
	stations := randomStations(r, n)
	all := map[uuid.UUID]*station.Station{}
	for _, s := range stations {
		all[s.ID] = s
	}
	e := NewEngine()
	e.Load(stations)
	checkAgainstBrute(t, e, all, r, queries)

	// Writes: moves, closings, reopenings, new stations, and stale copies
	// that must be ignored. Small batches land in the delta index; the
	// large one forces a rebuild of the base.
	for round, batch := range []int{1, 7, 300, n/8 + 10, 3} {
		var changed []*station.Station
		for range batch {
			var s station.Station
			if r.IntN(5) == 0 {
				s = *randomStations(r, 1)[0]
				s.ID = seqID(r, n+round*1_000_000+len(changed))
			} else {
				s = *stations[r.IntN(len(stations))]
				s = *all[s.ID]
				s.Version++
				switch r.IntN(4) {
				case 0:
					s.Location = orb.Point{s.Location[0] + r.NormFloat64()*0.01, s.Location[1] + r.NormFloat64()*0.01}
				case 1:
					s.Status = []station.Status{station.Active, station.Suspended, station.Closed}[r.IntN(3)]
				case 2:
					s.Amenities ^= 1 << r.IntN(len(station.Amenities))
				case 3: // a notice posted, or every notice expired
					if len(s.Notices) > 0 {
						s.Notices = nil
					} else {
						s.Notices = randomNotices(r)
					}
				}
			}
			cp := s
			all[s.ID] = &cp
			changed = append(changed, &cp)
		}
		// A stale copy of a changed station arrives after the fresh one.
		stale := *changed[0]
		stale.Version--
		stale.Status = station.Active
		before := e.Version()
		e.Apply(changed...)
		e.Apply(&stale)
		if e.Version() <= before {
			t.Fatalf("round %d: version did not advance", round)
		}
		checkAgainstBrute(t, e, all, r, queries/10)
	}
}

func TestAlongRouteMatchesBruteForce(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	n, routes := 20_000, 100
	if raceEnabled {
		n, routes = 5_000, 30
	}
	stations := randomStations(r, n)
	e := NewEngine()
	e.Load(stations[:n*4/5])
	e.Apply(stations[n*4/5:]...) // some in the delta index
	for i := range routes {
		start := stations[r.IntN(len(stations))].Location
		path := orb.LineString{start}
		for range 2 + r.IntN(30) {
			last := path[len(path)-1]
			path = append(path, orb.Point{last[0] + r.NormFloat64()*0.01, last[1] + r.NormFloat64()*0.01})
		}
		q := RouteQuery{Path: path, BufferM: r.Float64() * 2000, Limit: 1 + r.IntN(100)}
		if r.IntN(2) == 0 {
			q.Amenities = 1 << r.IntN(len(station.Amenities))
		}
		q.At = awkwardTimes[r.IntN(len(awkwardTimes))]
		if r.IntN(2) == 0 {
			q.OpenAt = q.At
		}
		got, _ := e.AlongRoute(q)

		var want []RouteHit
		for _, s := range stations {
			if s.Status != station.Active || !s.Amenities.Has(q.Amenities) || !q.OpenAt.IsZero() && !s.Hours.OpenAt(q.OpenAt) ||
				!noticesAllow(s, q.OpenAt, q.At, q.Amenities) {
				continue
			}
			along, off := geo.DistanceToPath(s.Location, path)
			if off <= q.BufferM {
				want = append(want, RouteHit{Station: s, AlongM: along, OffM: off})
			}
		}
		slices.SortFunc(want, func(a, b RouteHit) int {
			if c := cmp.Compare(a.AlongM, b.AlongM); c != 0 {
				return c
			}
			return cmp.Compare(string(a.Station.ID[:]), string(b.Station.ID[:]))
		})
		if len(want) > q.Limit {
			want = want[:q.Limit]
		}
		if len(got) != len(want) {
			t.Fatalf("route %d: %d hits, want %d", i, len(got), len(want))
		}
		for j := range got {
			if got[j].Station.ID != want[j].Station.ID || got[j].AlongM != want[j].AlongM || got[j].OffM != want[j].OffM {
				t.Fatalf("route %d hit %d: got %s %.3f/%.3f, want %s %.3f/%.3f", i, j,
					got[j].Station.ID, got[j].AlongM, got[j].OffM, want[j].Station.ID, want[j].AlongM, want[j].OffM)
			}
		}
	}
}

// A query racing with writers sees one consistent snapshot.
func TestConcurrentQueriesAndWrites(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 6))
	stations := randomStations(r, 5000)
	e := NewEngine()
	e.Load(stations)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := rand.New(rand.NewPCG(7, 8))
		for range 300 {
			s := *stations[w.IntN(len(stations))]
			s.Version += int64(w.IntN(1000)) + 1
			s.Location = orb.Point{s.Location[0] + 0.001, s.Location[1]}
			e.Apply(&s)
		}
	}()
	q := Query{Point: orb.Point{116, 30}, Limit: 10}
	var buf []Hit
	for {
		select {
		case <-done:
			return
		default:
		}
		buf, _ = e.Nearest(q, buf)
		if len(buf) != 10 {
			t.Fatalf("%d hits", len(buf))
		}
		seen := map[uuid.UUID]bool{}
		for _, h := range buf {
			if seen[h.Station.ID] {
				t.Fatalf("station %s twice in one answer", h.Station.ID)
			}
			seen[h.Station.ID] = true
		}
	}
}

// A memo belongs to one indexed copy of a station: what a reader stored for
// one version must never come back with another, through writes that go to
// the delta and writes that rebuild the base.
func TestMemosFollowTheIndexedCopy(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 10))
	stations := randomStations(r, 3000)
	e := NewEngine()
	e.rebuildMin = 16 // rebuild the base every few rounds
	e.Load(stations)
	tag := func(s *station.Station) string { return fmt.Sprintf("%s@%d", s.ID, s.Version) }
	check := func(st *station.Station, m *Memo) {
		t.Helper()
		if m == nil {
			t.Fatalf("hit for %s without a memo", st.ID)
		}
		if got := m.Load(); got == nil {
			m.Store([]byte(tag(st)))
		} else if string(got) != tag(st) {
			t.Fatalf("the memo of %s holds %s", tag(st), got)
		}
	}
	filled, rebuilds, renewed := 0, 0, 0
	lastFilled := map[uuid.UUID]int64{} // the version whose memo was last filled
	var buf []Hit
	for round := range 200 {
		p := stations[r.IntN(len(stations))].Location
		buf, _ = e.Nearest(Query{Point: p, Limit: 20}, buf)
		for _, h := range buf {
			if h.Memo.Load() != nil {
				filled++
			}
			if v, ok := lastFilled[h.Station.ID]; ok && v != h.Station.Version {
				renewed++ // a station seen with a filled memo, now at a new version
			}
			check(h.Station, h.Memo)
			lastFilled[h.Station.ID] = h.Station.Version
		}
		route, _ := e.AlongRoute(RouteQuery{Path: orb.LineString{p, {p[0] + 0.05, p[1]}}, BufferM: 2000, Limit: 20})
		for _, h := range route {
			check(h.Station, h.Memo)
		}
		// Change some of the stations just answered, and some others.
		before := e.cur.Load().base
		for range 5 {
			var s station.Station
			if len(buf) > 0 && r.IntN(2) == 0 {
				s = *buf[r.IntN(len(buf))].Station
			} else {
				s = *stations[r.IntN(len(stations))]
			}
			s.Version = int64(round+2)*10 + int64(r.IntN(10))
			s.Name = fmt.Sprintf("round %d", round)
			e.Apply(&s)
		}
		if e.cur.Load().base != before {
			rebuilds++
		}
	}
	if filled == 0 || rebuilds == 0 || renewed == 0 {
		t.Fatalf("the test did not exercise what it should: %d memos found filled, %d base rebuilds, %d stations renewed after a fill",
			filled, rebuilds, renewed)
	}
}

// The delta is rebuilt on every write, but a copy it keeps keeps its memo;
// the copy a write replaces does not pass its memo on.
func TestDeltaMemosSurviveOtherWrites(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	stations := randomStations(r, 200)
	e := NewEngine()
	e.Load(stations)
	a, b := *stations[0], *stations[1]
	a.Location, b.Location = orb.Point{116, 30}, orb.Point{100, 20}
	a.Status, b.Status = station.Active, station.Active
	at := func() Hit {
		t.Helper()
		hits, _ := e.Nearest(Query{Point: orb.Point{116, 30}, Limit: 1}, nil)
		if len(hits) != 1 || hits[0].Station.ID != a.ID {
			t.Fatalf("nearest to a: %v", describe(hits))
		}
		return hits[0]
	}
	a.Version++
	e.Apply(&a) // a now lives in the delta
	at().Memo.Store([]byte("a"))
	b.Version++
	e.Apply(&b) // the delta is rebuilt around a
	if got := at().Memo.Load(); string(got) != "a" {
		t.Errorf("after another station's write, a's memo holds %q", got)
	}
	a2 := a
	a2.Version++
	e.Apply(&a2)
	if h := at(); h.Station != &a2 || h.Memo.Load() != nil {
		t.Errorf("after a's own write: station version %d, memo %q; want %d and empty", h.Station.Version, h.Memo.Load(), a2.Version)
	}
}
