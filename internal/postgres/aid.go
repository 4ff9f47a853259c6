package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/aid"
	"yizhan/internal/apperr"
	"yizhan/internal/notify"
	"yizhan/internal/worker"
)

// AidStore keeps hardship-aid applications and their decisions (aid.Store).
type AidStore struct {
	db *DB
}

// NewAidStore returns an AidStore on db.
func NewAidStore(db *DB) *AidStore { return &AidStore{db: db} }

const aidColumns = `id, worker_id, district_code, category, amount_requested_yuan, coalesce(description, ''), consented_at,
	status, created_at, first_reviewed_at, first_reviewed_by, coalesce(first_amount_yuan, 0), second_reviewed_at,
	second_reviewed_by, coalesce(amount_approved_yuan, 0), decided_at, coalesce(reject_reason, ''), erased_at IS NOT NULL`

func scanAid(row pgx.Row) (aid.Application, error) {
	var (
		a                            aid.Application
		category, status             string
		firstAt, secondAt, decidedAt *time.Time
		firstBy, secondBy            *uuid.UUID
	)
	err := row.Scan(&a.ID, &a.WorkerID, &a.DistrictCode, &category, &a.AmountRequested, &a.Description, &a.ConsentedAt,
		&status, &a.CreatedAt, &firstAt, &firstBy, &a.FirstAmount, &secondAt,
		&secondBy, &a.AmountApproved, &decidedAt, &a.RejectReason, &a.Erased)
	a.Category, a.Status = aid.Category(category), aid.Status(status)
	a.FirstReviewedAt, a.SecondReviewedAt, a.DecidedAt = timeOf(firstAt), timeOf(secondAt), timeOf(decidedAt)
	a.FirstReviewedBy, a.SecondReviewedBy = idOf(firstBy), idOf(secondBy)
	return a, err
}

func nullInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// Create implements aid.Store.
func (s *AidStore) Create(ctx context.Context, workerID uuid.UUID, make func(worker.Worker) (aid.Application, error)) (aid.Application, error) {
	var a aid.Application
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		member, err := lockLiveWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if a, err = make(member); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO aid_applications (id, worker_id, district_code, category, amount_requested_yuan,
				description, consented_at, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			a.ID, a.WorkerID, a.DistrictCode, string(a.Category), a.AmountRequested, a.Description, a.ConsentedAt, string(a.Status), a.CreatedAt)
		if constraintOf(err) == "aid_applications_one_open_idx" {
			return apperr.New(apperr.Conflict, "you already have an open aid application; wait for its decision before applying again")
		}
		return err
	})
	if err != nil {
		return aid.Application{}, interpretError(err, "aid application")
	}
	return a, nil
}

// Get implements aid.Store.
func (s *AidStore) Get(ctx context.Context, id uuid.UUID) (aid.Application, error) {
	a, err := scanAid(s.db.Pool.QueryRow(ctx, `SELECT `+aidColumns+` FROM aid_applications WHERE id = $1`, id))
	if err != nil {
		return aid.Application{}, interpretError(err, "aid application")
	}
	a.Decisions, err = aidDecisions(ctx, s.db.Pool, id)
	if err != nil {
		return aid.Application{}, interpretError(err, "aid decisions")
	}
	a.Applicant, err = aidApplicant(ctx, s.db.Pool, a.WorkerID)
	return a, interpretError(err, "aid applicant")
}

// aidApplicant reads who applied: the real name and phone of the worker's
// approved membership application (the profile's phone first) and their
// membership number; empty once erased.
func aidApplicant(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, workerID uuid.UUID) (aid.Applicant, error) {
	var ap aid.Applicant
	err := q.QueryRow(ctx, `SELECT coalesce(m.real_name, ''), coalesce(w.phone, m.phone, ''), coalesce(w.membership_no, '')
		FROM workers w LEFT JOIN LATERAL (SELECT real_name, phone FROM membership_applications
			WHERE worker_id = w.id AND status = 'approved' ORDER BY decided_at DESC LIMIT 1) m ON true
		WHERE w.id = $1`, workerID).Scan(&ap.Name, &ap.Phone, &ap.MembershipNo)
	return ap, err
}

