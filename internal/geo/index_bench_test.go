package geo

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// benchIndex is one benchmark data set: items, their index, the heap the
// index occupies per item, and query points drawn like real requests.
type benchIndex struct {
	items        []Item
	ix           *Index
	bytesPerItem float64
	queries      []orb.Point
}

var (
	benchMu    sync.Mutex
	benchCache = map[int]*benchIndex{}
)

// benchData builds (once per size) n stations and their index, measuring
// the index's heap footprint as HeapAlloc after minus before NewIndex.
func benchData(n int) *benchIndex {
	benchMu.Lock()
	defer benchMu.Unlock()
	if bi, ok := benchCache[n]; ok {
		return bi
	}
	rng := rand.New(rand.NewPCG(uint64(n), 99))
	bi := &benchIndex{items: stationItems(rng, n)}
	for i := range bi.items {
		// Exactly 10% of items carry tagTenth, for the tags10pct filter.
		bi.items[i].Tags &^= tagTenth
		if refHash(int32(i)^0x5555)%10 == 0 {
			bi.items[i].Tags |= tagTenth
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	bi.ix = NewIndex(bi.items)
	runtime.GC()
	runtime.ReadMemStats(&after)
	bi.bytesPerItem = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	bi.queries = make([]orb.Point, 4096)
	for i := range bi.queries {
		// Requests come from where people are: near cities or anywhere
		// in the country, but not from the far-away points.
		if rng.Float64() < 0.8 {
			c := stationCities[rng.IntN(len(stationCities))]
			bi.queries[i] = orb.Point{c.lng + rng.NormFloat64()*c.sigma, c.lat + rng.NormFloat64()*c.sigma}
		} else {
			bi.queries[i] = orb.Point{73 + rng.Float64()*62, 18 + rng.Float64()*35}
		}
	}
	return bi
}

func BenchmarkNearest(b *testing.B) {
	for _, size := range []struct {
		name string
		n    int
	}{{"10k", 10_000}, {"100k", 100_000}, {"1M", 1_000_000}} {
		filters := []struct {
			name string
			q    Query
		}{
			{"none", Query{K: 10}},
			{"tags10pct", Query{K: 10, Tags: tagTenth}},
			{"accept50pct", Query{K: 10, Accept: accept50}},
		}
		for _, f := range filters {
			b.Run(fmt.Sprintf("size=%s/filter=%s", size.name, f.name), func(b *testing.B) {
				bi := benchData(size.n)
				dst := make([]Neighbor, 0, 10)
				q := f.q
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					q.Point = bi.queries[i%len(bi.queries)]
					dst = bi.ix.Nearest(q, dst)
				}
				if len(dst) != 10 {
					b.Fatalf("got %d neighbours, want 10", len(dst))
				}
				// The target is a median, which ns/op (a mean) does not
				// show; time queries one by one outside the timed loop.
				b.StopTimer()
				b.ReportMetric(medianNanos(min(b.N, len(bi.queries)), func(i int) {
					q.Point = bi.queries[i]
					dst = bi.ix.Nearest(q, dst)
				}), "p50-ns")
				if f.name == "none" {
					b.ReportMetric(bi.bytesPerItem, "bytes/item")
				}
			})
		}
	}
}

// maxBuildOps caps BenchmarkNewIndex: one build of 1M items takes a few
// hundred milliseconds, so a fixed -benchtime=2000x (meant for the query
// benchmarks) would spend many minutes here and trip the test timeout.
// Measure builds with, for example, -bench=NewIndex -benchtime=5x.
const maxBuildOps = 50

// medianNanos runs fn(0..n-1), timing each call, and returns the median in
// nanoseconds (including the ~20-50 ns of reading the clock twice).
func medianNanos(n int, fn func(i int)) float64 {
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		fn(i)
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return float64(ds[n/2])
}

func BenchmarkNewIndex(b *testing.B) {
	b.Run("1M", func(b *testing.B) {
		if b.N > maxBuildOps {
			b.Skipf("b.N = %d builds of 1M items would take minutes; rerun with -bench=NewIndex -benchtime=5x", b.N)
		}
		items := benchData(1_000_000).items
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if ix := NewIndex(items); ix.Len() != len(items) {
				b.Fatal("wrong length")
			}
		}
	})
}

func BenchmarkAlongRoute(b *testing.B) {
	bi := benchData(100_000)
	// A 20 km route of 200 points (~100 m apart) winding through Shanghai.
	rng := rand.New(rand.NewPCG(20, 200))
	path := orb.LineString{{121.40, 31.20}}
	brg := 60.0
	for len(path) < 200 {
		brg += rng.NormFloat64() * 15
		path = append(path, walkFrom(path[len(path)-1], brg, 20_000.0/199))
	}
	q := RouteQuery{Path: path, Buffer: 500, Limit: 1 << 30}
	var dst []RouteHit
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = bi.ix.AlongRoute(q, dst)
	}
	b.ReportMetric(float64(len(dst)), "hits")
}
