package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yizhan/internal/loadgen"
)

// BenchmarkLoginFlood is the attack of issue 14: 150 clients sending wrong
// passwords as fast as they are answered, each from an address of its own
// (X-Forwarded-For through a trusted proxy, so that neither the per-address
// rate limit nor the throttle stops them before the password check), for
// random usernames. It runs the real binary in a process of its own and
// reports:
//   - the server's peak resident memory during the flood (rss-peak-MB) and
//     before it (rss-idle-MB);
//   - the station list's p99 at a fixed rate without the flood
//     (list-p99-ms) and during it (flood-list-p99-ms), from the open-loop
//     generator, and their ratio;
//   - what the flood got: logins answered 401 and 503 a second.
//
// BENCH_API_BIN runs another build of `api` instead (say, an older commit's,
// for a before-and-after); BENCH_HTTP_SECONDS sets each phase's length.
// BENCH_FLOOD_FIXED=1 gives each client one address of its own instead of a
// new one per request, and BENCH_RATE_LIMIT_LOGIN sets the server's
// RATE_LIMIT_LOGIN (default 1:20, which a new address per request never
// reaches).
func BenchmarkLoginFlood(b *testing.B) {
	const (
		clients  = 150
		listRate = 200 // station list requests a second, in both phases
	)
	seconds := benchSeconds()
	dbURL := benchDatabase(b, 100_000)
	bin := os.Getenv("BENCH_API_BIN")
	if bin == "" {
		bin = apiBinary(b)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return map[string]string{"DATABASE_URL": dbURL}[k] }, nil, &out, &out); err != nil {
		b.Fatal(err)
	}
	addr := freeAddr(b)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "API_ADDR="+addr, "LOG_LEVEL=error",
		"RATE_LIMIT_PUBLIC=off", "RATE_LIMIT_LOGIN="+os.Getenv("BENCH_RATE_LIMIT_LOGIN"), "TRUSTED_PROXIES=127.0.0.0/8")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	base := "http://" + addr
	waitReady(b, base+"/readyz")
	list := func() loadgen.Result {
		r, err := loadgen.Run(context.Background(), loadgen.Config{
			Rate: listRate, Duration: time.Duration(seconds) * time.Second, Conns: 32,
			URL: func(int, *rand.Rand) string { return base + "/v1/stations?status=active&limit=20" },
		})
		if err != nil {
			b.Fatal(err)
		}
		if r.Failed > 0 {
			b.Fatalf("station list: %v", r)
		}
		return r
	}
	list() // warm-up
	for b.Loop() {
		idle := list()
		rssIdle := rssMB(b, cmd.Process.Pid)

		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var refused, busy, limited, other atomic.Int64
		tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
		client := &http.Client{Transport: tr, Timeout: time.Minute}
		for i := range clients {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(i), 14))
				from := fmt.Sprintf("10.1.%d.%d", i/256, i%256)
				for ctx.Err() == nil {
					body := fmt.Sprintf(`{"username":"u%d","password":"wrong password %d"}`, rng.Uint32(), rng.Uint32())
					req, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/auth/staff/login", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					if os.Getenv("BENCH_FLOOD_FIXED") == "" {
						from = fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256))
					}
					req.Header.Set("X-Forwarded-For", from)
					res, err := client.Do(req)
					if err != nil {
						continue
					}
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					switch res.StatusCode {
					case 401:
						refused.Add(1)
					case 503:
						busy.Add(1)
					case 429:
						limited.Add(1)
					default:
						other.Add(1)
					}
				}
			})
		}
		peak := make(chan float64)
		go func() {
			var m float64
			for ctx.Err() == nil {
				m = max(m, rssMB(b, cmd.Process.Pid))
				time.Sleep(50 * time.Millisecond)
			}
			peak <- m
		}()
		time.Sleep(time.Second) // let the flood build up
		start := time.Now()
		refused.Store(0)
		busy.Store(0)
		limited.Store(0)
		flood := list()
		elapsed := time.Since(start).Seconds()
		nRefused, nBusy := float64(refused.Load()), float64(busy.Load())
		stop()
		wg.Wait()
		tr.CloseIdleConnections()
		rssPeak := <-peak
		if other.Load() > 0 {
			b.Logf("%d logins answered neither 401 nor 503", other.Load())
		}
		b.ReportMetric(rssIdle, "rss-idle-MB")
		b.ReportMetric(rssPeak, "rss-peak-MB")
		b.ReportMetric(idle.P99, "list-p99-ms")
		b.ReportMetric(flood.P99, "flood-list-p99-ms")
		b.ReportMetric(flood.P99/idle.P99, "p99-ratio")
		b.ReportMetric(nRefused/elapsed, "401/s")
		b.ReportMetric(nBusy/elapsed, "503/s")
		b.ReportMetric(float64(limited.Load())/elapsed, "429/s")
		b.Logf("without the flood: %v", idle)
		b.Logf("during the flood:  %v", flood)
	}
}
