package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"yizhan/internal/benchdata"
	"yizhan/internal/httpapi"
	"yizhan/internal/pgtest"
)

// BenchmarkHTTPNearest drives the real server over loopback with wrk asking
// for the 10 nearest stations among 100,000 at random points, 64
// connections, and, in the same run, has pgbench (64 connections, 2
// threads) ask PostgreSQL the same kind of question with the contrib cube +
// earthdistance GiST KNN, which is exact on a sphere. Both load generators
// are C programs from Debian. `make bench` installs them.
//
// wrk runs twice, with one thread and with two. On two cores the load
// generator shares the machine with the server, and the tail it measures at
// saturation is mostly the scheduler's: two generator threads and the
// server's two keep more threads runnable than there are cores. So each wrk
// run has a floor beside it, in the same process and the same window: a bare
// net/http server answering every request with the bytes of one real answer
// — no routing, no middleware, no search, no rendering. The floor is the
// best any Go server could do here; the gap to it is the API's own cost.
func BenchmarkHTTPNearest(b *testing.B) {
	wrk, err1 := exec.LookPath("wrk")
	pgbench, err2 := exec.LookPath("pgbench")
	if err1 != nil || err2 != nil {
		b.Skip("needs wrk and pgbench on PATH (make bench installs them)")
	}
	const n = 100_000
	seconds := benchSeconds()
	dbURL := benchDatabase(b, n,
		`CREATE EXTENSION IF NOT EXISTS cube`,
		`CREATE EXTENSION IF NOT EXISTS earthdistance`,
		`CREATE INDEX stations_earth_idx ON stations USING gist (ll_to_earth(lat, lng)) WHERE status = 'active'`,
		`VACUUM ANALYZE stations`)
	base := benchServer(b, dbURL)
	floor, echoFloor := floorServers(b, base+"/v1/stations/nearest?lat=28.1&lng=118.1&limit=10")
	mwFloor := middlewareFloor(b, base+"/v1/stations/nearest?lat=28.1&lng=118.1&limit=10", dbURL)

	dir := b.TempDir()
	lua := filepath.Join(dir, "nearest.lua")
	mustWrite(b, lua, `math.randomseed(42)
request = function()
  local lat = 24 + math.random() * 8
  local lng = 114 + math.random() * 8
  return wrk.format("GET", string.format("/v1/stations/nearest?lat=%.6f&lng=%.6f&limit=10", lat, lng))
end
`)
	knn := filepath.Join(dir, "knn.sql")
	mustWrite(b, knn, `\set lat random(24000000, 32000000) / 1000000.0
\set lng random(114000000, 122000000) / 1000000.0
SELECT id, name, address, district_code, lat, lng, host_type, host_name, amenities, hours, status, version,
  earth_distance(ll_to_earth(lat, lng), ll_to_earth(:lat, :lng)) AS distance_m
FROM stations WHERE status = 'active'
ORDER BY ll_to_earth(lat, lng) <-> ll_to_earth(:lat, :lng) LIMIT 10;
`)
	// wrk reports throughput and a latency distribution. cpuPerReq is the
	// CPU time this process (the servers; wrk and pgbench are processes of
	// their own) spent per request answered: on a machine shared with other
	// work, throughput measures the scheduler as much as the server, while
	// the CPU a request costs barely moves.
	var cpuPerReq float64
	load := func(threads int, url string, seconds int) (rps, p50, p99 float64) {
		cpu0 := processCPU()
		out, err := exec.Command(wrk, fmt.Sprintf("-t%d", threads), "-c64", fmt.Sprintf("-d%ds", seconds), "--latency", "-s", lua, url).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		if m := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindSubmatch(out); m != nil {
			b.Fatalf("wrk saw %s error responses", m[1])
		}
		cpuPerReq = float64((processCPU() - cpu0).Microseconds()) / parseFloat(b, `(\d+) requests in`, out)
		return parseFloat(b, `Requests/sec:\s+([0-9.]+)`, out), wrkLatency(b, "50%", out), wrkLatency(b, "99%", out)
	}
	// Warm up: the first answer about a station renders its card (see
	// internal/httpapi), so the first seconds after a start are slower
	// than the steady state measured here. They are reported on their own.
	warm, _, _ := load(2, base, 3)
	for b.Loop() {
		b.ReportMetric(warm, "warmup-req/s") // inside the loop: b.Loop resets metrics reported before it
		var apiRPS [3]float64
		for _, threads := range []int{1, 2} {
			t := fmt.Sprintf("t%d-", threads)
			rps, _, p99 := load(threads, floor, seconds)
			b.ReportMetric(rps, t+"floor-req/s")
			b.ReportMetric(p99, t+"floor-p99-ms")
			echoRPS, _, p99 := load(threads, echoFloor, seconds)
			echoCPU := cpuPerReq
			b.ReportMetric(echoRPS, t+"echo-req/s")
			b.ReportMetric(p99, t+"echo-p99-ms")
			b.ReportMetric(echoCPU, t+"echo-cpu-us/req")
			mwRPS, _, _ := load(threads, mwFloor, seconds)
			b.ReportMetric(mwRPS, t+"mw-req/s")
			b.ReportMetric(cpuPerReq, t+"mw-cpu-us/req")
			// What the API's whole request path costs without the search:
			// the share of echo's throughput and CPU it keeps.
			b.ReportMetric(mwRPS/echoRPS, t+"mw/echo")
			b.ReportMetric(echoCPU/cpuPerReq, t+"mw/echo-cpu")
			rps, p50, p99 := load(threads, base, seconds)
			b.ReportMetric(rps, t+"api-req/s")
			b.ReportMetric(p50, t+"api-p50-ms")
			b.ReportMetric(p99, t+"api-p99-ms")
			b.ReportMetric(cpuPerReq, t+"api-cpu-us/req")
			// The share of a bare echo server's throughput that the API
			// keeps (the target: 0.8), and the same told by the CPU each
			// request costs, which a busy machine disturbs less.
			b.ReportMetric(rps/echoRPS, t+"api/echo")
			b.ReportMetric(echoCPU/cpuPerReq, t+"api/echo-cpu")
			apiRPS[threads] = rps
		}

		// PostgreSQL: pgbench logs every transaction's latency.
		logPrefix := filepath.Join(dir, fmt.Sprintf("pgb%d", time.Now().UnixNano()))
		out, err := exec.Command(pgbench, "-n", "-c", "64", "-j", "2", "-T", strconv.Itoa(seconds), "-f", knn,
			"-l", "--log-prefix", logPrefix, dbURL).CombinedOutput()
		if err != nil {
			b.Fatalf("pgbench: %v\n%s", err, out)
		}
		pgTPS := parseFloat(b, `tps = ([0-9.]+)`, out)
		pgLat := pgbenchLatencies(b, logPrefix)

		b.ReportMetric(pgTPS, "pg-req/s")
		b.ReportMetric(pgLat[len(pgLat)/2], "pg-p50-ms")
		b.ReportMetric(pgLat[len(pgLat)*99/100], "pg-p99-ms")
		// Both generators with two threads: the like-for-like ratio.
		b.ReportMetric(apiRPS[2]/pgTPS, "t2-ratio")
		b.ReportMetric(apiRPS[1]/pgTPS, "t1-ratio")
	}
}

