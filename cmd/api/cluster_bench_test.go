package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkCluster is `make bench-cluster`: three API processes (the real
// binary) on one PostgreSQL holding 100,000 stations, wrk spreading nearest
// queries over all three, and meanwhile writes through one process timed
// until the next process's search finds them. It reports throughput, the
// write-to-visible lag across processes, and each process's memory.
func BenchmarkCluster(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("needs wrk (make bench-cluster installs it)")
	}
	seconds := benchSeconds()
	dbURL := benchDatabase(b, 100_000)
	dir := b.TempDir()
	bin := apiBinary(b)
	baseEnv := append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=error", "RATE_LIMIT_PUBLIC=off", "RATE_LIMIT_TOKEN=off", "RATE_LIMIT_LOGIN=off")
	create := exec.Command(bin, "staff", "create", "--username", "bench", "--role", "admin")
	create.Env = baseEnv
	create.Stdin = strings.NewReader("a long enough password\n")
	if out, err := create.CombinedOutput(); err != nil {
		b.Fatalf("staff create: %v\n%s", err, out)
	}

	var bases []string
	var procs []*exec.Cmd
	for range 3 {
		addr := freeAddr(b)
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(baseEnv, "API_ADDR="+addr)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		procs = append(procs, cmd)
		bases = append(bases, "http://"+addr)
	}
	defer func() {
		for _, p := range procs {
			_ = p.Process.Signal(os.Interrupt)
			_ = p.Wait()
		}
	}()
	for _, base := range bases {
		waitReady(b, base+"/readyz")
	}
	token := loginToken(b, bases[0])
	lua := filepath.Join(dir, "nearest.lua")
	if err := os.WriteFile(lua, []byte(`math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/v1/stations/nearest?lat=%.6f&lng=%.6f&limit=10", 24 + math.random() * 8, 114 + math.random() * 8))
end
`), 0o644); err != nil {
		b.Fatal(err)
	}

	for b.Loop() {
		var (
			wg   sync.WaitGroup
			rps  = make([]float64, len(bases))
			errs = make([]error, len(bases))
		)
		for i, base := range bases {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := exec.Command(wrk, "-t1", "-c21", fmt.Sprintf("-d%ds", seconds), "-s", lua, base).CombinedOutput()
				if err != nil {
					errs[i] = fmt.Errorf("wrk: %v\n%s", err, out)
					return
				}
				rps[i] = parseFloat(b, `Requests/sec:\s+([0-9.]+)`, out)
			}()
		}
		// Meanwhile: write through one process, time until the next finds it.
		r := rand.New(rand.NewPCG(1, 2))
		var lags []time.Duration
		deadline := time.Now().Add(time.Duration(seconds-1) * time.Second)
		for i := 0; time.Now().Before(deadline); i++ {
			lat, lng := 24+r.Float64()*8, 114+r.Float64()*8
			id := createStation(b, bases[i%3], token, lat, lng)
			written := time.Now()
			reader := bases[(i+1)%3]
			for !nearestHas(b, reader, lat, lng, id) {
				if time.Since(written) > 10*time.Second {
					b.Fatalf("write %d never became visible on another process", i)
				}
				time.Sleep(time.Millisecond)
			}
			lags = append(lags, time.Since(written))
			time.Sleep(20 * time.Millisecond)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		total := 0.0
		for _, v := range rps {
			total += v
		}
		slices.Sort(lags)
		b.ReportMetric(total, "req/s")
		b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "lag-p50-ms")
		b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "lag-p99-ms")
		b.ReportMetric(float64(len(lags)), "writes")
		var rss float64
		for _, p := range procs {
			rss = max(rss, rssMB(b, p.Process.Pid))
		}
		b.ReportMetric(rss, "max-rss-MB/process")
	}
}

func loginToken(b *testing.B, base string) string {
	res, err := http.Post(base+"/v1/auth/staff/login", "application/json", strings.NewReader(`{"username":"bench","password":"a long enough password"}`))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var tok struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || tok.Token == "" {
		b.Fatalf("login: %d %v", res.StatusCode, err)
	}
	return tok.Token
}

func createStation(b *testing.B, base, token string, lat, lng float64) string {
	body := fmt.Sprintf(`{"name":"lag probe","address":"x","district_code":"330726","location":{"lat":%v,"lng":%v},"host":{"type":"shop"},"hours":{"always_open":true}}`, lat, lng)
	req, _ := http.NewRequest("POST", base+"/v1/stations", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var s struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil || res.StatusCode != 201 {
		b.Fatalf("create: %d %v", res.StatusCode, err)
	}
	return s.ID
}

func nearestHas(b *testing.B, base string, lat, lng float64, id string) bool {
	res, err := http.Get(fmt.Sprintf("%s/v1/stations/nearest?lat=%v&lng=%v&limit=5&radius_m=1", base, lat, lng))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var page struct{ Items []struct{ ID string } }
	_ = json.NewDecoder(res.Body).Decode(&page)
	for _, it := range page.Items {
		if it.ID == id {
			return true
		}
	}
	return false
}

// rssMB reads a process's resident memory from /proc.
func rssMB(b *testing.B, pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
