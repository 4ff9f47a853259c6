package httpapi

import (
	"net/http"
	"sync"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"yizhan/internal/apperr"
	"yizhan/internal/partner"
)

// Partner access (issue 15 §3): a rider platform sends its key as
// X-Api-Key on the public endpoints it builds on, and is then held to its
// key's own rate limit and daily quota (partner.Gate) instead of the
// per-address limits. This file is the whole of it in the HTTP layer; the
// limiter only asks partnerKey and hands over to admitPartner.

// headerAPIKey is X-Api-Key as net/http spells header keys.
const headerAPIKey = "X-Api-Key"

// partnerRoutes are the routes that read X-Api-Key. Elsewhere the header is
// ignored, as any header a route does not read is.
var partnerRoutes = map[string]bool{
	"/v1/stations/nearest":     true,
	"/v1/stations/along-route": true,
	"/v1/stations/changes":     true,
}

func init() {
	statusOf[apperr.APIKeyInvalid] = http.StatusUnauthorized
	statusOf[apperr.APIKeyRevoked] = http.StatusUnauthorized
	statusOf[apperr.QuotaExceeded] = http.StatusTooManyRequests
}

// partnerKey returns the request's X-Api-Key when it is sent to a route
// that reads it. An empty header counts as sent: it is refused, never taken
// for anonymous.
func (s *server) partnerKey(c echo.Context) (string, bool) {
	if s.Partners == nil {
		return "", false
	}
	v, ok := c.Request().Header[headerAPIKey]
	if !ok || !partnerRoutes[c.Path()] {
		return "", false
	}
	if len(v) == 0 {
		return "", true
	}
	return v[0], true
}

// admitPartner lets a keyed request through its partner's gate instead of
// the per-address limits, and counts it by partner.
func (s *server) admitPartner(c echo.Context, key string, next echo.HandlerFunc) error {
	p, err := s.Partners.Admit(c.Request().Context(), key)
	s.PartnerMetrics.count(p, err)
	if err != nil {
		return err
	}
	return next(c)
}

// PartnerMetrics count keyed requests by partner.
type PartnerMetrics struct {
	requests *prometheus.CounterVec
	invalid  prometheus.Counter
	// byPartner caches each partner's counters (a request then pays one
	// map read, not a label hash).
	byPartner sync.Map // uuid.UUID → *partnerCounters
}

type partnerCounters struct {
	ok, rateLimited, quota, revoked, other prometheus.Counter
}

// NewPartnerMetrics registers the partner metrics on reg.
func NewPartnerMetrics(reg prometheus.Registerer) *PartnerMetrics {
	m := &PartnerMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yizhan_partner_requests_total",
			Help: "Requests carrying a partner's X-Api-Key, by partner name and result (ok, rate_limited, quota_exceeded, revoked, error).",
		}, []string{"partner", "result"}),
		invalid: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "yizhan_partner_key_invalid_total",
			Help: "Requests refused because X-Api-Key held no key Yizhan issued.",
		}),
	}
	reg.MustRegister(m.requests, m.invalid)
	return m
}

func (m *PartnerMetrics) count(p *partner.Partner, err error) {
	if m == nil {
		return
	}
	if p == nil {
		if apperr.Is(err, apperr.APIKeyInvalid) {
			m.invalid.Inc()
		}
		return
	}
	pc := m.of(p.ID, p.Name)
	switch {
	case err == nil:
		pc.ok.Inc()
	case apperr.Is(err, apperr.RateLimited):
		pc.rateLimited.Inc()
	case apperr.Is(err, apperr.QuotaExceeded):
		pc.quota.Inc()
	case apperr.Is(err, apperr.APIKeyRevoked):
		pc.revoked.Inc()
	default:
		pc.other.Inc()
	}
}

func (m *PartnerMetrics) of(id uuid.UUID, name string) *partnerCounters {
	if v, ok := m.byPartner.Load(id); ok {
		return v.(*partnerCounters)
	}
	pc := &partnerCounters{
		ok:          m.requests.WithLabelValues(name, "ok"),
		rateLimited: m.requests.WithLabelValues(name, "rate_limited"),
		quota:       m.requests.WithLabelValues(name, "quota_exceeded"),
		revoked:     m.requests.WithLabelValues(name, "revoked"),
		other:       m.requests.WithLabelValues(name, "error"),
	}
	v, _ := m.byPartner.LoadOrStore(id, pc)
	return v.(*partnerCounters)
}
