package main

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"yizhan/internal/pgtest"
)

// With METRICS_ADDR, /metrics is served there and not on the public port.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	metricsAddr := freeAddr(t)
	base := startServer(t, map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "LOG_LEVEL": "error", "METRICS_ADDR": metricsAddr})
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if status, _ := get(base + "/healthz"); status != 200 {
		t.Fatalf("/healthz: %d", status)
	}
	if status, body := get(base + "/metrics"); status != http.StatusNotFound || strings.Contains(body, "yizhan_") {
		t.Errorf("/metrics on the public port: %d %.200s, want 404", status, body)
	}
	status, body := get("http://" + metricsAddr + "/metrics")
	if status != 200 || !strings.Contains(body, `yizhan_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("/metrics on METRICS_ADDR: %d %.300s", status, body)
	}
	if status, _ := get("http://" + metricsAddr + "/v1/stations"); status != http.StatusNotFound {
		t.Errorf("the metrics listener answers the API: %d", status)
	}
}

// WORKER_LOGINS_PER_ADDR sets how many mini-program logins one address may
// make per 10 minutes. Without WECHAT_APPID each login that gets past the
// limit answers 503, and the one past it 429.
func TestWorkerLoginsPerAddr(t *testing.T) {
	t.Parallel()
	base := startServer(t, map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "LOG_LEVEL": "error",
		"WORKER_LOGINS_PER_ADDR": "2", "RATE_LIMIT_LOGIN": "off"})
	var got []int
	for range 3 {
		res := postJSON(t, base+"/v1/auth/wechat/login", "", `{"code":"0a1b2c3d"}`)
		res.Body.Close()
		got = append(got, res.StatusCode)
	}
	if want := []int{503, 503, 429}; !slices.Equal(got, want) {
		t.Errorf("three logins with WORKER_LOGINS_PER_ADDR=2: %v, want %v", got, want)
	}

	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	if c, err := loadConfig(env(nil)); err != nil || c.Workers.LoginsPerAddr != 60 {
		t.Errorf("default: %d logins per address (%v), want 60", c.Workers.LoginsPerAddr, err)
	}
	for _, bad := range []string{"0", "-5", "many", "1e3"} {
		if _, err := loadConfig(env(map[string]string{"WORKER_LOGINS_PER_ADDR": bad})); err == nil {
			t.Errorf("WORKER_LOGINS_PER_ADDR=%s accepted", bad)
		}
	}
}
