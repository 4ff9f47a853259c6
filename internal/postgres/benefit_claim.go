package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"yizhan/internal/apperr"
	"yizhan/internal/benefit"
)

// Claims of benefits: who may claim, taking a claim, and redeeming it.

func scanClaimant(row pgx.Row) (benefit.Claimant, error) {
	var (
		w          benefit.Claimant
		occ, dist  *string
		membership bool
	)
	err := row.Scan(&w.ID, &membership, &occ, &dist)
	w.Member = membership
	if occ != nil {
		w.Occupation = *occ
	}
	if dist != nil {
		w.DistrictCode = *dist
	}
	return w, err
}

// A member's county is that of their approved membership, never the
// profile's home county, which the worker sets (migration 00014).
const claimantQuery = `SELECT id, membership_no IS NOT NULL, occupation,
	CASE WHEN membership_no IS NOT NULL THEN member_district_code ELSE district_code END
	FROM workers WHERE id = $1 AND deleted_at IS NULL`

// Claimant implements benefit.Store.
func (s *BenefitStore) Claimant(ctx context.Context, workerID uuid.UUID) (benefit.Claimant, error) {
	w, err := scanClaimant(s.db.Pool.QueryRow(ctx, claimantQuery, workerID))
	return w, interpretError(err, "worker")
}

const claimColumns = `c.id, c.offer_id, c.worker_id, c.code, c.status, c.welcome, c.claimed_at, c.expires_at,
	c.redeemed_at, c.redeemed_station_id, c.redeemed_by, c.expired_at,
	(SELECT o.title FROM benefit_offers o WHERE o.id = c.offer_id)`

// scanClaim reads claimColumns, then any extra columns into extra.
func scanClaim(row pgx.Row, extra ...any) (benefit.Claim, error) {
	var (
		c                     benefit.Claim
		status                string
		redeemedAt, expiredAt *time.Time
		station               *uuid.UUID
		by                    *string
	)
	dest := append([]any{&c.ID, &c.OfferID, &c.WorkerID, &c.Code, &status, &c.Welcome, &c.ClaimedAt, &c.ExpiresAt,
		&redeemedAt, &station, &by, &expiredAt, &c.OfferTitle}, extra...)
	err := row.Scan(dest...)
	if err != nil {
		return c, err
	}
	c.Status = benefit.ClaimStatus(status)
	if redeemedAt != nil {
		c.RedeemedAt = *redeemedAt
	}
	if station != nil {
		c.RedeemedStation = *station
	}
	if by != nil {
		c.RedeemedBy = *by
	}
	if expiredAt != nil {
		c.ExpiredAt = *expiredAt
	}
	return c, nil
}

