package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"yizhan/internal/loadgen"
)

// BenchmarkLoginFlood is the attack of issue 14: 150 clients (wrk's
// connections, a process of their own) sending wrong passwords for random
// usernames as fast as they are answered, each request from a new address
// (X-Forwarded-For through a trusted proxy, so that neither the per-address
// rate limit nor the throttle stops them before the password check). It
// runs the real binary in a process of its own, and needs wrk on PATH.
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
// for a before-and-after). BENCH_FLOOD_FIXED=1 sends from 150 addresses in
// turn instead of a new one per request (each address a client's share), and BENCH_RATE_LIMIT_LOGIN
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
	// The flood's clients are wrk, a process of its own: in the
	// benchmark's process they shared a runtime with the generator that
	// times the list, and their scheduling showed in its tail — an
	// attacker's clients are not on the server's machine at all.
	attack := startFloodClients(b, base, clients)
	peaks := make(chan [2]float64)
	go func() {
		// The children are found once: walking all of /proc every 50 ms
		// cost the benchmark's own process (which runs the generator) as
		// much CPU as the flood's HTTP, and showed in the list's tail.
		kids := children(pid)
		var m, c float64
		for ctx.Err() == nil {
			m = max(m, rssMB(b, pid))
			c = max(c, childrenRSSMB(kids))
			time.Sleep(50 * time.Millisecond)
		}
		peaks <- [2]float64{m, c}
	}()
	time.Sleep(time.Second) // let the flood build up
	r := measure()
	got := attack.stop(b)
	stop()
	p := <-peaks
	f.rssPeak, f.childPeak = max(f.rssPeak, p[0]), max(f.childPeak, p[1])
	// wrk counts from its start to its end, a second longer than the
	// measurement: the rates are over the whole of it.
	f.seconds += got.seconds
	f.refused += got.status[401]
	f.busy += got.status[503]
	f.limited += got.status[429]
	f.other += got.other
	return r
}

// floodClients are a running wrk flooding the staff login.
type floodClients struct {
	cmd   *exec.Cmd
	out   bytes.Buffer
	start time.Time
}

// floodResult is what a flood's logins were answered, and over how long.
type floodResult struct {
	status  map[int]int64
	other   int64
	seconds float64
}

// floodLua makes every request a login with a random username and a wrong
// password, from a new address each time (or, with BENCH_FLOOD_FIXED, from
// one of as many addresses as there are connections in turn, which gives
// each address the share of one client), and counts the answers by status.
const floodLua = `local fixed = %t
local clients = %d
local n = 0
c401, c503, c429, cother = 0, 0, 0, 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16)) end
function request()
  n = n + 1
  local from
  if fixed then
    local i = n %% clients
    from = string.format("10.1.%%d.%%d", math.floor(i / 256), i %% 256)
  else
    from = string.format("10.%%d.%%d.%%d", math.random(0, 255), math.random(0, 255), math.random(0, 255))
  end
  local body = string.format('{"username":"u%%d","password":"wrong password %%d"}', math.random(0, 2147483647), math.random(0, 2147483647))
  return wrk.format("POST", "/v1/auth/staff/login", {["Content-Type"] = "application/json", ["X-Forwarded-For"] = from}, body)
end
function response(status, headers, body)
  if status == 401 then c401 = c401 + 1 elseif status == 503 then c503 = c503 + 1
  elseif status == 429 then c429 = c429 + 1 else cother = cother + 1 end
end
function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("c401"); b = b + t:get("c503"); c = c + t:get("c429"); d = d + t:get("cother")
  end
  io.write(string.format("flood 401=%%d 503=%%d 429=%%d other=%%d\n", a, b, c, d))
end
`

// startFloodClients starts wrk with clients connections flooding base's
// staff login until stop.
func startFloodClients(b *testing.B, base string, clients int) *floodClients {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("needs wrk on PATH (make bench installs it)")
	}
	script := filepath.Join(b.TempDir(), "flood.lua")
	mustWrite(b, script, fmt.Sprintf(floodLua, os.Getenv("BENCH_FLOOD_FIXED") != "", clients))
	f := &floodClients{start: time.Now()}
	f.cmd = exec.Command(wrk, "-t1", fmt.Sprintf("-c%d", clients), "-d1h", "--timeout", "30s", "-s", script, base)
	f.cmd.Stdout, f.cmd.Stderr = &f.out, &f.out
	if err := f.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return f
}

// stop ends the flood (wrk stops on SIGINT and reports) and returns what
// its logins were answered.
func (f *floodClients) stop(b *testing.B) floodResult {
	_ = f.cmd.Process.Signal(os.Interrupt)
	if err := f.cmd.Wait(); err != nil {
		b.Fatalf("wrk: %v\n%s", err, f.out.String())
	}
	r := floodResult{status: map[int]int64{}, seconds: time.Since(f.start).Seconds()}
	m := regexp.MustCompile(`flood 401=(\d+) 503=(\d+) 429=(\d+) other=(\d+)`).FindStringSubmatch(f.out.String())
	if m == nil {
		b.Fatalf("wrk reported no counts:\n%s", f.out.String())
	}
	for i, code := range []int{401, 503, 429} {
		r.status[code], _ = strconv.ParseInt(m[i+1], 10, 64)
	}
	r.other, _ = strconv.ParseInt(m[4], 10, 64)
	return r
}

// childrenRSSMB is the resident memory of the processes kids together (a
// server's children: its password hasher), from /proc.
func childrenRSSMB(kids []int) float64 {
	var total float64
	for _, c := range kids {
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
