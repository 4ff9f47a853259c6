package geo

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// RouteQuery describes a corridor search for Index.AlongRoute.
type RouteQuery struct {
	// Path is the route in WGS-84 [lng, lat]; each pair of consecutive
	// points is joined by the shorter great-circle arc. It needs at least 2
	// points; repeated points (zero-length segments) are fine.
	Path orb.LineString
	// Buffer is the corridor half-width in metres (inclusive). Negative or
	// NaN matches nothing.
	Buffer float64
	// Tags lists the bits that must all be set in Item.Tags; checked inside
	// the tree walk like Query.Tags.
	Tags uint64
	// Accept is an optional extra predicate, called at most once per item
	// and only for items that pass Tags and lie within Buffer.
	Accept func(ref int32) bool
	// Limit is the maximum number of hits, the first ones along the route;
	// Limit <= 0 returns nothing.
	Limit int
}

// RouteHit is one result of Index.AlongRoute.
type RouteHit struct {
	// Ref is the Item.Ref of the matched item.
	Ref int32
	// Key is the Item.Key of the matched item.
	Key [16]byte
	// Along is the distance in metres along the path from its start to the
	// path point closest to the item, as returned by DistanceToPath.
	Along float64
	// Off is the great-circle distance in metres from the item to the path,
	// as returned by DistanceToPath.
	Off float64
}

// pathArc is one path segment prepared for repeated point-to-arc queries: the
// great-circle arc from a to b, starting start metres along the path.
type pathArc struct {
	a, b       orb.Point
	sinLatA    float64
	bearing    float64 // initial bearing a→b, radians
	angle      float64 // arc length, radians
	length     float64 // arc length, metres (== Distance(a, b))
	start      float64 // path length before a, metres
	startPlusL float64 // start + length, the along value at b
}

// newPathArc prepares the arc from a to b. Like locate it is kept out of line
// so that DistanceToPath and AlongRoute share one compiled copy and get
// bit-identical segment data.
//
//go:noinline
func newPathArc(a, b orb.Point, start float64) pathArc {
	s := pathArc{a: a, b: b, start: start}
	s.sinLatA = math.Sin(a[1] * deg)
	s.bearing = s.bearingTo(b)
	s.length = Distance(a, b)
	s.angle = s.length / EarthRadius
	s.startPlusL = start + s.length
	return s
}

// bearingTo is the initial bearing from s.a to p in radians. Unlike the
// textbook formula it writes cos φ1 sin φ2 − sin φ1 cos φ2 cos Δλ as
// sin(φ2−φ1) + sin φ1 cos φ2 · 2 sin²(Δλ/2), which has no cancellation, so
// it stays accurate for points centimetres apart.
func (s *pathArc) bearingTo(p orb.Point) float64 {
	cLat2 := math.Cos(p[1] * deg)
	dLng := (p[0] - s.a[0]) * deg
	sh := math.Sin(dLng / 2)
	y := math.Sin(dLng) * cLat2
	x := math.Sin((p[1]-s.a[1])*deg) + s.sinLatA*cLat2*(2*sh*sh)
	return math.Atan2(y, x)
}

// locate returns the along-path position (metres) of the point of the pathArc
// closest to p and the distance (metres) from p to it.
//
// The foot of the perpendicular from p onto the arc's great circle lies at
// signed angle atan2(sin δ cos Δθ, cos δ) from a (δ = angular distance a→p,
// Δθ = bearing a→p minus bearing a→b), at cross-track angle
// asin(sin δ sin Δθ). If the foot is on the arc that is the answer;
// otherwise distance along a great circle grows monotonically away from the
// foot, so the nearer endpoint (a on a tie) is closest.
//
// It is deliberately not inlined: DistanceToPath and AlongRoute must get
// bit-identical results, so they share one compiled copy.
//
//go:noinline
func (s *pathArc) locate(p orb.Point) (along, off float64) {
	dA := Distance(s.a, p)
	delta := dA / EarthRadius
	sd, cd := math.Sincos(delta)
	st, ct := math.Sincos(s.bearingTo(p) - s.bearing)
	at := math.Atan2(sd*ct, cd)
	if at >= 0 && at <= s.angle {
		// Clamp so along never passes the next segment's start: then along
		// is non-decreasing in segment order, which makes "first segment
		// with the smallest off" and "smallest along" the same rule.
		return s.start + min(at*EarthRadius, s.length), math.Abs(math.Asin(sd*st)) * EarthRadius
	}
	if dB := Distance(s.b, p); dB < dA {
		return s.startPlusL, dB
	}
	return s.start, dA
}

