package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
	"yizhan/internal/partner"
	"yizhan/internal/postgres"
)

// partnerEnv is the API with partner access on, tight per-address limits,
// and two partners: 美团 (roomy) and 饿了么 (a daily quota of 3).
type partnerEnv struct {
	*env
	svc          *partner.Service
	gate         *partner.Gate
	meituan, ele string
	metrics      *prometheus.Registry
}

func newPartnerEnv(t *testing.T) *partnerEnv {
	t.Helper()
	pe := &partnerEnv{metrics: prometheus.NewRegistry()}
	lazy := &lazyStore{}
	pe.env = newEnv(t, func(d *httpapi.Deps) {
		d.Limits = httpapi.RateLimits{Public: httpapi.Rate{PerSecond: 0.001, Burst: 2}}
		d.PartnerMetrics = httpapi.NewPartnerMetrics(pe.metrics)
		// The store is set below, once the database exists.
		pe.gate = partner.NewGate(lazy, nil, nil)
		d.Partners = pe.gate
	})
	st := postgres.NewPartnerStore(pe.db)
	lazy.Store = st
	pe.svc = partner.NewService(st, nil)
	pe.svc.Changed = func() {
		if err := pe.gate.Reload(context.Background()); err != nil {
			t.Error(err)
		}
	}
	var err error
	if _, pe.meituan, err = pe.svc.Create(context.Background(), auth.CommandLine, partner.NewPartner{Name: "美团", Rate: partner.Rate{PerSecond: 1000, Burst: 1000}, DailyQuota: 1000}); err != nil {
		t.Fatal(err)
	}
	if _, pe.ele, err = pe.svc.Create(context.Background(), auth.CommandLine, partner.NewPartner{Name: "饿了么", Rate: partner.Rate{PerSecond: 1000, Burst: 1000}, DailyQuota: 3}); err != nil {
		t.Fatal(err)
	}
	return pe
}

// lazyStore lets the gate be made before the database it reads.
type lazyStore struct{ partner.Store }

const nearestPath = "/v1/stations/nearest?lat=29.449&lng=119.8969"

func TestPartnerKeyReplacesAddressLimits(t *testing.T) {
	t.Parallel()
	e := newPartnerEnv(t)
	// Anonymous: two requests, then the per-address limit.
	for i := range 2 {
		if r := e.do(req{Method: "GET", Path: nearestPath}); r.Status != 200 {
			t.Fatalf("anonymous %d: %d", i, r.Status)
		}
	}
	if r := e.do(req{Method: "GET", Path: nearestPath}); r.Status != 429 || r.Problem(t).Code != "rate_limited" {
		t.Fatalf("anonymous past the address limit: %d", r.Status)
	}
	// The same address with 美团's key is held to 美团's limits instead.
	for i := range 20 {
		if r := e.do(req{Method: "GET", Path: nearestPath, Header: map[string]string{"X-Api-Key": e.meituan}}); r.Status != 200 {
			t.Fatalf("keyed request %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := e.do(req{Method: "POST", Path: "/v1/stations/along-route", Body: `{"polyline":[[29.449,119.8969],[29.46,119.9]]}`, Header: map[string]string{"X-Api-Key": e.meituan}}); r.Status != 200 {
		t.Fatalf("along-route with a key: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/stations/changes", Header: map[string]string{"X-Api-Key": e.meituan}}); r.Status != 200 {
		t.Fatalf("changes with a key: %d %s", r.Status, r.Body)
	}
	// 饿了么's quota of 3: the fourth is refused until midnight.
	for i := range 3 {
		if r := e.do(req{Method: "GET", Path: nearestPath, Header: map[string]string{"X-Api-Key": e.ele}}); r.Status != 200 {
			t.Fatalf("饿了么 %d: %d", i, r.Status)
		}
	}
	r := e.do(req{Method: "GET", Path: nearestPath, Header: map[string]string{"X-Api-Key": e.ele}})
	if r.Status != 429 || r.Problem(t).Code != "quota_exceeded" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("past the quota: %d %s, Retry-After %q", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if !strings.Contains(r.Problem(t).Detail, "北京时间零点") {
		t.Errorf("quota problem not in Chinese: %s", r.Body)
	}

	// Metrics count by partner.
	mfs, err := e.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			key := mf.GetName()
			for _, l := range m.GetLabel() {
				key += "," + l.GetValue()
			}
			got[key] = m.GetCounter().GetValue()
		}
	}
	for k, want := range map[string]float64{
		"yizhan_partner_requests_total,美团,ok":              22,
		"yizhan_partner_requests_total,饿了么,ok":             3,
		"yizhan_partner_requests_total,饿了么,quota_exceeded": 1,
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], want, got)
		}
	}
}

// A key that is not one Yizhan issued, or one revoked, is refused with 401
// and its own code — never answered as anonymous — while a route that does
// not read the header ignores it.
func TestPartnerKeyRefusals(t *testing.T) {
	t.Parallel()
	e := newPartnerEnv(t)
	for _, key := range []string{"", "nonsense", partner.KeyPrefix + strings.Repeat("A", 43), e.meituan[:len(e.meituan)-1] + "x"} {
		r := e.do(req{Method: "GET", Path: nearestPath, Header: map[string]string{"X-Api-Key": key}})
		if r.Status != 401 || r.Problem(t).Code != "api_key_invalid" || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "ApiKey ") {
			t.Errorf("key %q: %d %s %v, want 401 api_key_invalid naming the key's header", key, r.Status, r.Body, r.Header)
		}
	}
	if _, err := e.svc.Revoke(context.Background(), auth.CommandLine, "美团"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []response{
		e.do(req{Method: "GET", Path: nearestPath, Header: map[string]string{"X-Api-Key": e.meituan}}),
		e.do(req{Method: "GET", Path: "/v1/stations/changes", Header: map[string]string{"X-Api-Key": e.meituan}}),
		e.do(req{Method: "POST", Path: "/v1/stations/along-route", Body: `{"polyline":[[29.449,119.8969],[29.46,119.9]]}`, Header: map[string]string{"X-Api-Key": e.meituan}}),
	} {
		if r.Status != 401 || r.Problem(t).Code != "api_key_revoked" {
			t.Errorf("revoked key: %d %s", r.Status, r.Body)
		}
	}
	// English on request, same code.
	r := e.do(req{Method: "GET", Path: nearestPath, Header: map[string]string{"X-Api-Key": e.meituan, "Accept-Language": "en"}})
	if p := r.Problem(t); p.Code != "api_key_revoked" || !strings.Contains(p.Detail, "revoked") {
		t.Errorf("English: %s", r.Body)
	}
	// A route that does not read X-Api-Key ignores it.
	if r := e.do(req{Method: "GET", Path: "/v1/amenities", Header: map[string]string{"X-Api-Key": "nonsense"}}); r.Status != 200 {
		t.Errorf("amenities with a stray header: %d", r.Status)
	}
}
