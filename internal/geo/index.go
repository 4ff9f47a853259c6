package geo

import (
	"encoding/binary"
	"math"

	"github.com/paulmach/orb"
)

// Item is one point in an Index.
type Item struct {
	// Key identifies the item and must be unique within an Index; ties in
	// distance are broken by ascending Key (bytes.Compare) so that results
	// are deterministic whatever order the items were given in.
	Key [16]byte
	// Point is the item's WGS-84 position, orb order [lng, lat] in degrees.
	// Items with a NaN or infinite coordinate are dropped by NewIndex,
	// because no distance to them is meaningful.
	Point orb.Point
	// Tags is a bit set (for example amenities) so that a query can require
	// a subset of bits without calling back into the caller.
	Tags uint64
	// Ref is the caller's handle (for example a slice index). It is passed to
	// Query.Accept and returned in results so callers need no map lookup.
	Ref int32
}

// Neighbor is one result of Index.Nearest.
type Neighbor struct {
	// Ref is the Item.Ref of the matched item.
	Ref int32
	// Key is the Item.Key of the matched item.
	Key [16]byte
	// Distance is the great-circle distance in metres from the query point,
	// bit-for-bit equal to Distance(q.Point, item.Point), so callers can
	// compare it with distances they compute themselves.
	Distance float64
	// Point is the item's point, so that callers need not fetch their own
	// record of it (a cache miss per result) to compute, say, a bearing.
	Point orb.Point
}

// Query describes a k-nearest-neighbour search for Index.Nearest.
type Query struct {
	// Point is the WGS-84 query position [lng, lat]. A non-finite point
	// matches nothing.
	Point orb.Point
	// K is the maximum number of results; K <= 0 returns nothing.
	K int
	// MaxDistance is an inclusive radius in metres: an item at exactly
	// MaxDistance is returned. A value <= 0 (or +Inf) means unlimited; NaN
	// matches nothing.
	MaxDistance float64
	// Tags lists the bits that must all be set in Item.Tags. It is checked
	// inside the tree walk, so rare tag combinations prune whole subtrees
	// instead of scanning everything nearby.
	Tags uint64
	// Accept is an optional extra predicate (for example "open now" or "not
	// deleted") that the index cannot know about. It is called only on items
	// that pass Tags and are near enough to enter the current result set,
	// so an expensive predicate runs as rarely as possible. It must be safe
	// for concurrent use if queries run concurrently.
	Accept func(ref int32) bool
}

// Index is a static spatial index answering exact great-circle queries.
//
// Points are stored as 3-D unit vectors in an implicit KD-tree (a complete
// binary tree laid out in an array, split at the median of the widest axis).
// Chord length between unit vectors is a monotonic function of great-circle
// distance, so a node's axis-aligned bounding box yields a proven lower bound
// on the distance to everything below it, while the final ranking always uses
// Distance itself. Each node also stores the OR of its items' Tags so that a
// tag filter prunes subtrees.
//
// The layout is chosen for cache misses, which dominate queries on a large
// index: an inner node is one 64-byte cache line holding both children's
// boxes (float32, rounded outward so they still contain every point), and
// each item is one 64-byte line holding everything a query needs, stored
// contiguously per leaf.
//
// An Index is immutable after NewIndex returns, so any number of goroutines
// may query it concurrently without locking.
type Index struct {
	depth int      // leaves are at this level; the root is level 0
	root  kdBox    // box and tag OR of everything
	inner []kdNode // inner node i (< 2^depth-1) holds the boxes of 2i+1, 2i+2
	items []kdItem // in tree order: leaf p holds items[leafRange(p)]
}

// kdBox is a node's bounding box of unit vectors plus the OR of the Tags
// below it.
type kdBox struct {
	lo, hi [3]float32
	tags   uint64
}

// kdNode is an inner node: the boxes of its two children, one cache line.
type kdNode struct {
	child [2]kdBox
}

