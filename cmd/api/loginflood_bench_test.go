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
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"yizhan/internal/loadgen"
)

// BenchmarkLoginFlood is the attack of issue 14: 150 clients sending wrong
// passwords as fast as they are answered, each from an address of its own
// (X-Forwarded-For through a trusted proxy, so that neither the per-address
// rate limit nor the throttle stops them before the password check), for
// random usernames. It runs the real binary in a process of its own.
//
// Each iteration alternates BENCH_FLOOD_WINDOWS (default 5) windows without
// the flood and as many with it, each of BENCH_HTTP_SECONDS, measuring the
// station list at a fixed rate with the open-loop generator throughout; the
// latencies of all the windows of a kind are pooled, so that a noisy moment
// of a shared machine weighs on both sides instead of deciding the ratio.
// It reports:
//   - the station list's p99 without the flood (list-p99-ms) and during it
//     (flood-list-p99-ms), pooled, and their ratio;
//   - the server's peak resident memory during the flood (rss-peak-MB) and
//     before it (rss-idle-MB), and its children's (the password hasher's,
//     hasher-rss-peak-MB; 0 for a build without one);
//   - what the flood got: logins answered 401 and 503 a second.
//
// BENCH_API_BIN runs another build of `api` instead (say, an older commit's,
// for a before-and-after). BENCH_FLOOD_FIXED=1 gives each client one address
// of its own instead of a new one per request, and BENCH_RATE_LIMIT_LOGIN
// sets the server's RATE_LIMIT_LOGIN (default 1:20, which a new address per
// request never reaches). BENCH_STOP_HASHER=1 stops the server's password
// hasher child during the flood windows: the flood without its hashing.
func BenchmarkLoginFlood(b *testing.B) {
	const listRate = 200 // station list requests a second, in both phases
	seconds := benchSeconds()
	windows := 5
	if v, err := strconv.Atoi(os.Getenv("BENCH_FLOOD_WINDOWS")); err == nil && v > 0 {
		windows = v
	}
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
		var alone, flooded []loadgen.Result
		var f floodCounts
		rssIdle := rssMB(b, cmd.Process.Pid)
		for w := range windows {
			alone = append(alone, list())
			if w == 0 {
				rssIdle = rssMB(b, cmd.Process.Pid)
			}
			flooded = append(flooded, flood(b, base, cmd.Process.Pid, &f, list))
		}
		idle, fl := loadgen.Pool(alone...), loadgen.Pool(flooded...)
		if f.other > 0 {
			b.Logf("%d logins answered neither 401 nor 503", f.other)
		}
		b.ReportMetric(rssIdle, "rss-idle-MB")
		b.ReportMetric(f.rssPeak, "rss-peak-MB")
		b.ReportMetric(f.childPeak, "hasher-rss-peak-MB")
		b.ReportMetric(idle.P99, "list-p99-ms")
		b.ReportMetric(fl.P99, "flood-list-p99-ms")
		b.ReportMetric(fl.P99/idle.P99, "p99-ratio")
		b.ReportMetric(float64(f.refused)/f.seconds, "401/s")
		b.ReportMetric(float64(f.busy)/f.seconds, "503/s")
		b.ReportMetric(float64(f.limited)/f.seconds, "429/s")
		for w := range windows {
			b.Logf("window %d: p99 alone %.1f ms, in flood %.1f ms", w, alone[w].P99, flooded[w].P99)
		}
		b.Logf("without the flood (pooled): %v", idle)
		b.Logf("during the flood (pooled):  %v", fl)
	}
}

// floodCounts add up what the flood windows got.
type floodCounts struct {
	refused, busy, limited, other int64
	seconds                       float64 // measured
	rssPeak, childPeak            float64 // MB
}

// flood runs measure while 150 clients flood the server's staff login, and
// adds to f what they got and the resident memory it saw.
func flood(b *testing.B, base string, pid int, f *floodCounts, measure func() loadgen.Result) loadgen.Result {
	const clients = 150
	if os.Getenv("BENCH_STOP_HASHER") != "" {
		// A control: the server's children (its password hasher) stopped
		// for the window, so that the flood costs only its HTTP, its
		// database work and its 503s, and no hashing at all.
		for _, c := range children(pid) {
			_ = syscall.Kill(c, syscall.SIGSTOP)
			defer syscall.Kill(c, syscall.SIGCONT)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var refused, busy, limited, other atomic.Int64
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	for i := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
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
	peaks := make(chan [2]float64)
	go func() {
		var m, c float64
		for ctx.Err() == nil {
			m = max(m, rssMB(b, pid))
			c = max(c, childrenRSSMB(pid))
			time.Sleep(50 * time.Millisecond)
		}
		peaks <- [2]float64{m, c}
	}()
	time.Sleep(time.Second) // let the flood build up
	start := time.Now()
	refused.Store(0)
	busy.Store(0)
	limited.Store(0)
	r := measure()
	f.seconds += time.Since(start).Seconds()
	f.refused += refused.Load()
	f.busy += busy.Load()
	f.limited += limited.Load()
	stop()
	wg.Wait()
	tr.CloseIdleConnections()
	p := <-peaks
	f.rssPeak, f.childPeak = max(f.rssPeak, p[0]), max(f.childPeak, p[1])
	f.other += other.Load()
	return r
}

// childrenRSSMB is the resident memory of pid's children together (the
// password hasher's), from /proc.
func childrenRSSMB(pid int) float64 {
	var total float64
	for _, c := range children(pid) {
		total += statusMB(fmt.Sprintf("/proc/%d/status", c))
	}
	return total
}

// children are pid's child processes, from /proc.
func children(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, st := range stats {
		data, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			c, _ := strconv.Atoi(filepath.Base(filepath.Dir(st)))
			out = append(out, c)
		}
	}
	return out
}

// statusMB is VmRSS from a /proc status file, 0 when it is gone.
func statusMB(path string) float64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