// benchServer runs the real server (`run serve`) in this process on dbURL,
// rate limits off and GOGC passed through as it would be to the binary,
// until the benchmark ends, and returns its base URL once it is ready.
func benchServer(b *testing.B, dbURL string) string {
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "API_ADDR": freeAddr(b), "RATE_LIMIT_PUBLIC": "off", "GOGC": os.Getenv("GOGC")}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go func() {
		_ = run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	}()
	base := "http://" + env["API_ADDR"]
	waitReady(b, base+"/readyz")
	return base
}

// floorServers serve, each on a new loopback port, the bytes of the answer
// at url for every request, as the API would (JSON, same length), and
// return their base URLs: a bare net/http server (the body with only
// Content-Type and Content-Length), and a bare echo server (the framework
// the API is built on: routing, its context and response writer, no
// middleware) with one route, the nearest search's path, answering the
// API's headers too.
func floorServers(b *testing.B, url string) (netHTTP, bareEcho string) {
	res, body := answerOf(b, url)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	length := strconv.Itoa(len(body))
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length) // as the API sends it: not chunked
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// The echo floor answers the same bytes as the API, headers too (but
	// Date, which net/http adds to both): the API's own security headers,
	// request id, Vary and X-Index-Age are bytes on the wire that any
	// server answering the same must write, while setting them is the
	// middleware's work, which stays on the API's side of the ratio.
	header := res.Header.Clone()
	header.Del("Date")
	header.Del("Content-Type") // c.Blob sets it
	header.Set("Content-Length", length)
	e.GET("/v1/stations/nearest", func(c echo.Context) error {
		h := c.Response().Header()
		for k, v := range header {
			h[k] = v
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	})
	eln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	esrv := &http.Server{Handler: e}
	go func() { _ = esrv.Serve(eln) }()
	b.Cleanup(func() { _ = esrv.Close() })
	return "http://" + ln.Addr().String(), "http://" + eln.Addr().String()
}

