package coverage

import (
	"cmp"
	"container/heap"
	"slices"

	"github.com/paulmach/orb"
)

// A Cell is the demand of one cell in the period asked about.
type Cell struct {
	ID    CellID
	Count int64
}

// A Suggestion is one site of a greedy plan.
type Suggestion struct {
	Cell              CellID
	Point             orb.Point // the cell's centre, WGS-84
	NewlyCovered      int64     // demand this site covers that nothing before it did
	CumulativeCovered int64     // the newly covered demand of this site and those before it
}

// Greedy is greedy maximum coverage over the cells' centres. cells must be
// ordered by id, covered[i] tells whether cell i is covered already (by
// stations). Each step takes the centre whose reach disc newly covers the
// most demand (ties: the smaller cell id); its disc then counts as covered.
// It stops after k sites, or earlier when no centre covers anything more.
//
// Gains only shrink as sites are chosen, so it is lazy (Minoux's
// accelerated greedy): a candidate's gain is recomputed only when it comes
// to the top of a heap of stale gains, and it is chosen when its fresh gain
// still tops the heap. The result is the plain greedy's, step for step.
func Greedy(cells []Cell, covered []bool, reachM float64, k int) []Suggestion {
	pts := make([]orb.Point, len(cells))
	for i, c := range cells {
		pts[i] = c.ID.Centre()
	}
	nb := findNeighbours(pts, reachM)
	covered = slices.Clone(covered)
	gain := func(i int) int64 {
		var g int64
		for _, j := range nb.of(i) {
			if !covered[j] {
				g += cells[j].Count
			}
		}
		return g
	}
	h := make(gainHeap, 0, len(cells))
	for i := range cells {
		if g := gain(i); g > 0 {
			h = append(h, candidate{g, int32(i)})
		}
	}
	heap.Init(&h)
	var out []Suggestion
	var total int64
	for len(out) < k && len(h) > 0 {
		top := h[0]
		g := gain(int(top.i))
		if g != top.gain {
			if g == 0 {
				heap.Pop(&h)
			} else {
				h[0].gain = g
				heap.Fix(&h, 0)
			}
			continue
		}
		heap.Pop(&h)
		for _, j := range nb.of(int(top.i)) {
			covered[j] = true
		}
		total += g
		out = append(out, Suggestion{Cell: cells[top.i].ID, Point: pts[top.i], NewlyCovered: g, CumulativeCovered: total})
	}
	return out
}

type candidate struct {
	gain int64
	i    int32 // index into the cells, which are ordered by id
}

// gainHeap puts the largest gain on top, then the smallest cell id.
type gainHeap []candidate

func (h gainHeap) Len() int { return len(h) }
func (h gainHeap) Less(a, b int) bool {
	if h[a].gain != h[b].gain {
		return h[a].gain > h[b].gain
	}
	return h[a].i < h[b].i
}
func (h gainHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *gainHeap) Push(x any)   { *h = append(*h, x.(candidate)) }
func (h *gainHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// sortCells orders cells by id, as Greedy needs.
func sortCells(cells []Cell) {
	slices.SortFunc(cells, func(a, b Cell) int { return cmp.Compare(a.ID, b.ID) })
}
