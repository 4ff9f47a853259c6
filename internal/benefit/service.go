package benefit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// Config tunes the Service.
type Config struct {
	// ClaimTTL is how long a claim may wait to be collected before it
	// expires and its stock returns to the offer.
	ClaimTTL time.Duration
	// Log hears of welcome gifts not granted (no open welcome offer, sold
	// out, not eligible), so that staff can find out why; nil: nowhere.
	Log *slog.Logger
}

// DefaultConfig is the production configuration.
var DefaultConfig = Config{ClaimTTL: 7 * 24 * time.Hour}

// Actor is a staff member managing offers or redeeming claims;
// *auth.Principal is one.
type Actor interface {
	// ActorName is recorded in created_by, updated_by and redeemed_by.
	ActorName() string
	// CanManageDistrict reports whether the actor may act in the division.
	CanManageDistrict(code string) bool
	// DistrictScope returns the division codes the actor acts in, or
	// all=true when it acts everywhere.
	DistrictScope() (codes []string, all bool)
}

// Service applies the rules of benefits.
type Service struct {
	store Store
	cfg   Config
	now   func() time.Time
	// grants are the welcome grants in flight.
	grants sync.WaitGroup
}

// NewService returns a Service; now may be nil (time.Now).
func NewService(store Store, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if cfg.ClaimTTL <= 0 {
		cfg.ClaimTTL = DefaultConfig.ClaimTTL
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, cfg: cfg, now: now}
}

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// canManage reports whether the actor may manage an offer of the districts:
// every one of them, or, for an offer open everywhere, every district.
func canManage(actor Actor, districts []string) bool {
	if _, all := actor.DistrictScope(); all {
		return true
	}
	if len(districts) == 0 {
		return false
	}
	for _, d := range districts {
		if !actor.CanManageDistrict(d) {
			return false
		}
	}
	return true
}

func forbidOffer() error {
	return apperr.New(apperr.Forbidden, "you may manage only offers whose eligibility.district_codes all lie in your districts")
}

// checkStations reports redeem_at stations that do not exist or lie outside
// the offer's districts.
func (s *Service) checkStations(ctx context.Context, f Fields) error {
	if len(f.RedeemAt) == 0 {
		return nil
	}
	found, err := s.store.StationDistricts(ctx, f.RedeemAt)
	if err != nil {
		return err
	}
	var p apperr.Problems
	for i, id := range f.RedeemAt {
		field := fmt.Sprintf("redeem_at[%d]", i)
		st, ok := found[id]
		switch {
		case !ok:
			p.Add(field, "unknown", "no station has this id")
		case !f.Eligibility.CoversCounty(st.DistrictCode):
			p.Add(field, "outside", "the station's district %s is outside the offer's eligibility.district_codes", st.DistrictCode)
		}
	}
	return p.Err()
}

