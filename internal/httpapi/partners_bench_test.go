package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"yizhan/internal/benchdata"
	"yizhan/internal/partner"
	"yizhan/internal/search"
	"yizhan/internal/station"
)

// benchPartnerStore holds one partner in memory: the gate's reservations
// are then as cheap as they can be, and the benchmark measures the request
// path alone (one reservation per 2·10⁵ requests in production, too).
type benchPartnerStore struct {
	partner.Store
	mu    sync.Mutex
	keyed []partner.Keyed
}

func (s *benchPartnerStore) KeyedPartners(context.Context) ([]partner.Keyed, error) {
	return s.keyed, nil
}

func (s *benchPartnerStore) Reserve(_ context.Context, _ uuid.UUID, _ partner.Day, grant func(int64, int64) int64) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return grant(0, 1<<62), nil
}

// BenchmarkServeNearestPartner is BenchmarkServeNearest (one whole request
// through the handler, 100,000 stations, no sockets) without a key and with
// one, in the same run.
func BenchmarkServeNearestPartner(b *testing.B) {
	e := search.NewEngine()
	e.Load(benchdata.Stations(100_000, 42))
	const key = "yzp_benchbenchbenchbenchbenchbenchbenchbenchben"
	st := &benchPartnerStore{keyed: []partner.Keyed{{
		Partner: partner.Partner{ID: uuid.New(), Name: "bench", Rate: partner.Rate{PerSecond: 1e12, Burst: 1e9}, DailyQuota: 1 << 62},
		KeyHash: partner.HashKey(key),
	}}}
	gate := partner.NewGate(st, nil, nil)
	if err := gate.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	h, err := New(Deps{Search: e, Stations: station.NewService(nil, nil, nil), Metrics: NewMetrics(reg),
		Partners: gate, PartnerMetrics: NewPartnerMetrics(reg), Limits: RateLimits{Public: Rate{PerSecond: 1e12, Burst: 1e9}}})
	if err != nil {
		b.Fatal(err)
	}
	qs := benchdata.Queries(4096, 1)
	for _, withKey := range []bool{false, true} {
		name := "anon"
		if withKey {
			name = "key"
		}
		b.Run(name, func(b *testing.B) {
			reqs := make([]*http.Request, len(qs))
			for i, p := range qs {
				reqs[i] = httptest.NewRequest(http.MethodGet, fmt.Sprintf("/v1/stations/nearest?lat=%.6f&lng=%.6f&limit=10", p[1], p[0]), nil)
				if withKey {
					reqs[i].Header.Set("X-Api-Key", key)
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
		})
	}
}
