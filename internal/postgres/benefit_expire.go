package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"yizhan/internal/apperr"
)

// Claims running out, and the welcome benefit owed to new members.

func expireClaim(ctx context.Context, tx pgx.Tx, id, offerID uuid.UUID, now time.Time) error {
	// See expireDue: the offer's lock first, the stock after it.
	if _, err := tx.Exec(ctx, `SELECT 1 FROM benefit_offers WHERE id = $1 FOR KEY SHARE`, offerID); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE benefit_claims SET status = 'expired', expired_at = $2 WHERE id = $1 AND status = 'claimed'`, id, now)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE benefit_stock SET remaining = remaining + 1 WHERE offer_id = $1 AND slot = 0`, offerID)
	return err
}

// ExpireDue implements benefit.Store. SKIP LOCKED lets sweepers of several
// processes work side by side, and the status test makes each claim expire
// once.
func (s *BenefitStore) ExpireDue(ctx context.Context, now time.Time, limit int) (int, error) {
	n, err := s.expireDue(ctx, now, limit, nil)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName != stockWithinTotal {
		return n, interpretError(err, "claims")
	}
	// Returning some offer's stock would leave it more items than its
	// total: a bug, which must not stop every other offer's claims from
	// expiring. Expire offer by offer, and report the offers refused.
	rows, err := s.db.Pool.Query(ctx, `SELECT DISTINCT offer_id FROM benefit_claims WHERE status = 'claimed' AND expires_at <= $1`, now)
	if err != nil {
		return 0, interpretError(err, "claims")
	}
	offers, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, interpretError(err, "claims")
	}
	total := 0
	var refused []error
	for _, id := range offers {
		for { // all of a sound offer's overdue claims, limit at a time
			m, err := s.expireDue(ctx, now, limit, &id)
			if err != nil {
				refused = append(refused, interpretError(err, apperr.Word("claims of offer "+id.String())))
				break
			}
			total += m
			if m < limit {
				break
			}
		}
	}
	return total, errors.Join(refused...)
}

// errWelcomeNotOwed refuses a welcome claim when no approval owes one: the
// grant then has nothing to do.
var errWelcomeNotOwed = apperr.New(apperr.NotFound, "no welcome benefit is owed to this worker")

// stockWithinTotal is migration 00006's rule: no more items left than the total.
const stockWithinTotal = "benefit_stock_within_total"

// expireDue expires up to limit overdue claims, of one offer when offer is
// not nil, in one transaction; it reports 0 when the transaction fails.
//
// The claims are locked first, then their offers key-share: a change of an
// offer in flight (limiting an unlimited one counts its open claims, and
// makes its stock) finishes before the claims expire, and the stock is
// returned by a later statement, whose snapshot sees the slots that change
// made. Returned in the same statement as the count it follows, an item
// would go back to slots that did not exist yet for that statement, and be
// lost.
func (s *BenefitStore) expireDue(ctx context.Context, now time.Time, limit int, offer *uuid.UUID) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var ids, offers []uuid.UUID
		rows, err := tx.Query(ctx, `SELECT id, offer_id FROM benefit_claims
			WHERE status = 'claimed' AND expires_at <= $1 AND ($3::uuid IS NULL OR offer_id = $3)
			ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`, now, limit, offer)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, o uuid.UUID
			if err := rows.Scan(&id, &o); err != nil {
				return err
			}
			ids, offers = append(ids, id), append(offers, o)
		}
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM benefit_offers WHERE id = ANY($1) ORDER BY id FOR KEY SHARE`, offers); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `WITH expired AS (
				UPDATE benefit_claims SET status = 'expired', expired_at = $1 WHERE id = ANY($2) AND status = 'claimed'
				RETURNING offer_id
			), returned AS (
				UPDATE benefit_stock s SET remaining = s.remaining + e.n
				FROM (SELECT offer_id, count(*)::int AS n FROM expired GROUP BY offer_id) e
				WHERE s.offer_id = e.offer_id AND s.slot = 0
			)
			SELECT count(*) FROM expired`, now, ids).Scan(&n)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// WelcomesDue implements benefit.Store.
func (s *BenefitStore) WelcomesDue(ctx context.Context, limit int) ([]uuid.UUID, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT worker_id FROM welcome_due ORDER BY approved_at, worker_id LIMIT $1`, limit)
	if err != nil {
		return nil, interpretError(err, "welcome_due")
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	return ids, interpretError(err, "welcome_due")
}

// SettleWelcome implements benefit.Store. An approval's grant starts while
// the approval's transaction, which writes the debt, still holds the worker
// locked: the key-share lock waits for it to end, so that the delete, a
// statement later, sees the debt it committed.
func (s *BenefitStore) SettleWelcome(ctx context.Context, workerID uuid.UUID) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM workers WHERE id = $1 FOR KEY SHARE`, workerID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM welcome_due WHERE worker_id = $1`, workerID)
		return err
	})
	return interpretError(err, "welcome_due")
}
