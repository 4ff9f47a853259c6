package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/worker"
)

// workerEnv is a worker service on its own database, with tokens from a
// real auth service.
type workerEnv struct {
	t   *testing.T
	db  *postgres.DB
	svc *worker.Service
	now time.Time
}

func newWorkerEnv(t *testing.T) *workerEnv {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	e := &workerEnv{t: t, db: db, now: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	cfg := auth.DefaultConfig
	cfg.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	authSvc, err := auth.NewService(postgres.NewAuthStore(db), cfg, clock)
	if err != nil {
		t.Fatal(err)
	}
	e.svc = worker.NewService(postgres.NewWorkerStore(db), nil, authSvc, worker.DefaultConfig, clock)
	return e
}

// applicant signs a worker in and files a pending application in Pujiang.
func (e *workerEnv) applicant(openid string) (workerID, applicationID uuid.UUID) {
	e.t.Helper()
	in, err := e.svc.SignInAs(context.Background(), openid)
	if err != nil {
		e.t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	yes := true
	a, err := e.svc.Apply(context.Background(), in.Worker.ID, worker.ApplicationInput{RealName: s("王小明"), Phone: s("13800138000"),
		Occupation: s("express_courier"), DistrictCode: s("330726"), Consent: &yes})
	if err != nil {
		e.t.Fatal(err)
	}
	return in.Worker.ID, a.ID
}

var testAdmin = &auth.Principal{StaffID: uuid.New(), Username: "admin1", Role: auth.Admin}

// The schema itself refuses a second pending application, and a second
// approved one, whatever the code above it does.
func TestSchemaKeepsOneOpenApplication(t *testing.T) {
	t.Parallel()
	e := newWorkerEnv(t)
	workerID, _ := e.applicant("oSchema")
	insert := func(status string) error {
		decided := map[bool]string{true: "NULL", false: "now()"}[status == "pending"]
		reason := map[bool]string{true: "'x'", false: "NULL"}[status == "rejected"]
		_, err := e.db.Pool.Exec(context.Background(), `INSERT INTO membership_applications (id, worker_id, status, real_name, phone,
			occupation, district_code, consented_at, created_at, decided_at, decided_by, reason)
			VALUES (gen_random_uuid(), $1, $2, '王小明', '13800138000', 'other', '330726', now(), now() - interval '1 day', `+
			decided+`, `+map[bool]string{true: "NULL", false: "'staff:x'"}[status == "pending"]+`, `+reason+`)`, workerID, status)
		return err
	}
	for _, tc := range []struct {
		status     string
		constraint string // "" when the row is accepted
	}{
		{"pending", "membership_applications_one_open_idx"},
		{"rejected", ""},
		{"approved", ""},
		{"approved", "membership_applications_one_approved_idx"},
	} {
		err := insert(tc.status)
		var pgErr *pgconn.PgError
		switch {
		case tc.constraint == "" && err != nil:
			t.Errorf("a %s application was refused: %v", tc.status, err)
		case tc.constraint != "" && (!errors.As(err, &pgErr) || pgErr.ConstraintName != tc.constraint):
			t.Errorf("a %s application: %v, want a violation of %s", tc.status, err, tc.constraint)
		}
	}
	// A rejection without a reason, and an erased worker who keeps a phone
	// number, break checks.
	for _, q := range []string{
		`UPDATE membership_applications SET status = 'rejected', decided_at = now(), decided_by = 'staff:x' WHERE status = 'pending'`,
		`UPDATE workers SET phone = '13800138000', openid = NULL, deleted_at = now()`,
		`UPDATE workers SET occupation = 'astronaut'`,
	} {
		var pgErr *pgconn.PgError
		if _, err := e.db.Pool.Exec(context.Background(), q); !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("%s: %v, want a check violation", q, err)
		}
	}
}

// OnApproved runs inside the approval's transaction: it sees the new member,
// nobody else does yet, and its error undoes the approval.
func TestOnApprovedRunsInTheApprovalTransaction(t *testing.T) {
	t.Parallel()
	e := newWorkerEnv(t)
	ctx := context.Background()
	workerID, appID := e.applicant("oHook")
	var seen []string
	e.svc.OnApproved = func(ctx context.Context, a worker.Application, member worker.Worker) error {
		var committed *string
		if err := e.db.Pool.QueryRow(ctx, `SELECT membership_no FROM workers WHERE id = $1`, member.ID).Scan(&committed); err != nil {
			return err
		}
		seen = append(seen, member.MembershipNo)
		if committed != nil {
			t.Errorf("the membership was visible outside the transaction before the hook returned")
		}
		if a.ID != appID || a.Status != worker.Approved || member.MembershipNo == "" || member.MembershipNo != a.MembershipNo || !member.MemberSince.Equal(e.now) {
			t.Errorf("hook got %+v and %+v", a, member)
		}
		if len(seen) == 1 {
			return apperr.New(apperr.Unavailable, "the welcome benefit could not be granted")
		}
		return nil
	}
	if _, err := e.svc.Approve(ctx, testAdmin, appID); !apperr.Is(err, apperr.Unavailable) {
		t.Fatalf("approve with a failing hook: %v", err)
	}
	w, err := e.svc.Get(ctx, workerID)
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.svc.MyApplication(ctx, workerID)
	if err != nil {
		t.Fatal(err)
	}
	if w.IsMember() || a.Status != worker.Pending || a.DecidedBy != "" {
		t.Errorf("a failed hook left the worker %+v and the application %+v", w, a)
	}
	a, err = e.svc.Approve(ctx, testAdmin, appID)
	if err != nil {
		t.Fatal(err)
	}
	if w, _ = e.svc.Get(ctx, workerID); !w.IsMember() || w.MembershipNo != a.MembershipNo || len(seen) != 2 {
		t.Errorf("after approval: worker %+v, application %+v, hook saw %v", w, a, seen)
	}
	// Membership numbers never repeat; the rolled-back one left a gap.
	if seen[0] == seen[1] {
		t.Errorf("the rolled-back number %s was issued again", seen[0])
	}
	// The approval that committed owes the welcome benefit, once; the one
	// rolled back owes nothing. Erasing the worker drops the debt.
	var due int
	var at time.Time
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*), max(approved_at) FROM welcome_due WHERE worker_id = $1`, workerID).Scan(&due, &at); err != nil {
		t.Fatal(err)
	}
	if due != 1 || !at.Equal(a.DecidedAt) {
		t.Errorf("welcome owed %d times, since %v; want once, since the approval at %v", due, at, a.DecidedAt)
	}
	if err := e.svc.Erase(ctx, workerID); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM welcome_due WHERE worker_id = $1`, workerID).Scan(&due); err != nil || due != 0 {
		t.Errorf("after erasure the welcome is still owed (%d, %v)", due, err)
	}
}