// DistanceToPath returns off, the minimum great-circle distance in metres
// from p to path (each segment the shorter great-circle arc between its
// points), and along, the path length in metres from the start to that
// closest point; when several path points are equally close, along is the
// smallest. A one-point path is treated as that point; an empty path or a
// non-finite coordinate anywhere gives NaN, NaN.
func DistanceToPath(p orb.Point, path orb.LineString) (along, off float64) {
	switch {
	case len(path) == 0 || !isFinitePoint(p):
		return math.NaN(), math.NaN()
	case len(path) == 1:
		if !isFinitePoint(path[0]) {
			return math.NaN(), math.NaN()
		}
		return 0, Distance(p, path[0])
	}
	for _, v := range path {
		if !isFinitePoint(v) {
			return math.NaN(), math.NaN()
		}
	}
	along, off = math.NaN(), math.Inf(1)
	start := 0.0
	for i := 0; i+1 < len(path); i++ {
		s := newPathArc(path[i], path[i+1], start)
		if al, o := s.locate(p); o < off {
			along, off = al, o
		}
		start = s.startPlusL
	}
	if math.IsNaN(along) {
		return math.NaN(), math.NaN()
	}
	return along, off
}

// arcCorridor is the index-side pruning region of one arc: everything within
// the buffer of the arc lies within the ball around the arc's midpoint of
// radius half the arc plus the buffer, and (for arcs long enough to have a
// well-conditioned normal) within the slab |v·n| <= sin(buffer) around the
// arc's great circle. Both are widened by the pruning slack.
type arcCorridor struct {
	mx, my, mz float64 // arc midpoint (unit vector)
	ball2      float64 // squared chord radius of the ball (+Inf: no ball)
	nx, ny, nz float64 // unit normal of the great circle
	slab       float64 // half-thickness of the slab (+Inf: no slab)
	// The same, widened by itemSlack for float32 item vectors.
	itemBall2, itemSlab float64
}

// Arcs shorter than minSlabAngle (about 640 m) or within that of a half
// turn do not use the slab: their normal, from a cross product of nearly
// (anti)parallel vectors, is too imprecise to prune safely.
const minSlabAngle = 1e-4

func newArcCorridor(s *pathArc, buffer float64) arcCorridor {
	var c arcCorridor
	ax, ay, az := sphereVec(s.a)
	bx, by, bz := sphereVec(s.b)
	c.ball2, c.slab = math.Inf(1), math.Inf(1)
	sx, sy, sz := ax+bx, ay+by, az+bz
	if sn := math.Sqrt(sx*sx + sy*sy + sz*sz); sn > 0.1 { // arc < ~174°
		c.mx, c.my, c.mz = sx/sn, sy/sn, sz/sn
		// Route slack is larger (1 mm) than Nearest's: DistanceToPath goes
		// through bearings and asin, whose error is still far below that.
		c.ball2 = chordBound2(s.length/2 + buffer + 1e-3)
	}
	nx, ny, nz := ay*bz-az*by, az*bx-ax*bz, ax*by-ay*bx
	if nn := math.Sqrt(nx*nx + ny*ny + nz*nz); nn > minSlabAngle {
		if b := (buffer*(1+relSlack) + 1e-3) / EarthRadius; b < math.Pi/2 {
			c.nx, c.ny, c.nz = nx/nn, ny/nn, nz/nn
			c.slab = math.Sin(b)*(1+relSlack) + chordSlack
		}
	}
	c.itemBall2, c.itemSlab = widen2(c.ball2), c.slab+itemSlack
	return c
}

// boxMay reports whether b may hold a point of the corridor.
func (c *arcCorridor) boxMay(b *kdBox) bool {
	if boxDist2(b, c.mx, c.my, c.mz) > c.ball2 {
		return false
	}
	if math.IsInf(c.slab, 1) {
		return true
	}
	// n·v is linear, so its range over the box is attained at corners.
	var lo, hi float64
	for a, na := range [3]float64{c.nx, c.ny, c.nz} {
		if na >= 0 {
			lo += na * float64(b.lo[a])
			hi += na * float64(b.hi[a])
		} else {
			lo += na * float64(b.hi[a])
			hi += na * float64(b.lo[a])
		}
	}
	return lo <= c.slab && hi >= -c.slab
}

