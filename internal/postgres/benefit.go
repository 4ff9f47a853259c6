package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"yizhan/internal/apperr"
	"yizhan/internal/benefit"
)

// BenefitStore implements benefit.Store.
type BenefitStore struct {
	db *DB
}

// NewBenefitStore returns a BenefitStore.
func NewBenefitStore(db *DB) *BenefitStore { return &BenefitStore{db: db} }

var _ benefit.Store = (*BenefitStore)(nil)

// stockSlots is how many rows an offer's stock is split over.
const stockSlots = 16

const offerColumns = `o.id, o.title, o.description, o.category, o.total_stock,
	(SELECT sum(s.remaining)::int FROM benefit_stock s WHERE s.offer_id = o.id), o.per_worker_count,
	o.per_worker_period, o.starts_at, o.ends_at, o.weekly_days, o.weekly_from, o.weekly_to, o.members_only, o.occupations,
	o.district_codes, o.status, o.welcome, o.version, o.created_at, o.created_by, o.updated_at, o.updated_by,
	ARRAY(SELECT s.station_id FROM benefit_offer_stations s WHERE s.offer_id = o.id ORDER BY s.station_id)`

func scanOffer(row pgx.Row) (*benefit.Offer, error) {
	var (
		o                benefit.Offer
		total, remaining *int32
		days             []int16
		from, to         *int16
		category, status string
		period           string
	)
	err := row.Scan(&o.ID, &o.Title, &o.Description, &category, &total, &remaining, &o.PerWorker.Count,
		&period, &o.Window.StartsAt, &o.Window.EndsAt, &days, &from, &to, &o.Eligibility.MembersOnly, &o.Eligibility.Occupations,
		&o.Eligibility.DistrictCodes, &status, &o.Welcome, &o.Version, &o.CreatedAt, &o.CreatedBy, &o.UpdatedAt, &o.UpdatedBy,
		&o.RedeemAt)
	if err != nil {
		return nil, err
	}
	o.Category, o.Status, o.PerWorker.Period = benefit.Category(category), benefit.Status(status), benefit.Period(period)
	if total != nil {
		n := int(*total)
		o.TotalStock = &n
		if remaining != nil {
			o.Remaining = int(*remaining)
		}
	}
	if days != nil && from != nil && to != nil {
		w := &benefit.Weekly{From: int(*from), To: int(*to)}
		for _, d := range days {
			w.Days = append(w.Days, time.Weekday(d))
		}
		o.Window.Weekly = w
	}
	if len(o.Eligibility.Occupations) == 0 {
		o.Eligibility.Occupations = nil
	}
	if len(o.Eligibility.DistrictCodes) == 0 {
		o.Eligibility.DistrictCodes = nil
	}
	if len(o.RedeemAt) == 0 {
		o.RedeemAt = nil
	}
	return &o, nil
}

func offerArgs(o *benefit.Offer) []any {
	var (
		days     []int16
		from, to *int
	)
	if w := o.Window.Weekly; w != nil {
		for _, d := range w.Days {
			days = append(days, int16(d))
		}
		from, to = &w.From, &w.To
	}
	occ, districts := o.Eligibility.Occupations, o.Eligibility.DistrictCodes
	if occ == nil {
		occ = []string{}
	}
	if districts == nil {
		districts = []string{}
	}
	return []any{o.ID, o.Title, o.Description, string(o.Category), o.TotalStock, o.PerWorker.Count,
		string(o.PerWorker.Period), o.Window.StartsAt, o.Window.EndsAt, days, from, to, o.Eligibility.MembersOnly, occ,
		districts, string(o.Status), o.Welcome, o.Version, o.CreatedAt, o.CreatedBy, o.UpdatedAt, o.UpdatedBy}
}

