package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"yizhan/internal/apperr"
	"yizhan/internal/worker"
)

// WorkerStore implements worker.Store.
type WorkerStore struct {
	db *DB
}

// NewWorkerStore returns a WorkerStore.
func NewWorkerStore(db *DB) *WorkerStore { return &WorkerStore{db: db} }

var _ worker.Store = (*WorkerStore)(nil)

// Optional text columns are NULL when empty; they are read back as "".
const workerColumns = `id, openid, coalesce(unionid, ''), coalesce(nickname, ''), coalesce(phone, ''),
	coalesce(occupation, ''), coalesce(employer, ''), coalesce(district_code, ''), coalesce(membership_no, ''),
	member_since, created_at, updated_at, district_changed_at, coalesce(member_district_code, '')`

func scanWorker(row pgx.Row) (worker.Worker, error) {
	var (
		w           worker.Worker
		openid      *string
		occupation  string
		memberSince *time.Time
		changedAt   *time.Time
	)
	err := row.Scan(&w.ID, &openid, &w.UnionID, &w.Nickname, &w.Phone, &occupation, &w.Employer, &w.DistrictCode,
		&w.MembershipNo, &memberSince, &w.CreatedAt, &w.UpdatedAt, &changedAt, &w.MemberDistrictCode)
	if openid != nil {
		w.OpenID = *openid
	}
	if memberSince != nil {
		w.MemberSince = *memberSince
	}
	if changedAt != nil {
		w.DistrictChangedAt = *changedAt
	}
	w.Occupation = worker.Occupation(occupation)
	return w, err
}

// SignIn implements worker.Store. The row is inserted or, when the openid
// is known, touched to keep a new unionid; xmax = 0 tells an inserted row
// from an updated one.
func (s *WorkerStore) SignIn(ctx context.Context, w worker.Worker) (worker.Worker, bool, error) {
	var created bool
	row := s.db.Pool.QueryRow(ctx, `INSERT INTO workers AS w (id, openid, unionid, created_at, updated_at)
		VALUES ($1, $2, nullif($3, ''), $4, $4)
		ON CONFLICT (openid) DO UPDATE SET unionid = coalesce(excluded.unionid, w.unionid)
		RETURNING `+workerColumns+`, xmax = 0`, w.ID, w.OpenID, w.UnionID, w.CreatedAt)
	out, err := scanWorker(rowWith{row, &created})
	if err != nil {
		return worker.Worker{}, false, interpretError(err, "worker")
	}
	return out, created, nil
}

// rowWith scans a row's worker columns and one trailing column.
type rowWith struct {
	pgx.Row
	extra any
}

func (r rowWith) Scan(dest ...any) error { return r.Row.Scan(append(dest, r.extra)...) }

// Get implements worker.Store.
func (s *WorkerStore) Get(ctx context.Context, id uuid.UUID) (worker.Worker, error) {
	w, err := scanWorker(s.db.Pool.QueryRow(ctx, `SELECT `+workerColumns+` FROM workers WHERE id = $1 AND deleted_at IS NULL`, id))
	return w, interpretError(err, "worker")
}