// CreateOffer validates doc and stores a new offer. Returns Invalid,
// Forbidden, or Conflict when it would be a second published welcome offer
// of its district scope.
func (s *Service) CreateOffer(ctx context.Context, actor Actor, doc Document) (*Offer, error) {
	f, err := doc.Validate()
	if err != nil {
		return nil, err
	}
	if !canManage(actor, f.Eligibility.DistrictCodes) {
		return nil, forbidOffer()
	}
	if err := s.checkStations(ctx, f); err != nil {
		return nil, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	now := s.clock()
	o := &Offer{ID: id, Version: 1, CreatedAt: now, CreatedBy: actor.ActorName(), UpdatedAt: now, UpdatedBy: actor.ActorName()}
	o.setFields(f)
	if o.Limited() {
		o.Remaining = *o.TotalStock
	}
	if err := s.store.CreateOffer(ctx, o); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *Offer) setFields(f Fields) {
	// Stations are kept in id order, as the store returns them.
	f.RedeemAt = slices.Clone(f.RedeemAt)
	slices.SortFunc(f.RedeemAt, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	o.Title, o.Description, o.Category, o.TotalStock = f.Title, f.Description, f.Category, f.TotalStock
	o.PerWorker, o.Window, o.Eligibility, o.RedeemAt, o.Status, o.Welcome = f.PerWorker, f.Window, f.Eligibility, f.RedeemAt, f.Status, f.Welcome
}

// PatchOffer applies a JSON merge patch to the offer as it is when its row
// is locked, so that concurrent patches of different members both land.
// ifVersion, when not 0, is the version the editor saw (If-Match): a patch
// made against an older one is refused. Changing total_stock moves the
// remaining stock by the same amount; it cannot go below what is claimed.
// Returns NotFound, Stale, Invalid, Forbidden (before or after the change)
// or Conflict.
func (s *Service) PatchOffer(ctx context.Context, actor Actor, id uuid.UUID, ifVersion int64, patch []byte) (*Offer, error) {
	// The patch is checked against the offer as read, stations included,
	// before anything is locked. The stations an offer names are taken as
	// named afterwards: one that moves district stays named, and one closed
	// or suspended refuses redemptions until it is active again.
	cur, err := s.store.GetOffer(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canManage(actor, cur.Eligibility.DistrictCodes) {
		return nil, forbidOffer()
	}
	if ifVersion != 0 && cur.Version != ifVersion {
		return nil, staleOffer(cur.Version, ifVersion)
	}
	checked, err := ApplyMergePatch(cur, patch)
	if err != nil {
		return nil, err
	}
	if !canManage(actor, checked.Eligibility.DistrictCodes) {
		return nil, forbidOffer()
	}
	if err := s.checkStations(ctx, checked); err != nil {
		return nil, err
	}
	return s.store.UpdateOffer(ctx, id, func(o *Offer) error {
		if ifVersion != 0 && o.Version != ifVersion {
			return staleOffer(o.Version, ifVersion)
		}
		if !canManage(actor, o.Eligibility.DistrictCodes) {
			return forbidOffer()
		}
		f, err := ApplyMergePatch(o, patch)
		if err != nil {
			return err
		}
		// Someone else changed where the offer is collected, or for whom,
		// since the stations were checked: check again from the start.
		if !slices.Equal(f.RedeemAt, checked.RedeemAt) || !slices.Equal(f.Eligibility.DistrictCodes, checked.Eligibility.DistrictCodes) {
			return &apperr.Error{Code: apperr.Stale, Message: "the offer's stations or districts changed while this patch was checked; send it again"}
		}
		o.setFields(f)
		o.Version++
		o.UpdatedAt = s.clock()
		o.UpdatedBy = actor.ActorName()
		return nil
	})
}

func staleOffer(have, want int64) error {
	return apperr.New(apperr.Stale, "the offer is at version %d, not %d; fetch it again and reapply your change", have, want)
}

// GetOffer returns an offer the actor may manage. Returns NotFound or
// Forbidden.
func (s *Service) GetOffer(ctx context.Context, actor Actor, id uuid.UUID) (*Offer, error) {
	o, err := s.store.GetOffer(ctx, id)
	if err != nil {
		return nil, err
	}
	if !canManage(actor, o.Eligibility.DistrictCodes) {
		return nil, forbidOffer()
	}
	return o, nil
}

// ListOffers returns a page of the offers the actor may manage, and the
// cursor of the next page (uuid.Nil on the last one).
func (s *Service) ListOffers(ctx context.Context, actor Actor, f OfferFilter) ([]*Offer, uuid.UUID, error) {
	want := f.Limit
	f.Limit++
	list, err := s.store.ListOffers(ctx, f)
	if err != nil {
		return nil, uuid.Nil, err
	}
	next := uuid.Nil
	if len(list) > want {
		list = list[:want]
		next = list[want-1].ID
	}
	out := list[:0]
	for _, o := range list {
		if canManage(actor, o.Eligibility.DistrictCodes) {
			out = append(out, o)
		}
	}
	return out, next, nil
}

// ValidIdempotencyKey reports whether key is 1 to 100 printable ASCII
// characters, and not one of the keys the service makes itself (welcome:…).
func ValidIdempotencyKey(key string) bool {
	if key == "" || len(key) > 100 || strings.HasPrefix(key, "welcome:") {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < '!' || key[i] > '~' {
			return false
		}
	}
	return true
}

// ErrCodeTaken is returned by a Store when a fresh claim code collides with
// an existing one; Claim then retries with another code.
var ErrCodeTaken = errors.New("claim code taken")

// Claim claims one item of the offer for the worker, once per
// Idempotency-Key: a repeated key returns the first answer with replay =
// true. Returns Invalid (a missing or malformed key), NotFound, NotOpen,
// NotEligible, LimitReached, SoldOut, or Conflict when the key was used for
// another offer.
func (s *Service) Claim(ctx context.Context, workerID, offerID uuid.UUID, key string) (Claim, bool, error) {
	if !ValidIdempotencyKey(key) {
		var p apperr.Problems
		if key == "" {
			p.Add("Idempotency-Key", "required", "send an Idempotency-Key header (such as a UUID made when the worker tapped claim), so that a retry never claims twice")
		} else {
			p.Add("Idempotency-Key", "format", "must be 1 to 100 printable ASCII characters, not starting with welcome:")
		}
		return Claim{}, false, p.Err()
	}
	return s.claim(ctx, NewClaim{OfferID: offerID, WorkerID: workerID, IdempotencyKey: key}, func(o *Offer, now time.Time) error {
		return o.checkClaimable(now)
	}, false)
}

// claim makes the claim c, retrying when its code collides. open decides
// whether the offer is open; members requires the worker to be a member
// whatever the offer says.
func (s *Service) claim(ctx context.Context, c NewClaim, open func(o *Offer, now time.Time) error, members bool) (Claim, bool, error) {
	for attempt := 0; ; attempt++ {
		now := s.clock()
		id, err := uuid.NewV7()
		if err != nil {
			return Claim{}, false, err
		}
		code, err := NewCode()
		if err != nil {
			return Claim{}, false, err
		}
		c.ID, c.Code, c.ClaimedAt, c.ExpiresAt = id, code, now, now.Add(s.cfg.ClaimTTL)
		got, replay, err := s.store.Claim(ctx, c, func(o *Offer, w Claimant, usedSince func(time.Time) (int, error)) error {
			if err := open(o, now); err != nil {
				return err
			}
			if members && !w.Member {
				return apperr.New(apperr.NotEligible, "the welcome benefit is for members")
			}
			if err := o.Eligibility.Eligible(w); err != nil {
				return err
			}
			used, err := usedSince(PeriodStart(o.PerWorker.Period, now))
			if err != nil {
				return err
			}
			if used >= o.PerWorker.Count {
				return apperr.New(apperr.LimitReached, "you have claimed this benefit %d time(s) %s, the most allowed", used, periodWords[o.PerWorker.Period])
			}
			return nil
		})
		if errors.Is(err, ErrCodeTaken) && attempt < 3 {
			continue
		}
		return got, replay, err
	}
}

var periodWords = map[Period]apperr.Word{Once: "already", Day: "today", Week: "this week", Month: "this month"}

// GrantWelcome settles the welcome benefit a membership approval owes the
// worker: it claims for them, once, the welcome offer of the most specific
// scope covering their membership's county (county, city, province, then
// everywhere) — a second call changes nothing. When there is no open
// welcome offer for them, or it is sold out or not for this worker, or the
// worker has been erased,
// nothing is granted and the debt is settled all the same. Returns only
// failures of the store; the debt then stays for the sweeper.
func (s *Service) GrantWelcome(ctx context.Context, workerID uuid.UUID) error {
	if err := s.grantWelcome(ctx, workerID); err != nil {
		return err
	}
	return s.store.SettleWelcome(ctx, workerID)
}

func (s *Service) grantWelcome(ctx context.Context, workerID uuid.UUID) error {
	o, err := s.store.WelcomeOffer(ctx, workerID, s.clock())
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	// The welcome offer's weekly hours do not delay the gift: the
	// approval is the moment.
	_, _, err = s.claim(ctx, NewClaim{OfferID: o.ID, WorkerID: workerID, IdempotencyKey: welcomeKey(o), Welcome: true},
		func(o *Offer, now time.Time) error {
			if o.Status != Published || !o.Welcome || now.Before(o.Window.StartsAt) || !now.Before(o.Window.EndsAt) {
				return apperr.New(apperr.NotOpen, "the welcome offer is not open")
			}
			return nil
		}, true)
	switch code := apperr.CodeOf(err); code {
	case apperr.NotOpen, apperr.NotEligible, apperr.LimitReached, apperr.SoldOut, apperr.NotFound:
		s.cfg.Log.InfoContext(ctx, "welcome benefit not granted", "worker", workerID, "offer", o.ID, "reason", code, "detail", err.Error())
		return nil
	}
	return err
}

// GrantMissingWelcomes settles up to 100 welcome benefits still owed — an
// approval's own grant normally got there first; these are the ones lost
// when a process stopped in between, however long ago — and reports how
// many it settled, and the debts that failed.
func (s *Service) GrantMissingWelcomes(ctx context.Context) (int, error) {
	ids, err := s.store.WelcomesDue(ctx, 100)
	if err != nil {
		return 0, err
	}
	// A debt that fails stays for the next sweep and does not hold back
	// the others.
	settled := 0
	var failed []error
	for _, id := range ids {
		if err := s.GrantWelcome(ctx, id); err != nil {
			if ctx.Err() != nil || apperr.Is(err, apperr.Unavailable) {
				return settled, err // the database is away: no use trying the rest now
			}
			failed = append(failed, fmt.Errorf("worker %s: %w", id, err))
			continue
		}
		settled++
	}
	return settled, errors.Join(failed...)
}

func welcomeKey(o *Offer) string { return "welcome:" + o.ID.String() }

// Available is an offer as listed to a worker.
type Available struct {
	Offer *Offer
	// Allowance is how many more claims the worker may make this period.
	Allowance int
}

// Available lists the offers the worker may claim now: published, inside
// their window (and weekly hours), eligible, and not sold out — a worker
// cannot act on a sold-out offer, and their own claims of it are listed
// with their claims. Offers whose allowance the worker has used up are
// listed, with an allowance of 0. Returns NotFound when the worker does not
// exist.
func (s *Service) Available(ctx context.Context, workerID uuid.UUID) ([]Available, error) {
	now := s.now()
	w, err := s.store.Claimant(ctx, workerID)
	if err != nil {
		return nil, err
	}
	offers, err := s.store.OpenOffers(ctx, now)
	if err != nil {
		return nil, err
	}
	var (
		open []*Offer
		ids  []uuid.UUID
	)
	for _, o := range offers {
		// The welcome offer is granted on approval, not claimed.
		soldOut := o.Limited() && o.Remaining <= 0
		if !o.Welcome && !soldOut && o.Window.OpenAt(now) && o.Eligibility.Eligible(w) == nil {
			open = append(open, o)
			ids = append(ids, o.ID)
		}
	}
	times, err := s.store.ClaimTimes(ctx, workerID, ids, now)
	if err != nil {
		return nil, err
	}
	out := make([]Available, 0, len(open))
	for _, o := range open {
		out = append(out, Available{Offer: o, Allowance: o.Allowance(times[o.ID], now)})
	}
	return out, nil
}

// WorkerClaims lists the worker's claims, newest first.
func (s *Service) WorkerClaims(ctx context.Context, workerID, before uuid.UUID, limit int) ([]Claim, error) {
	return s.store.WorkerClaims(ctx, workerID, before, limit)
}

// Redeem hands over the item of the claim with the code at the station.
// Returns Invalid (a malformed code), NotFound (no such claim), Forbidden
// (the station is outside the actor's districts), WrongStation,
// AlreadyRedeemed, or Expired (the claim's stock has gone back to the
// offer).
func (s *Service) Redeem(ctx context.Context, actor Actor, code string, stationID uuid.UUID) (Claim, error) {
	code, ok := ParseCode(code)
	if !ok {
		var p apperr.Problems
		p.Add("code", "format", "must be the 8-character claim code or the claim's qr_payload")
		return Claim{}, p.Err()
	}
	now := s.clock()
	var expired bool
	rule := redeemRule(actor, now)
	c, err := s.store.Redeem(ctx, code, stationID, now, actor.ActorName(), func(c Claim, o *Offer, st StationInfo) (RedeemAction, error) {
		action, err := rule(c, o, st)
		expired = err == nil && action == Expire
		return action, err
	})
	if err != nil {
		return Claim{}, err
	}
	if expired {
		return Claim{}, expiredClaim(c)
	}
	return c, nil
}

// redeemRule decides what redeeming claim c of offer o at station st by
// actor at now does: Redeem, Expire (a claim past its expiry whose item
// goes back), or a refusal: WrongStation, Forbidden, AlreadyRedeemed or
// Expired. Redeem and Preview share it.
func redeemRule(actor Actor, now time.Time) func(c Claim, o *Offer, st StationInfo) (RedeemAction, error) {
	return func(c Claim, o *Offer, st StationInfo) (RedeemAction, error) {
		if st.ID == uuid.Nil {
			return 0, apperr.New(apperr.WrongStation, "no station has this id")
		}
		if !actor.CanManageDistrict(st.DistrictCode) {
			return 0, apperr.New(apperr.Forbidden, "you may not redeem claims at stations of district %s", st.DistrictCode)
		}
		switch c.Status {
		case Redeemed:
			return 0, apperr.New(apperr.AlreadyRedeemed, "this claim was redeemed at %s", apperr.Instant(c.RedeemedAt.In(Shanghai)))
		case Expired:
			return 0, apperr.New(apperr.Expired, "this claim expired at %s", apperr.Instant(c.ExpiresAt.In(Shanghai)))
		}
		if !now.Before(c.ExpiresAt) {
			return Expire, nil
		}
		if len(o.RedeemAt) > 0 {
			if !slices.Contains(o.RedeemAt, st.ID) {
				return 0, apperr.New(apperr.WrongStation, "this benefit is collected only at the stations the offer names")
			}
			if !st.Active {
				return 0, apperr.New(apperr.WrongStation, "this station is not active; collect the benefit at another the offer names")
			}
			return Redeem, nil
		}
		if !st.Active || !o.Eligibility.CoversCounty(st.DistrictCode) {
			return 0, apperr.New(apperr.WrongStation, "this benefit is collected only at active stations of the offer's districts")
		}
		return Redeem, nil
	}
}

// ExpireDue expires every claim past its expires_at, returning their stock,
// in batches. It reports how many claims it expired.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	const batch = 500
	total := 0
	for {
		n, err := s.store.ExpireDue(ctx, s.clock(), batch)
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}

// Stats returns the figures of an offer the actor may manage. Returns
// NotFound or Forbidden.
func (s *Service) Stats(ctx context.Context, actor Actor, id uuid.UUID) (*Offer, Stats, error) {
	o, err := s.GetOffer(ctx, actor, id)
	if err != nil {
		return nil, Stats{}, err
	}
	st, err := s.store.Stats(ctx, id)
	return o, st, err
}

// Export calls each for every claim on an offer the actor may manage,
// oldest first. Returns NotFound or Forbidden before the first row.
func (s *Service) Export(ctx context.Context, actor Actor, id uuid.UUID, each func(ExportRow) error) error {
	if _, err := s.GetOffer(ctx, actor, id); err != nil {
		return err
	}
	return s.store.Export(ctx, id, each)
}
