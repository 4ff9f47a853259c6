package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"yizhan/internal/loadgen"
)

// BenchmarkHTTPNearestOpenLoop asks the real server (100,000 stations) for
// the 10 nearest stations at random points at fixed rates — 5,000 to 20,000
// a second, for BENCH_HTTP_SECONDS each — from an open-loop generator
// (internal/loadgen) in a process of its own, and reports the latency
// counted from when each request was due. wrk keeps 64 connections busy and
// so measures the server at saturation; couriers' questions arrive at their
// own pace, and this is that. Before each rate, the same generator drives
// the floor server of BenchmarkHTTPNearest (one real answer's bytes, no
// work) at that rate: the generator shares the two cores, and the floor
// shows what that costs.
func BenchmarkHTTPNearestOpenLoop(b *testing.B) {
	seconds := benchSeconds()
	dbURL := benchDatabase(b, 100_000)
	base := benchServer(b, dbURL)
	generate := func(target string, rate, secs int) loadgen.Result {
		cmd := exec.Command(os.Args[0], "-test.run", "^$")
		cmd.Env = append(os.Environ(), "YIZHAN_LOADGEN="+fmt.Sprintf("%s %d %d", target, rate, secs))
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("load generator: %v\n%s", err, out)
		}
		var r loadgen.Result
		if err := json.Unmarshal(out, &r); err != nil {
			b.Fatalf("load generator said %s: %v", out, err)
		}
		if r.Failed > 0 {
			b.Fatalf("%d requests failed: %v", r.Failed, r)
		}
		return r
	}
	floor, _ := floorServers(b, base+"/v1/stations/nearest?lat=28.1&lng=118.1&limit=10")
	generate(base, 10_000, 3) // warm-up: renders the cards of the stations asked about
	for b.Loop() {
		for _, rate := range []int{5_000, 10_000, 15_000, 20_000} {
			k := fmt.Sprintf("r%dk-", rate/1000)
			// The floor, as in BenchmarkHTTPNearest, at the same rate just before.
			f := generate(floor, rate, seconds)
			b.ReportMetric(f.P99, k+"floor-p99-ms")
			r := generate(base, rate, seconds)
			b.ReportMetric(r.Rate, k+"req/s")
			b.ReportMetric(r.P50, k+"p50-ms")
			b.ReportMetric(r.P99, k+"p99-ms")
			b.ReportMetric(r.P999, k+"p999-ms")
		}
	}
}

// loadgenMain runs when the benchmark starts this test binary as its load
// generator (YIZHAN_LOADGEN="base-url rate seconds"): a process of its own,
// so that its Go runtime is not the server's. It prints the result as JSON.
func loadgenMain(spec string) int {
	var base string
	var rate, secs int
	if _, err := fmt.Sscanf(spec, "%s %d %d", &base, &rate, &secs); err != nil {
		fmt.Fprintln(os.Stderr, "YIZHAN_LOADGEN:", err)
		return 2
	}
	r, err := loadgen.Run(context.Background(), loadgen.Config{
		Rate: float64(rate), Duration: time.Duration(secs) * time.Second, Conns: 256,
		URL: func(_ int, rng *rand.Rand) string {
			// The same region as the wrk benchmark's script.
			lat, lng := 24+rng.Float64()*8, 114+rng.Float64()*8
			return base + "/v1/stations/nearest?lat=" + strconv.FormatFloat(lat, 'f', 6, 64) +
				"&lng=" + strconv.FormatFloat(lng, 'f', 6, 64) + "&limit=10"
		},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "load generator:", err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(r)
	return 0
}
