package coverage

import (
	"math"

	"github.com/golang/geo/s2"
	"github.com/paulmach/orb"

	"yizhan/internal/geo"
)

// Level is the S2 level of a demand cell: about 1.3 km² on average (0.9 to
// 1.8 km² across mainland China), so the ~1 km service radius of the
// national union's 15-minute circle spans a few cells, and a cell holds the
// searches of a neighbourhood, not of a doorway.
const Level = 13

// CellID is the S2 cell id of a level-13 cell. The schema refuses any other
// level (its lowest set bit is bit 34), so no finer point can be stored.
type CellID uint64

// CellOf is the level-13 cell holding the WGS-84 point p.
func CellOf(p orb.Point) CellID {
	return CellID(s2.CellIDFromLatLng(s2.LatLngFromDegrees(p[1], p[0])).Parent(Level))
}

// Valid reports whether c names a level-13 cell.
func (c CellID) Valid() bool {
	id := s2.CellID(c)
	return id.IsValid() && id.Level() == Level
}

// Centre is the cell's centre, WGS-84 [lng, lat].
func (c CellID) Centre() orb.Point {
	ll := s2.CellID(c).LatLng()
	return orb.Point{ll.Lng.Degrees(), ll.Lat.Degrees()}
}

// Token is S2's short hexadecimal name of the cell ("35c4b1"), as GIS tools
// and S2 libraries read it.
func (c CellID) Token() string { return s2.CellID(c).ToToken() }

// Polygon is the cell's outline, WGS-84, its exterior ring counter-clockwise
// as RFC 7946 asks (S2 lists a cell's vertices counter-clockwise). The edges
// are geodesics in S2 and straight lines in GeoJSON; at this size they
// differ by centimetres.
func (c CellID) Polygon() orb.Polygon {
	cell := s2.CellFromCellID(s2.CellID(c))
	ring := make(orb.Ring, 5)
	for i := range 4 {
		ll := s2.LatLngFromPoint(cell.Vertex(i))
		ring[i] = orb.Point{ll.Lng.Degrees(), ll.Lat.Degrees()}
	}
	ring[4] = ring[0]
	return orb.Polygon{ring}
}

// A Range is an inclusive range of level-13 cell ids, as signed integers
// the way PostgreSQL's bigint holds them (one S2 face never straddles the
// sign bit, so lo <= hi as signed numbers too).
type Range struct{ Lo, Hi int64 }

// Ranges covers the box b (WGS-84) with at most 24 ranges of level-13 cell
// ids: every cell whose centre lies in b is in one of them. Callers still
// test the centre, as the ranges overreach the box.
func Ranges(b orb.Bound) []Range {
	rect := s2.RectFromLatLng(s2.LatLngFromDegrees(b.Min[1], b.Min[0])).AddPoint(s2.LatLngFromDegrees(b.Max[1], b.Max[0]))
	// The covering holds every point of the box, so the cell of a centre
	// inside it descends from one of the covering's cells (level <= 13).
	rc := s2.RegionCoverer{MaxLevel: Level, MaxCells: 24}
	cu := rc.Covering(rect)
	out := make([]Range, 0, len(cu))
	for _, c := range cu {
		lo, hi := c.ChildBeginAtLevel(Level), c.ChildEndAtLevel(Level).Prev()
		out = append(out, Range{int64(lo), int64(hi)})
	}
	return out
}

// InBound reports whether p lies in b, edges included.
func InBound(b orb.Bound, p orb.Point) bool {
	return p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1]
}

// sidesM is the box's widest east-west extent and its north-south extent
// in metres, on the sphere.
func sidesM(b orb.Bound) (width, height float64) {
	lat := 0.0 // the latitude of the box nearest the equator, where it is widest
	if b.Min[1] > 0 {
		lat = b.Min[1]
	} else if b.Max[1] < 0 {
		lat = b.Max[1]
	}
	rad := math.Pi / 180
	width = (b.Max[0] - b.Min[0]) * rad * geo.EarthRadius * math.Cos(lat*rad)
	height = (b.Max[1] - b.Min[1]) * rad * geo.EarthRadius
	return width, height
}
