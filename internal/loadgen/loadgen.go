// Package loadgen is an open-loop HTTP load generator: requests are sent on
// a fixed schedule, whatever the server's pace, and each latency is counted
// from when its request was due, not from when a connection came free. A
// closed-loop generator (wrk) measures a server at saturation; couriers'
// traffic arrives at its own rate, and this measures that.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Config is one run.
type Config struct {
	// Rate is the requests per second to send.
	Rate float64
	// Duration is how long to send for.
	Duration time.Duration
	// Conns is the most connections (and requests in flight) at once.
	Conns int
	// URL returns the i-th request's URL; rng is the run's own.
	URL func(i int, rng *rand.Rand) string
}

// Result is what a run measured. Latencies are in milliseconds.
type Result struct {
	Sent, OK, Failed    int
	Rate                float64 // requests answered per second
	P50, P90, P99, P999 float64
	Max                 float64
	// Latencies are every request's, sorted (failed ones included, as in
	// the percentiles): what Pool merges.
	Latencies []float64
}

// Pool is the runs rs taken as one: their requests together, and the
// percentiles of all their latencies (Rate is the runs' mean).
func Pool(rs ...Result) Result {
	var p Result
	for _, r := range rs {
		p.Sent, p.OK, p.Failed = p.Sent+r.Sent, p.OK+r.OK, p.Failed+r.Failed
		p.Rate += r.Rate / float64(len(rs))
		p.Latencies = append(p.Latencies, r.Latencies...)
	}
	slices.Sort(p.Latencies)
	p.quantiles()
	return p
}

// quantiles sets the percentiles from r.Latencies, sorted.
func (r *Result) quantiles() {
	n := len(r.Latencies)
	if n == 0 {
		return
	}
	q := func(p float64) float64 { return r.Latencies[min(n-1, int(p*float64(n)))] }
	r.P50, r.P90, r.P99, r.P999, r.Max = q(0.50), q(0.90), q(0.99), q(0.999), r.Latencies[n-1]
}

func (r Result) String() string {
	return fmt.Sprintf("%d sent, %d ok, %d failed, %.0f req/s; p50 %.2f ms, p90 %.2f, p99 %.2f, p99.9 %.2f, max %.2f",
		r.Sent, r.OK, r.Failed, r.Rate, r.P50, r.P90, r.P99, r.P999, r.Max)
}

// Run sends cfg.Rate requests a second for cfg.Duration and waits for their
// answers. A request counts as ok when it answers 200 with its whole body.
//
// Requests go out on cfg.Conns keep-alive connections over a minimal
// HTTP/1.1 client (GET, answers with a Content-Length): net/http's client
// costs several times the CPU per request, and on a shared two-core machine
// the generator's CPU is taken from the server it measures.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Rate <= 0 || cfg.Duration <= 0 || cfg.Conns <= 0 || cfg.URL == nil {
		return Result{}, fmt.Errorf("loadgen: rate, duration, conns and URL are required")
	}
	n := int(cfg.Rate * cfg.Duration.Seconds())
	type job struct {
		due time.Time
		url string
	}
	jobs := make(chan job, n)
	lat := make([]float64, n)
	ok := make([]bool, n)
	var next int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range cfg.Conns {
		wg.Go(func() {
			var c conn
			defer c.close()
			for j := range jobs {
				good := c.get(j.url) == nil
				d := time.Since(j.due)
				mu.Lock()
				lat[next], ok[next] = float64(d.Microseconds())/1000, good
				next++
				mu.Unlock()
			}
		})
	}

	rng := rand.New(rand.NewPCG(42, 42))
	start := time.Now()
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d) // oversleeping sends a little burst; its latency still counts from due
		}
		if ctx.Err() != nil {
			close(jobs)
			wg.Wait()
			return Result{}, ctx.Err()
		}
		jobs <- job{due: due, url: cfg.URL(i, rng)}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)

	r := Result{Sent: n}
	for _, g := range ok {
		if g {
			r.OK++
		}
	}
	r.Failed = n - r.OK
	r.Rate = float64(n) / elapsed.Seconds()
	slices.Sort(lat)
	r.Latencies = lat
	r.quantiles()
	return r, nil
}

// conn is one keep-alive HTTP/1.1 connection, dialled when first needed and
// again after any error.
type conn struct {
	host string
	nc   net.Conn
	r    *bufio.Reader
	req  []byte
}

func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// get asks for rawURL and reads the whole answer; an answer other than 200
// is an error.
func (c *conn) get(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if c.nc == nil || c.host != u.Host {
		c.close()
		if c.nc, err = net.DialTimeout("tcp", u.Host, 5*time.Second); err != nil {
			return err
		}
		c.host, c.r = u.Host, bufio.NewReaderSize(c.nc, 16<<10)
	}
	c.req = append(c.req[:0], "GET "...)
	c.req = append(c.req, u.RequestURI()...)
	c.req = append(c.req, " HTTP/1.1\r\nHost: "...)
	c.req = append(c.req, u.Host...)
	c.req = append(c.req, "\r\n\r\n"...)
	_ = c.nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.nc.Write(c.req); err != nil {
		c.close()
		return err
	}
	status, length := 0, -1
	for first := true; ; first = false {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			c.close()
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if first {
			// HTTP/1.1 200 OK
			if len(line) < 12 {
				c.close()
				return fmt.Errorf("bad status line %q", line)
			}
			status, _ = strconv.Atoi(string(line[9:12]))
			continue
		}
		if len(line) == 0 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if length < 0 {
		c.close()
		return fmt.Errorf("an answer without a Content-Length")
	}
	if _, err := c.r.Discard(length); err != nil {
		c.close()
		return err
	}
	if status != 200 {
		return fmt.Errorf("status %d", status)
	}
	return nil
}
