package postgres_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"yizhan/internal/benefit"
	"yizhan/internal/postgres"
	"yizhan/internal/truth"
)

// outboxEvent is an event as it stands in the outbox.
type outboxEvent struct {
	Worker uuid.UUID
	Event  string
	Key    string
	Data   map[string]string
}

// outboxEvents lists the outbox of db, oldest first.
func outboxEvents(t *testing.T, db *postgres.DB) []outboxEvent {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT worker_id, event, dedup_key, data FROM notification_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxEvent
	for rows.Next() {
		var ev outboxEvent
		var data []byte
		if err := rows.Scan(&ev.Worker, &ev.Event, &ev.Key, &data); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &ev.Data); err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// A membership decision writes its event with the decision, in its own
// transaction: approved with the membership number, rejected with the
// reason; a refused decision writes nothing.
func TestMembershipDecisionNotifies(t *testing.T) {
	t.Parallel()
	e := newWorkerEnv(t)
	ctx := context.Background()
	yes, appYes := e.applicant("oYes")
	no, appNo := e.applicant("oNo")
	a, err := e.svc.Approve(ctx, testAdmin, appYes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Reject(ctx, testAdmin, appNo, "材料不全，请补充工作证明"); err != nil {
		t.Fatal(err)
	}
	// Deciding again is refused, and writes no second event.
	if _, err := e.svc.Approve(ctx, testAdmin, appYes); err == nil {
		t.Fatal("a second decision was accepted")
	}
	want := []outboxEvent{
		{yes, "membership_decided", "membership_decided:" + appYes.String(),
			map[string]string{"result": "已通过", "membership_no": a.MembershipNo, "decided_at": "2026-11-30 18:00"}},
		{no, "membership_decided", "membership_decided:" + appNo.String(),
			map[string]string{"result": "未通过", "reason": "材料不全，请补充工作证明", "decided_at": "2026-11-30 18:00"}},
	}
	if diff := cmp.Diff(want, outboxEvents(t, e.db)); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
}

// A resolved report tells its worker; a dismissed one does not.
func TestResolvedReportNotifies(t *testing.T) {
	t.Parallel()
	e := newTruthEnv(t)
	ctx := context.Background()
	ws := e.mustWorkers(2)
	cat := "dirty"
	var ids []uuid.UUID
	for _, w := range ws {
		r, err := e.svc.FileReport(ctx, w, e.station.ID, truth.ReportInput{Category: &cat})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if _, err := e.svc.Resolve(ctx, testAdmin, ids[0], "已安排保洁"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Dismiss(ctx, testAdmin, ids[1], "现场查看无此情况"); err != nil {
		t.Fatal(err)
	}
	want := []outboxEvent{{ws[0], "report_resolved", "report_resolved:" + ids[0].String(),
		map[string]string{"station": "浦阳街道快递驿站", "result": "已处理", "note": "已安排保洁", "decided_at": "2026-12-02 21:10"}}}
	if diff := cmp.Diff(want, outboxEvents(t, e.db)); diff != "" {
		t.Errorf("outbox (-want +got):\n%s", diff)
	}
}

// The sweep announces each uncollected claim once, when it comes within a
// day of expiring, however many processes sweep at once and however often.
func TestExpiringClaimsAreAnnouncedOnce(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 2)
	ctx := context.Background()
	o := e.mustOffer(nil, 5, benefit.Day)
	ws := e.mustWorkers(3)
	claim := func(w uuid.UUID, key string) benefit.Claim {
		c, _, err := e.service(0).Claim(ctx, w, o.ID, key)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	soon := claim(ws[0], "a")     // expires in 7 days: announced after 6
	redeemed := claim(ws[1], "b") // collected: never announced
	claim(ws[2], "c")             // its worker erased: never announced
	e.advance(time.Hour)
	later := claim(ws[0], "d") // an hour younger: announced an hour later
	if _, err := e.pools[0].Pool.Exec(ctx, `UPDATE benefit_claims SET status = 'redeemed', redeemed_at = claimed_at + interval '1 minute',
		redeemed_station_id = $2, redeemed_by = 'staff:x' WHERE id = $1`, redeemed.ID, e.mustStation("330726")); err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewWorkerStore(e.pools[0]).Erase(ctx, ws[2], e.clock(), "worker:self"); err != nil {
		t.Fatal(err)
	}
	sweep := func() int {
		var wg sync.WaitGroup
		counts := make([]int, 4)
		for i := range counts {
			wg.Go(func() {
				n, err := postgres.NewNotifyStore(e.pools[i%2]).EnqueueExpiringClaims(ctx, e.clock(), 24*time.Hour)
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			})
		}
		wg.Wait()
		return counts[0] + counts[1] + counts[2] + counts[3]
	}
	e.advance(6*24*time.Hour - time.Hour - time.Second) // soon expires in a day and a second
	if n := sweep(); n != 0 {
		t.Errorf("more than a day before expiry: %d announced", n)
	}
	e.advance(2 * time.Second) // in a day less a second
	if n := sweep(); n != 1 {
		t.Errorf("a day before the first expires: %d announced, want 1", n)
	}
	e.advance(time.Hour)
	if n := sweep(); n != 1 {
		t.Errorf("a day before the second expires: %d announced, want 1", n)
	}
	if n := sweep(); n != 0 {
		t.Errorf("sweeping again: %d announced, want 0", n)
	}
	got := outboxEvents(t, e.pools[0])
	if len(got) != 2 || got[0].Key != "claim_expiring:"+soon.ID.String() || got[1].Key != "claim_expiring:"+later.ID.String() {
		t.Fatalf("outbox = %+v", got)
	}
	exp := soon.ExpiresAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
	if diff := cmp.Diff(map[string]string{"title": "话费 50 元", "code": soon.Code, "expires_at": exp}, got[0].Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
}