func setOfferStations(ctx context.Context, tx pgx.Tx, o *benefit.Offer) error {
	if _, err := tx.Exec(ctx, `DELETE FROM benefit_offer_stations WHERE offer_id = $1`, o.ID); err != nil {
		return err
	}
	if len(o.RedeemAt) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO benefit_offer_stations (offer_id, station_id) SELECT $1, unnest($2::uuid[])`, o.ID, o.RedeemAt)
	return err
}

// fillStock spreads n items over the offer's slots.
func fillStock(ctx context.Context, tx pgx.Tx, offerID uuid.UUID, n int) error {
	_, err := tx.Exec(ctx, `INSERT INTO benefit_stock (offer_id, slot, remaining)
		SELECT $1, g, $2::int / $3 + (g < $2::int % $3)::int FROM generate_series(0, $3 - 1) g`, offerID, n, stockSlots)
	return err
}

// offerError names the welcome offer's uniqueness in words.
func offerError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "benefit_offers_one_welcome_per_scope_idx" {
		return &apperr.Error{Code: apperr.Conflict, Message: "another published offer is already the welcome offer of this district scope; unpublish it or clear its welcome flag first", Err: err}
	}
	return interpretError(err, "offer")
}

// CreateOffer implements benefit.Store.
func (s *BenefitStore) CreateOffer(ctx context.Context, o *benefit.Offer) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO benefit_offers (id, title, description, category, total_stock,
			per_worker_count, per_worker_period, starts_at, ends_at, weekly_days, weekly_from, weekly_to, members_only, occupations,
			district_codes, status, welcome, version, created_at, created_by, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
			offerArgs(o)...)
		if err != nil {
			return err
		}
		if o.Limited() {
			if err := fillStock(ctx, tx, o.ID, o.Remaining); err != nil {
				return err
			}
		}
		return setOfferStations(ctx, tx, o)
	})
	return offerError(err)
}

// GetOffer implements benefit.Store.
func (s *BenefitStore) GetOffer(ctx context.Context, id uuid.UUID) (*benefit.Offer, error) {
	o, err := scanOffer(s.db.Pool.QueryRow(ctx, `SELECT `+offerColumns+` FROM benefit_offers o WHERE o.id = $1`, id))
	return o, interpretError(err, "offer")
}

// UpdateOffer implements benefit.Store.
func (s *BenefitStore) UpdateOffer(ctx context.Context, id uuid.UUID, change func(*benefit.Offer) error) (*benefit.Offer, error) {
	var out *benefit.Offer
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// Lock, then read in a statement of its own: a statement that waits
		// for a lock rechecks the row but not its subqueries, and the offer's
		// stations and stock would be read as they were before the change
		// it waited for.
		if err := tx.QueryRow(ctx, `SELECT 1 FROM benefit_offers WHERE id = $1 FOR UPDATE`, id).Scan(new(int)); err != nil {
			return err
		}
		before, err := scanOffer(tx.QueryRow(ctx, `SELECT `+offerColumns+` FROM benefit_offers o WHERE o.id = $1`, id))
		if err != nil {
			return err
		}
		after := *before
		if err := change(&after); err != nil {
			return err
		}
		if err := restock(ctx, tx, before, &after); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE benefit_offers SET title = $2, description = $3, category = $4, total_stock = $5,
			per_worker_count = $6, per_worker_period = $7, starts_at = $8, ends_at = $9, weekly_days = $10,
			weekly_from = $11, weekly_to = $12, members_only = $13, occupations = $14, district_codes = $15, status = $16,
			welcome = $17, version = $18, created_at = $19, created_by = $20, updated_at = $21, updated_by = $22
			WHERE id = $1`, offerArgs(&after)...)
		if err != nil {
			return err
		}
		if !slices.Equal(before.RedeemAt, after.RedeemAt) {
			if err := setOfferStations(ctx, tx, &after); err != nil {
				return err
			}
		}
		out = &after
		return nil
	})
	if err != nil {
		return nil, offerError(err)
	}
	return out, nil
}

