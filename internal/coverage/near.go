package coverage

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"yizhan/internal/geo"
)

// neighbours lists, for every point, the points within reach metres of it
// (itself included), by great-circle distance (geo.Distance, the distance
// the search uses), in compressed rows: the neighbours of i are
// nbr[start[i]:start[i+1]], ascending.
//
// The points are bucketed in a latitude/longitude grid whose buckets are at
// least reach wide in both directions, so every point within reach lies in
// one of the nine buckets around a point's own.
type neighbours struct {
	start []int32
	nbr   []int32
}

func findNeighbours(pts []orb.Point, reach float64) neighbours {
	n := len(pts)
	out := neighbours{start: make([]int32, n+1)}
	if n == 0 {
		return out
	}
	maxLat := 0.0
	for _, p := range pts {
		maxLat = max(maxLat, math.Abs(p[1]))
	}
	dLat := reach / geo.EarthRadius * 180 / math.Pi * 1.01
	// Along any path of length reach the latitude stays within dLat of its
	// ends, and east-west progress is at most reach / cos(latitude).
	cosMin := math.Cos(min(89.0, maxLat+dLat) * math.Pi / 180)
	dLng := dLat / cosMin
	type keyed struct {
		key uint64
		i   int32
	}
	row := func(p orb.Point) int64 { return int64(math.Floor((p[1] + 90) / dLat)) }
	col := func(p orb.Point) int64 { return int64(math.Floor((p[0] + 180) / dLng)) }
	pack := func(r, c int64) uint64 { return uint64(r)<<32 | uint64(uint32(c)) }
	order := make([]keyed, n)
	for i, p := range pts {
		order[i] = keyed{pack(row(p), col(p)), int32(i)}
	}
	slices.SortFunc(order, func(a, b keyed) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	type span struct{ lo, hi int32 }
	buckets := make(map[uint64]span, n/2+1)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && order[hi].key == order[lo].key {
			hi++
		}
		buckets[order[lo].key] = span{int32(lo), int32(hi)}
		lo = hi
	}
	out.nbr = make([]int32, 0, n*4)
	var found []int32
	for i, p := range pts {
		r, c := row(p), col(p)
		found = found[:0]
		for dr := int64(-1); dr <= 1; dr++ {
			for dc := int64(-1); dc <= 1; dc++ {
				sp, ok := buckets[pack(r+dr, c+dc)]
				if !ok {
					continue
				}
				for _, o := range order[sp.lo:sp.hi] {
					if geo.Distance(p, pts[o.i]) <= reach {
						found = append(found, o.i)
					}
				}
			}
		}
		slices.Sort(found)
		out.nbr = append(out.nbr, found...)
		out.start[i+1] = int32(len(out.nbr))
	}
	return out
}

func (nb *neighbours) of(i int) []int32 { return nb.nbr[nb.start[i]:nb.start[i+1]] }
