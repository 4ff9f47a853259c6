package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"yizhan/internal/benchdata"
	"yizhan/internal/geo"
	"yizhan/internal/search"
	"yizhan/internal/station"
)

// BenchmarkRenderNearest is a nearest answer without the network: the
// search for 10 stations and their JSON, rendered from the station's fields
// every time (fields: the baseline) or with the fixed parts copied from the
// index's memo of each station (memo: what the server does).
func BenchmarkRenderNearest(b *testing.B) {
	at := time.Date(2026, 12, 2, 21, 30, 0, 0, time.FixedZone("CST", 8*3600))
	for _, n := range []int{100_000, 1_000_000} {
		e := search.NewEngine()
		e.Load(benchdata.Stations(n, 42))
		qs := benchdata.Queries(4096, 1)
		for _, memo := range []bool{false, true} {
			name := "fields"
			if memo {
				name = "memo"
			}
			b.Run(fmt.Sprintf("n=%d/%s", n, name), func(b *testing.B) {
				var hits []search.Hit
				buf := make([]byte, 0, 8<<10)
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					hits, _ = e.Nearest(search.Query{Point: qs[i%len(qs)], Limit: 10}, hits)
					buf = buf[:0]
					for _, h := range hits {
						v := stationView{h.Station, geo.WGS84, at}
						extra := func(b []byte) []byte {
							b = append(b, `,"distance_m":`...)
							return appendFloat(b, round2(h.DistanceM))
						}
						if memo {
							buf = v.appendMemoized(buf, h.Memo, h.Point, extra)
						} else {
							buf = v.appendJSON(buf, extra)
						}
					}
				}
				b.SetBytes(int64(len(buf)))
				if memo {
					// What a station's card costs while it is indexed.
					size := 0
					for _, h := range hits {
						size += len(h.Memo.Load())
					}
					b.ReportMetric(float64(size)/float64(len(hits)), "card-bytes")
				}
			})
		}
	}
}

// BenchmarkServeNearest is one GET /v1/stations/nearest through the whole
// handler — routing, middleware, metrics, query parsing, search, rendering —
// over 100,000 stations, without the sockets: what the server spends per
// request beyond the kernel's share.
func BenchmarkServeNearest(b *testing.B) { benchServeNearest(b, "") }

// BenchmarkServeNearestGzip is BenchmarkServeNearest for a client that
// accepts gzip: the answer (≈ 7 KB) is compressed.
func BenchmarkServeNearestGzip(b *testing.B) { benchServeNearest(b, "gzip") }

func benchServeNearest(b *testing.B, acceptEncoding string) {
	e := search.NewEngine()
	e.Load(benchdata.Stations(100_000, 42))
	h, err := New(Deps{Search: e, Stations: station.NewService(nil, nil, nil), Metrics: NewMetrics(prometheus.NewRegistry())})
	if err != nil {
		b.Fatal(err)
	}
	qs := benchdata.Queries(4096, 1)
	reqs := make([]*http.Request, len(qs))
	for i, p := range qs {
		reqs[i] = httptest.NewRequest(http.MethodGet, fmt.Sprintf("/v1/stations/nearest?lat=%.6f&lng=%.6f&limit=10", p[1], p[0]), nil)
		if acceptEncoding != "" {
			reqs[i].Header.Set("Accept-Encoding", acceptEncoding)
		}
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, reqs[i%len(reqs)])
		if w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}
