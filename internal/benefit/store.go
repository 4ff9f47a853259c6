package benefit

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// OfferFilter selects offers for a staff listing.
type OfferFilter struct {
	Status Status    // empty for all
	After  uuid.UUID // keyset cursor: ids greater than this
	Limit  int
}

// NewClaim is a claim about to be made: everything the Store needs that
// does not come from the database.
type NewClaim struct {
	ID             uuid.UUID
	OfferID        uuid.UUID
	WorkerID       uuid.UUID
	IdempotencyKey string
	Code           string
	ClaimedAt      time.Time
	ExpiresAt      time.Time
	Welcome        bool
}

// ClaimCheck decides whether a claim may go ahead, inside the claim's
// transaction: o is the offer as stored, w the worker, and usedSince counts
// the worker's unexpired claims on the offer made at or after a time.
type ClaimCheck func(o *Offer, w Claimant, usedSince func(time.Time) (int, error)) error

// RedeemAction is what a redemption does to a claim.
type RedeemAction int

// The actions.
const (
	// Redeem marks the claim redeemed at the station.
	Redeem RedeemAction = iota + 1
	// Expire marks an overdue claim expired and returns its stock; the
	// redemption is then refused with Expired.
	Expire
)

// StationInfo is what a redemption needs to know of a station.
type StationInfo struct {
	ID           uuid.UUID
	DistrictCode string
	Active       bool
}

// Stats are an offer's figures.
type Stats struct {
	TotalStock *int
	Remaining  int
	Claimed    int // every claim ever made, whatever became of it
	Redeemed   int
	Expired    int
	Open       int // claimed, neither redeemed nor expired yet
	ByStation  []StationStats
	ByDay      []DayStats
}

// StationStats are the redemptions at one station.
type StationStats struct {
	StationID   uuid.UUID
	StationName string
	Redeemed    int
}

// DayStats are one Shanghai calendar day's events.
type DayStats struct {
	Date     string // YYYY-MM-DD, Shanghai time
	Claimed  int
	Redeemed int
	Expired  int
}

// ExportRow is one claim in a CSV export.
type ExportRow struct {
	Claim       Claim
	StationName string // where it was redeemed; empty when not
	// RedeemedByName is the username of the staff member who redeemed the
	// claim, for the staff reading the export: Claim.RedeemedBy names them
	// by their opaque account id. Empty when not redeemed by staff.
	RedeemedByName string
}

// Store keeps offers and claims. Each method is one transaction.
type Store interface {
	// CreateOffer stores a new offer. Returns Conflict when it is a
	// published welcome offer and another one of the same district scope
	// exists, or Unprocessable when
	// a redeem_at station does not exist.
	CreateOffer(ctx context.Context, o *Offer) error
	// GetOffer returns NotFound when there is no such offer.
	GetOffer(ctx context.Context, id uuid.UUID) (*Offer, error)
	// UpdateOffer locks the offer and calls change on a copy, which may
	// change its fields but not its stock accounting; the store keeps
	// Remaining in step with a changed TotalStock. Returns NotFound,
	// change's error, Conflict as CreateOffer, or Invalid when the new total
	// is below what is already claimed.
	UpdateOffer(ctx context.Context, id uuid.UUID, change func(o *Offer) error) (*Offer, error)
	// ListOffers returns up to f.Limit offers ordered by id.
	ListOffers(ctx context.Context, f OfferFilter) ([]*Offer, error)
	// OpenOffers returns the published offers whose window includes now,
	// ignoring weekly schedules.
	OpenOffers(ctx context.Context, now time.Time) ([]*Offer, error)
	// WelcomeOffer returns the published welcome offer open at now whose
	// scope is the most specific covering the county of the worker's
	// membership: that county, its city, its province, or everywhere. It
	// waits for an approval of the worker in flight. Returns NotFound when
	// there is none, or the worker is no live member.
	WelcomeOffer(ctx context.Context, workerID uuid.UUID, now time.Time) (*Offer, error)

	// Claimant returns what eligibility needs of a live worker, or NotFound.
	Claimant(ctx context.Context, workerID uuid.UUID) (Claimant, error)
	// Claim makes the claim c exactly once. Inside one transaction that
	// serialises the worker's claims it first looks for an earlier claim
	// with the same worker and Idempotency-Key: when there is one it returns
	// that claim with replay = true (or Conflict when the key was used for
	// another offer). Otherwise it calls check, stores the claim and the
	// key, and takes one item of stock, refusing with SoldOut when none is
	// left. Returns NotFound (offer or worker), check's error, or SoldOut.
	Claim(ctx context.Context, c NewClaim, check ClaimCheck) (_ Claim, replay bool, _ error)
	// ClaimTimes returns when the worker made each claim on each of the
	// offers that counts at now: redeemed, or claimed and not yet past its
	// expiry (swept or not).
	ClaimTimes(ctx context.Context, workerID uuid.UUID, offerIDs []uuid.UUID, now time.Time) (map[uuid.UUID][]time.Time, error)
	// WorkerClaims returns the worker's claims, newest first, before the
	// cursor claim id (uuid.Nil for the first page).
	WorkerClaims(ctx context.Context, workerID uuid.UUID, before uuid.UUID, limit int) ([]Claim, error)
	// Redeem locks the claim with the code and calls decide with it, its
	// offer and the station (Active false and DistrictCode empty when there
	// is no such station), then applies decide's action at now by actor.
	// Returns NotFound (no such code), or decide's error.
	Redeem(ctx context.Context, code string, stationID uuid.UUID, now time.Time, actor string,
		decide func(c Claim, o *Offer, st StationInfo) (RedeemAction, error)) (Claim, error)
	// LookupClaim returns the claim with the code, its offer, the station
	// (as Redeem gives it to decide) and the claim's worker, changing
	// nothing. Returns NotFound (no such code).
	LookupClaim(ctx context.Context, code string, stationID uuid.UUID) (Claim, *Offer, StationInfo, ClaimHolder, error)
	// ExpireDue expires up to limit claims whose expires_at has passed at
	// now and returns their stock to their offers. It reports how many it
	// expired; a claim expires once, whoever runs the sweep.
	ExpireDue(ctx context.Context, now time.Time, limit int) (int, error)
	// Stats returns the offer's figures; NotFound when there is no offer.
	Stats(ctx context.Context, offerID uuid.UUID) (Stats, error)
	// Export calls each for every claim on the offer, oldest first; NotFound
	// when there is no offer. An error from each stops the export.
	Export(ctx context.Context, offerID uuid.UUID, each func(ExportRow) error) error
	// WelcomesDue returns up to limit workers whose membership approval
	// still owes them the welcome benefit, longest owed first. The approval
	// records the debt in its own transaction.
	WelcomesDue(ctx context.Context, limit int) ([]uuid.UUID, error)
	// SettleWelcome records that the worker's welcome benefit was granted or
	// is not owed; settling twice changes nothing.
	SettleWelcome(ctx context.Context, workerID uuid.UUID) error
	// StationDistricts returns each station's district code and whether it is
	// active; missing stations are absent from the map.
	StationDistricts(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]StationInfo, error)
}
