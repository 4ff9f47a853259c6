package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// middlewareServer is the API's echo with its middleware, rate limits that
// never refuse and metrics on, and the nearest search's route answering
// 204 after reading its query (as every search does; echo parses it once,
// for the query check and the handler): a route whose parameters the query
// check knows, and that does nothing else.
func middlewareServer(log *slog.Logger) *echo.Echo {
	s := &server{
		Deps:   Deps{Log: log, Metrics: NewMetrics(prometheus.NewRegistry())},
		log:    log,
		limits: newRateLimiters(RateLimits{Public: Rate{PerSecond: 1e9, Burst: 1e9}, Token: Rate{PerSecond: 1e9, Burst: 1e9}}),
	}
	e := echo.New()
	e.HTTPErrorHandler = s.errorHandler
	s.routes(e)
	e.GET("/v1/stations/nearest", noopSearch)
	return e
}

func noopSearch(c echo.Context) error {
	_ = c.QueryParams()
	return c.NoContent(http.StatusNoContent)
}

// BenchmarkMiddleware is what the middleware costs a request that does
// nothing else: request id, security headers, metrics, the access log (off,
// as at LOG_LEVEL=warn, or a JSON line at info), panic recovery, the
// address and token rate limits, the query check.
func BenchmarkMiddleware(b *testing.B) {
	for _, tc := range []struct {
		name string
		log  *slog.Logger
	}{
		{"log=off", slog.New(slog.DiscardHandler)},
		{"log=info", slog.New(slog.NewJSONHandler(io.Discard, nil))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := middlewareServer(tc.log)
			r := httptest.NewRequest(http.MethodGet, "/v1/stations/nearest?lat=29.45&lng=119.89", nil)
			r.Header.Set("Authorization", "Bearer yzw_0123456789abcdef0123456789abcdef")
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				w.status = 0
				e.ServeHTTP(w, r)
			}
			if w.status != http.StatusNoContent {
				b.Fatalf("status %d", w.status)
			}
		})
	}
}

// The middleware every request passes — request id, security headers,
// access log and metrics, panic recovery, rate limits, the query check —
// allocates only the request id it echoes (its string and header slice),
// and nothing to chain itself together: echo would otherwise wrap every
// middleware around each request anew.
func TestMiddlewareAllocatesOnlyTheRequestID(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations are not counted under the race detector")
	}
	e := middlewareServer(slog.New(slog.DiscardHandler))
	r := httptest.NewRequest(http.MethodGet, "/v1/stations/nearest?lat=29.45&lng=119.89", nil)
	w := &discardWriter{h: http.Header{}}
	serve := func() {
		clear(w.h)
		w.status = 0
		e.ServeHTTP(w, r)
	}
	serve()
	if w.status != http.StatusNoContent || len(w.h["X-Request-Id"]) != 1 || w.h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("status %d, headers %v", w.status, w.h)
	}
	// The same route on a bare echo: what the handler allocates itself.
	bare := echo.New()
	bare.GET("/v1/stations/nearest", noopSearch)
	bareServe := func() {
		clear(w.h)
		w.status = 0
		bare.ServeHTTP(w, r)
	}
	if got, handler := testing.AllocsPerRun(200, serve), testing.AllocsPerRun(200, bareServe); got-handler > 2 {
		t.Errorf("the middleware chain allocates %.1f times per request, want at most 2 (the request id)", got-handler)
	}
}