// kdItem is one stored item: 64 bytes, one cache line. The float32 vector
// is within 3e-8 of the exact one per axis; scans widen their bounds by
// itemSlack to match and rank near ties by Distance on the exact point.
type kdItem struct {
	x, y, z float32
	tags    uint64
	pt      orb.Point
	key     [16]byte
	ref     int32
}

// Tree and pruning parameters.
const (
	// leafMax is the largest number of items in a leaf. Small leaves make
	// bounds tight; too small makes the tree (and its memory) large.
	leafMax = 16
	// stackMax bounds the explicit traversal stack. The tree depth is at
	// most 31 for any int32-addressable item count, so 64 is ample.
	stackMax = 64

	// Pruning slack. Lower bounds are compared against a bound widened by a
	// relative 1e-9 and an absolute 1e-6 m, then by 1e-12 in chord units
	// (about 6 µm). Floating-point error in unit vectors, box distances and
	// the haversine is a few 1e-16 in chord units everywhere (including near
	// antipodes, where the haversine's error in metres grows but its error
	// in chord length does not), so rounding can never prune an item whose
	// computed Distance would qualify. The slack only costs a few nthOrNone
	// distance evaluations.
	relSlack   = 1e-9
	absSlackM  = 1e-6
	chordSlack = 1e-12
	// itemSlack covers float32 rounding of stored item vectors: each axis
	// is off by at most 2^-25 (values are within [-1, 1]), so a chord
	// moves by at most sqrt(3)*2^-25 < 5.2e-8 (about 0.33 m).
	itemSlack = 1e-7
)

// Len returns the number of items in the index (items with non-finite
// coordinates are not counted, as NewIndex drops them).
func (ix *Index) Len() int {
	if ix == nil {
		return 0
	}
	return len(ix.items)
}

// sphereVec maps a [lng, lat] point in degrees to a point on the unit sphere.
// The dot product of two such vectors is algebraically the cosine used by the
// haversine formula, for any finite input, so chord and Distance agree.
func sphereVec(p orb.Point) (x, y, z float64) {
	sLat, cLat := math.Sincos(p[1] * deg)
	sLng, cLng := math.Sincos(p[0] * deg)
	return cLat * cLng, cLat * sLng, sLat
}

func isFinitePoint(p orb.Point) bool {
	return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
}

// chordBound2 returns the squared unit-sphere chord that every item whose
// computed Distance is <= d must lie within, widened by the pruning slack
// so that rounding can never make the bound too tight. It returns +Inf when
// no pruning is possible.
func chordBound2(d float64) float64 {
	a := (d*(1+relSlack) + absSlackM) / (2 * EarthRadius)
	if !(a < math.Pi/2) { // also catches +Inf
		return math.Inf(1)
	}
	c := 2*math.Sin(a)*(1+relSlack) + chordSlack
	return c * c
}

// widen2 adds itemSlack to a squared chord bound, for tests on float32
// item vectors.
func widen2(c2 float64) float64 {
	c := math.Sqrt(c2) + itemSlack
	return c * c
}

// boxDist2 is the squared distance from (x, y, z) to b: a lower bound on
// the squared chord to any item below it.
func boxDist2(b *kdBox, x, y, z float64) float64 {
	var d float64
	if v := float64(b.lo[0]) - x; v > 0 {
		d += v * v
	} else if v := x - float64(b.hi[0]); v > 0 {
		d += v * v
	}
	if v := float64(b.lo[1]) - y; v > 0 {
		d += v * v
	} else if v := y - float64(b.hi[1]); v > 0 {
		d += v * v
	}
	if v := float64(b.lo[2]) - z; v > 0 {
		d += v * v
	} else if v := z - float64(b.hi[2]); v > 0 {
		d += v * v
	}
	return d
}

// leafRange returns the item range [lo, hi) of the leaf at position p of a
// tree with the given depth over n items. Ranges follow start(l, p) =
// p*n >> l, which nests exactly (start(l+1, 2p) == start(l, p)) and keeps
// leaf sizes within one of each other, so no per-node offsets are stored.
func leafRange(p, depth, n int) (lo, hi int) {
	return int(uint64(p) * uint64(n) >> depth), int(uint64(p+1) * uint64(n) >> depth)
}