// UpdateProfile implements worker.Store.
func (s *WorkerStore) UpdateProfile(ctx context.Context, id uuid.UUID, change func(*worker.Worker) error) (worker.Worker, error) {
	var w worker.Worker
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		w, err = scanWorker(tx.QueryRow(ctx, `SELECT `+workerColumns+` FROM workers WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if err := change(&w); err != nil {
			return err
		}
		var changedAt *time.Time
		if !w.DistrictChangedAt.IsZero() {
			changedAt = &w.DistrictChangedAt
		}
		_, err = tx.Exec(ctx, `UPDATE workers SET nickname = nullif($2, ''), phone = nullif($3, ''), occupation = nullif($4, ''),
			employer = nullif($5, ''), district_code = nullif($6, ''), updated_at = $7, district_changed_at = $8
			WHERE id = $1`, id, w.Nickname, w.Phone, string(w.Occupation), w.Employer, w.DistrictCode, w.UpdatedAt, changedAt)
		return err
	})
	if constraintOf(err) == "workers_district_change_interval" {
		return worker.Worker{}, &apperr.Error{Code: apperr.TooSoon, Message: "your home county may change once per 30 days", Err: err}
	}
	if err != nil {
		return worker.Worker{}, interpretError(err, "worker")
	}
	return w, nil
}

// Erase implements worker.Store. The worker's places in activities are
// given up first, each activity locked before the worker's row, the order
// of every activity path (a sign-up or a promotion takes the worker's row
// for its foreign key after the activity's); then the worker's row is
// locked, as in every transaction that touches a worker's applications.
// A sign-up that slipped in between is given up after, in the other order:
// should that ever deadlock, the erasure is tried again.
func (s *WorkerStore) Erase(ctx context.Context, id uuid.UUID, now time.Time, decidedBy string) error {
	var err error
	for range 3 {
		if err = s.erase(ctx, id, now, decidedBy); !isDeadlock(err) {
			break
		}
	}
	return interpretError(err, "worker")
}

// isDeadlock reports whether PostgreSQL broke a deadlock by failing err's
// transaction, or could not serialise it.
func isDeadlock(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

func (s *WorkerStore) erase(ctx context.Context, id uuid.UUID, now time.Time, decidedBy string) error {
	return pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// Places held in activities still to come go to the next in line.
		if err := eraseSignups(ctx, tx, id, now); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE workers SET openid = NULL, unionid = NULL, nickname = NULL, phone = NULL,
			employer = NULL, membership_no = NULL, deleted_at = $2, updated_at = $2
			WHERE id = $1 AND deleted_at IS NULL`, id, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return apperr.New(apperr.NotFound, "worker not found")
		}
		if _, err := tx.Exec(ctx, `UPDATE membership_applications
			SET status = 'withdrawn', decided_at = $2, decided_by = $3, reason = 'the worker erased their account'
			WHERE worker_id = $1 AND status = 'pending'`, id, now, decidedBy); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM welcome_due WHERE worker_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE membership_applications SET real_name = NULL, phone = NULL, employer = NULL
			WHERE worker_id = $1`, id); err != nil {
			return err
		}
		// What the worker wrote in their own words about stations may name
		// them or others; the check-ins and reports stay, without it, for the
		// stations' counts and the staff's queue.
		if _, err := tx.Exec(ctx, `UPDATE station_checkins SET note = NULL WHERE worker_id = $1 AND note IS NOT NULL`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE station_reports SET note = NULL WHERE worker_id = $1 AND note IS NOT NULL`, id); err != nil {
			return err
		}
		// Wishes and hardship aid (issue 12): the words go, the accounts stay.
		if err := eraseWishesAndAid(ctx, tx, id, now); err != nil {
			return err
		}
		// A sign-up made between the first sweep and the worker's lock.
		if err := eraseSignups(ctx, tx, id, now); err != nil {
			return err
		}
		// Notifications not yet sent are dropped with their words, and the
		// subscriptions forgotten (issue 12 section 4).
		if _, err := tx.Exec(ctx, `UPDATE notification_outbox SET status = 'dropped', result = 'erased', delivered_at = $2, data = '{}'
			WHERE worker_id = $1 AND status = 'pending'`, id, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM notification_subscriptions WHERE worker_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE worker_sessions SET revoked_at = $2 WHERE worker_id = $1 AND revoked_at IS NULL`, id, now)
		return err
	})
}

// The membership number of an approved application is the worker's.
const applicationColumns = `a.id, a.worker_id, a.status, coalesce(a.real_name, ''), coalesce(a.phone, ''), a.occupation,
	coalesce(a.employer, ''), a.district_code, a.consented_at, a.created_at, coalesce(a.decided_by, ''), a.decided_at,
	coalesce(a.reason, ''), CASE WHEN a.status = 'approved' THEN coalesce(w.membership_no, '') ELSE '' END`

func scanApplication(row pgx.Row) (worker.Application, error) {
	var (
		a                  worker.Application
		status, occupation string
		decidedAt          *time.Time
	)
	err := row.Scan(&a.ID, &a.WorkerID, &status, &a.RealName, &a.Phone, &occupation, &a.Employer, &a.DistrictCode,
		&a.ConsentedAt, &a.CreatedAt, &a.DecidedBy, &decidedAt, &a.Reason, &a.MembershipNo)
	a.Status, a.Occupation = worker.Status(status), worker.Occupation(occupation)
	if decidedAt != nil {
		a.DecidedAt = *decidedAt
	}
	return a, err
}

// lockLiveWorker locks a worker's row for the rest of the transaction.
func lockLiveWorker(ctx context.Context, tx pgx.Tx, id uuid.UUID) (worker.Worker, error) {
	return scanWorker(tx.QueryRow(ctx, `SELECT `+workerColumns+` FROM workers WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, id))
}

