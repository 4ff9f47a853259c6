package postgres_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/partner"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
)

func newPartnerDB(t *testing.T) (*postgres.DB, *postgres.PartnerStore, *partner.Service) {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	st := postgres.NewPartnerStore(db)
	return db, st, partner.NewService(st, nil)
}

func mustIssue(t *testing.T, svc *partner.Service, name string, r partner.Rate, daily int64) string {
	t.Helper()
	_, key, err := svc.Create(context.Background(), auth.CommandLine, partner.NewPartner{Name: name, Rate: r, DailyQuota: daily})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return key
}

func loadedGate(t *testing.T, st partner.Store, now func() time.Time) *partner.Gate {
	t.Helper()
	g := partner.NewGate(st, now, nil)
	if err := g.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	return g
}

func usageRow(t *testing.T, db *postgres.DB) (reserved, used int64) {
	t.Helper()
	err := db.Pool.QueryRow(context.Background(), `SELECT COALESCE(sum(reserved), 0), COALESCE(sum(used), 0) FROM partner_usage`).Scan(&reserved, &used)
	if err != nil {
		t.Fatal(err)
	}
	return reserved, used
}

// One key used at once from many goroutines through two gates — two API
// processes' worth of state — sharing one database: never more than the
// quota is admitted, and once the blocks left idle are given back, exactly
// the quota is.
func TestPartnerQuotaIsExactAcrossProcesses(t *testing.T) {
	t.Parallel()
	db, st, svc := newPartnerDB(t)
	const quota = 500
	key := mustIssue(t, svc, "美团", partner.Rate{PerSecond: 1e5, Burst: 1e6}, quota)
	gates := []*partner.Gate{loadedGate(t, st, nil), loadedGate(t, st, nil)}
	ctx := context.Background()

	var admitted atomic.Int64
	burst := func() int64 {
		var n atomic.Int64
		var wg sync.WaitGroup
		for w := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					_, err := gates[(w+i)%2].Admit(ctx, key)
					switch {
					case err == nil:
						n.Add(1)
					case !apperr.Is(err, apperr.QuotaExceeded):
						t.Errorf("admit: %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		admitted.Add(n.Load())
		return n.Load()
	}
	first := burst()
	if first > quota {
		t.Fatalf("the first burst of 1280 admitted %d, over the quota of %d", first, quota)
	}
	if reserved, _ := usageRow(t, db); reserved > quota {
		t.Fatalf("reserved %d, over the quota", reserved)
	}
	// Blocks stranded in one gate come back once it sees no traffic for a
	// flush (the first flush after a burst only writes the counts).
	for round := 0; round < 10 && admitted.Load() < quota; round++ {
		for _, g := range gates {
			g.Flush(ctx, false)
			g.Flush(ctx, false)
		}
		time.Sleep(1100 * time.Millisecond) // a gate that found the quota spent asks again after a second
		burst()
		if admitted.Load() > quota {
			t.Fatalf("admitted %d, over the quota of %d", admitted.Load(), quota)
		}
	}
	if got := admitted.Load(); got != quota {
		t.Errorf("admitted %d in all, want exactly the quota, %d", got, quota)
	}
	for _, g := range gates {
		g.Flush(ctx, true)
	}
	if reserved, used := usageRow(t, db); reserved != quota || used != quota {
		t.Errorf("after the final flush: reserved %d, used %d; want both %d", reserved, used, quota)
	}
	list, err := svc.List(ctx, auth.CommandLine)
	if err != nil || len(list) != 1 || list[0].UsedToday != quota {
		t.Errorf("list: %+v, %v; want 美团 with %d used today", list, err, quota)
	}
}

// The schema itself refuses a reservation past the quota, whatever the
// code asks.
func TestPartnerUsageCheckHoldsTheQuota(t *testing.T) {
	t.Parallel()
	_, st, svc := newPartnerDB(t)
	mustIssue(t, svc, "饿了么", partner.DefaultRate, 10)
	list, err := st.KeyedPartners(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	day := partner.DayOf(time.Now())
	_, err = st.Reserve(context.Background(), list[0].ID, day, func(reserved, quota int64) int64 { return quota + 1 })
	if err == nil {
		t.Fatal("a reservation past the quota was stored")
	}
	got, err := st.Reserve(context.Background(), list[0].ID, day, func(reserved, quota int64) int64 { return quota - reserved })
	if err != nil || got != 10 {
		t.Fatalf("reserve the whole quota: %d, %v", got, err)
	}
}

// A key revoked anywhere is refused by every process within moments (the
// NOTIFY; the periodic reload is set to an hour here so that only the
// notification can tell), and a key issued anywhere is admitted as soon.
func TestPartnerRevocationReachesEveryProcess(t *testing.T) {
	t.Parallel()
	_, st, svc := newPartnerDB(t)
	key := mustIssue(t, svc, "美团", partner.DefaultRate, 1000)
	g := loadedGate(t, st, nil)
	g.ReloadInterval = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); g.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	if _, err := g.Admit(ctx, key); err != nil {
		t.Fatalf("a fresh key: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // the listener is up
	start := time.Now()
	if _, err := svc.Revoke(ctx, auth.CommandLine, "美团"); err != nil { // another process: no hook into g
		t.Fatal(err)
	}
	for {
		_, err := g.Admit(ctx, key)
		if apperr.Is(err, apperr.APIKeyRevoked) {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("the revoked key still answers %v after 3 s", err)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("revocation reached the other process in %v", time.Since(start))

	second := mustIssue(t, svc, "美团", partner.DefaultRate, 1000) // a new key, same name, once the old is revoked
	start = time.Now()
	for {
		_, err := g.Admit(ctx, second)
		if err == nil {
			break
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("a new key is still refused after 3 s: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("a new key reached the other process in %v", time.Since(start))
}

func TestPartnerRefusals(t *testing.T) {
	t.Parallel()
	_, st, svc := newPartnerDB(t)
	// 23:59:30 in Shanghai: the quota renews in 30 s.
	now := time.Date(2026, 12, 2, 15, 59, 30, 0, time.UTC)
	key := mustIssue(t, svc, "美团", partner.Rate{PerSecond: 0.001, Burst: 2}, 1)
	roomy := mustIssue(t, svc, "饿了么", partner.Rate{PerSecond: 0.001, Burst: 2}, 100)
	g := loadedGate(t, st, func() time.Time { return now })
	ctx := context.Background()
	for _, c := range []struct {
		key  string
		want apperr.Code
	}{
		{"", apperr.APIKeyInvalid},
		{"yzp_short", apperr.APIKeyInvalid},
		{partner.KeyPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", apperr.APIKeyInvalid}, // well formed, never issued
		{key + " ", apperr.APIKeyInvalid},
	} {
		if p, err := g.Admit(ctx, c.key); apperr.CodeOf(err) != c.want || p != nil {
			t.Errorf("Admit(%q) = %v, %v; want %s and no partner", c.key, p, err, c.want)
		}
	}
	if _, err := g.Admit(ctx, key); err != nil {
		t.Fatalf("first request: %v", err)
	}
	_, err := g.Admit(ctx, key)
	var e *apperr.Error
	if !apperr.Is(err, apperr.QuotaExceeded) || !asError(err, &e) || e.RetryAfter != 30*time.Second {
		t.Fatalf("past the quota of 1: %v; want quota_exceeded, retry after 30s", err)
	}
	for range 2 {
		if _, err := g.Admit(ctx, roomy); err != nil {
			t.Fatalf("within the burst: %v", err)
		}
	}
	if p, err := g.Admit(ctx, roomy); !apperr.Is(err, apperr.RateLimited) || p == nil || p.Name != "饿了么" {
		t.Fatalf("past the burst: %v, %v; want rate_limited, naming the partner", p, err)
	}
	// Revoked: refused as revoked, not as unknown.
	if _, err := svc.Revoke(ctx, auth.CommandLine, "饿了么"); err != nil {
		t.Fatal(err)
	}
	if err := g.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Admit(ctx, roomy); !apperr.Is(err, apperr.APIKeyRevoked) {
		t.Fatalf("a revoked key: %v", err)
	}
}

func asError(err error, e **apperr.Error) bool {
	x, ok := err.(*apperr.Error)
	*e = x
	return ok
}

func TestPartnerService(t *testing.T) {
	t.Parallel()
	_, _, svc := newPartnerDB(t)
	ctx := context.Background()
	district := &auth.Principal{Role: auth.DistrictStaff, Districts: []string{"330726"}}
	if _, _, err := svc.Create(ctx, district, partner.NewPartner{Name: "美团", Rate: partner.DefaultRate, DailyQuota: 1}); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("district staff issued a key: %v", err)
	}
	if _, err := svc.List(ctx, district); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("district staff listed keys: %v", err)
	}
	p, key, err := svc.Create(ctx, auth.CommandLine, partner.NewPartner{Name: " 美团 ", Rate: partner.DefaultRate, DailyQuota: 1000})
	if err != nil || p.Name != "美团" || !partner.WellFormedKey(key) || p.KeyPrefix != key[:8] {
		t.Fatalf("create: %+v %q %v", p, key, err)
	}
	if _, _, err := svc.Create(ctx, auth.CommandLine, partner.NewPartner{Name: "美团", Rate: partner.DefaultRate, DailyQuota: 1}); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a second key for 美团: %v", err)
	}
	for _, n := range []partner.NewPartner{
		{Name: "", Rate: partner.DefaultRate, DailyQuota: 1},
		{Name: "美\u202e团", Rate: partner.DefaultRate, DailyQuota: 1},
		{Name: "x", Rate: partner.Rate{PerSecond: 0, Burst: 1}, DailyQuota: 1},
		{Name: "x", Rate: partner.Rate{PerSecond: 1, Burst: 0}, DailyQuota: 1},
		{Name: "x", Rate: partner.DefaultRate, DailyQuota: 0},
	} {
		if _, _, err := svc.Create(ctx, auth.CommandLine, n); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("create %+v: %v, want invalid", n, err)
		}
	}
	if _, err := svc.Revoke(ctx, auth.CommandLine, "nobody"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("revoke nobody: %v", err)
	}
	if _, err := svc.Revoke(ctx, auth.CommandLine, "美团"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Revoke(ctx, auth.CommandLine, "美团"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("revoking twice: %v", err)
	}
	list, err := svc.List(ctx, auth.CommandLine)
	if err != nil || len(list) != 1 || !list[0].Revoked() {
		t.Errorf("list: %+v %v", list, err)
	}
}
