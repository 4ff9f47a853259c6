package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BenchmarkHTTPNearestDemand measures what counting demand (issue 13)
// costs the nearest search: three real servers in this process on one
// database of 100,000 stations — DEMAND_COUNTING=off; on, flushing once an
// hour (so never during the run: the search path's own cost); and on,
// flushing every second (the flushes' cost too, at its worst: wrk's random
// points over 8°×8° make nearly every search a cell of its own, so each
// flush upserts about as many rows as there were searches) — loaded by wrk
// in turns, twice each, with the random points of BenchmarkHTTPNearest, 64
// connections, two threads. Besides req/s it reports the CPU this process
// spent per request (cpu-us/req), which a busy machine disturbs less.
// BENCH_HTTP_SECONDS sets each run's length.
func BenchmarkHTTPNearestDemand(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("needs wrk on PATH (make bench installs it)")
	}
	seconds := benchSeconds()
	dbURL := benchDatabase(b, 100_000)
	off := demandBenchServer(b, dbURL, "off", "1m")
	on := demandBenchServer(b, dbURL, "on", "1h")
	flushing := demandBenchServer(b, dbURL, "on", "1s")
	lua := filepath.Join(b.TempDir(), "nearest.lua")
	mustWrite(b, lua, `math.randomseed(42)
request = function()
  local lat = 24 + math.random() * 8
  local lng = 114 + math.random() * 8
  return wrk.format("GET", string.format("/v1/stations/nearest?lat=%.6f&lng=%.6f&limit=10", lat, lng))
end
`)
	type result struct{ rps, p99, cpu float64 }
	load := func(url string) result {
		cpu0 := processCPU()
		out, err := exec.Command(wrk, "-t2", "-c64", fmt.Sprintf("-d%ds", seconds), "--latency", "-s", lua, url).CombinedOutput()
		if err != nil {
			b.Fatalf("wrk: %v\n%s", err, out)
		}
		cpu := float64((processCPU() - cpu0).Microseconds()) / parseFloat(b, `(\d+) requests in`, out)
		return result{parseFloat(b, `Requests/sec:\s+([0-9.]+)`, out), wrkLatency(b, "99%", out), cpu}
	}
	servers := []struct{ name, url string }{{"off", off}, {"on", on}, {"on-flush1s", flushing}}
	for _, s := range servers {
		load(s.url) // warm up: the first answers render the station cards
	}
	for b.Loop() {
		sum := make([]result, len(servers))
		for range 2 {
			for i, s := range servers {
				r := load(s.url)
				sum[i].rps += r.rps / 2
				sum[i].p99 += r.p99 / 2
				sum[i].cpu += r.cpu / 2
			}
		}
		for i, s := range servers {
			b.ReportMetric(sum[i].rps, s.name+"-req/s")
			b.ReportMetric(sum[i].p99, s.name+"-p99-ms")
			b.ReportMetric(sum[i].cpu, s.name+"-cpu-us/req")
		}
		b.ReportMetric(sum[1].rps/sum[0].rps, "on/off")
		b.ReportMetric(sum[1].cpu/sum[0].cpu, "on/off-cpu")
	}
}

// demandBenchServer is benchServer with DEMAND_COUNTING and
// DEMAND_FLUSH_INTERVAL set.
func demandBenchServer(b *testing.B, dbURL, counting, flush string) string {
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "API_ADDR": freeAddr(b), "RATE_LIMIT_PUBLIC": "off",
		"GOGC": os.Getenv("GOGC"), "DEMAND_COUNTING": counting, "DEMAND_FLUSH_INTERVAL": flush}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go func() {
		_ = run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	}()
	base := "http://" + env["API_ADDR"]
	waitReady(b, base+"/readyz")
	return base
}
