package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/benchdata"
	"yizhan/internal/pgtest"
)

// BenchmarkHTTPNearest drives the real server over loopback with wrk (64
// connections, 2 threads) asking for the 10 nearest stations among 100,000
// at random points, and, in the same run, has pgbench (64 connections, 2
// threads) ask PostgreSQL the same kind of question with the contrib cube +
// earthdistance GiST KNN, which is exact on a sphere. Both load generators
// are C programs from Debian, so they leave the server most of the two
// cores. `make bench` installs them.
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
	ctx := context.Background()

	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "API_ADDR": freeAddr(b), "RATE_LIMIT_PUBLIC": "off"}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_ = run(sctx, []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	}()
	base := "http://" + env["API_ADDR"]
	waitReady(b, base+"/readyz")

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
	for b.Loop() {
		// The API: wrk reports throughput and a latency distribution.
		out, err := exec.Command(wrk, "-t2", "-c64", fmt.Sprintf("-d%ds", seconds), "--latency", "-s", lua, base).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		apiRPS := parseFloat(b, `Requests/sec:\s+([0-9.]+)`, out)
		if m := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindSubmatch(out); m != nil {
			b.Fatalf("wrk saw %s error responses", m[1])
		}
		apiP50 := wrkLatency(b, "50%", out)
		apiP99 := wrkLatency(b, "99%", out)

		// PostgreSQL: pgbench logs every transaction's latency.
		logPrefix := filepath.Join(dir, fmt.Sprintf("pgb%d", time.Now().UnixNano()))
		out, err = exec.Command(pgbench, "-n", "-c", "64", "-j", "2", "-T", strconv.Itoa(seconds), "-f", knn,
			"-l", "--log-prefix", logPrefix, dbURL).CombinedOutput()
		if err != nil {
			b.Fatalf("pgbench: %v\n%s", err, out)
		}
		pgTPS := parseFloat(b, `tps = ([0-9.]+)`, out)
		pgLat := pgbenchLatencies(b, logPrefix)

		b.ReportMetric(apiRPS, "api-req/s")
		b.ReportMetric(apiP50, "api-p50-ms")
		b.ReportMetric(apiP99, "api-p99-ms")
		b.ReportMetric(pgTPS, "pg-req/s")
		b.ReportMetric(pgLat[len(pgLat)/2], "pg-p50-ms")
		b.ReportMetric(pgLat[len(pgLat)*99/100], "pg-p99-ms")
		b.ReportMetric(apiRPS/pgTPS, "throughput-ratio")
	}
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
