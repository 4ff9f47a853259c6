package postgres

import (
	"context"
	"errors"
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
