package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/notify"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/wechat"
	"yizhan/internal/wechat/wechattest"
)

const (
	wxAppID  = "wx00notifytest0001"
	wxSecret = "SECRET-notify-5f4dcc3b5aa765d61d8327deb882cf99"
)

// notifyTemplates sends membership decisions and reports through two
// templates; wish_pledged has none.
var notifyTemplates = notify.Templates{
	notify.MembershipDecided: {TemplateID: "tplMember", Page: "pages/me/index",
		Data: map[string]string{"phrase1": "result", "thing2": "reason", "time3": "decided_at"}},
	notify.ReportResolved: {TemplateID: "tplReport", Data: map[string]string{"thing1": "station", "thing2": "note"}},
	notify.ClaimExpiring:  {TemplateID: "tplClaim", Data: map[string]string{"thing1": "title", "time2": "expires_at"}},
}

// notifyEnv is a database, the fake WeChat, and as many delivering
// processes as a test makes.
type notifyEnv struct {
	t     *testing.T
	url   string
	db    *postgres.DB
	store *postgres.NotifyStore
	fake  *wechattest.Fake
}

func newNotifyEnv(t *testing.T) *notifyEnv {
	t.Helper()
	url := pgtest.NewDatabase(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	fake := wechattest.New(wxAppID, wxSecret)
	t.Cleanup(fake.Close)
	return &notifyEnv{t: t, url: url, db: db, store: postgres.NewNotifyStore(db), fake: fake}
}

// process is one API process's deliverer: a pool of its own, a messenger
// with its own token cache, quick backoffs.
func (e *notifyEnv) process() *notify.Deliverer {
	e.t.Helper()
	db, err := postgres.Open(context.Background(), e.url)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(db.Close)
	m, err := wechat.NewMessenger(wechat.Config{BaseURL: e.fake.URL(), AppID: wxAppID, Secret: wxSecret, Timeout: time.Second},
		postgres.NewWeChatTokenStore(db), "", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &notify.Deliverer{Store: postgres.NewNotifyStore(db), Sender: m, Templates: notifyTemplates,
		Interval: 5 * time.Millisecond, RetryBase: 20 * time.Millisecond, RetryMax: 80 * time.Millisecond,
		Rand: func() float64 { return 0.5 }}
}

// worker inserts a worker with the openid and returns their id.
func (e *notifyEnv) worker(openid string) uuid.UUID {
	e.t.Helper()
	id := uuid.New()
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO workers (id, openid, created_at, updated_at)
		VALUES ($1, $2, now(), now())`, id, openid); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// erased inserts a worker who erased their account, and returns their id.
func (e *notifyEnv) erased() uuid.UUID {
	e.t.Helper()
	id := uuid.New()
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO workers (id, created_at, updated_at, deleted_at)
		VALUES ($1, now(), now(), now())`, id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// accept records n acceptances of each template for the worker.
func (e *notifyEnv) accept(worker uuid.UUID, n int, templates ...string) {
	e.t.Helper()
	for range n {
		if _, err := e.store.Accept(context.Background(), worker, templates, templates, time.Now()); err != nil {
			e.t.Fatal(err)
		}
	}
}

// enqueue writes an event as the services do (enqueueNotification), in a
// transaction of its own.
func (e *notifyEnv) enqueue(worker uuid.UUID, event, key string, data map[string]string) {
	e.t.Helper()
	if _, err := e.db.Pool.Exec(context.Background(), `INSERT INTO notification_outbox (worker_id, event, dedup_key, data)
		VALUES ($1, $2, $3, $4) ON CONFLICT (dedup_key) DO NOTHING`, worker, event, key, data); err != nil {
		e.t.Fatal(err)
	}
}

type outboxRow struct {
	Status, Result string
	Attempts       int
	Errcode        *int
	Data           map[string]string
}

func (e *notifyEnv) row(key string) outboxRow {
	e.t.Helper()
	var r outboxRow
	var result *string
	var data []byte
	err := e.db.Pool.QueryRow(context.Background(), `SELECT status, result, attempts, last_errcode, data
		FROM notification_outbox WHERE dedup_key = $1`, key).Scan(&r.Status, &result, &r.Attempts, &r.Errcode, &data)
	if err != nil {
		e.t.Fatalf("outbox row %s: %v", key, err)
	}
	if result != nil {
		r.Result = *result
	}
	if err := json.Unmarshal(data, &r.Data); err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *notifyEnv) remaining(worker uuid.UUID, template string) int {
	e.t.Helper()
	var n int
	err := e.db.Pool.QueryRow(context.Background(), `SELECT coalesce((SELECT remaining FROM notification_subscriptions
		WHERE worker_id = $1 AND template_id = $2), 0)`, worker, template).Scan(&n)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *notifyEnv) pending() int {
	e.t.Helper()
	n, _, err := e.store.OutboxStats(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// drain delivers until nothing is pending (or fails after 10 s).
func (e *notifyEnv) drain(d *notify.Deliverer) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for e.pending() > 0 {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d messages still pending after 10 s", e.pending())
		}
		if _, err := d.DeliverOnce(context.Background()); err != nil {
			e.t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A message written while WeChat is down arrives after it is back, exactly
// once, whatever the outage looks like; meanwhile it is retried with
// backoff and nothing else is lost.
func TestNotificationSentDuringAnOutageArrivesOnceAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		down    func(*wechattest.Fake)
		up      func(*wechattest.Fake)
		errcode int
	}{
		{"busy", func(f *wechattest.Fake) { f.SetOutage(wechattest.Busy) }, func(f *wechattest.Fake) { f.SetOutage(wechattest.Up) }, -1},
		{"quota", func(f *wechattest.Fake) { f.SetOutage(wechattest.Quota) }, func(f *wechattest.Fake) { f.SetOutage(wechattest.Up) }, 45009},
		{"http 502", func(f *wechattest.Fake) { f.SetOutage(wechattest.HTTPError) }, func(f *wechattest.Fake) { f.SetOutage(wechattest.Up) }, 0},
		{"token endpoint down", func(f *wechattest.Fake) { f.SetTokenOutage(true) }, func(f *wechattest.Fake) { f.SetTokenOutage(false) }, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newNotifyEnv(t)
			d := e.process()
			w := e.worker("oOutage")
			e.accept(w, 1, "tplMember")
			tc.down(e.fake)
			e.enqueue(w, notify.MembershipDecided, "membership_decided:outage", map[string]string{"result": "已通过", "decided_at": "2026-11-30 18:00"})
			for range 4 {
				if _, err := d.DeliverOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
				time.Sleep(100 * time.Millisecond) // past the backoff and the pause
			}
			r := e.row("membership_decided:outage")
			if r.Status != "pending" || r.Result != "retry" || r.Attempts < 2 || r.Errcode == nil || *r.Errcode != tc.errcode {
				t.Errorf("during the outage: %+v (errcode %v), want pending, retry, attempts ≥ 2, errcode %d", r, r.Errcode, tc.errcode)
			}
			if r.Data["result"] != "已通过" {
				t.Errorf("the data was lost during the outage: %v", r.Data)
			}
			if n := len(e.fake.Sent()); n != 0 {
				t.Fatalf("%d messages arrived during the outage", n)
			}
			tc.up(e.fake)
			e.drain(d)
			for range 3 { // more rounds send nothing more
				if _, err := d.DeliverOnce(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			sent := e.fake.Sent()
			if len(sent) != 1 {
				t.Fatalf("%d messages arrived after the outage, want exactly 1", len(sent))
			}
			if s := sent[0]; s.ToUser != "oOutage" || s.TemplateID != "tplMember" || s.Data["phrase1"] != "已通过" ||
				s.Data["time3"] != "2026-11-30 18:00" || s.Data["thing2"] != "无" || s.Page != "pages/me/index" || s.Lang != "zh_CN" || s.State != "formal" {
				t.Errorf("sent %+v", s)
			}
			r = e.row("membership_decided:outage")
			if r.Status != "sent" || r.Result != "sent" || len(r.Data) != 0 {
				t.Errorf("after: %+v, want sent with its data forgotten", r)
			}
			if n := e.remaining(w, "tplMember"); n != 0 {
				t.Errorf("%d acceptances left, want the one used", n)
			}
		})
	}
}

// Two API processes delivering one outbox at once send each message once:
// leases with SKIP LOCKED never hand one message to both. They share one
// access token.
func TestTwoDeliverersNeverSendAMessageTwice(t *testing.T) {
	t.Parallel()
	e := newNotifyEnv(t)
	e.fake.SetLatency(time.Millisecond)
	const workers, each = 20, 10
	for i := range workers {
		w := e.worker(fmt.Sprintf("oTwo%02d", i))
		e.accept(w, each, "tplReport")
		for j := range each {
			e.enqueue(w, notify.ReportResolved, fmt.Sprintf("report_resolved:%d:%d", i, j),
				map[string]string{"station": fmt.Sprintf("站%02d-%d", i, j), "note": "已修好"})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		d := e.process()
		d.Batch, d.Concurrency = 8, 4
		wg.Add(1)
		go func() { defer wg.Done(); d.Run(ctx) }()
	}
	deadline := time.Now().Add(20 * time.Second)
	for e.pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	seen := map[string]int{}
	for _, s := range e.fake.Sent() {
		seen[s.ToUser+"/"+s.Data["thing1"]]++
	}
	if len(seen) != workers*each {
		t.Errorf("%d distinct messages arrived, want %d", len(seen), workers*each)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s arrived %d times", k, n)
		}
	}
	if st := e.fake.Stats(); st.TokensIssued != 1 || st.TokenCalls != 1 {
		t.Errorf("stable_token called %d times, %d tokens issued; want one, shared by both processes", st.TokenCalls, st.TokensIssued)
	}
	var unsent int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM notification_outbox WHERE status <> 'sent' OR attempts <> 1`).Scan(&unsent); err != nil {
		t.Fatal(err)
	}
	if unsent != 0 {
		t.Errorf("%d rows not sent in exactly one attempt", unsent)
	}
}

// Each of WeChat's answers, and each reason to drop a message before
// sending it, ends where the issue says.
func TestNotificationErrcodes(t *testing.T) {
	t.Parallel()
	type want struct {
		status, result string
		attempts       int
		sent           int // messages that arrived
		remaining      int // acceptances left afterwards
	}
	for _, tc := range []struct {
		name    string
		prepare func(e *notifyEnv, w uuid.UUID)
		event   string
		want    want
	}{
		{"sent", nil, notify.MembershipDecided, want{"sent", "sent", 1, 1, 2}},
		{"43101 drops and forgets the acceptances", func(e *notifyEnv, _ uuid.UUID) { e.fake.Unsubscribe("oCode") },
			notify.MembershipDecided, want{"dropped", "unsubscribed", 1, 0, 0}},
		{"40001 refreshes the token and sends", func(e *notifyEnv, _ uuid.UUID) { e.fake.InvalidateTokens() },
			notify.MembershipDecided, want{"sent", "sent", 1, 1, 2}},
		{"42001 refreshes the token and sends", func(e *notifyEnv, _ uuid.UUID) { e.fake.ExpireTokens() },
			notify.MembershipDecided, want{"sent", "sent", 1, 1, 2}},
		{"45009 backs off, then sends", func(e *notifyEnv, _ uuid.UUID) { e.fake.FailNext(45009) },
			notify.MembershipDecided, want{"sent", "sent", 2, 1, 2}},
		{"-1 backs off, then sends", func(e *notifyEnv, _ uuid.UUID) { e.fake.FailNext(-1, -1) },
			notify.MembershipDecided, want{"sent", "sent", 3, 1, 2}},
		{"47003 drops, and gives the acceptance back", func(e *notifyEnv, _ uuid.UUID) { e.fake.FailNext(47003) },
			notify.MembershipDecided, want{"dropped", "rejected", 1, 0, 3}},
		{"no acceptance left drops unsent", func(e *notifyEnv, w uuid.UUID) {
			e.db.Pool.Exec(context.Background(), `UPDATE notification_subscriptions SET remaining = 0 WHERE worker_id = $1`, w)
		}, notify.MembershipDecided, want{"dropped", "no_acceptance", 0, 0, 0}},
		{"erasure drops what is pending, and the acceptances", func(e *notifyEnv, w uuid.UUID) {
			if err := postgres.NewWorkerStore(e.db).Erase(context.Background(), w, time.Now(), "worker:self"); err != nil {
				e.t.Fatal(err)
			}
		}, notify.MembershipDecided, want{"dropped", "erased", 0, 0, 0}},
		{"an event written for an erased worker drops unsent", func(e *notifyEnv, w uuid.UUID) {
			// As a service that decides on the worker after the erasure
			// would write it: the openid is gone at send time.
			e.db.Pool.Exec(context.Background(), `UPDATE notification_outbox SET worker_id = $1 WHERE dedup_key = 'the-event'`, e.erased())
		}, notify.MembershipDecided, want{"dropped", "erased", 0, 0, 3}},
		{"an event without a template drops unsent", nil, notify.WishPledged, want{"dropped", "no_template", 0, 0, 3}},
		{"a message older than a day drops unsent", func(e *notifyEnv, _ uuid.UUID) {
			e.db.Pool.Exec(context.Background(), `UPDATE notification_outbox SET created_at = now() - interval '25 hours'`)
		}, notify.MembershipDecided, want{"dropped", "expired", 0, 0, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newNotifyEnv(t)
			d := e.process()
			var results []notify.Result
			var mu sync.Mutex
			d.Observe = func(r notify.Result) { mu.Lock(); results = append(results, r); mu.Unlock() }
			w := e.worker("oCode")
			e.accept(w, 3, "tplMember")
			// A token exists before the test spoils it.
			e.enqueue(w, notify.ReportResolved, "warm-up", map[string]string{"station": "x"})
			e.accept(w, 1, "tplReport")
			e.drain(d)
			sentBefore := len(e.fake.Sent())
			e.enqueue(w, tc.event, "the-event", map[string]string{"result": "未通过", "reason": "材料不全"})
			if tc.prepare != nil {
				tc.prepare(e, w)
			}
			e.drain(d)
			r := e.row("the-event")
			got := want{r.Status, r.Result, r.Attempts, len(e.fake.Sent()) - sentBefore, e.remaining(w, "tplMember")}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if len(r.Data) != 0 {
				t.Errorf("a finished message keeps its data: %v", r.Data)
			}
			if last := results[len(results)-1]; string(last) != tc.want.result && !strings.HasPrefix(tc.name, "erasure") {
				t.Errorf("the last result counted is %s, want %s", last, tc.want.result)
			}
		})
	}
}

// Two processes whose token WeChat refuses at once replace it once: the
// second finds the first's new token under the lock.
func TestRefusedTokenIsReplacedOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	e := newNotifyEnv(t)
	w := e.worker("oToken")
	e.accept(w, 10, "tplReport")
	a, b := e.process(), e.process()
	e.enqueue(w, notify.ReportResolved, "k0", map[string]string{"station": "0"})
	e.drain(a)
	e.enqueue(w, notify.ReportResolved, "k1", map[string]string{"station": "1"})
	e.drain(b) // b reads the shared token: no second call
	if st := e.fake.Stats(); st.TokenCalls != 1 {
		t.Fatalf("stable_token called %d times before the refusal, want 1", st.TokenCalls)
	}
	e.fake.InvalidateTokens()
	for i := range 4 {
		e.enqueue(w, notify.ReportResolved, fmt.Sprintf("k%d", i+2), map[string]string{"station": fmt.Sprint(i + 2)})
	}
	var wg sync.WaitGroup
	for _, d := range []*notify.Deliverer{a, b} {
		d.Batch = 1
		wg.Add(1)
		go func() { defer wg.Done(); e.drain(d) }()
	}
	wg.Wait()
	st := e.fake.Stats()
	if st.ForcedRefresh != 1 {
		t.Errorf("%d forced refreshes, want 1", st.ForcedRefresh)
	}
	if n := len(e.fake.Sent()); n != 6 {
		t.Errorf("%d messages arrived, want 6", n)
	}
}

// Tidy drops what waited longer than the maximum age, with its data, and
// deletes what finished more than 30 days ago; the rest stays.
func TestTidyExpiresAndForgets(t *testing.T) {
	t.Parallel()
	e := newNotifyEnv(t)
	w := e.worker("oTidy")
	for _, k := range []string{"fresh", "stale", "done-lately", "done-long-ago"} {
		e.enqueue(w, notify.ReportResolved, k, map[string]string{"station": k})
	}
	ctx := context.Background()
	e.db.Pool.Exec(ctx, `UPDATE notification_outbox SET created_at = now() - interval '25 hours' WHERE dedup_key = 'stale'`)
	e.db.Pool.Exec(ctx, `UPDATE notification_outbox SET status = 'sent', result = 'sent', data = '{}', delivered_at = now() - interval '29 days'
		WHERE dedup_key = 'done-lately'`)
	e.db.Pool.Exec(ctx, `UPDATE notification_outbox SET status = 'sent', result = 'sent', data = '{}', delivered_at = now() - interval '31 days'
		WHERE dedup_key = 'done-long-ago'`)
	if err := notify.Tidy(ctx, e.store, time.Now(), 24*time.Hour, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if r := e.row("stale"); r.Status != "dropped" || r.Result != "expired" || len(r.Data) != 0 {
		t.Errorf("stale: %+v", r)
	}
	if r := e.row("fresh"); r.Status != "pending" || r.Data["station"] != "fresh" {
		t.Errorf("fresh: %+v", r)
	}
	e.row("done-lately")
	var n int
	e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM notification_outbox WHERE dedup_key = 'done-long-ago'`).Scan(&n)
	if n != 0 {
		t.Errorf("a row finished 31 days ago is kept")
	}
}

// A process that leased a message and stopped before recording it (killed
// mid-send) holds it only until its lease ends; then another process
// delivers it: at least once, never lost.
func TestALeaseOfAStoppedProcessEnds(t *testing.T) {
	t.Parallel()
	e := newNotifyEnv(t)
	w := e.worker("oCrash")
	e.accept(w, 1, "tplReport")
	e.enqueue(w, notify.ReportResolved, "crash", map[string]string{"station": "站"})
	now := time.Now()
	leased, err := e.store.Lease(context.Background(), now, now.Add(300*time.Millisecond), 10)
	if err != nil || len(leased) != 1 || leased[0].OpenID != "oCrash" || leased[0].Data["station"] != "站" {
		t.Fatalf("lease: %+v %v", leased, err)
	}
	// ... and the process dies here.
	other := e.process()
	if n, err := other.DeliverOnce(context.Background()); n != 0 || err != nil {
		t.Fatalf("another process leased %d messages held by a live lease (%v)", n, err)
	}
	time.Sleep(350 * time.Millisecond)
	e.drain(other)
	if sent := e.fake.Sent(); len(sent) != 1 {
		t.Fatalf("%d messages arrived, want 1", len(sent))
	}
	if r := e.row("crash"); r.Status != "sent" || r.Attempts != 1 {
		t.Errorf("after: %+v", r)
	}
}
