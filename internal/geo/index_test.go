package geo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
)

// Tag bits used by the synthetic stations.
const (
	tagCommon     = 1 << 0  // ~60% of items
	tagMid        = 1 << 1  // ~30%
	tagTenth      = 1 << 2  // ~10%
	tagRare       = 1 << 3  // ~0.2%
	tagImpossible = 1 << 63 // never set
)

// stationCities are the dense clusters of the synthetic station set; sigma is
// the spread in degrees.
var stationCities = []struct {
	lng, lat, sigma float64
}{
	{116.40, 39.90, 0.25}, // Beijing
	{121.47, 31.23, 0.25}, // Shanghai
	{113.26, 23.13, 0.20}, // Guangzhou
	{114.06, 22.54, 0.12}, // Shenzhen
	{104.07, 30.67, 0.20}, // Chengdu
	{114.30, 30.59, 0.15}, // Wuhan
	{108.94, 34.34, 0.15}, // Xi'an
	{87.62, 43.83, 0.10},  // Urumqi
	{126.63, 45.75, 0.12}, // Harbin
	{91.11, 29.65, 0.05},  // Lhasa
}

// stationItems returns n items distributed like real stations: 75% in
// Gaussian city clusters, 23% uniform over China's bounding box (lat 18–53,
// lng 73–135) and 2% exact duplicates of earlier points (co-located
// chargers, whose ties are broken by Key). Keys are random; duplicates share
// the first 8 key bytes of their original so tie-breaks compare the tail.
func stationItems(rng *rand.Rand, n int) []Item {
	items := make([]Item, n)
	for i := range items {
		it := &items[i]
		it.Ref = int32(i)
		binary.BigEndian.PutUint64(it.Key[:8], rng.Uint64())
		binary.BigEndian.PutUint64(it.Key[8:], rng.Uint64())
		switch r := rng.Float64(); {
		case r < 0.02 && i > 0:
			src := &items[rng.IntN(i)]
			it.Point = src.Point
			copy(it.Key[:8], src.Key[:8])
		case r < 0.77:
			c := stationCities[rng.IntN(len(stationCities))]
			it.Point = orb.Point{c.lng + rng.NormFloat64()*c.sigma, c.lat + rng.NormFloat64()*c.sigma}
		default:
			it.Point = orb.Point{73 + rng.Float64()*62, 18 + rng.Float64()*35}
		}
		if rng.Float64() < 0.6 {
			it.Tags |= tagCommon
		}
		if rng.Float64() < 0.3 {
			it.Tags |= tagMid
		}
		if rng.Float64() < 0.1 {
			it.Tags |= tagTenth
		}
		if rng.Float64() < 0.002 {
			it.Tags |= tagRare
		}
		it.Tags |= rng.Uint64() & 0x0fff_ffff_ffff_fff0 // noise bits, never 63
	}
	return items
}

// farPoints are query points far from every station, including the
// antipode of China where the haversine is least accurate.
var farPoints = []orb.Point{
	{-150, 0},         // mid-Pacific
	{-170, 35},        // North Pacific
	{0, 89.9},         // Arctic
	{0, 90},           // North Pole
	{45, -90},         // South Pole
	{-63.6, -39.9},    // antipode of Beijing
	{-76, -30},        // near antipode of Chengdu
	{180, 0},          // antimeridian
	{-180, 45},        // antimeridian, other sign
	{10, 50},          // Europe
	{-74, 40.7},       // New York
	{151.2, -33.9},    // Sydney
	{104, 30 - 180.0}, // out-of-range latitude: still a valid sphere point
}

// stationQueryPoint returns a query point of a random kind: near a city,
// anywhere in China, exactly on a (possibly duplicated) station, or far away.
func stationQueryPoint(rng *rand.Rand, items []Item) orb.Point {
	switch r := rng.Float64(); {
	case r < 0.55:
		c := stationCities[rng.IntN(len(stationCities))]
		return orb.Point{c.lng + rng.NormFloat64()*c.sigma, c.lat + rng.NormFloat64()*c.sigma}
	case r < 0.75:
		return orb.Point{73 + rng.Float64()*62, 18 + rng.Float64()*35}
	case r < 0.9:
		return items[rng.IntN(len(items))].Point
	default:
		return farPoints[rng.IntN(len(farPoints))]
	}
}