// Claim implements benefit.Store. An advisory lock on the worker serialises
// their claims, so the Idempotency-Key lookup and the per-worker count are
// exact. The offer's row is only key-share locked, which claims share; an
// item of stock is taken from one of the offer's slots that no other claim
// holds, in the last round trip before the commit. The statements are
// pipelined in two batches: four round trips in all with BEGIN and COMMIT.
// Each statement of a batch takes its own snapshot (READ COMMITTED), so the
// reads after the lock see every claim the worker committed before it.
func (s *BenefitStore) Claim(ctx context.Context, c benefit.NewClaim, check benefit.ClaimCheck) (benefit.Claim, bool, error) {
	var (
		out    benefit.Claim
		replay bool
	)
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT pg_advisory_xact_lock(hashtextextended('benefit_claim:' || $1::text, 0))`, c.WorkerID)
		b.Queue(`SELECT `+claimColumns+` FROM benefit_claim_keys k JOIN benefit_claims c ON c.id = k.claim_id
			WHERE k.worker_id = $1 AND k.idempotency_key = $2`, c.WorkerID, c.IdempotencyKey)
		// The key-share lock holds back a change of the offer (which locks
		// it FOR UPDATE) until this claim commits, and waits for one in
		// flight: whether the claim takes stock is decided on the offer as
		// the change leaves it. Limiting an unlimited offer counts the claims
		// made so far, and a claim that read the offer as unlimited and
		// committed after that count would have been one too many. (The
		// claim's foreign key takes the same lock at its insert anyway.)
		// The offer is read by the next statement, with a snapshot taken
		// after the wait: a statement that waits for a row lock rechecks
		// that row, but its subqueries (the stock left) would still see the
		// offer's slots as they were before the change.
		b.Queue(`SELECT 1 FROM benefit_offers WHERE id = $1 FOR KEY SHARE`, c.OfferID)
		b.Queue(`SELECT `+offerColumns+` FROM benefit_offers o WHERE o.id = $1`, c.OfferID)
		// The key-share lock waits for a membership approval in flight to
		// commit, so that its welcome grant sees the new member.
		b.Queue(claimantQuery+` FOR KEY SHARE`, c.WorkerID)
		b.Queue(`SELECT claimed_at FROM benefit_claims WHERE worker_id = $1 AND offer_id = $2 AND `+countsToward, c.WorkerID, c.OfferID, c.ClaimedAt)
		if c.Welcome {
			// A welcome claim pays the approval's debt, in this transaction:
			// with no debt left (another grant paid it, whatever the welcome
			// offer was then), nothing is claimed.
			b.Queue(`SELECT count(*) FROM (SELECT 1 FROM welcome_due WHERE worker_id = $1 FOR UPDATE) d`, c.WorkerID)
		}
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return err
		}
		prev, prevErr := scanClaim(br.QueryRow())
		if _, err := br.Exec(); err != nil { // the offer's lock
			return err
		}
		o, offerErr := scanOffer(br.QueryRow())
		w, workerErr := scanClaimant(br.QueryRow())
		rows, err := br.Query()
		if err != nil {
			return err
		}
		claimed, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
		if err != nil {
			return err
		}
		owed := 0
		if c.Welcome {
			if err := br.QueryRow().Scan(&owed); err != nil {
				return err
			}
		}
		if err := br.Close(); err != nil {
			return err
		}
		switch {
		case prevErr == nil && prev.OfferID != c.OfferID:
			return apperr.New(apperr.Conflict, "this Idempotency-Key was used for a claim on another offer; make a new key for each claim")
		case prevErr == nil:
			out, replay = prev, true
			return nil
		case !errors.Is(prevErr, pgx.ErrNoRows):
			return prevErr
		case c.Welcome && owed == 0:
			return errWelcomeNotOwed
		case offerErr != nil:
			return interpretError(offerErr, "offer")
		case workerErr != nil:
			return interpretError(workerErr, "worker")
		}
		usedSince := func(t time.Time) (int, error) {
			n := 0
			for _, at := range claimed {
				if !at.Before(t) {
					n++
				}
			}
			return n, nil
		}
		if err := check(o, w, usedSince); err != nil {
			return err
		}
		if o.Limited() && o.Remaining <= 0 {
			return errSoldOut
		}
		args := []any{c.ID, c.OfferID, c.WorkerID, c.Code, c.Welcome, c.ClaimedAt, c.ExpiresAt}
		insert := claimInsert
		if o.Limited() {
			insert = claimInsertSkipLocked
			args = append(args, rand.IntN(stockSlots))
		}
		tag, err := insertClaim(ctx, tx, insert, args, c)
		if err == nil && tag.RowsAffected() == 0 && o.Limited() {
			// Every slot with stock was held by another claim: wait for one.
			tag, err = insertClaim(ctx, tx, claimInsertWait, args[:7], c)
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var status string
			if err := tx.QueryRow(ctx, `SELECT status FROM benefit_offers WHERE id = $1`, c.OfferID).Scan(&status); err != nil {
				return err
			}
			if status != string(benefit.Published) {
				return apperr.New(apperr.NotOpen, "this benefit is %s", apperr.Word(status))
			}
			return errSoldOut
		}
		if c.Welcome {
			if _, err := tx.Exec(ctx, `DELETE FROM welcome_due WHERE worker_id = $1`, c.WorkerID); err != nil {
				return err
			}
		}
		out = benefit.Claim{ID: c.ID, OfferID: c.OfferID, WorkerID: c.WorkerID, Code: c.Code, Status: benefit.Claimed,
			ClaimedAt: c.ClaimedAt, ExpiresAt: c.ExpiresAt, Welcome: c.Welcome, OfferTitle: o.Title}
		return nil
	})
	if errors.Is(err, benefit.ErrCodeTaken) {
		return benefit.Claim{}, false, err
	}
	if err != nil {
		return benefit.Claim{}, false, interpretError(err, "claim")
	}
	return out, replay, nil
}

// The statements that store a claim. A limited offer's claim is stored
// only when an item was taken from a slot; the first form starts at a
// random slot and skips those other claims hold, the second waits.
const (
	claimInsert = `INSERT INTO benefit_claims (id, offer_id, worker_id, code, status, welcome, claimed_at, expires_at)
		VALUES ($1, $2, $3, $4, 'claimed', $5, $6, $7)`
	claimInsertSkipLocked = `WITH slot AS (
			SELECT slot FROM benefit_stock WHERE offer_id = $2 AND remaining > 0
			ORDER BY (slot + $8) % 16 LIMIT 1 FOR UPDATE SKIP LOCKED -- 16: stockSlots
		), taken AS (
			UPDATE benefit_stock s SET remaining = s.remaining - 1 FROM slot
			WHERE s.offer_id = $2 AND s.slot = slot.slot
			AND EXISTS (SELECT 1 FROM benefit_offers WHERE id = $2 AND status = 'published')
			RETURNING s.offer_id
		)
		INSERT INTO benefit_claims (id, offer_id, worker_id, code, status, welcome, claimed_at, expires_at)
		SELECT $1, taken.offer_id, $3, $4, 'claimed', $5, $6, $7 FROM taken`
	claimInsertWait = `WITH slot AS (
			SELECT slot FROM benefit_stock WHERE offer_id = $2 AND remaining > 0
			ORDER BY slot LIMIT 1 FOR UPDATE
		), taken AS (
			UPDATE benefit_stock s SET remaining = s.remaining - 1 FROM slot
			WHERE s.offer_id = $2 AND s.slot = slot.slot
			AND EXISTS (SELECT 1 FROM benefit_offers WHERE id = $2 AND status = 'published')
			RETURNING s.offer_id
		)
		INSERT INTO benefit_claims (id, offer_id, worker_id, code, status, welcome, claimed_at, expires_at)
		SELECT $1, taken.offer_id, $3, $4, 'claimed', $5, $6, $7 FROM taken`
)

// insertClaim stores the claim with insert and, when it was stored, its
// Idempotency-Key, in one round trip.
func insertClaim(ctx context.Context, tx pgx.Tx, insert string, args []any, c benefit.NewClaim) (pgconn.CommandTag, error) {
	b := &pgx.Batch{}
	b.Queue(insert, args...)
	b.Queue(`INSERT INTO benefit_claim_keys (worker_id, idempotency_key, offer_id, claim_id, created_at)
		SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM benefit_claims WHERE id = $4)`,
		c.WorkerID, c.IdempotencyKey, c.OfferID, c.ID, c.ClaimedAt)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	tag, err := br.Exec()
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.ConstraintName == "benefit_claims_code_key" {
			return tag, benefit.ErrCodeTaken
		}
		return tag, err
	}
	if _, err := br.Exec(); err != nil {
		return tag, err
	}
	return tag, br.Close()
}

var errSoldOut = apperr.New(apperr.SoldOut, "this benefit has been claimed out")

// countsToward is the condition (on benefit_claims, with the instant as
// $3) for a claim to count toward the worker's limit: redeemed, or still
// waiting to be collected. A claim past its expiry counts no more even
// before the sweep has marked it expired.
const countsToward = `(status = 'redeemed' OR status = 'claimed' AND expires_at > $3)`

// ClaimTimes implements benefit.Store.
func (s *BenefitStore) ClaimTimes(ctx context.Context, workerID uuid.UUID, offerIDs []uuid.UUID, now time.Time) (map[uuid.UUID][]time.Time, error) {
	out := map[uuid.UUID][]time.Time{}
	if len(offerIDs) == 0 {
		return out, nil
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT offer_id, claimed_at FROM benefit_claims
		WHERE worker_id = $1 AND offer_id = ANY($2) AND `+countsToward, workerID, offerIDs, now)
	if err != nil {
		return nil, interpretError(err, "claims")
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id uuid.UUID
			at time.Time
		)
		if err := rows.Scan(&id, &at); err != nil {
			return nil, interpretError(err, "claims")
		}
		out[id] = append(out[id], at)
	}
	return out, interpretError(rows.Err(), "claims")
}

