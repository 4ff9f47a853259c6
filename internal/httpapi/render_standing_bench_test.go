package httpapi

import (
	"fmt"
	"testing"
	"time"

	"yizhan/internal/benchdata"
	"yizhan/internal/geo"
	"yizhan/internal/search"
	"yizhan/internal/station"
)

// BenchmarkRenderNearestStanding is BenchmarkRenderNearest's memo case at
// 100,000 stations, with every station bare (no listing, no stars: what
// most stations are today) and with every one listed on all three map apps,
// starred and recognised (the most a station's standing adds to its card).
func BenchmarkRenderNearestStanding(b *testing.B) {
	at := time.Date(2026, 12, 2, 21, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for _, full := range []bool{false, true} {
		ss := benchdata.Stations(100_000, 42)
		name := "bare"
		if full {
			name = "listed"
			for _, s := range ss {
				s.Standing = station.Standing{StarLevel: 4, LastInspectedAt: at, MostBeautifulAt: at, MapListings: []station.MapListing{
					{Platform: "amap", Status: "listed", Date: "2026-11-20"}, {Platform: "baidu", Status: "listed", Date: "2026-11-21"},
					{Platform: "tencent", Status: "listed", Date: "2026-11-22"}}}
			}
		}
		e := search.NewEngine()
		e.Load(ss)
		qs := benchdata.Queries(4096, 1)
		b.Run(fmt.Sprintf("n=100000/%s", name), func(b *testing.B) {
			var hits []search.Hit
			buf := make([]byte, 0, 8<<10)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				hits, _ = e.Nearest(search.Query{Point: qs[i%len(qs)], Limit: 10}, hits)
				buf = buf[:0]
				for _, h := range hits {
					buf = stationView{h.Station, geo.WGS84, at}.appendMemoized(buf, h.Memo, h.Point, func(b []byte) []byte {
						b = append(b, `,"distance_m":`...)
						return appendFloat(b, round2(h.DistanceM))
					})
				}
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}
