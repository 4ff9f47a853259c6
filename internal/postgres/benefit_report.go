package postgres

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/benefit"
)

// What staff see of an offer's claims: counts and the export.

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
