package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/notify"
	"yizhan/internal/wish"
	"yizhan/internal/worker"
)

// WishStore keeps micro-wishes (wish.Store).
type WishStore struct {
	db *DB
}

// NewWishStore returns a WishStore on db.
func NewWishStore(db *DB) *WishStore { return &WishStore{db: db} }

const wishColumns = `id, worker_id, district_code, occupation, category, coalesce(title, ''), coalesce(story, ''), value_yuan,
	status, created_at, reviewed_at, reviewed_by, coalesce(reject_reason, ''), pledged_at, pledged_by,
	delivered_at, delivered_by, confirmed_at, withdrawn_at, erased_at IS NOT NULL`

func scanWish(row pgx.Row) (wish.Wish, error) {
	var (
		w                                                            wish.Wish
		category, status                                             string
		reviewedAt, pledgedAt, deliveredAt, confirmedAt, withdrawnAt *time.Time
		reviewedBy, pledgedBy, deliveredBy                           *uuid.UUID
	)
	err := row.Scan(&w.ID, &w.WorkerID, &w.DistrictCode, &w.Occupation, &category, &w.Title, &w.Story, &w.ValueYuan,
		&status, &w.CreatedAt, &reviewedAt, &reviewedBy, &w.RejectReason, &pledgedAt, &pledgedBy,
		&deliveredAt, &deliveredBy, &confirmedAt, &withdrawnAt, &w.Erased)
	w.Category, w.Status = wish.Category(category), wish.Status(status)
	w.ReviewedAt, w.PledgedAt, w.DeliveredAt = timeOf(reviewedAt), timeOf(pledgedAt), timeOf(deliveredAt)
	w.ConfirmedAt, w.WithdrawnAt = timeOf(confirmedAt), timeOf(withdrawnAt)
	w.ReviewedBy, w.PledgedBy, w.DeliveredBy = idOf(reviewedBy), idOf(pledgedBy), idOf(deliveredBy)
	return w, err
}

func timeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func idOf(id *uuid.UUID) uuid.UUID {
	if id == nil {
		return uuid.Nil
	}
	return *id
}

// nullID stores the zero value as NULL (nullTime, in activity.go, does the same for times).
func nullID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

// Create implements wish.Store.
func (s *WishStore) Create(ctx context.Context, workerID uuid.UUID, make func(worker.Worker) (wish.Wish, error)) (wish.Wish, error) {
	var w wish.Wish
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		member, err := lockLiveWorker(ctx, tx, workerID)
		if err != nil {
			return err
		}
		if w, err = make(member); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO wishes (id, worker_id, district_code, occupation, category, title, story, value_yuan, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			w.ID, w.WorkerID, w.DistrictCode, w.Occupation, string(w.Category), w.Title, w.Story, w.ValueYuan, string(w.Status), w.CreatedAt)
		if constraintOf(err) == "wishes_one_pending_idx" {
			return apperr.New(apperr.Conflict, "you already have a wish awaiting review; wait for its review before posting another")
		}
		return err
	})
	if err != nil {
		return wish.Wish{}, interpretError(err, "wish")
	}
	return w, nil
}

// Get implements wish.Store.
func (s *WishStore) Get(ctx context.Context, id uuid.UUID) (wish.Wish, error) {
	w, err := scanWish(s.db.Pool.QueryRow(ctx, `SELECT `+wishColumns+` FROM wishes WHERE id = $1`, id))
	return w, interpretError(err, "wish")
}

// Mine implements wish.Store.
func (s *WishStore) Mine(ctx context.Context, workerID, before uuid.UUID, limit int) ([]wish.Wish, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+wishColumns+` FROM wishes
		WHERE worker_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`, workerID, nullID(before), limit)
	if err != nil {
		return nil, interpretError(err, "wishes")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (wish.Wish, error) { return scanWish(row) })
	return out, interpretError(err, "wishes")
}

