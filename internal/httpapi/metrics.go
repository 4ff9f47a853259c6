package httpapi

import (
	"net/http"
	"strconv"
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
}

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
	method := c.Request().Method
	m.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
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