// CreateApplication implements worker.Store.
func (s *WorkerStore) CreateApplication(ctx context.Context, a worker.Application, check func(worker.Worker) error) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		w, err := lockLiveWorker(ctx, tx, a.WorkerID)
		if err != nil {
			return err
		}
		if err := check(w); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO membership_applications (id, worker_id, status, real_name, phone, occupation,
			employer, district_code, consented_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, nullif($7, ''), $8, $9, $10)`,
			a.ID, a.WorkerID, string(a.Status), a.RealName, a.Phone, string(a.Occupation), a.Employer, a.DistrictCode, a.ConsentedAt, a.CreatedAt)
		return err
	})
	switch constraintOf(err) {
	case "membership_applications_one_open_idx":
		return &apperr.Error{Code: apperr.Conflict, Message: "you already have an open membership application; wait for its decision", Err: err}
	case "membership_applications_one_approved_idx":
		return &apperr.Error{Code: apperr.Conflict, Message: "you are already a union member", Err: err}
	}
	return interpretError(err, "membership application")
}

// constraintOf names the constraint a PostgreSQL error broke, if any.
func constraintOf(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.ConstraintName
	}
	return ""
}

// LatestApplication implements worker.Store.
func (s *WorkerStore) LatestApplication(ctx context.Context, workerID uuid.UUID) (worker.Application, error) {
	a, err := scanApplication(s.db.Pool.QueryRow(ctx, `SELECT `+applicationColumns+`
		FROM membership_applications a JOIN workers w ON w.id = a.worker_id
		WHERE a.worker_id = $1 AND w.deleted_at IS NULL
		ORDER BY a.created_at DESC, a.id DESC LIMIT 1`, workerID))
	return a, interpretError(err, "membership application")
}

// ListApplications implements worker.Store. A district matches when a
// staff code equals it, or names its city (first four digits + 00) or its
// province (first two digits + 0000), as auth.Covers.
func (s *WorkerStore) ListApplications(ctx context.Context, f worker.ApplicationFilter) ([]worker.Application, error) {
	var (
		where = []string{"w.deleted_at IS NULL"}
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Districts != nil {
		d := arg(f.Districts)
		where = append(where, fmt.Sprintf(`(a.district_code = ANY(%[1]s) OR left(a.district_code, 4) || '00' = ANY(%[1]s)
			OR left(a.district_code, 2) || '0000' = ANY(%[1]s))`, d))
	}
	switch c := f.DistrictCode; {
	case c == "":
	case strings.HasSuffix(c, "0000"): // a province: all its counties
		where = append(where, "a.district_code LIKE "+arg(c[:2]+"%"))
	case strings.HasSuffix(c, "00"): // a city: all its counties
		where = append(where, "a.district_code LIKE "+arg(c[:4]+"%"))
	default:
		where = append(where, "a.district_code = "+arg(c))
	}
	if f.Status != "" {
		where = append(where, "a.status = "+arg(string(f.Status)))
	}
	if f.After != uuid.Nil {
		where = append(where, "a.id > "+arg(f.After))
	}
	q := `SELECT ` + applicationColumns + ` FROM membership_applications a JOIN workers w ON w.id = a.worker_id
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY a.id LIMIT ` + arg(f.Limit)
	rows, err := s.db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, interpretError(err, "membership applications")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (worker.Application, error) { return scanApplication(row) })
	return out, interpretError(err, "membership applications")
}

// DecideApplication implements worker.Store. It locks the worker, then the
// application, in the order every other transaction does.
func (s *WorkerStore) DecideApplication(ctx context.Context, id uuid.UUID, decide func(*worker.Application, worker.Worker) error,
	approved func(context.Context, worker.Application, worker.Worker) error) (worker.Application, error) {
	var a worker.Application
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var workerID uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT worker_id FROM membership_applications WHERE id = $1`, id).Scan(&workerID); err != nil {
			return err
		}
		// The applications of an erased worker are gone for staff.
		w, err := lockLiveWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		a, err = scanApplication(tx.QueryRow(ctx, `SELECT `+applicationColumns+`
			FROM membership_applications a JOIN workers w ON w.id = a.worker_id
			WHERE a.id = $1 FOR UPDATE OF a`, id))
		if err != nil {
			return err
		}
		if err := decide(&a, w); err != nil {
			return err
		}
		if a.Status == worker.Approved {
			// The member's benefits go by the county of this application
			// (member_district_code, fixed from now on: migration 00014). A
			// profile without a home county or an occupation takes the
			// application's: occupations still go by the profile.
			var occupation, district *string
			err := tx.QueryRow(ctx, `UPDATE workers
				SET membership_no = 'YZ' || lpad(nextval('membership_no_seq')::text, 10, '0'), member_since = $2, updated_at = $2,
					member_district_code = $4, occupation = coalesce(occupation, $3), district_code = coalesce(district_code, $4)
				WHERE id = $1 RETURNING membership_no, member_since, updated_at, occupation, district_code, member_district_code`,
				w.ID, a.DecidedAt, string(a.Occupation), a.DistrictCode).
				Scan(&w.MembershipNo, &w.MemberSince, &w.UpdatedAt, &occupation, &district, &w.MemberDistrictCode)
			if err != nil {
				return err
			}
			a.MembershipNo = w.MembershipNo
			if occupation != nil {
				w.Occupation = worker.Occupation(*occupation)
			}
			if district != nil {
				w.DistrictCode = *district
			}
			// The welcome benefit is owed from this commit on; the grant
			// settles it (migration 00005).
			if _, err := tx.Exec(ctx, `INSERT INTO welcome_due (worker_id, approved_at) VALUES ($1, $2)
				ON CONFLICT (worker_id) DO NOTHING`, w.ID, a.DecidedAt); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE membership_applications SET status = $2, decided_by = $3, decided_at = $4, reason = nullif($5, '')
			WHERE id = $1`, id, string(a.Status), a.DecidedBy, a.DecidedAt, a.Reason)
		if err != nil {
			return err
		}
		// The worker hears of the decision (issue 12 section 4).
		if a.Status == worker.Approved || a.Status == worker.Rejected {
			if err := enqueueNotification(ctx, tx, membershipDecidedEvent(a)); err != nil {
				return err
			}
		}
		if a.Status == worker.Approved && approved != nil {
			return approved(ctx, a, w)
		}
		return nil
	})
	if err != nil {
		return worker.Application{}, interpretError(err, "membership application")
	}
	return a, nil
}

// RecordLoginAttempt implements worker.Store. An advisory lock on the
// subject makes the count exact under concurrent attempts.
func (s *WorkerStore) RecordLoginAttempt(ctx context.Context, subject string, now, since time.Time, limit int) (bool, error) {
	var recorded bool
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('worker_login:' || $1, 0))`, subject); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM worker_login_attempts WHERE attempted_at <= $1`, since); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO worker_login_attempts (subject, attempted_at)
			SELECT $1, $2 WHERE (SELECT count(*) FROM worker_login_attempts WHERE subject = $1 AND attempted_at > $3) < $4`,
			subject, now, since, limit)
		recorded = tag.RowsAffected() == 1
		return err
	})
	return recorded, interpretError(err, "login attempts")
}
