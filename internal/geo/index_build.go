package geo

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"
)

// kdBuildItem is the working record while the tree is built; src indexes the
// caller's items so the other fields are gathered once at the end.
type kdBuildItem struct {
	v    [3]float64
	tags uint64
	src  int
}

// parallelMin is the smallest subtree worth building on its own goroutine.
const parallelMin = 1 << 16

// NewIndex builds an immutable Index over items. The slice is not retained
// and may be reused by the caller. Items with a non-finite coordinate are
// dropped. Building is O(n log n): each level of the tree is a median
// selection along the widest axis of its node's box.
func NewIndex(items []Item) *Index {
	b := make([]kdBuildItem, 0, len(items))
	for i := range items {
		p := items[i].Point
		if !isFinitePoint(p) {
			continue
		}
		x, y, z := sphereVec(p)
		b = append(b, kdBuildItem{v: [3]float64{x, y, z}, tags: items[i].Tags, src: i})
	}
	n := len(b)
	ix := &Index{}
	if n == 0 {
		return ix
	}
	// The smallest depth whose leaves hold at most leafMax items.
	depth := 0
	if n > leafMax {
		depth = bits.Len(uint((n - 1) / leafMax))
	}
	ix.depth = depth
	ix.inner = make([]kdNode, 1<<depth-1)

	bl := kdBuilder{items: b, ix: ix, depth: depth, n: n}
	var wg sync.WaitGroup
	bl.build(0, 0, 0, n, &wg)
	wg.Wait()

	ix.items = make([]kdItem, n)
	for j := range b {
		it := &items[b[j].src]
		ix.items[j] = kdItem{
			x: float32(b[j].v[0]), y: float32(b[j].v[1]), z: float32(b[j].v[2]),
			tags: b[j].tags, pt: it.Point, key: it.Key, ref: it.Ref,
		}
	}
	return ix
}

type kdBuilder struct {
	items []kdBuildItem
	ix    *Index
	depth int
	n     int
}

// roundDown32 and roundUp32 convert to float32 rounding outward, so a float32
// box still contains every float64 vector it was built from.
func roundDown32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func roundUp32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// build fills node i (at the given level, covering items[lo:hi]) and its
// subtree: box and tag OR from the items (stored in the parent, or in
// ix.root), then a median split on the widest axis at the position the
// implicit layout prescribes.
func (bl *kdBuilder) build(i, level, lo, hi int, wg *sync.WaitGroup) {
	bmin := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
	bmax := [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	var tags uint64
	for j := lo; j < hi; j++ {
		it := &bl.items[j]
		for a := range 3 {
			bmin[a] = min(bmin[a], it.v[a])
			bmax[a] = max(bmax[a], it.v[a])
		}
		tags |= it.tags
	}
	nd := &bl.ix.root
	if i > 0 {
		nd = &bl.ix.inner[(i-1)/2].child[(i-1)&1]
	}
	for a := range 3 {
		nd.lo[a], nd.hi[a] = roundDown32(bmin[a]), roundUp32(bmax[a])
	}
	nd.tags = tags
	if level == bl.depth {
		return
	}
	axis := 0
	for a := 1; a < 3; a++ {
		if bmax[a]-bmin[a] > bmax[axis]-bmin[axis] {
			axis = a
		}
	}
	p := i - (1<<level - 1)
	mid := int(uint64(2*p+1) * uint64(bl.n) >> (level + 1))
	selectNth(bl.items[lo:hi], mid-lo, axis)

	if hi-lo >= parallelMin {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bl.build(2*i+1, level+1, lo, mid, wg)
		}()
	} else {
		bl.build(2*i+1, level+1, lo, mid, wg)
	}
	bl.build(2*i+2, level+1, mid, hi, wg)
}

// selectNth reorders a so that a[k] holds the element that would be there if
// a were sorted by axis, with nothing greater before it and nothing smaller
// after it (Hoare quickselect, median-of-three pivot). Hoare partitioning
// stays balanced on many equal coordinates (duplicate stations); if it
// still degenerates, the range is sorted instead to bound the worst case.
func selectNth(a []kdBuildItem, k, axis int) {
	lo, hi := 0, len(a)-1
	budget := 2 * bits.Len(uint(len(a)))
	for hi > lo {
		if budget == 0 {
			slices.SortFunc(a[lo:hi+1], func(x, y kdBuildItem) int { return cmp.Compare(x.v[axis], y.v[axis]) })
			return
		}
		budget--
		m := lo + (hi-lo)/2
		// Median of three at lo, m, hi.
		if a[m].v[axis] < a[lo].v[axis] {
			a[m], a[lo] = a[lo], a[m]
		}
		if a[hi].v[axis] < a[lo].v[axis] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi].v[axis] < a[m].v[axis] {
			a[hi], a[m] = a[m], a[hi]
		}
		pivot := a[m].v[axis]
		i, j := lo, hi
		for i <= j {
			for a[i].v[axis] < pivot {
				i++
			}
			for a[j].v[axis] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// Now a[lo..j] <= pivot <= a[i..hi], and j < i.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return // j < k < i: a[k] == pivot, already in place
		}
	}
}
