package httpapi

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/benchdata"
	"yizhan/internal/geo"
	"yizhan/internal/search"
	"yizhan/internal/station"
)

// BenchmarkRenderNearestPhotos is BenchmarkRenderNearest's memo case at
// 100,000 stations with no photos (the baseline, as before photos existed)
// and with an entrance photo and a photo count on every station (the
// worst case): the photo fields live in the card, so an answer pays only
// for copying their bytes.
func BenchmarkRenderNearestPhotos(b *testing.B) {
	at := time.Date(2026, 12, 2, 21, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for _, photos := range []bool{false, true} {
		stations := benchdata.Stations(100_000, 42)
		if photos {
			for i, st := range stations {
				st.PhotoCount = 3
				st.Entrance = &station.PhotoRef{ID: uuid.New(), Full: fmt.Sprintf("%064x", i), Thumb: fmt.Sprintf("%064x", i+1<<40), Width: 1600, Height: 1200}
			}
		}
		e := search.NewEngine()
		e.Load(stations)
		qs := benchdata.Queries(4096, 1)
		name := "no-photos"
		if photos {
			name = "entrance-everywhere"
		}
		var hits []search.Hit
		buf := make([]byte, 0, 16<<10)
		render := func(i int) {
			hits, _ = e.Nearest(search.Query{Point: qs[i%len(qs)], Limit: 10}, hits)
			buf = buf[:0]
			for _, h := range hits {
				buf = stationView{h.Station, geo.WGS84, at}.appendMemoized(buf, h.Memo, h.Point, nil)
			}
		}
		for i := range qs { // every card the queries reach, rendered before timing: the steady state
			render(i)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				render(i)
			}
			b.SetBytes(int64(len(buf)))
			b.ReportMetric(float64(len(buf))/float64(len(hits)), "bytes/station")
		})
	}
}
