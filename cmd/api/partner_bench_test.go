package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// BenchmarkHTTPNearestPartner is BenchmarkHTTPNearest's wrk load (10
// nearest among 100,000 stations at random points, 64 connections, two wrk
// threads) three ways in one run, alternating, on two servers sharing one
// database (both with rate limits off, as the anonymous baseline is):
//
//   - anon: no key (the baseline: what BenchmarkHTTPNearest measures);
//   - key: X-Api-Key of a partner with a rate and quota that never refuse,
//     found in the gate's in-memory map, its quota taken from a block
//     reserved in PostgreSQL;
//   - key-db: the same key on a server started with
//     PARTNER_KEY_CHECK_EACH_REQUEST=true, which asks PostgreSQL on every
//     request whether the key still stands: the alternative to the map.
func BenchmarkHTTPNearestPartner(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("needs wrk on PATH (make bench installs it)")
	}
	seconds := benchSeconds()
	dbURL := benchDatabase(b, 100_000)
	var out bytes.Buffer
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error"}
	if err := run(context.Background(), []string{"partner", "create", "--name", "bench", "--rate", "100000:1000000", "--daily", "1000000000"},
		func(k string) string { return env[k] }, nil, &out, io.Discard); err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	key := lines[len(lines)-1]
	cached := benchServer(b, dbURL)
	checking := benchServerEnv(b, dbURL, map[string]string{"PARTNER_KEY_CHECK_EACH_REQUEST": "true"})

	lua := filepath.Join(b.TempDir(), "nearest.lua")
	mustWrite(b, lua, `math.randomseed(42)
request = function()
  local lat = 24 + math.random() * 8
  local lng = 114 + math.random() * 8
  return wrk.format("GET", string.format("/v1/stations/nearest?lat=%.6f&lng=%.6f&limit=10", lat, lng))
end
`)
	load := func(url, key string, seconds int) (rps, p50, p99, cpu float64) {
		args := []string{"-t2", "-c64", fmt.Sprintf("-d%ds", seconds), "--latency", "-s", lua}
		if key != "" {
			args = append(args, "-H", "X-Api-Key: "+key)
		}
		cpu0 := processCPU()
		out, err := exec.Command(wrk, append(args, url)...).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		if m := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`).FindSubmatch(out); m != nil {
			b.Fatalf("wrk saw %s error responses", m[1])
		}
		cpu = float64((processCPU() - cpu0).Microseconds()) / parseFloat(b, `(\d+) requests in`, out)
		return parseFloat(b, `Requests/sec:\s+([0-9.]+)`, out), wrkLatency(b, "50%", out), wrkLatency(b, "99%", out), cpu
	}
	load(cached, "", 2) // warm the cards
	load(checking, "", 2)
	variants := []struct{ name, url, key string }{
		{"anon", cached, ""}, {"key", cached, key}, {"key-db", checking, key},
	}
	// Each run starts with the next variant, so that none always has the
	// machine in the same state (run -count 3 for each to go first once).
	for b.Loop() {
		first := partnerBenchRuns
		partnerBenchRuns++
		rpsOf := map[string]float64{}
		for i := range variants {
			v := variants[(first+i)%len(variants)]
			rps, p50, p99, cpu := load(v.url, v.key, seconds)
			b.ReportMetric(rps, v.name+"-req/s")
			b.ReportMetric(p50, v.name+"-p50-ms")
			b.ReportMetric(p99, v.name+"-p99-ms")
			b.ReportMetric(cpu, v.name+"-cpu-us/req")
			rpsOf[v.name] = rps
		}
		b.ReportMetric(rpsOf["key"]/rpsOf["anon"], "key/anon")
		b.ReportMetric(rpsOf["key-db"]/rpsOf["anon"], "key-db/anon")
		b.ReportMetric(float64(first%len(variants)), "first")
	}
}

// partnerBenchRuns counts BenchmarkHTTPNearestPartner's runs in this
// process (-count runs it afresh each time).
var partnerBenchRuns int

// benchServerEnv is benchServer with extra variables.
func benchServerEnv(b *testing.B, dbURL string, extra map[string]string) string {
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "API_ADDR": freeAddr(b), "RATE_LIMIT_PUBLIC": "off", "GOGC": os.Getenv("GOGC")}
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go func() {
		_ = run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	}()
	base := "http://" + env["API_ADDR"]
	waitReady(b, base+"/readyz")
	return base
}