// restock keeps the items left in step with a changed total: what is
// claimed stays claimed. It locks the offer's slots, which holds claims on
// the offer back until the change commits, and sets after.Remaining.
func restock(ctx context.Context, tx pgx.Tx, before, after *benefit.Offer) error {
	switch {
	case after.TotalStock == nil:
		after.Remaining = 0
		_, err := tx.Exec(ctx, `DELETE FROM benefit_stock WHERE offer_id = $1`, after.ID)
		return err
	case before.TotalStock == nil:
		var open int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM benefit_claims WHERE offer_id = $1 AND status <> 'expired'`, after.ID).Scan(&open); err != nil {
			return err
		}
		after.Remaining = *after.TotalStock - open
		if after.Remaining < 0 {
			return stockBelowClaims(open)
		}
		return fillStock(ctx, tx, after.ID, after.Remaining)
	}
	rows, err := tx.Query(ctx, `SELECT slot, remaining FROM benefit_stock WHERE offer_id = $1 ORDER BY slot FOR UPDATE`, after.ID)
	if err != nil {
		return err
	}
	type slot struct{ n, remaining int }
	slots, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (slot, error) {
		var x slot
		return x, row.Scan(&x.n, &x.remaining)
	})
	if err != nil {
		return err
	}
	left := 0
	for _, x := range slots {
		left += x.remaining
	}
	delta := *after.TotalStock - *before.TotalStock
	after.Remaining = left + delta
	if after.Remaining < 0 {
		return stockBelowClaims(*before.TotalStock - left)
	}
	if delta > 0 {
		_, err := tx.Exec(ctx, `UPDATE benefit_stock SET remaining = remaining + $2 WHERE offer_id = $1 AND slot = 0`, after.ID, delta)
		return err
	}
	for take := -delta; take > 0; {
		x := slots[0]
		slots = slots[1:]
		n := min(take, x.remaining)
		if n == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE benefit_stock SET remaining = remaining - $3 WHERE offer_id = $1 AND slot = $2`, after.ID, x.n, n); err != nil {
			return err
		}
		take -= n
	}
	return nil
}

func stockBelowClaims(claimed int) error {
	var p apperr.Problems
	p.Add("total_stock", "out_of_range", "must be at least %d, the items already claimed", claimed)
	return p.Err()
}

// ListOffers implements benefit.Store.
func (s *BenefitStore) ListOffers(ctx context.Context, f benefit.OfferFilter) ([]*benefit.Offer, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+offerColumns+` FROM benefit_offers o
		WHERE o.id > $1 AND ($2 = '' OR o.status = $2) ORDER BY o.id LIMIT $3`, f.After, string(f.Status), f.Limit)
	if err != nil {
		return nil, interpretError(err, "offers")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*benefit.Offer, error) { return scanOffer(row) })
	return out, interpretError(err, "offers")
}

// OpenOffers implements benefit.Store.
func (s *BenefitStore) OpenOffers(ctx context.Context, now time.Time) ([]*benefit.Offer, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+offerColumns+` FROM benefit_offers o
		WHERE o.status = 'published' AND o.ends_at > $1 AND o.starts_at <= $1 ORDER BY o.ends_at, o.id`, now)
	if err != nil {
		return nil, interpretError(err, "offers")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*benefit.Offer, error) { return scanOffer(row) })
	return out, interpretError(err, "offers")
}

// WelcomeOffer implements benefit.Store. The worker's row is key-share
// locked first, which waits for an approval in flight (it holds the row
// FOR UPDATE) to commit, so that the member's county is read as approved.
// A welcome offer's scope is its one district code, or none (everywhere)
// (migration 00015).
func (s *BenefitStore) WelcomeOffer(ctx context.Context, workerID uuid.UUID, now time.Time) (*benefit.Offer, error) {
	var o *benefit.Offer
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// The approval's column is read, not filtered on: a row filtered
		// out by the snapshot taken before the wait would never be locked,
		// nor read again once the approval commits.
		var county *string
		if err := tx.QueryRow(ctx, `SELECT member_district_code FROM workers
			WHERE id = $1 AND deleted_at IS NULL FOR KEY SHARE`, workerID).Scan(&county); err != nil {
			return err
		}
		if county == nil {
			return pgx.ErrNoRows // no member
		}
		var err error
		o, err = scanOffer(tx.QueryRow(ctx, `SELECT `+offerColumns+` FROM benefit_offers o
			WHERE o.welcome AND o.status = 'published' AND o.starts_at <= $2 AND o.ends_at > $2
				AND coalesce(o.district_codes[1], '') IN ($1, left($1, 4) || '00', left($1, 2) || '0000', '')
			ORDER BY CASE coalesce(o.district_codes[1], '') WHEN $1 THEN 0 WHEN left($1, 4) || '00' THEN 1
				WHEN left($1, 2) || '0000' THEN 2 ELSE 3 END
			LIMIT 1`, *county, now))
		return err
	})
	return o, interpretError(err, "welcome offer")
}

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