// answerOf is the API's answer at url, which must be 200 OK.
func answerOf(b *testing.B, url string) (*http.Response, []byte) {
	res, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d %v", url, res.StatusCode, err)
	}
	return res, body
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchSeconds is how long each load runs: BENCH_HTTP_SECONDS, default 10.
func benchSeconds() int {
	if v, err := strconv.Atoi(os.Getenv("BENCH_HTTP_SECONDS")); err == nil && v > 0 {
		return v
	}
	return 10
}

// benchDatabase is a fresh database holding n benchmark stations, after
// running the extra statements.
func benchDatabase(b *testing.B, n int, extra ...string) string {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(b)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := benchdata.Copy(ctx, conn, benchdata.Stations(n, 42)); err != nil {
		b.Fatal(err)
	}
	for _, q := range extra {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	return dbURL
}

func mustWrite(b *testing.B, path, s string) {
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		b.Fatal(err)
	}
}

func parseFloat(b *testing.B, pattern string, out []byte) float64 {
	m := regexp.MustCompile(pattern).FindSubmatch(out)
	if m == nil {
		b.Fatalf("no %q in:\n%s", pattern, out)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// wrkLatency reads a percentile of wrk's --latency table, in milliseconds.
func wrkLatency(b *testing.B, pct string, out []byte) float64 {
	m := regexp.MustCompile(`\s` + regexp.QuoteMeta(pct) + `\s+([0-9.]+)(us|ms|s)`).FindSubmatch(out)
	if m == nil {
		b.Fatalf("no %s latency in:\n%s", pct, out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	switch string(m[2]) {
	case "us":
		v /= 1000
	case "s":
		v *= 1000
	}
	return v
}

// pgbenchLatencies reads pgbench's per-transaction logs (the third field is
// the latency in microseconds) and returns them sorted, in milliseconds.
func pgbenchLatencies(b *testing.B, prefix string) []float64 {
	files, _ := filepath.Glob(prefix + "*")
	var lat []float64
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseFloat(fields[2], 64)
			if err == nil {
				lat = append(lat, us/1000)
			}
		}
		fh.Close()
	}
	if len(lat) == 0 {
		b.Fatal("pgbench logged no transactions")
	}
	slices.Sort(lat)
	return lat
}

// middlewareFloor serves, on a new loopback port, the API's own request
// path with the search taken out: the handler httpapi.New builds (every
// middleware: request ids, security headers, the access log, panic
// recovery, rate limits, metrics, the unknown-parameter check) served by
// httpapi.Serve with the connection caps and timeouts `serve` uses, from
// the configuration the benchmark's server runs with — but with the nearest
// route answering the bytes and headers of one real answer instead of
// searching. Against the echo floor it tells what everything but the search
// and its rendering costs a request (issue 14 §5).
//
// BENCH_MW_SPIN, a duration, makes that handler busy-wait as long before
// answering: a handler of known cost, to tell how the share of echo's
// throughput falls with the work a request does.
func middlewareFloor(b *testing.B, url, dbURL string) string {
	res, body := answerOf(b, url)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "API_ADDR": freeAddr(b), "RATE_LIMIT_PUBLIC": "off"}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	log := newLogger(io.Discard, slog.LevelError)
	h, err := httpapi.New(httpapi.Deps{Log: log, Metrics: httpapi.NewMetrics(prometheus.NewRegistry()), Limits: cfg.Limits, TrustedProxies: cfg.TrustedProxies})
	if err != nil {
		b.Fatal(err)
	}
	spin, _ := time.ParseDuration(os.Getenv("BENCH_MW_SPIN"))
	header := res.Header.Clone()
	for _, k := range []string{"Date", "Content-Type", "Content-Length", "X-Request-Id", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy", "Cache-Control"} {
		header.Del(k) // set by the middleware, or by writing the body
	}
	length := strconv.Itoa(len(body))
	// Registering the path again replaces the search with the canned
	// answer; the middleware wraps whatever handler the router finds.
	h.(*echo.Echo).GET("/v1/stations/nearest", func(c echo.Context) error {
		if spin > 0 {
			for t0 := time.Now(); time.Since(t0) < spin; {
			}
		}
		hd := c.Response().Header()
		for k, v := range header {
			hd[k] = v
		}
		hd.Set(echo.HeaderContentLength, length)
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body)
	})
	conns, err := cfg.connLimits(raiseFileLimit())
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	ready := make(chan string, 1)
	go func() { _ = httpapi.Serve(ctx, cfg.Addr, h, log, cfg.ShutdownGrace, conns, ready) }()
	return "http://" + <-ready
}
