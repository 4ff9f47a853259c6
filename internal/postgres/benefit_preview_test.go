package postgres_test

import (
	"context"
	"testing"
	"time"

	"yizhan/internal/apperr"
	"yizhan/internal/benefit"
)

// Preview tells the counter what Redeem would do, with the worker masked,
// and changes nothing; after the redemption it says so, and an expired
// claim is refused as Redeem refuses it.
func TestPreviewMatchesRedeem(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	svc := e.service(0)
	here, elsewhere := e.mustStation("330726"), e.mustStation("330726")
	o := e.mustOffer(ptr[int64](5), 1, benefit.Once)
	if _, err := svc.PatchOffer(ctx, admin{}, o.ID, 0, []byte(`{"redeem_at": ["`+here.String()+`"]}`)); err != nil {
		t.Fatal(err)
	}
	w := e.mustWorkers(2)
	if _, err := e.pools[0].Pool.Exec(ctx, `UPDATE workers SET nickname = '小王', phone = '13800138000' WHERE id = $1`, w[0]); err != nil {
		t.Fatal(err)
	}
	c, _, err := svc.Claim(ctx, w[0], o.ID, "k1")
	if err != nil {
		t.Fatal(err)
	}

	pv, err := svc.Preview(ctx, admin{}, "yizhan:claim:"+c.Code, here)
	if err != nil || pv.Refusal != nil {
		t.Fatalf("preview at the offer's station: %v, refusal %v", err, pv.Refusal)
	}
	if got, want := pv.Holder, (benefit.Holder{Name: "小*", Phone: "138****8000", Member: true}); got != want {
		t.Errorf("holder %+v, want %+v", got, want)
	}
	if pv.Offer.ID != o.ID || pv.Claim.Status != benefit.Claimed {
		t.Errorf("preview claim %+v", pv.Claim)
	}
	pv, _ = svc.Preview(ctx, admin{}, c.Code, elsewhere)
	if !apperr.Is(pv.Refusal, apperr.WrongStation) {
		t.Errorf("at another station: %v, want wrong_station", pv.Refusal)
	}
	if _, err := svc.Preview(ctx, admin{}, "ZZZZ2222", here); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("an unknown code: %v, want not_found", err)
	}
	if _, err := svc.Preview(ctx, admin{}, "12", here); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("a malformed code: %v, want invalid", err)
	}
	// Nothing changed: the claim redeems now.
	if _, err := svc.Redeem(ctx, admin{}, c.Code, here); err != nil {
		t.Fatalf("redeem after previews: %v", err)
	}
	if pv, _ := svc.Preview(ctx, admin{}, c.Code, here); !apperr.Is(pv.Refusal, apperr.AlreadyRedeemed) || pv.Claim.RedeemedStation != here {
		t.Errorf("after redeeming: %v at %v", pv.Refusal, pv.Claim.RedeemedStation)
	}

	// A claim past its expiry: Preview refuses it as Redeem would, and
	// leaves the sweep (or Redeem) to give its item back.
	c2, _, err := svc.Claim(ctx, w[1], o.ID, "k2")
	if err != nil {
		t.Fatal(err)
	}
	e.advance(8 * 24 * time.Hour)
	pv, _ = svc.Preview(ctx, admin{}, c2.Code, here)
	if !apperr.Is(pv.Refusal, apperr.Expired) || pv.Claim.Status != benefit.Claimed {
		t.Errorf("an overdue claim: %v, status %s", pv.Refusal, pv.Claim.Status)
	}
	if _, err := svc.Redeem(ctx, admin{}, c2.Code, here); !apperr.Is(err, apperr.Expired) {
		t.Errorf("redeeming the overdue claim: %v, want expired", err)
	}
}