// refHash is a fixed hash of a ref so Accept predicates are deterministic.
func refHash(ref int32) uint64 {
	z := uint64(ref) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func accept50(ref int32) bool { return refHash(ref)%2 == 0 }
func accept1(ref int32) bool  { return refHash(ref)%100 == 0 }

// allDistances returns Distance(p, item.Point) for every item, reusing buf.
func allDistances(items []Item, p orb.Point, buf []float64) []float64 {
	buf = buf[:0]
	for i := range items {
		buf = append(buf, Distance(p, items[i].Point))
	}
	return buf
}

// bruteNearest is the reference: with dist[i] = Distance(q.Point,
// items[i].Point) for every item (see allDistances), filter, order by
// (Distance, Key), take K.
func bruteNearest(items []Item, dist []float64, q Query) []Neighbor {
	got := []Neighbor{}
	if q.K <= 0 || math.IsNaN(q.MaxDistance) || !isFinitePoint(q.Point) {
		return got
	}
	less := func(a, b Neighbor) bool {
		if a.Distance != b.Distance {
			return a.Distance < b.Distance
		}
		return bytes.Compare(a.Key[:], b.Key[:]) < 0
	}
	for i := range items {
		it := &items[i]
		if it.Tags&q.Tags != q.Tags {
			continue
		}
		d := dist[i]
		if q.MaxDistance > 0 && !(d <= q.MaxDistance) {
			continue
		}
		nb := Neighbor{Ref: it.Ref, Key: it.Key, Distance: d, Point: it.Point}
		// Keep got sorted and at most K long (an insertion sort).
		if len(got) == q.K && !less(nb, got[len(got)-1]) {
			continue
		}
		if q.Accept != nil && !q.Accept(it.Ref) {
			continue
		}
		pos := len(got)
		for pos > 0 && less(nb, got[pos-1]) {
			pos--
		}
		got = slices.Insert(got, pos, nb)
		if len(got) > q.K {
			got = got[:q.K]
		}
	}
	return got
}

// firstDiff describes the first position where two results differ.
func firstDiff[T any](got, want []T) string {
	for i := range min(len(got), len(want)) {
		if d := cmp.Diff(want[i], got[i]); d != "" {
			return fmt.Sprintf("first difference at [%d] (-want +got):\n%s", i, d)
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("len(got) = %d, len(want) = %d; first extra: got %v, want %v",
			len(got), len(want), nthOrNone(got, len(want)), nthOrNone(want, len(got)))
	}
	return ""
}

func nthOrNone[T any](s []T, i int) any {
	if i < len(s) {
		return s[i]
	}
	return "none"
}

var (
	testItemsOnce sync.Once
	testItems     []Item
	testIndex     *Index
)

// sharedStations is the 100,000-item station set and its index, built once.
func sharedStations() ([]Item, *Index) {
	testItemsOnce.Do(func() {
		testItems = stationItems(rand.New(rand.NewPCG(1, 2)), 100_000)
		testIndex = NewIndex(testItems)
	})
	return testItems, testIndex
}

// TestNearestMatchesBruteForce runs 1,000 random queries against 100,000
// clustered stations, spread over every combination of tag filter, Accept
// predicate, radius and K. Each of 100 query points (city, rural, on a
// station, or far from China) gets 10 combinations, so the brute force
// computes Distance to every item once per point and reuses it.
func TestNearestMatchesBruteForce(t *testing.T) {
	t.Parallel()
	items, ix := sharedStations()
	if got, want := ix.Len(), len(items); got != want {
		t.Fatalf("Len() = %d, want %d", got, want)
	}
	byRef := make(map[int32]*Item, len(items))
	for i := range items {
		byRef[items[i].Ref] = &items[i]
	}

	type filter struct {
		name   string
		tags   uint64
		accept func(int32) bool
	}
	tagFilters := []filter{{"none", 0, nil}, {"common", tagCommon, nil}, {"rare", tagRare, nil}, {"impossible", tagImpossible | tagCommon, nil}}
	acceptFilters := []filter{{"none", 0, nil}, {"50pct", 0, accept50}, {"1pct", 0, accept1}}
	radii := []string{"none", "small", "edge"}
	ks := []int{1, 10, 50}

	type tc struct {
		name   string
		tags   uint64
		accept func(int32) bool
		radius string
		k      int
	}
	var tests []tc
	for _, tf := range tagFilters {
		for _, af := range acceptFilters {
			for _, r := range radii {
				for _, k := range ks {
					tests = append(tests, tc{
						name: fmt.Sprintf("tags=%s/accept=%s/radius=%s/k=%d", tf.name, af.name, r, k),
						tags: tf.tags, accept: af.accept, radius: r, k: k,
					})
				}
			}
		}
	}
	const (
		points         = 100
		combosPerPoint = 10 // points*combosPerPoint = 1,000 queries
	)
	rng := rand.New(rand.NewPCG(42, 42))
	perm := rng.Perm(len(tests))
	var dist []float64
	var dst []Neighbor
	queries := 0
	for pi := range points {
		p := stationQueryPoint(rng, items)
		if pi < len(farPoints) {
			p = farPoints[pi] // every far-away kind, for sure
		}
		dist = allDistances(items, p, dist)
		for c := range combosPerPoint {
			tt := tests[perm[(pi*combosPerPoint+c)%len(tests)]]
			queries++
			q := Query{Point: p, K: tt.k, Tags: tt.tags}
			switch tt.radius {
			case "small":
				q.MaxDistance = 200 + rng.Float64()*20_000
			case "edge":
				// Exactly the distance of one of the first matches, so
				// that item sits on the (inclusive) radius.
				if near := bruteNearest(items, dist, Query{Point: p, K: 2 * tt.k, Tags: tt.tags, Accept: tt.accept}); len(near) > 0 {
					q.MaxDistance = near[rng.IntN(len(near))].Distance
				} else {
					q.MaxDistance = dist[rng.IntN(len(items))]
				}
			}
			want := bruteNearest(items, dist, Query{Point: p, K: tt.k, MaxDistance: q.MaxDistance, Tags: tt.tags, Accept: tt.accept})

			// Accept must only see items that pass Tags and the radius.
			var bad []string
			q.Accept = func(ref int32) bool {
				it := byRef[ref]
				if it.Tags&q.Tags != q.Tags || (q.MaxDistance > 0 && Distance(q.Point, it.Point) > q.MaxDistance) {
					bad = append(bad, fmt.Sprint(ref))
				}
				return tt.accept == nil || tt.accept(ref)
			}
			dst = ix.Nearest(q, dst)
			if len(bad) > 0 {
				t.Errorf("%s at %v: Accept called on items failing Tags or MaxDistance: %v", tt.name, p, bad)
			}
			if d := firstDiff(dst, want); d != "" {
				t.Errorf("%s at %v (max %v): Nearest differs from brute force: %s", tt.name, p, q.MaxDistance, d)
			}
		}
	}
	if queries != 1000 {
		t.Errorf("ran %d queries, want 1000", queries)
	}
}

// TestNearestTiesAndDuplicates puts many items on a few identical points,
// so almost every rank is decided by Key.
func TestNearestTiesAndDuplicates(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 7))
	spots := []orb.Point{{116.4, 39.9}, {116.4001, 39.9}, {116.4, 39.9001}, {121.47, 31.23}, {0, 90}, {180, 0}, {-180, 0}}
	items := make([]Item, 3000)
	for i := range items {
		items[i] = Item{Point: spots[rng.IntN(len(spots))], Ref: int32(i), Tags: uint64(rng.IntN(4))}
		binary.BigEndian.PutUint64(items[i].Key[:8], uint64(rng.IntN(3))) // many equal first halves
		binary.BigEndian.PutUint64(items[i].Key[8:], rng.Uint64())
	}
	// A ring of items 1 km from ringCenter: their distances differ only by
	// rounding, far below the float32 vector error, so ranking them needs
	// the exact Distance and a correctly widened bound.
	ringCenter := orb.Point{121.48, 31.24}
	for i := range 400 {
		it := Item{Point: walkFrom(ringCenter, rng.Float64()*360, 1000), Ref: int32(len(items)), Tags: uint64(i % 2)}
		binary.BigEndian.PutUint64(it.Key[:8], rng.Uint64())
		items = append(items, it)
	}
	ix := NewIndex(items)
	tests := []struct {
		name string
		q    Query
	}{
		{"ring k=1", Query{Point: ringCenter, K: 1}},
		{"ring k=50", Query{Point: ringCenter, K: 50}},
		{"ring tagged", Query{Point: ringCenter, K: 50, Tags: 1}},
		{"ring radius", Query{Point: ringCenter, K: 500, MaxDistance: 1000}},
		{"on spot k=1", Query{Point: spots[0], K: 1}},
		{"on spot k=50", Query{Point: spots[0], K: 50}},
		{"on spot all", Query{Point: spots[0], K: 5000}},
		{"between spots", Query{Point: orb.Point{116.40005, 39.90005}, K: 700}},
		{"tagged", Query{Point: spots[1], K: 30, Tags: 2}},
		{"accept", Query{Point: spots[2], K: 30, Accept: accept50}},
		{"radius zero-ish", Query{Point: spots[0], K: 2000, MaxDistance: 1e-9}},
		{"radius edge", Query{Point: spots[0], K: 2000, MaxDistance: Distance(spots[0], spots[1])}},
		{"pole", Query{Point: orb.Point{123, 90}, K: 20}},
		{"antimeridian", Query{Point: orb.Point{180, 0.00001}, K: 900}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, want := ix.Nearest(tt.q, nil), bruteNearest(items, allDistances(items, tt.q.Point, nil), tt.q)
			if d := firstDiff(got, want); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestNearestRadiusEdge checks that an item at exactly MaxDistance is kept
// and one a hair farther is not.
func TestNearestRadiusEdge(t *testing.T) {
	t.Parallel()
	q := orb.Point{114.06, 22.54}
	items := []Item{
		{Key: [16]byte{1}, Point: orb.Point{114.07, 22.54}, Ref: 1},
		{Key: [16]byte{2}, Point: orb.Point{114.0700001, 22.54}, Ref: 2},
	}
	ix := NewIndex(items)
	edge := Distance(q, items[0].Point)
	if Distance(q, items[1].Point) <= edge {
		t.Fatal("test setup: item 2 must be farther than item 1")
	}
	got := ix.Nearest(Query{Point: q, K: 10, MaxDistance: edge}, nil)
	want := []Neighbor{{Ref: 1, Key: [16]byte{1}, Distance: edge, Point: items[0].Point}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Nearest at the radius edge (-want +got):\n%s", d)
	}
}

func TestNearestDegenerate(t *testing.T) {
	t.Parallel()
	items, ix := sharedStations()
	p := items[0].Point
	empty := NewIndex(nil)
	withBad := NewIndex([]Item{
		{Point: orb.Point{math.NaN(), 1}, Ref: 1},
		{Point: orb.Point{1, math.Inf(1)}, Ref: 2},
		{Point: orb.Point{1, 1}, Ref: 3},
	})
	var nilIndex *Index
	tests := []struct {
		name    string
		ix      *Index
		q       Query
		wantLen int
	}{
		{"k zero", ix, Query{Point: p, K: 0}, 0},
		{"k negative", ix, Query{Point: p, K: -5}, 0},
		{"empty index", empty, Query{Point: p, K: 10}, 0},
		{"nil index", nilIndex, Query{Point: p, K: 10}, 0},
		{"nan lng", ix, Query{Point: orb.Point{math.NaN(), 30}, K: 10}, 0},
		{"nan lat", ix, Query{Point: orb.Point{110, math.NaN()}, K: 10}, 0},
		{"inf point", ix, Query{Point: orb.Point{math.Inf(1), 30}, K: 10}, 0},
		{"nan radius", ix, Query{Point: p, K: 10, MaxDistance: math.NaN()}, 0},
		{"negative radius is unlimited", ix, Query{Point: p, K: 10, MaxDistance: -1}, 10},
		{"inf radius is unlimited", ix, Query{Point: p, K: 10, MaxDistance: math.Inf(1)}, 10},
		{"k larger than index", withBad, Query{Point: p, K: 1 << 40}, 1},
		{"non-finite items dropped", withBad, Query{Point: orb.Point{1, 1}, K: 3}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.ix.Nearest(tt.q, make([]Neighbor, 3, 20))
			if len(got) != tt.wantLen {
				t.Fatalf("len(Nearest) = %d, want %d: %v", len(got), tt.wantLen, got)
			}
		})
	}
	if got, want := withBad.Len(), 1; got != want {
		t.Errorf("Len() with non-finite items = %d, want %d", got, want)
	}
	if got, want := nilIndex.Len(), 0; got != want {
		t.Errorf("nil Len() = %d, want %d", got, want)
	}
}

func TestNearestAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are checked in the full run")
	}
	items, ix := sharedStations()
	rng := rand.New(rand.NewPCG(3, 3))
	pts := make([]orb.Point, 64)
	for i := range pts {
		pts[i] = stationQueryPoint(rng, items)
	}
	tests := []struct {
		name string
		q    Query
		dst  []Neighbor
		want float64
	}{
		{"dst with capacity", Query{K: 10}, make([]Neighbor, 0, 10), 0},
		{"dst with capacity and filters", Query{K: 10, Tags: tagTenth, Accept: accept50, MaxDistance: 50_000}, make([]Neighbor, 0, 16), 0},
		{"nil dst", Query{K: 10}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := 0
			got := testing.AllocsPerRun(200, func() {
				q := tt.q
				q.Point = pts[i%len(pts)]
				i++
				_ = ix.Nearest(q, tt.dst)
			})
			if got > tt.want {
				t.Errorf("allocations per Nearest = %v, want <= %v", got, tt.want)
			}
		})
	}
}

