package postgres_test

import (
	"context"
	"strings"
	"testing"

	"yizhan/internal/aid"
	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/wish"
)

func aidInput(amount int) aid.Input {
	s := func(v string) *string { return &v }
	yes := true
	return aid.Input{Category: s("illness"), AmountRequestedYuan: &amount, Description: s("母亲住院手术，家里拿不出手术费。"), Consent: &yes}
}

// Above the threshold the application waits for a second reviewer of the
// city; both decisions are recorded, and the worker's event is written once,
// when it is decided.
func TestAidSecondReviewRecordsBothDecisions(t *testing.T) {
	t.Parallel()
	e := newWishEnv(t)
	ctx := context.Background()
	pujiang := e.account("pujiang", auth.DistrictStaff, "330726")
	jinhua := e.account("jinhua", auth.DistrictStaff, "330700")
	yiwu := e.account("yiwu", auth.DistrictStaff, "330782")
	workerID := e.member("oAid", "330726", pujiang)
	a, err := e.aid.Apply(ctx, workerID, aidInput(5000))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.aid.Get(ctx, yiwu, a.ID); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("another county reads it: %v", err)
	}
	if list, err := e.aid.List(ctx, yiwu, aid.Filter{Limit: 10}); err != nil || len(list) != 0 {
		t.Errorf("another county lists %d (%v)", len(list), err)
	}
	if _, err := e.aid.Approve(ctx, yiwu, a.ID, 100); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("another county approves: %v", err)
	}
	if a, err = e.aid.Approve(ctx, pujiang, a.ID, 3000); err != nil || a.Status != aid.AwaitingSecondReview {
		t.Fatalf("first approval: %v %+v", err, a)
	}
	if c := e.outbox("aid_decided", "aid_decided:"+a.ID.String()); c != 0 {
		t.Errorf("%d aid_decided events before the decision", c)
	}
	if _, err := e.aid.Approve(ctx, pujiang, a.ID, 3000); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("the same reviewer twice: %v", err)
	}
	if list, err := e.aid.List(ctx, jinhua, aid.Filter{Status: aid.AwaitingSecondReview, Limit: 10}); err != nil || len(list) != 1 {
		t.Errorf("the city's queue: %d (%v)", len(list), err)
	}
	e.now = e.now.Add(1e9 * 3600)
	if a, err = e.aid.Approve(ctx, jinhua, a.ID, 2500); err != nil || a.Status != aid.Approved || a.AmountApproved != 2500 {
		t.Fatalf("second approval: %v %+v", err, a)
	}
	if _, err := e.aid.Reject(ctx, jinhua, a.ID, "重复"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("decided twice: %v", err)
	}
	got, err := e.aid.Get(ctx, jinhua, a.ID)
	if err != nil || len(got.Decisions) != 2 {
		t.Fatalf("decisions: %v %+v", err, got.Decisions)
	}
	d1, d2 := got.Decisions[0], got.Decisions[1]
	if d1.Step != 1 || d1.StaffID != pujiang.StaffID || d1.AmountYuan != 3000 || d2.Step != 2 || d2.StaffID != jinhua.StaffID ||
		d2.AmountYuan != 2500 || !d2.DecidedAt.After(d1.DecidedAt) {
		t.Errorf("decisions %+v", got.Decisions)
	}
	if c := e.outbox("aid_decided", "aid_decided:"+a.ID.String()); c != 1 {
		t.Errorf("%d aid_decided events, want 1", c)
	}
	var data string
	if err := e.db.Pool.QueryRow(ctx, `SELECT data::text FROM notification_outbox WHERE event = 'aid_decided'`).Scan(&data); err != nil ||
		strings.Contains(data, "母亲") || !strings.Contains(data, "2500") {
		t.Errorf("the event's data %s (%v): the amount, never the narrative", data, err)
	}
	// The schema refuses the same person twice.
	if _, err := e.db.Pool.Exec(ctx, `UPDATE aid_applications SET second_reviewed_by = first_reviewed_by WHERE id = $1`, a.ID); err == nil {
		t.Error("the schema took one reviewer twice")
	}
}

// Erasing the worker deletes the narrative and the wish's words and keeps
// category, amounts and dates; open ones are closed, the closing recorded.
func TestEraseKeepsTheAccounts(t *testing.T) {
	t.Parallel()
	e := newWishEnv(t)
	ctx := context.Background()
	pujiang := e.account("pujiang", auth.DistrictStaff, "330726")
	workerID := e.member("oErase", "330726", pujiang)
	decided, err := e.aid.Apply(ctx, workerID, aidInput(800))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.aid.Approve(ctx, pujiang, decided.ID, 800); err != nil {
		t.Fatal(err)
	}
	open, err := e.aid.Apply(ctx, workerID, aidInput(300))
	if err != nil {
		t.Fatal(err)
	}
	w := e.publishedWish(workerID, pujiang)
	if err := e.workers.Erase(ctx, workerID); err != nil {
		t.Fatal(err)
	}
	got, err := e.aid.Get(ctx, pujiang, decided.ID)
	if err != nil || !got.Erased || got.Description != "" || got.Category != aid.Illness || got.AmountRequested != 800 ||
		got.AmountApproved != 800 || got.DecidedAt.IsZero() || got.CreatedAt.IsZero() {
		t.Errorf("the decided application after erasure: %v %+v", err, got)
	}
	got, err = e.aid.Get(ctx, pujiang, open.ID)
	if err != nil || got.Status != aid.Rejected || len(got.Decisions) != 1 || got.Decisions[0].Kind != aid.Withdraw || got.Description != "" {
		t.Errorf("the open application after erasure: %v %+v", err, got)
	}
	gw, err := e.wishes.Get(ctx, pujiang, w.ID)
	if err != nil || gw.Status != wish.Withdrawn || gw.Title != "" || gw.Story != "" || gw.ValueYuan != 120 || gw.WithdrawnAt.IsZero() {
		t.Errorf("the wish after erasure: %v %+v", err, gw)
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE aid_applications SET description = 'x' WHERE id = $1`, open.ID); err == nil {
		t.Error("the schema took a narrative on an erased application")
	}
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO aid_applications (id, worker_id, district_code, category, amount_requested_yuan,
		description, consented_at, status, created_at) SELECT gen_random_uuid(), worker_id, district_code, 'other', 1, 'x', now(), 'approved', now()
		FROM aid_applications WHERE id = $1`, open.ID); err == nil {
		t.Error("the schema took an approved application without its decision")
	}
}