// Stats implements benefit.Store.
func (s *BenefitStore) Stats(ctx context.Context, offerID uuid.UUID) (benefit.Stats, error) {
	var st benefit.Stats
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
			return err
		}
		var total, remaining *int32
		err := tx.QueryRow(ctx, `SELECT o.total_stock, (SELECT sum(s.remaining)::int FROM benefit_stock s WHERE s.offer_id = o.id),
				count(c.id), count(c.id) FILTER (WHERE c.status = 'redeemed'), count(c.id) FILTER (WHERE c.status = 'expired'),
				count(c.id) FILTER (WHERE c.status = 'claimed')
			FROM benefit_offers o LEFT JOIN benefit_claims c ON c.offer_id = o.id
			WHERE o.id = $1 GROUP BY o.id`, offerID).Scan(&total, &remaining, &st.Claimed, &st.Redeemed, &st.Expired, &st.Open)
		if err != nil {
			return err
		}
		if total != nil {
			n := int(*total)
			st.TotalStock = &n
			if remaining != nil {
				st.Remaining = int(*remaining)
			}
		}
		rows, err := tx.Query(ctx, `SELECT s.id, s.name, count(*) FROM benefit_claims c JOIN stations s ON s.id = c.redeemed_station_id
			WHERE c.offer_id = $1 AND c.status = 'redeemed' GROUP BY s.id, s.name ORDER BY count(*) DESC, s.id`, offerID)
		if err != nil {
			return err
		}
		st.ByStation, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (benefit.StationStats, error) {
			var x benefit.StationStats
			return x, row.Scan(&x.StationID, &x.StationName, &x.Redeemed)
		})
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT to_char(day, 'YYYY-MM-DD'), sum(claimed)::int, sum(redeemed)::int, sum(expired)::int FROM (
				SELECT (claimed_at AT TIME ZONE 'Asia/Shanghai')::date AS day, 1 AS claimed, 0 AS redeemed, 0 AS expired
					FROM benefit_claims WHERE offer_id = $1
				UNION ALL
				SELECT (redeemed_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 1, 0
					FROM benefit_claims WHERE offer_id = $1 AND status = 'redeemed'
				UNION ALL
				SELECT (expired_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 0, 1
					FROM benefit_claims WHERE offer_id = $1 AND status = 'expired'
			) e GROUP BY day ORDER BY day`, offerID)
		if err != nil {
			return err
		}
		st.ByDay, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (benefit.DayStats, error) {
			var x benefit.DayStats
			return x, row.Scan(&x.Date, &x.Claimed, &x.Redeemed, &x.Expired)
		})
		return err
	})
	return st, interpretError(err, "offer")
}

// Export implements benefit.Store.
func (s *BenefitStore) Export(ctx context.Context, offerID uuid.UUID, each func(benefit.ExportRow) error) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
			return err
		}
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM benefit_offers WHERE id = $1`, offerID).Scan(&one); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+claimColumns+`, coalesce(s.name, ''), coalesce(st.username, '') FROM benefit_claims c
			LEFT JOIN stations s ON s.id = c.redeemed_station_id
			LEFT JOIN staff st ON c.redeemed_by = 'staff:' || st.id::text
			WHERE c.offer_id = $1 ORDER BY c.claimed_at, c.id`, offerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r benefit.ExportRow
			c, err := scanClaim(rows, &r.StationName, &r.RedeemedByName)
			if err != nil {
				return err
			}
			r.Claim = c
			if err := each(r); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return interpretError(err, "offer")
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

// StationDistricts implements benefit.Store.
func (s *BenefitStore) StationDistricts(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]benefit.StationInfo, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT id, district_code, status = 'active' FROM stations WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, interpretError(err, "stations")
	}
	defer rows.Close()
	out := make(map[uuid.UUID]benefit.StationInfo, len(ids))
	for rows.Next() {
		var st benefit.StationInfo
		if err := rows.Scan(&st.ID, &st.DistrictCode, &st.Active); err != nil {
			return nil, interpretError(err, "stations")
		}
		out[st.ID] = st
	}
	return out, interpretError(rows.Err(), "stations")
}
