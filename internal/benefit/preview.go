package benefit

import (
	"context"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/worker"
)

// Holder is the worker a claim belongs to, as a station's counter may see
// them: enough to tell that the person is the one who claimed, no more.
type Holder struct {
	Name   string // masked: the real name of a member (王*明), else the nickname; empty when neither is known
	Phone  string // masked: 138****8000; empty when not given
	Member bool
}

// ClaimHolder is what the Store knows of a claim's worker, unmasked.
type ClaimHolder struct {
	RealName, Nickname, Phone string
	Member                    bool
}

// Preview is what a clerk sees before handing an item over.
type Preview struct {
	Claim   Claim
	Offer   *Offer
	Holder  Holder
	Station StationInfo
	// Refusal is what Redeem would answer now (AlreadyRedeemed, Expired,
	// WrongStation or Forbidden); nil when it would hand the item over.
	Refusal error
}

// Preview shows the claim with the code (or its qr_payload) as Redeem at the station would
// treat it, and changes nothing. Returns Invalid (a malformed code) or
// NotFound (no such claim).
func (s *Service) Preview(ctx context.Context, actor Actor, code string, stationID uuid.UUID) (Preview, error) {
	code, ok := ParseCode(code)
	if !ok {
		var p apperr.Problems
		p.Add("code", "format", "must be the 8-character claim code or the claim's qr_payload")
		return Preview{}, p.Err()
	}
	c, o, st, h, err := s.store.LookupClaim(ctx, code, stationID)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{Claim: c, Offer: o, Station: st, Holder: Holder{Phone: worker.MaskPhone(h.Phone), Member: h.Member}}
	pv.Holder.Name = worker.MaskName(h.RealName)
	if pv.Holder.Name == "" {
		pv.Holder.Name = worker.MaskName(h.Nickname)
	}
	action, err := redeemRule(actor, s.clock())(c, o, st)
	if err == nil && action == Expire {
		err = expiredClaim(c)
	}
	pv.Refusal = err
	return pv, nil
}

func expiredClaim(c Claim) error {
	return apperr.New(apperr.Expired, "this claim expired at %s; its item went back to the offer", apperr.Instant(c.ExpiresAt.In(Shanghai)))
}
