// Package benefit is about the union's giveaways to workers: limited-stock
// offers (phone credit, gift packs, the Wednesday 赶集日 of Linping), who may
// claim them and how often, the claims themselves, and their redemption at a
// station. It knows nothing of HTTP or SQL; the Store it needs is declared
// here and implemented in internal/postgres.
//
// Stock is never oversold and a claim never happens twice: the Store claims
// in one transaction that takes an item only from stock that is positive,
// serialises one worker's claims, and records the Idempotency-Key with the
// claim.
package benefit

import (
	"time"

	"github.com/google/uuid"
)

// Shanghai is the time zone of benefit days, schedules and per-worker limit
// periods: China Standard Time, UTC+8 all year.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// Category is the kind of benefit.
type Category string

// Categories lists every category.
var Categories = []Category{"gift_pack", "phone_credit", "voucher", "meal", "service", "other"}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// Status is where an offer stands. Only a published offer can be claimed.
type Status string

// The statuses.
const (
	Draft     Status = "draft"
	Published Status = "published"
	Paused    Status = "paused"
	Ended     Status = "ended"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Draft || s == Published || s == Paused || s == Ended }

// Period is the span a per-worker limit counts over, in Shanghai time.
type Period string

// The periods.
const (
	Once  Period = "once"  // over the offer's whole life
	Day   Period = "day"   // a calendar day
	Week  Period = "week"  // Monday to Sunday
	Month Period = "month" // a calendar month
)

// Valid reports whether p is a known period.
func (p Period) Valid() bool { return p == Once || p == Day || p == Week || p == Month }

// Limit is how many claims one worker may make per period.
type Limit struct {
	Count  int
	Period Period
}

// Weekly narrows a window to some days of the week, between two clock
// times (minutes after midnight, Shanghai time; From < To, no overnight).
type Weekly struct {
	Days     []time.Weekday // sorted, no repeats
	From, To int
}

// Window is when an offer can be claimed: from StartsAt (inclusive) to
// EndsAt (exclusive), and within Weekly when it is set.
type Window struct {
	StartsAt time.Time
	EndsAt   time.Time
	Weekly   *Weekly
}

// Eligibility says who may claim. Empty lists restrict nothing.
type Eligibility struct {
	MembersOnly bool
	Occupations []string
	// DistrictCodes are division codes (county, city or province); the
	// worker's home county must lie in one of them.
	DistrictCodes []string
}

// Offer is one benefit on offer.
type Offer struct {
	ID          uuid.UUID
	Title       string
	Description string
	Category    Category
	// TotalStock is nil for an unlimited offer; Remaining is then 0 and
	// meaningless.
	TotalStock  *int
	Remaining   int
	PerWorker   Limit
	Window      Window
	Eligibility Eligibility
	// RedeemAt are the stations where claims are collected; empty means any
	// active station in the offer's districts (anywhere, when it has none).
	RedeemAt []uuid.UUID
	Status   Status
	// Welcome marks the offer granted to every worker whose membership is
	// approved. A welcome offer names at most one district code, its scope;
	// at most one published offer is the welcome offer of each scope.
	Welcome   bool
	Version   int64
	CreatedAt time.Time
	CreatedBy string
	UpdatedAt time.Time
	UpdatedBy string
}

// Limited reports whether the offer has a stock.
func (o *Offer) Limited() bool { return o.TotalStock != nil }

// ClaimStatus is where a claim stands.
type ClaimStatus string

// The claim statuses. Claimed is the only open one: it moves once, to
// redeemed or expired.
const (
	Claimed  ClaimStatus = "claimed"
	Redeemed ClaimStatus = "redeemed"
	Expired  ClaimStatus = "expired"
)

// Claim is a worker's claim on an offer, collected at a station with its
// code.
type Claim struct {
	ID       uuid.UUID
	OfferID  uuid.UUID
	WorkerID uuid.UUID
	// Code is shown to station staff (and in the QR code); 8 characters of
	// CodeAlphabet.
	Code      string
	Status    ClaimStatus
	ClaimedAt time.Time
	ExpiresAt time.Time
	// Welcome is set on the claim granted by a membership approval.
	Welcome bool
	// RedeemedAt, RedeemedStation and RedeemedBy are set once redeemed;
	// ExpiredAt once expired.
	RedeemedAt      time.Time
	RedeemedStation uuid.UUID
	RedeemedBy      string
	ExpiredAt       time.Time
	// OfferTitle is the offer's title, for listings.
	OfferTitle string
}

// QRPayload is what the worker's QR code holds: the code, for a station's
// scanner.
func (c Claim) QRPayload() string { return qrPrefix + c.Code }

// qrPrefix begins a claim's QR payload.
const qrPrefix = "yizhan:claim:"

// Claimant is what eligibility needs to know of a worker.
type Claimant struct {
	ID         uuid.UUID
	Member     bool
	Occupation string // empty when not given
	// DistrictCode is the county whose benefits the worker may claim: a
	// member's approved membership county, a non-member's home county;
	// empty when not given.
	DistrictCode string
}
