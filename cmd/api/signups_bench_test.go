package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
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
	"github.com/jackc/pgx/v5"

	"yizhan/internal/activity"
	"yizhan/internal/auth"
	"yizhan/internal/pgtest"
)

// BenchmarkHTTPSignups drives the real server over loopback with 64
// concurrent clients, each a signed-in worker tapping "sign up" with a
// fresh Idempotency-Key, each worker once per activity. Two phases, in the
// same process and database:
//
//   - hot: every sign-up on one activity whose capacity is half of them, so
//     the first half take places and the rest queue: the 09:00 rush for
//     Linping's 30-place course, made long enough to time;
//   - spread: the same sign-ups on 64 activities, one per client, half
//     confirmed on each as well: the same work without a hot row, the
//     baseline.
//
// After each phase it fails unless every answer was 201, exactly the
// capacity is confirmed, the waitlisted answers hold positions 1..n each
// exactly once (per activity), and the activity's counters equal its rows.
// BENCH_SIGNUPS sets the sign-ups per phase (default 20,000).
func BenchmarkHTTPSignups(b *testing.B) {
	const clients = 64
	total := 20000
	if v, err := strconv.Atoi(os.Getenv("BENCH_SIGNUPS")); err == nil && v >= 2*clients {
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
	tokens := benchWorkers(b, a, total)

	newActivity := func(capacity int) uuid.UUID {
		start, end := time.Now().Add(24*time.Hour), time.Now().Add(26*time.Hour)
		addr, lat, lng := "浦江县浦阳街道大桥路 18 号", 29.4521, 119.892
		act, err := a.activities.Create(ctx, benchActor{}, activity.Document{Title: "bench", Category: "course",
			Address: &addr, Location: &activity.LocationDoc{Lat: &lat, Lng: &lng},
			StartsAt: &start, EndsAt: &end, Capacity: &capacity, Status: "published"})
		if err != nil {
			b.Fatal(err)
		}
		return act.ID
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
	type answer struct {
		Status   string `json:"status"`
		Position int    `json:"position"`
	}
	signUp := func(act uuid.UUID, token, key string) (int, answer) {
		req, _ := http.NewRequest("POST", base+"/v1/activities/"+act.String()+"/signups", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Idempotency-Key", key)
		res, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return 0, answer{}
		}
		defer res.Body.Close()
		var out answer
		if res.StatusCode == http.StatusCreated {
			if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
				b.Error(err)
			}
		}
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode, out
	}
	// phase makes total sign-ups, sign-up i by worker i on
	// acts[i mod len(acts)], checks them, and returns sign-ups per second.
	phase := func(name string, acts []uuid.UUID, capacity int) float64 {
		var (
			next      atomic.Int64
			ok        atomic.Int64
			mu        sync.Mutex
			confirmed = map[uuid.UUID]int{}
			positions = map[uuid.UUID]map[int]int{}
			others    sync.Map
			wg        sync.WaitGroup
		)
		start := time.Now()
		for range clients {
			wg.Go(func() {
				for i := next.Add(1) - 1; i < int64(total); i = next.Add(1) - 1 {
					act := acts[i%int64(len(acts))]
					st, ans := signUp(act, tokens[i], fmt.Sprintf("%s-%d", name, i))
					if st != http.StatusCreated {
						v, _ := others.LoadOrStore(st, new(atomic.Int64))
						v.(*atomic.Int64).Add(1)
						continue
					}
					ok.Add(1)
					mu.Lock()
					if ans.Status == "confirmed" {
						confirmed[act]++
					} else {
						if positions[act] == nil {
							positions[act] = map[int]int{}
						}
						positions[act][ans.Position]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		others.Range(func(k, v any) bool { b.Errorf("%s: %d answers %v", name, v.(*atomic.Int64).Load(), k); return true })
		if ok.Load() != int64(total) {
			b.Errorf("%s: %d sign-ups succeeded, want %d", name, ok.Load(), total)
		}
		for _, act := range acts {
			n := total / len(acts) // every activity gets the same share
			if confirmed[act] != capacity {
				b.Errorf("%s: %d confirmed on an activity of capacity %d", name, confirmed[act], capacity)
			}
			for p := 1; p <= n-capacity; p++ {
				if positions[act][p] != 1 {
					b.Errorf("%s: waitlist position %d answered %d times", name, p, positions[act][p])
					break
				}
			}
			if len(positions[act]) != n-capacity {
				b.Errorf("%s: %d distinct positions answered, want %d", name, len(positions[act]), n-capacity)
			}
			var c, w, rc, rw int
			err := a.db.Pool.QueryRow(ctx, `SELECT confirmed, waitlisted,
				(SELECT count(*) FROM activity_signups WHERE activity_id = $1 AND status = 'confirmed'),
				(SELECT count(*) FROM activity_signups WHERE activity_id = $1 AND status = 'waitlisted')
				FROM activities WHERE id = $1`, act).Scan(&c, &w, &rc, &rw)
			if err != nil {
				b.Fatal(err)
			}
			if c != capacity || rc != capacity || w != n-capacity || rw != n-capacity {
				b.Errorf("%s: counters %d/%d and rows %d/%d, want %d/%d", name, c, w, rc, rw, capacity, n-capacity)
			}
		}
		return float64(total) / elapsed.Seconds()
	}
	b.ResetTimer()
	for b.Loop() {
		hot := phase(fmt.Sprintf("hot%d", b.N), []uuid.UUID{newActivity(total / 2)}, total/2)
		spread := make([]uuid.UUID, clients)
		share := total / clients
		for i := range spread {
			spread[i] = newActivity(share / 2)
		}
		// The spread phase uses whole shares, so every activity gets the same.
		saved := total
		total = share * clients
		baseline := phase(fmt.Sprintf("spread%d", b.N), spread, share/2)
		total = saved
		b.ReportMetric(hot, "hot-signups/s")
		b.ReportMetric(baseline, "spread-signups/s")
	}
}

// benchWorkers makes n workers with a session each, in bulk (COPY), and
// returns their bearer tokens.
func benchWorkers(b *testing.B, a *app, n int) []string {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	tokens := make([]string, n)
	workers := make([][]any, n)
	sessions := make([][]any, n)
	for i := range tokens {
		raw := make([]byte, 32)
		_, _ = rand.Read(raw)
		tokens[i] = "yzw_" + base64.RawURLEncoding.EncodeToString(raw)
		id := uuid.New()
		workers[i] = []any{id, "bench-" + id.String(), now, now}
		sessions[i] = []any{auth.HashToken(tokens[i]), id, now, now.Add(24 * time.Hour)}
	}
	if _, err := a.db.Pool.CopyFrom(ctx, pgx.Identifier{"workers"}, []string{"id", "openid", "created_at", "updated_at"},
		pgx.CopyFromRows(workers)); err != nil {
		b.Fatal(err)
	}
	if _, err := a.db.Pool.CopyFrom(ctx, pgx.Identifier{"worker_sessions"}, []string{"token_hash", "worker_id", "created_at", "expires_at"},
		pgx.CopyFromRows(sessions)); err != nil {
		b.Fatal(err)
	}
	return tokens
}