// itemMay reports whether a stored (float32) item vector may lie in the
// corridor.
func (c *arcCorridor) itemMay(v *kdItem) bool {
	x, y, z := float64(v.x), float64(v.y), float64(v.z)
	dx, dy, dz := x-c.mx, y-c.my, z-c.mz
	if dx*dx+dy*dy+dz*dz > c.itemBall2 {
		return false
	}
	return math.Abs(x*c.nx+y*c.ny+z*c.nz) <= c.itemSlab || math.IsInf(c.slab, 1)
}

// AlongRoute appends to dst[:0] the items within q.Buffer metres of q.Path
// that pass the filters, sorted by (Along, Key), at most q.Limit of them,
// and returns the extended slice. Along and Off are exactly what
// DistanceToPath returns for the item.
//
// Each segment searches the tree only inside its corridor (see arcCorridor),
// so cost follows the number of items near the route, not the index size.
// An item near several segments is found several times; the hit from the
// segment with the smallest Off wins, which is what DistanceToPath picks.
// dst is used as scratch space, so a reused dst avoids allocation.
func (ix *Index) AlongRoute(q RouteQuery, dst []RouteHit) []RouteHit {
	dst = dst[:0]
	if ix == nil || len(ix.items) == 0 || q.Limit <= 0 || len(q.Path) < 2 || !(q.Buffer >= 0) {
		return dst
	}
	for _, p := range q.Path {
		if !isFinitePoint(p) {
			return dst
		}
	}
	inners, items := ix.inner, ix.items
	qt := q.Tags
	if ix.root.tags&qt != qt {
		return dst
	}
	n, depth := len(items), ix.depth
	firstLeaf := len(inners)

	// Collect (item index in Ref, Along, Off) for every segment that has the
	// item within Buffer.
	start := 0.0
	for i := 0; i+1 < len(q.Path); i++ {
		s := newPathArc(q.Path[i], q.Path[i+1], start)
		start = s.startPlusL
		c := newArcCorridor(&s, q.Buffer)
		if !c.boxMay(&ix.root) {
			continue
		}
		var stack [stackMax]int
		stack[0] = 0
		sp := 1
		for sp > 0 {
			sp--
			cur := stack[sp]
			if cur < firstLeaf {
				in := &inners[cur]
				for side := range 2 {
					if b := &in.child[side]; b.tags&qt == qt && c.boxMay(b) {
						stack[sp] = 2*cur + 1 + side
						sp++
					}
				}
				continue
			}
			lo, hi := leafRange(cur-firstLeaf, depth, n)
			for j := lo; j < hi; j++ {
				v := &items[j]
				if v.tags&qt != qt || !c.itemMay(v) {
					continue
				}
				if along, off := s.locate(v.pt); off <= q.Buffer {
					dst = append(dst, RouteHit{Ref: int32(j), Along: along, Off: off})
				}
			}
		}
	}

	// Keep, per item, the hit with the smallest Off (then smallest Along,
	// i.e. the earliest segment), exactly as DistanceToPath does.
	slices.SortFunc(dst, func(a, b RouteHit) int {
		if c := cmp.Compare(a.Ref, b.Ref); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Off, b.Off); c != 0 {
			return c
		}
		return cmp.Compare(a.Along, b.Along)
	})
	w, prev := 0, int32(-1)
	for r := 0; r < len(dst); r++ {
		j := dst[r].Ref
		if j == prev {
			continue
		}
		prev = j
		c := &ix.items[j]
		if q.Accept != nil && !q.Accept(c.ref) {
			continue
		}
		dst[w] = RouteHit{Ref: c.ref, Key: c.key, Along: dst[r].Along, Off: dst[r].Off}
		w++
	}
	dst = dst[:w]
	slices.SortFunc(dst, func(a, b RouteHit) int {
		if c := cmp.Compare(a.Along, b.Along); c != 0 {
			return c
		}
		return slices.Compare(a.Key[:], b.Key[:])
	})
	return dst[:min(len(dst), q.Limit)]
}