// WorkerClaims implements benefit.Store.
func (s *BenefitStore) WorkerClaims(ctx context.Context, workerID, before uuid.UUID, limit int) ([]benefit.Claim, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+claimColumns+` FROM benefit_claims c
		WHERE c.worker_id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR c.id < $2)
		ORDER BY c.id DESC LIMIT $3`, workerID, before, limit)
	if err != nil {
		return nil, interpretError(err, "claims")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (benefit.Claim, error) { return scanClaim(row) })
	return out, interpretError(err, "claims")
}

// Redeem implements benefit.Store.
func (s *BenefitStore) Redeem(ctx context.Context, code string, stationID uuid.UUID, now time.Time, actor string,
	decide func(benefit.Claim, *benefit.Offer, benefit.StationInfo) (benefit.RedeemAction, error)) (benefit.Claim, error) {
	var out benefit.Claim
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		c, err := scanClaim(tx.QueryRow(ctx, `SELECT `+claimColumns+` FROM benefit_claims c WHERE c.code = $1 FOR UPDATE`, code))
		if err != nil {
			return interpretError(err, "claim")
		}
		o, err := scanOffer(tx.QueryRow(ctx, `SELECT `+offerColumns+` FROM benefit_offers o WHERE o.id = $1`, c.OfferID))
		if err != nil {
			return err
		}
		var st benefit.StationInfo
		err = tx.QueryRow(ctx, `SELECT id, district_code, status = 'active' FROM stations WHERE id = $1`, stationID).
			Scan(&st.ID, &st.DistrictCode, &st.Active)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		action, err := decide(c, o, st)
		if err != nil {
			return err
		}
		switch action {
		case benefit.Redeem:
			_, err = tx.Exec(ctx, `UPDATE benefit_claims SET status = 'redeemed', redeemed_at = $2, redeemed_station_id = $3,
				redeemed_by = $4 WHERE id = $1`, c.ID, now, st.ID, actor)
			c.Status, c.RedeemedAt, c.RedeemedStation, c.RedeemedBy = benefit.Redeemed, now, st.ID, actor
		case benefit.Expire:
			err = expireClaim(ctx, tx, c.ID, c.OfferID, now)
			c.Status, c.ExpiredAt = benefit.Expired, now
		}
		out = c
		return err
	})
	if err != nil {
		return benefit.Claim{}, interpretError(err, "claim")
	}
	return out, nil
}
