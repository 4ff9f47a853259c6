package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"yizhan/internal/notify"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/wechat"
	"yizhan/internal/wechat/wechattest"
)

// BenchmarkOutboxDelivery measures the outbox's throughput to the fake
// WeChat on loopback: BENCH_NOTIFICATIONS messages (default 5,000) for 500
// workers, each with acceptances, delivered by the real Deliverer, store and
// Messenger (default settings: batches of 32, 4 sends in flight). Phases,
// in the same run and database:
//
//   - direct: the baseline, the Messenger alone sending the same messages
//     from 4 goroutines per process, with no outbox (the ceiling the fake
//     and HTTP allow);
//   - outbox-1 and outbox-2: one and two delivering processes (pools of
//     their own) draining the outbox.
//
// Each phase fails unless every message arrived exactly once.
// BENCH_WECHAT_LATENCY (e.g. 50ms) delays each of the fake's answers, as
// WeChat's own round trip would.
func BenchmarkOutboxDelivery(b *testing.B) {
	n := 5000
	if v, err := strconv.Atoi(os.Getenv("BENCH_NOTIFICATIONS")); err == nil && v > 0 {
		n = v
	}
	latency, _ := time.ParseDuration(os.Getenv("BENCH_WECHAT_LATENCY"))
	const workers = 500
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	fake := wechattest.New(wxAppID, wxSecret)
	defer fake.Close()
	fake.SetLatency(latency)
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(db.Close)
		return db
	}
	db := open()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO workers (id, openid, created_at, updated_at)
		SELECT gen_random_uuid(), 'oBench' || i, now(), now() FROM generate_series(1, $1) i`, workers); err != nil {
		b.Fatal(err)
	}
	messenger := func(db *postgres.DB) *wechat.Messenger {
		m, err := wechat.NewMessenger(wechat.Config{BaseURL: fake.URL(), AppID: wxAppID, Secret: wxSecret}, postgres.NewWeChatTokenStore(db), "", nil)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	// fill writes n messages, spread over the workers, and enough
	// acceptances for them.
	fill := func(phase string) {
		if _, err := db.Pool.Exec(ctx, `
			INSERT INTO notification_subscriptions (worker_id, template_id, remaining, updated_at)
			SELECT id, 'tplReport', 100, now() FROM workers
			ON CONFLICT (worker_id, template_id) DO UPDATE SET remaining = 100`); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Pool.Exec(ctx, `
			INSERT INTO notification_outbox (worker_id, event, dedup_key, data)
			SELECT w.id, 'report_resolved', $1 || ':' || i, jsonb_build_object('station', '浦阳街道快递驿站 ' || i, 'note', '已修好')
			FROM generate_series(1, $2) i
			JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM workers) w ON w.k = i % $3`, phase, n, workers); err != nil {
			b.Fatal(err)
		}
	}
	check := func(phase string, before int) {
		sent := fake.Sent()[before:]
		seen := make(map[string]int, len(sent))
		for _, s := range sent {
			seen[s.ToUser+"/"+s.Data["thing1"]]++
		}
		if len(sent) != n || len(seen) != n {
			b.Fatalf("%s: %d sends of %d distinct messages, want %d once each", phase, len(sent), len(seen), n)
		}
	}
	tpl := notifyTemplates[notify.ReportResolved]
	for range b.N {
		// direct
		before := len(fake.Sent())
		m := messenger(db)
		start := time.Now()
		var wg sync.WaitGroup
		next := make(chan int)
		for range 4 {
			wg.Go(func() {
				for i := range next {
					msg := notify.Render(tpl, fmt.Sprintf("oBench%d", i%workers+1), map[string]string{"station": fmt.Sprintf("direct %d", i), "note": "已修好"})
					if err := m.Send(ctx, msg); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "direct-msgs/s")
		check("direct", before)

		for _, procs := range []int{1, 2} {
			phase := fmt.Sprintf("outbox-%d-%d", procs, time.Now().UnixNano())
			fill(phase)
			before := len(fake.Sent())
			store := postgres.NewNotifyStore(db)
			runCtx, stop := context.WithCancel(ctx)
			start := time.Now()
			var wg sync.WaitGroup
			for range procs {
				pdb := open()
				d := &notify.Deliverer{Store: postgres.NewNotifyStore(pdb), Sender: messenger(pdb), Templates: notifyTemplates,
					Interval: 10 * time.Millisecond}
				wg.Go(func() { d.Run(runCtx) })
			}
			for {
				pending, _, err := store.OutboxStats(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if pending == 0 {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			elapsed := time.Since(start)
			stop()
			wg.Wait()
			b.ReportMetric(float64(n)/elapsed.Seconds(), fmt.Sprintf("outbox%d-msgs/s", procs))
			check(phase, before)
		}
	}
}
