package search

import (
	"cmp"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// RouteQuery asks for the stations along a route.
type RouteQuery struct {
	Path      orb.LineString // WGS-84
	BufferM   float64
	Amenities station.AmenitySet
	OpenAt    time.Time
	At        time.Time // as Query.At
	Limit     int
}

// RouteHit is one station along a route.
type RouteHit struct {
	Station *station.Station
	Memo    *Memo
	AlongM  float64
	OffM    float64
}

// AlongRoute returns the first Limit active stations within BufferM of the
// route, ordered by how far along the route their closest point lies, and
// the index version that answered.
func (e *Engine) AlongRoute(q RouteQuery) ([]RouteHit, int64) {
	s := e.cur.Load()
	if q.Limit <= 0 {
		return nil, s.version
	}
	gq := geo.RouteQuery{Path: q.Path, Buffer: q.BufferM, Tags: uint64(q.Amenities), Limit: q.Limit}
	f := filter{openAt: q.OpenAt, at: q.At, want: q.Amenities}
	var acc acceptor
	if acc.forBase(s, f) {
		gq.Accept = acc.base
	}
	base := s.base.AlongRoute(gq, nil)
	var delta []geo.RouteHit
	if s.delta.Len() > 0 {
		var dacc acceptor
		gq.Accept = nil
		if dacc.forDelta(s, f) {
			gq.Accept = dacc.delta
		}
		delta = s.delta.AlongRoute(gq, nil)
	}
	out := make([]RouteHit, 0, min(q.Limit, len(base)+len(delta)))
	for _, h := range base {
		out = append(out, RouteHit{Station: s.baseSt[h.Ref], Memo: &s.baseMemo[h.Ref], AlongM: h.Along, OffM: h.Off})
	}
	for _, h := range delta {
		out = append(out, RouteHit{Station: s.deltaSt[h.Ref], Memo: &s.deltaMemo[h.Ref], AlongM: h.Along, OffM: h.Off})
	}
	slices.SortFunc(out, func(a, b RouteHit) int {
		if c := cmp.Compare(a.AlongM, b.AlongM); c != 0 {
			return c
		}
		return cmp.Compare(string(a.Station.ID[:]), string(b.Station.ID[:]))
	})
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, s.version
}
