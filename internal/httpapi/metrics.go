package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the HTTP layer's Prometheus metrics. Labels carry route
// templates, never raw paths or query strings (which hold coordinates).
type Metrics struct {
	gatherer prometheus.Gatherer
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	logins   *prometheus.CounterVec
	claims   *prometheus.CounterVec
	// observers caches each (route, method, status)'s counter and
	// histogram, so that a request looks its series up in one map read
	// instead of hashing and matching label values twice under the vecs'
	// locks. The map is never written once published: a new key publishes
	// a copy (they are few, and stop coming once every route has answered).
	observers   atomic.Pointer[map[observerKey]requestObservers]
	observersMu sync.Mutex
}

type observerKey struct {
	route, method string
	status        int
}

type requestObservers struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// maxObservers bounds the cache; beyond it series are looked up the slow
// way. Routes, methods (metricMethod) and statuses are few, so it is never
// reached.
const maxObservers = 1024

// NewMetrics registers the HTTP metrics on reg, and serves everything reg
// gathers at /metrics.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		gatherer: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yizhan_http_requests_total", Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "yizhan_http_request_duration_seconds", Help: "HTTP request latency by route template and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yizhan_logins_total", Help: "Login attempts by kind (staff, worker) and result (ok, refused, throttled, error).",
		}, []string{"kind", "result"}),
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yizhan_claims_total", Help: "Benefit claims by result: the problem code of a refusal (sold_out, limit_reached, not_eligible, not_open, …), ok, or replayed for a repeated Idempotency-Key.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.logins, m.claims)
	return m
}

func (m *Metrics) observe(c echo.Context, start time.Time) {
	if m == nil {
		return
	}
	route := c.Path()
	if route == "" {
		route = "unmatched"
	}
	o := m.observersOf(observerKey{route: route, method: metricMethod(c.Request().Method), status: c.Response().Status})
	o.requests.Inc()
	o.latency.Observe(time.Since(start).Seconds())
}

// metricMethod is the method as the metrics label it: a client may send any
// token as a method, and a series per invented one would grow without
// bound, so methods the API does not know are all OTHER.
func metricMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return method
	}
	return "OTHER"
}

func (m *Metrics) observersOf(k observerKey) requestObservers {
	var cache map[observerKey]requestObservers
	if p := m.observers.Load(); p != nil {
		cache = *p
		if o, ok := cache[k]; ok {
			return o
		}
	}
	o := requestObservers{
		requests: m.requests.WithLabelValues(k.route, k.method, strconv.Itoa(k.status)),
		latency:  m.latency.WithLabelValues(k.route, k.method),
	}
	if len(cache) >= maxObservers {
		return o
	}
	m.observersMu.Lock()
	defer m.observersMu.Unlock()
	cur := map[observerKey]requestObservers{}
	if p := m.observers.Load(); p != nil {
		cur = *p
	}
	next := make(map[observerKey]requestObservers, len(cur)+1)
	for key, v := range cur {
		next[key] = v
	}
	next[k] = o
	m.observers.Store(&next)
	return o
}

// Login counts a login attempt.
func (m *Metrics) Login(kind, result string) {
	if m != nil {
		m.logins.WithLabelValues(kind, result).Inc()
	}
}

// Claim counts a claim attempt by its result.
func (m *Metrics) Claim(result string) {
	if m != nil {
		m.claims.WithLabelValues(result).Inc()
	}
}

// Handler serves everything the registry gathers, in Prometheus's format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{})
}

func (s *server) metrics(c echo.Context) error {
	if s.Metrics == nil || s.MetricsApart {
		return echo.ErrNotFound
	}
	s.Metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}