// TestNearestConcurrent runs many readers on one index; with -race it
// proves queries share no mutable state.
func TestNearestConcurrent(t *testing.T) {
	t.Parallel()
	items, ix := sharedStations()
	rng := rand.New(rand.NewPCG(9, 9))
	qs := make([]Query, 64)
	wants := make([][]Neighbor, len(qs))
	for i := range qs {
		qs[i] = Query{Point: stationQueryPoint(rng, items), K: 10, Tags: tagCommon}
		wants[i] = ix.Nearest(qs[i], nil)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var dst []Neighbor
			for r := range 50 {
				i := (g*7 + r) % len(qs)
				dst = ix.Nearest(qs[i], dst)
				if d := firstDiff(dst, wants[i]); d != "" {
					t.Errorf("goroutine %d: concurrent result differs: %s", g, d)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestNearestRareTagPrunes checks that a tag filter is applied inside the
// tree: a rare tag with a near match must not visit the whole index.
func TestNearestRareTagPrunes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 11))
	items := stationItems(rng, 100_000)
	for i := range items {
		items[i].Tags &^= tagRare
	}
	// One rare item next to the query, a few far away.
	q := orb.Point{116.40, 39.90}
	items[0].Point, items[0].Tags = orb.Point{116.401, 39.901}, tagRare
	items[1].Point, items[1].Tags = orb.Point{87.6, 43.8}, tagRare
	ix := NewIndex(items)
	calls := 0
	got := ix.Nearest(Query{Point: q, K: 1, Tags: tagRare, Accept: func(int32) bool { calls++; return true }}, nil)
	if len(got) != 1 || got[0].Ref != items[0].Ref {
		t.Fatalf("Nearest rare = %v, want ref %d", got, items[0].Ref)
	}
	if calls != 1 {
		t.Errorf("Accept called %d times, want 1", calls)
	}
}

// TestIndexStructure checks the tree invariants the exactness proof rests
// on: every node's box contains the exact unit vector (and the stored
// float32 one) of every item below it, its tag OR is exact, leaves are
// non-empty and at most leafMax, and every item is stored exactly once.
func TestIndexStructure(t *testing.T) {
	t.Parallel()
	// Both node and item records are meant to be exactly one cache line.
	if got, want := unsafe.Sizeof(kdItem{}), uintptr(64); got != want {
		t.Errorf("sizeof(kdItem) = %d, want %d", got, want)
	}
	if got, want := unsafe.Sizeof(kdNode{}), uintptr(64); got != want {
		t.Errorf("sizeof(kdNode) = %d, want %d", got, want)
	}
	tests := []struct {
		name string
		n    int
	}{{"one", 1}, {"one leaf", leafMax}, {"two leaves", leafMax + 1}, {"odd", 1001}, {"many", 50_000}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items := stationItems(rand.New(rand.NewPCG(uint64(tt.n), 1)), tt.n)
			ix := NewIndex(items)
			n := ix.Len()
			if got, want := n, tt.n; got != want {
				t.Fatalf("Len() = %d, want %d", got, want)
			}
			seen := make([]bool, n)
			for j, e := range ix.items {
				if seen[e.ref] {
					t.Fatalf("item %d: ref %d stored twice", j, e.ref)
				}
				seen[e.ref] = true
				it := items[e.ref]
				x, y, z := sphereVec(it.Point)
				want := kdItem{x: float32(x), y: float32(y), z: float32(z), tags: it.Tags, pt: it.Point, key: it.Key, ref: it.Ref}
				if e != want {
					t.Fatalf("items[%d] = %+v, want %+v", j, e, want)
				}
			}
			for level := 0; level <= ix.depth; level++ {
				for p := range 1 << level {
					i := 1<<level - 1 + p
					b := &ix.root
					if i > 0 {
						b = &ix.inner[(i-1)/2].child[(i-1)&1]
					}
					lo, hi := leafRange(p, level, n)
					if level == ix.depth && (hi-lo < 1 || hi-lo > leafMax) {
						t.Errorf("leaf %d has %d items, want 1..%d", p, hi-lo, leafMax)
					}
					var tags uint64
					for j := lo; j < hi; j++ {
						e := &ix.items[j]
						tags |= e.tags
						x, y, z := sphereVec(e.pt)
						for a, v := range [6]float64{x, y, z, float64(e.x), float64(e.y), float64(e.z)} {
							if v < float64(b.lo[a%3]) || v > float64(b.hi[a%3]) {
								t.Fatalf("node %d (level %d): item %d axis %d = %v outside [%v, %v]", i, level, j, a%3, v, b.lo[a%3], b.hi[a%3])
							}
						}
					}
					if b.tags != tags {
						t.Errorf("node %d: tags %x, want OR %x", i, b.tags, tags)
					}
				}
			}
		})
	}
}
