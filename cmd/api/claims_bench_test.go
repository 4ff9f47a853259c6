package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/benefit"
	"yizhan/internal/pgtest"
)

// benchActor defines the benchmark's offers.
type benchActor struct{}

func (benchActor) ActorName() string               { return "system:bench" }
func (benchActor) CanManageDistrict(string) bool   { return true }
func (benchActor) DistrictScope() ([]string, bool) { return nil, true }

// BenchmarkHTTPClaims drives the real server over loopback with 64
// concurrent clients, each a signed-in worker tapping "claim" with a fresh
// Idempotency-Key, until claims equal to the stock are made. It runs two
// phases in the same process and database:
//
//   - hot: every client claims on one offer, whose stock row every claim
//     decrements: the contended case of a benefit day opening;
//   - spread: each client claims on an offer of its own, the same work
//     without contention on a stock row: the baseline.
//
// After each phase it checks that every claim succeeded, that the stock is
// exactly zero, that the database holds exactly that many claims, and that
// one more claim is refused with sold_out. The load generator is Go code in
// the same process, so it shares the cores with the server (and PostgreSQL).
// BENCH_CLAIMS sets the claims per phase (default 20,000).
func BenchmarkHTTPClaims(b *testing.B) {
	const clients = 64
	total := 20000
	if v, err := strconv.Atoi(os.Getenv("BENCH_CLAIMS")); err == nil && v >= clients {
		total = v
	}
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(b)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "API_ADDR": freeAddr(b),
		"RATE_LIMIT_PUBLIC": "off", "RATE_LIMIT_TOKEN": "off"}
	getenv := func(k string) string { return env[k] }
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = run(sctx, []string{"serve"}, getenv, nil, io.Discard, io.Discard) }()
	base := "http://" + env["API_ADDR"]
	waitReady(b, base+"/readyz")

	cfg, err := loadConfig(getenv)
	if err != nil {
		b.Fatal(err)
	}
	a, err := newApp(ctx, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer a.db.Close()
	// Enough workers that none reaches the per-worker limit of 100.
	workers := make([]string, clients*max(1, (total/clients+99)/100+1))
	for i := range workers {
		in, err := a.workers.SignInAs(ctx, fmt.Sprintf("bench-%d", i))
		if err != nil {
			b.Fatal(err)
		}
		workers[i] = in.Token
	}
	offer := func(stock int) uuid.UUID {
		start, end := time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
		n, count := int64(stock), 100
		o, err := a.benefits.CreateOffer(ctx, benchActor{}, benefit.Document{Title: "bench", Category: "phone_credit",
			TotalStock: benefit.Stock{Set: true, N: &n}, PerWorkerLimit: &benefit.LimitDoc{Count: &count, Period: "once"},
			Window: &benefit.WindowDoc{StartsAt: &start, EndsAt: &end}, Status: "published"})
		if err != nil {
			b.Fatal(err)
		}
		return o.ID
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	claim := func(offer uuid.UUID, token, key string) int {
		req, _ := http.NewRequest("POST", base+"/v1/benefits/"+offer.String()+"/claims", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", key)
		res, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return 0
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	// phase makes total claims, claim i on offers[i mod len(offers)], and
	// returns claims per second.
	phase := func(name string, offers []uuid.UUID) float64 {
		var (
			next   atomic.Int64
			ok     atomic.Int64
			others sync.Map
			wg     sync.WaitGroup
		)
		start := time.Now()
		for range clients {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(total); i = next.Add(1) - 1 {
					st := claim(offers[i%int64(len(offers))], workers[int(i)%len(workers)], fmt.Sprintf("%s-%d", name, i))
					if st == http.StatusCreated {
						ok.Add(1)
					} else {
						v, _ := others.LoadOrStore(st, new(atomic.Int64))
						v.(*atomic.Int64).Add(1)
					}
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		others.Range(func(k, v any) bool { b.Errorf("%s: %d answers %v", name, v.(*atomic.Int64).Load(), k); return true })
		if ok.Load() != int64(total) {
			b.Errorf("%s: %d claims succeeded, want %d", name, ok.Load(), total)
		}
		var remaining, claims int
		err := a.db.Pool.QueryRow(ctx, `SELECT (SELECT sum(remaining) FROM benefit_stock WHERE offer_id = ANY($1)),
			(SELECT count(*) FROM benefit_claims WHERE offer_id = ANY($1))`, offers).Scan(&remaining, &claims)
		if err != nil {
			b.Fatal(err)
		}
		if remaining != 0 || claims != total {
			b.Errorf("%s: stock left %d and %d claims stored; want 0 and %d", name, remaining, claims, total)
		}
		if st := claim(offers[0], workers[len(workers)-1], name+"-one-more"); st != http.StatusConflict {
			b.Errorf("%s: a claim after the stock ran out answered %d, want 409 sold_out", name, st)
		}
		return float64(total) / elapsed.Seconds()
	}
	b.ResetTimer()
	for b.Loop() {
		hot := phase(fmt.Sprintf("hot%d", b.N), []uuid.UUID{offer(total)})
		spread := make([]uuid.UUID, clients)
		for i := range spread {
			share := total / clients
			if i < total%clients {
				share++
			}
			spread[i] = offer(share)
		}
		base := phase(fmt.Sprintf("spread%d", b.N), spread)
		b.ReportMetric(hot, "hot-claims/s")
		b.ReportMetric(base, "spread-claims/s")
	}
}