// aidDecisions returns the decisions on the application, in order.
func aidDecisions(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, id uuid.UUID) ([]aid.Decision, error) {
	rows, err := q.Query(ctx, `SELECT step, decision, staff_id, coalesce(amount_yuan, 0), coalesce(reason, ''), decided_at
		FROM aid_decisions WHERE application_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (aid.Decision, error) {
		var (
			d     aid.Decision
			kind  string
			staff *uuid.UUID
		)
		err := row.Scan(&d.Step, &kind, &staff, &d.AmountYuan, &d.Reason, &d.DecidedAt)
		d.Kind, d.StaffID = aid.Kind(kind), idOf(staff)
		return d, err
	})
}

// Mine implements aid.Store.
func (s *AidStore) Mine(ctx context.Context, workerID, before uuid.UUID, limit int) ([]aid.Application, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+aidColumns+` FROM aid_applications
		WHERE worker_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`, workerID, nullID(before), limit)
	if err != nil {
		return nil, interpretError(err, "aid applications")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (aid.Application, error) { return scanAid(row) })
	return out, interpretError(err, "aid applications")
}

// List implements aid.Store.
func (s *AidStore) List(ctx context.Context, f aid.Filter) ([]aid.Application, error) {
	var (
		where = []string{"true"}
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Districts != nil {
		where = append(where, coveredBy("district_code", arg(f.Districts)))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if f.After != uuid.Nil {
		where = append(where, "id > "+arg(f.After))
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+aidColumns+` FROM aid_applications WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, interpretError(err, "aid applications")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (aid.Application, error) { return scanAid(row) })
	return out, interpretError(err, "aid applications")
}

// Decide implements aid.Store. The row lock makes decisions on one
// application take turns, and the decisions table's unique (application,
// step) refuses a step decided twice.
func (s *AidStore) Decide(ctx context.Context, id uuid.UUID, decide func(*aid.Application) (aid.Decision, *notify.Event, error)) (aid.Application, error) {
	var a aid.Application
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		if a, err = scanAid(tx.QueryRow(ctx, `SELECT `+aidColumns+` FROM aid_applications WHERE id = $1 FOR UPDATE`, id)); err != nil {
			return err
		}
		d, ev, err := decide(&a)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE aid_applications SET status = $2, first_reviewed_at = $3, first_reviewed_by = $4,
				first_amount_yuan = $5, second_reviewed_at = $6, second_reviewed_by = $7, amount_approved_yuan = $8,
				decided_at = $9, reject_reason = nullif($10, '')
			WHERE id = $1`, id, string(a.Status), nullTime(a.FirstReviewedAt), nullID(a.FirstReviewedBy), nullInt(a.FirstAmount),
			nullTime(a.SecondReviewedAt), nullID(a.SecondReviewedBy), nullInt(a.AmountApproved), nullTime(a.DecidedAt), a.RejectReason)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO aid_decisions (application_id, step, decision, staff_id, amount_yuan, reason, decided_at)
			VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7)`, id, d.Step, string(d.Kind), nullID(d.StaffID), nullInt(d.AmountYuan), d.Reason, d.DecidedAt)
		if err != nil {
			return err
		}
		if a.Decisions, err = aidDecisions(ctx, tx, id); err != nil {
			return err
		}
		if a.Applicant, err = aidApplicant(ctx, tx, a.WorkerID); err != nil {
			return err
		}
		if ev != nil {
			return enqueueNotification(ctx, tx, *ev)
		}
		return nil
	})
	if err != nil {
		return aid.Application{}, interpretError(err, "aid application")
	}
	return a, nil
}
