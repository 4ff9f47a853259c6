package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"yizhan/internal/pgtest"
)

// freeAddr returns a loopback address nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestRunEndToEnd drives the binary's own entry point: migrate, create a
// staff member from stdin, serve, sign in, register a station, and shut down
// on cancel.
func TestRunEndToEnd(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	addr := freeAddr(t)
	env := map[string]string{"DATABASE_URL": dbURL, "API_ADDR": addr, "LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out bytes.Buffer

	if err := run(ctx, []string{"migrate"}, getenv, nil, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	stdin := strings.NewReader("a long enough password\nignored second line\n")
	if err := run(ctx, []string{"staff", "create", "--username", "pujiang", "--role", "district_staff", "--districts", "330726"}, getenv, stdin, &out, &out); err != nil {
		t.Fatalf("staff create: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"staff", "create", "--username", "pujiang", "--role", "admin"}, getenv, strings.NewReader("another long password\n"), &out, &out); err == nil {
		t.Errorf("creating the same username twice succeeded")
	}
	if err := run(ctx, []string{"staff", "create", "--username", "x1", "--role", "district_staff"}, getenv, strings.NewReader("a long enough password\n"), &out, &out); err == nil {
		t.Errorf("district_staff without districts (and a too-short name) was accepted")
	}

	sctx, cancel := context.WithCancel(ctx)
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run(sctx, []string{"serve"}, getenv, nil, &logs, &logs) }()
	base := "http://" + addr
	waitReady(t, base+"/readyz")

	res := postJSON(t, base+"/v1/auth/staff/login", "", `{"username":"pujiang","password":"a long enough password"}`)
	var tok struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %d %v", res.StatusCode, err)
	}
	res.Body.Close()
	// The staff console is served by the same binary.
	cres, err := http.Get(base + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	cres.Body.Close()
	if cres.StatusCode != 200 || !strings.HasPrefix(cres.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /console/login: %d %s, want the sign-in page", cres.StatusCode, cres.Header.Get("Content-Type"))
	}
	res = postJSON(t, base+"/v1/stations", tok.Token, `{"name":"浦江县总工会驿站","address":"人民东路1号","district_code":"330726","location":{"lat":29.4521,"lng":119.892},"host":{"type":"union_office"},"hours":{"always_open":true}}`)
	if res.StatusCode != 201 {
		t.Fatalf("create station: %d", res.StatusCode)
	}
	res.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
	if strings.Contains(logs.String(), tok.Token) {
		t.Errorf("the logs contain a bearer token")
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, env := range []map[string]string{
		{}, // no DATABASE_URL
		{"DATABASE_URL": "x", "LOG_LEVEL": "loud"}, // bad level
		{"DATABASE_URL": "x", "SHUTDOWN_GRACE": "soon"},
	} {
		getenv := func(k string) string { return env[k] }
		var out bytes.Buffer
		if err := run(context.Background(), []string{"serve"}, getenv, nil, &out, &out); err == nil {
			t.Errorf("env %v: serve started", env)
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, nil, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Errorf("an unknown command succeeded")
	}
}

func waitReady(t testing.TB, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", url)
}

func postJSON(t *testing.T, url, token, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// /metrics serves Prometheus text with the service's own series, and never
// a query string's coordinates.
func TestMetrics(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "LOG_LEVEL": "error"}
	base := startServer(t, env)
	res, err := http.Get(base + "/v1/stations/nearest?lat=29.4521&lng=119.8923")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res = postJSON(t, base+"/v1/auth/staff/login", "", `{"username":"nobody","password":"wrong password"}`)
	res.Body.Close()
	res, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	text := string(body)
	for _, want := range []string{
		`yizhan_http_requests_total{method="GET",route="/v1/stations/nearest",status="200"} 1`,
		`yizhan_http_request_duration_seconds_bucket{method="GET",route="/v1/stations/nearest"`,
		`yizhan_logins_total{kind="staff",result="refused"} 1`,
		`yizhan_search_index_stations 0`,
		`yizhan_search_index_lag_seconds`,
		`yizhan_db_pool_max_conns`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(text, "29.45") || strings.Contains(text, "119.89") {
		t.Errorf("/metrics holds query coordinates")
	}
}
