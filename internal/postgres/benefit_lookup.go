package postgres

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/benefit"
)

// LookupClaim implements benefit.Store. The worker's name is the real name
// of their approved application when they are a member, else their
// nickname; an erased worker has neither.
func (s *BenefitStore) LookupClaim(ctx context.Context, code string, stationID uuid.UUID) (benefit.Claim, *benefit.Offer, benefit.StationInfo, benefit.ClaimHolder, error) {
	var (
		o  *benefit.Offer
		st benefit.StationInfo
		h  benefit.ClaimHolder
	)
	var realName, nickname, phone *string
	c, err := scanClaim(s.db.Pool.QueryRow(ctx, `SELECT `+claimColumns+`, w.nickname, w.phone, w.membership_no IS NOT NULL,
			(SELECT a.real_name FROM membership_applications a
			 WHERE a.worker_id = w.id AND a.status = 'approved' ORDER BY a.decided_at DESC LIMIT 1)
		FROM benefit_claims c JOIN workers w ON w.id = c.worker_id WHERE c.code = $1`, code), &nickname, &phone, &h.Member, &realName)
	if err != nil {
		return c, nil, st, h, interpretError(err, "claim")
	}
	for _, f := range []struct{ dst, src *string }{{&h.RealName, realName}, {&h.Nickname, nickname}, {&h.Phone, phone}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if o, err = scanOffer(s.db.Pool.QueryRow(ctx, `SELECT `+offerColumns+` FROM benefit_offers o WHERE o.id = $1`, c.OfferID)); err != nil {
		return c, nil, st, h, interpretError(err, "offer")
	}
	err = s.db.Pool.QueryRow(ctx, `SELECT id, district_code, status = 'active' FROM stations WHERE id = $1`, stationID).
		Scan(&st.ID, &st.DistrictCode, &st.Active)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return c, o, st, h, interpretError(err, "station")
	}
	return c, o, st, h, nil
}