// keyLess reports whether a sorts before b under bytes.Compare.
func keyLess(a, b *[16]byte) bool {
	a0, b0 := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])
	if a0 != b0 {
		return a0 < b0
	}
	return binary.BigEndian.Uint64(a[8:]) < binary.BigEndian.Uint64(b[8:])
}

// worse reports whether a ranks after b in (Distance, Key) order.
func worse(a, b *Neighbor) bool {
	if a.Distance != b.Distance {
		return a.Distance > b.Distance
	}
	return keyLess(&b.Key, &a.Key)
}

// siftDown restores the max-heap (worst result at h[0]) below position i.
func siftDown(h []Neighbor, i int) {
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && worse(&h[c+1], &h[c]) {
			c++
		}
		if !worse(&h[c], &h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// tieGap is the chord difference below which two candidates are ordered
// by Distance rather than by their float32 chords: each stored vector is
// within 5.2e-8 of the exact one, so chords further apart than 2.5e-7 (about
// 1.6 m) have strictly ordered exact distances, and Distance's rounding
// (around 1e-16 in chord terms) cannot reverse them.
const tieGap = 2.5e-7

// knnHeap is the bounded max-heap of a Nearest search, kept in the caller's dst.
// While searching, an entry's Ref is the item's position in the index, its
// Distance field holds the float32-based chord, and Key[:8] caches the
// exact Distance (NaN until needed): most candidates are ranked by chord
// alone and Distance is computed only for near ties and the final results.
type knnHeap struct {
	h     []Neighbor
	items []kdItem
	qp    orb.Point
}

// dist returns e's exact Distance, computing and caching it on first use.
func (s *knnHeap) dist(e *Neighbor) float64 {
	d := math.Float64frombits(binary.LittleEndian.Uint64(e.Key[:8]))
	if d != d {
		d = Distance(s.qp, s.items[e.Ref].pt)
		binary.LittleEndian.PutUint64(e.Key[:8], math.Float64bits(d))
	}
	return d
}

// after reports whether a ranks after b in exact (Distance, Key) order.
func (s *knnHeap) after(a, b *Neighbor) bool {
	if a.Distance > b.Distance+tieGap {
		return true
	}
	if b.Distance > a.Distance+tieGap {
		return false
	}
	if da, db := s.dist(a), s.dist(b); da != db {
		return da > db
	}
	return keyLess(&s.items[b.Ref].key, &s.items[a.Ref].key)
}

func (s *knnHeap) siftDown(i int) {
	h := s.h
	n := len(h)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if c+1 < n && s.after(&h[c+1], &h[c]) {
			c++
		}
		if !s.after(&h[c], &h[i]) {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

func (s *knnHeap) siftUp(i int) {
	h := s.h
	for i > 0 {
		p := (i - 1) / 2
		if !s.after(&h[i], &h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

// nanKey is a Key whose first 8 bytes (little-endian) are a NaN: "exact
// Distance not computed yet".
var nanKey = func() (k [16]byte) {
	binary.LittleEndian.PutUint64(k[:8], math.Float64bits(math.NaN()))
	return k
}()

// kdStackEntry is a deferred subtree and the squared-chord lower bound it was
// pushed with, re-checked on pop because the bound shrinks meanwhile.
type kdStackEntry struct {
	lb2  float64
	node int
}

// Nearest appends to dst[:0] the q.K items nearest to q.Point that pass the
// filters, sorted by (Distance, Key), and returns the extended slice.
//
// The result is exactly what a brute-force scan would return (same items,
// same order, bit-identical distances). The search keeps a bounded max-heap
// in dst itself, so it does not allocate when cap(dst) >= min(q.K, Len()).
func (ix *Index) Nearest(q Query, dst []Neighbor) []Neighbor {
	dst = dst[:0]
	if ix == nil || len(ix.items) == 0 || q.K <= 0 || !isFinitePoint(q.Point) || math.IsNaN(q.MaxDistance) {
		return dst
	}
	k := min(q.K, len(ix.items))
	if cap(dst) < k {
		dst = make([]Neighbor, 0, k)
	}
	inners, items := ix.inner, ix.items
	s := knnHeap{h: dst, items: items, qp: q.Point}

	// While the heap is not full, items must be within limit. Chords up
	// to limitLo are surely within it; beyond that Distance decides.
	limit, limitLo := math.Inf(1), math.Inf(1)
	if q.MaxDistance > 0 && !math.IsInf(q.MaxDistance, 1) {
		limit = q.MaxDistance
		if a := limit / (2 * EarthRadius); a < math.Pi/2 {
			limitLo = 2*math.Sin(a)*(1-relSlack) - 2*itemSlack
		}
	}
	// Squared chords beyond which nothing qualifies: cb2 for boxes (which
	// contain the exact vectors), ci2 for the float32 item vectors.
	cb2 := chordBound2(limit)
	ci2 := widen2(cb2)

	qt, accept := q.Tags, q.Accept
	qx, qy, qz := sphereVec(q.Point)
	n, depth := len(items), ix.depth
	firstLeaf := len(inners)

	if ix.root.tags&qt != qt || boxDist2(&ix.root, qx, qy, qz) > cb2 {
		return dst
	}
	var stack [stackMax]kdStackEntry
	sp := 0
	cur := 0
	for {
		if cur >= firstLeaf {
			lo, hi := leafRange(cur-firstLeaf, depth, n)
			for j := lo; j < hi; j++ {
				v := &items[j]
				if v.tags&qt != qt {
					continue
				}
				dx, dy, dz := float64(v.x)-qx, float64(v.y)-qy, float64(v.z)-qz
				c2 := dx*dx + dy*dy + dz*dz
				if c2 > ci2 {
					continue
				}
				e := Neighbor{Ref: int32(j), Key: nanKey, Distance: math.Sqrt(c2)}
				if len(s.h) < k {
					if e.Distance > limitLo && !(s.dist(&e) <= limit) {
						continue
					}
				} else if !s.after(&s.h[0], &e) {
					continue
				}
				if accept != nil && !accept(v.ref) {
					continue
				}
				if len(s.h) < k {
					s.h = append(s.h, e)
					s.siftUp(len(s.h) - 1)
				} else {
					s.h[0] = e
					s.siftDown(0)
				}
				if len(s.h) == k {
					// Anything that can still rank before the worst has
					// an exact chord at most the worst's plus its
					// float32 error (5.2e-8).
					cb := s.h[0].Distance + itemSlack + chordSlack
					cb2 = min(cb2, cb*cb)
					ci2 = widen2(cb2)
				}
			}
		} else {
			in := &inners[cur]
			l, r := 2*cur+1, 2*cur+2
			dl, dr := math.Inf(1), math.Inf(1)
			if in.child[0].tags&qt == qt {
				dl = boxDist2(&in.child[0], qx, qy, qz)
			}
			if in.child[1].tags&qt == qt {
				dr = boxDist2(&in.child[1], qx, qy, qz)
			}
			if dr < dl {
				l, r, dl, dr = r, l, dr, dl
			}
			if dr <= cb2 {
				stack[sp] = kdStackEntry{dr, r}
				sp++
			}
			if dl <= cb2 {
				cur = l
				continue
			}
		}
		// Resume the nearest deferred subtree that can still qualify.
		for {
			if sp == 0 {
				goto done
			}
			sp--
			if e := stack[sp]; e.lb2 <= cb2 {
				cur = e.node
				break
			}
		}
	}
done:
	// Replace the search entries by the real results. The heap order was
	// already the exact (Distance, Key) order, so it stays a valid heap;
	// heap-sort it in place by moving the worst to the end repeatedly.
	h := s.h
	for i := range h {
		c := &items[h[i].Ref]
		h[i] = Neighbor{Ref: c.ref, Key: c.key, Distance: s.dist(&h[i]), Point: c.pt}
	}
	for end := len(h) - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		siftDown(h[:end], 0)
	}
	return h
}