// List implements wish.Store.
func (s *WishStore) List(ctx context.Context, f wish.Filter) ([]wish.Wish, error) {
	var (
		where = []string{"status = $1"}
		args  = []any{string(f.Status)}
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Districts != nil {
		where = append(where, coveredBy("district_code", arg(f.Districts)))
	}
	if f.DistrictCode != "" {
		where = append(where, within("district_code", f.DistrictCode, arg))
	}
	if f.After != uuid.Nil {
		where = append(where, "id > "+arg(f.After))
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+wishColumns+` FROM wishes WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id LIMIT `+arg(f.Limit), args...)
	if err != nil {
		return nil, interpretError(err, "wishes")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (wish.Wish, error) { return scanWish(row) })
	return out, interpretError(err, "wishes")
}

// coveredBy is the condition that one of the codes bound at arg (a text
// array) covers the county in column: the county itself, its city or its
// province.
func coveredBy(column, arg string) string {
	return fmt.Sprintf(`(%[1]s = ANY(%[2]s) OR left(%[1]s, 4) || '00' = ANY(%[2]s) OR left(%[1]s, 2) || '0000' = ANY(%[2]s))`, column, arg)
}

// within is the condition that the county in column lies in the county,
// city or province code.
func within(column, code string, arg func(any) string) string {
	switch {
	case strings.HasSuffix(code, "0000"):
		return column + " LIKE " + arg(code[:2]+"%")
	case strings.HasSuffix(code, "00"):
		return column + " LIKE " + arg(code[:4]+"%")
	}
	return column + " = " + arg(code)
}

// Update implements wish.Store. The row lock makes concurrent pledges take
// turns: the first finds the wish published, every later one pledged.
func (s *WishStore) Update(ctx context.Context, id uuid.UUID, change func(*wish.Wish) ([]notify.Event, error)) (wish.Wish, error) {
	var w wish.Wish
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		if w, err = scanWish(tx.QueryRow(ctx, `SELECT `+wishColumns+` FROM wishes WHERE id = $1 FOR UPDATE`, id)); err != nil {
			return err
		}
		events, err := change(&w)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE wishes SET status = $2, reviewed_at = $3, reviewed_by = $4, reject_reason = nullif($5, ''),
			pledged_at = $6, pledged_by = $7, delivered_at = $8, delivered_by = $9, confirmed_at = $10
			WHERE id = $1`, id, string(w.Status), nullTime(w.ReviewedAt), nullID(w.ReviewedBy), w.RejectReason,
			nullTime(w.PledgedAt), nullID(w.PledgedBy), nullTime(w.DeliveredAt), nullID(w.DeliveredBy), nullTime(w.ConfirmedAt))
		if err != nil {
			return err
		}
		for _, ev := range events {
			if err := enqueueNotification(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wish.Wish{}, interpretError(err, "wish")
	}
	return w, nil
}

// eraseWishesAndAid is the part of a worker's erasure (WorkerStore.Erase)
// that concerns their wishes and aid applications: the words go, the
// categories, amounts and dates stay; a wish not yet delivered is
// withdrawn, and an open aid application is closed as withdrawn, with the
// withdrawal recorded among its decisions.
func eraseWishesAndAid(ctx context.Context, tx pgx.Tx, workerID uuid.UUID, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE wishes SET status = 'withdrawn', withdrawn_at = $2
		WHERE worker_id = $1 AND status IN ('pending', 'published', 'pledged')`, workerID, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE wishes SET title = NULL, story = NULL, erased_at = $2
		WHERE worker_id = $1 AND erased_at IS NULL`, workerID, now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `WITH closed AS (
			UPDATE aid_applications SET status = 'rejected', decided_at = $2, reject_reason = $3
			WHERE worker_id = $1 AND status IN ('pending', 'awaiting_second_review')
			RETURNING id, CASE WHEN first_reviewed_at IS NULL THEN 1 ELSE 2 END AS step)
		INSERT INTO aid_decisions (application_id, step, decision, reason, decided_at)
		SELECT id, step, 'withdraw', $3, $2 FROM closed`, workerID, now, aidWithdrawnReason); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE aid_applications SET description = NULL, erased_at = $2
		WHERE worker_id = $1 AND erased_at IS NULL`, workerID, now)
	return err
}

// aidWithdrawnReason closes the open aid applications of a worker who
// erased their account.
const aidWithdrawnReason = "撤回：申请人已注销账号"
