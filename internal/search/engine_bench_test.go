package search

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"yizhan/internal/benchdata"
	"yizhan/internal/station"
)

var (
	benchEngines   = map[int]*Engine{}
	benchEnginesMu sync.Mutex
)

func benchEngine(b *testing.B, n int) *Engine {
	b.Helper()
	benchEnginesMu.Lock()
	defer benchEnginesMu.Unlock()
	if e, ok := benchEngines[n]; ok {
		return e
	}
	ss := benchdata.Stations(n, 42)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	e := NewEngine()
	e.Load(ss)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.Logf("%d stations: the index (tree, snapshot, version maps; not the station records) holds %.0f bytes/station",
		n, float64(after.HeapAlloc-before.HeapAlloc)/float64(n))
	benchEngines[n] = e
	return e
}

// BenchmarkNearest is the in-process cost of a courier's question, k = 10.
func BenchmarkNearest(b *testing.B) {
	rare, _ := station.AmenityBit(benchdata.RareAmenity)
	at := time.Date(2026, 12, 2, 21, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		for _, f := range []struct {
			name string
			q    Query
		}{
			{"unfiltered", Query{Limit: 10}},
			{"amenity10pct", Query{Limit: 10, Amenities: rare}},
			{"open_now", Query{Limit: 10, OpenAt: at}},
		} {
			b.Run(fmt.Sprintf("n=%d/%s", n, f.name), func(b *testing.B) {
				e := benchEngine(b, n)
				qs := benchdata.Queries(4096, 1)
				dst := make([]Hit, 0, 10)
				b.ReportAllocs()
				b.ResetTimer()
				q := f.q
				for i := 0; b.Loop(); i++ {
					q.Point = qs[i%len(qs)]
					dst, _ = e.Nearest(q, dst)
				}
				// The target is a median, and ns/op is a mean: time each of
				// the query set once more, outside the timed loop.
				b.StopTimer()
				lat := make([]time.Duration, len(qs))
				for i, p := range qs {
					q.Point = p
					t0 := time.Now()
					dst, _ = e.Nearest(q, dst)
					lat[i] = time.Since(t0)
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
			})
		}
	}
}

// BenchmarkNearestBaseline is the baseline to read BenchmarkNearest against
// in the same run: a linear scan computing every station's great-circle
// distance and keeping the best 10, which is what the index replaces.
func BenchmarkNearestBaseline(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("n=%d/linear-scan", n), func(b *testing.B) {
			ss := benchdata.Stations(n, 42)
			qs := benchdata.Queries(4096, 1)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				q := Query{Point: qs[i%len(qs)], Limit: 10}
				_ = bruteNearest(ss, q)
			}
		})
	}
}

// BenchmarkNearestWithNotices is BenchmarkNearest at n = 100,000 with 1% of
// the stations carrying a notice in force at the query's instant (half of
// them closed, half without the rare amenity), to read against
// BenchmarkNearest's n=100000 lines of the same run: what honouring notices
// costs a filtered query when there are some.
func BenchmarkNearestWithNotices(b *testing.B) {
	const n = 100_000
	rare, _ := station.AmenityBit(benchdata.RareAmenity)
	at := time.Date(2026, 12, 2, 21, 30, 0, 0, time.FixedZone("CST", 8*3600))
	ss := benchdata.Stations(n, 42)
	for i := 0; i < n; i += 100 {
		cp := *ss[i]
		notice := station.Notice{Kind: station.TemporarilyClosed, From: at.Add(-time.Hour), Until: at.Add(time.Hour)}
		if i%200 == 0 {
			notice.Kind, notice.Amenity = station.AmenityUnavailable, rare
		}
		cp.Notices = []station.Notice{notice}
		ss[i] = &cp
	}
	e := NewEngine()
	e.Load(ss)
	for _, f := range []struct {
		name string
		q    Query
	}{
		{"unfiltered", Query{Limit: 10, At: at}},
		{"amenity10pct", Query{Limit: 10, Amenities: rare, At: at}},
		{"open_now", Query{Limit: 10, OpenAt: at, At: at}},
	} {
		b.Run(fmt.Sprintf("n=%d/%s", n, f.name), func(b *testing.B) {
			qs := benchdata.Queries(4096, 1)
			dst := make([]Hit, 0, 10)
			b.ReportAllocs()
			q := f.q
			for i := 0; b.Loop(); i++ {
				q.Point = qs[i%len(qs)]
				dst, _ = e.Nearest(q, dst)
			}
			b.StopTimer()
			lat := make([]time.Duration, len(qs))
			for i, p := range qs {
				q.Point = p
				t0 := time.Now()
				dst, _ = e.Nearest(q, dst)
				lat[i] = time.Since(t0)
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
		})
	}
}
