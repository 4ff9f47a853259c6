// Package partner is access for rider platforms (美团, 饿了么, …) that show
// Yizhan's stations in their own apps (issue 15 §3). An admin issues a
// partner an API key; the partner sends it as X-Api-Key on the public search
// endpoints and is then held to its own rate limit and daily quota instead
// of the per-address limits that anonymous callers share.
//
// A key is 256 random bits, shown once when it is issued and stored only as
// its SHA-256. A slow password hash (argon2id, as for staff passwords) is
// for secrets people choose, which an attacker can guess; nobody can guess
// 256 random bits, so the fast hash loses nothing, and it lets every
// request find its partner by the hash itself (a salted slow hash could not
// be looked up, and would cost milliseconds a request on the busiest route).
//
// The Gate answers each request from memory: the partners are few and kept
// in a map by key hash that every process reloads when the partners table
// changes (PostgreSQL NOTIFY, and a periodic reload in case a notification
// is lost), and the daily quota is reserved from PostgreSQL in blocks
// (quota.go), so that no request waits on the database and no number of
// processes can admit more than the quota between them.
package partner

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/text"
)

// Rate is a key's token bucket: PerSecond requests on average, Burst at
// once.
type Rate struct {
	PerSecond float64
	Burst     int
}

// String spells r as ParseRate reads it.
func (r Rate) String() string {
	return strconv.FormatFloat(r.PerSecond, 'f', -1, 64) + ":" + strconv.Itoa(r.Burst)
}

// The defaults of `api partner create` and the console's form.
var (
	DefaultRate        = Rate{PerSecond: 50, Burst: 100}
	DefaultDailyQuota  = int64(1_000_000)
	maxPerSecond       = 100_000.0
	maxBurst           = 1_000_000
	maxDailyQuota      = int64(1_000_000_000)
	maxNameChars       = 64
	keyPrefixShownLen  = 8 // "yzp_" and four characters of the random part
	keyRandomBytes     = 32
	keyRandomCharCount = 43 // 32 bytes in unpadded base64url
)

// KeyPrefix starts every partner key, so that a key pasted into the wrong
// place (a bearer token, a log) is recognised for what it is.
const KeyPrefix = "yzp_"

// ParseRate reads "RATE:BURST", such as "50:100".
func ParseRate(s string) (Rate, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ":")
	per, err1 := strconv.ParseFloat(a, 64)
	burst, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || !(per > 0) || math.IsInf(per, 0) || burst < 1 {
		return Rate{}, apperr.New(apperr.Invalid, "%q is not RATE:BURST, such as 50:100", s)
	}
	return Rate{PerSecond: per, Burst: burst}, nil
}

// Partner is a platform holding a key.
type Partner struct {
	ID   uuid.UUID
	Name string
	// KeyPrefix is the key's first characters ("yzp_Ab3x"), to tell keys
	// apart in a list; it grants nothing.
	KeyPrefix  string
	Rate       Rate
	DailyQuota int64
	CreatedAt  time.Time
	// RevokedAt is zero while the key works.
	RevokedAt time.Time
}

// Revoked reports whether the partner's key has been revoked.
func (p Partner) Revoked() bool { return !p.RevokedAt.IsZero() }

// Listed is a partner with its usage, as admins see it.
type Listed struct {
	Partner
	// UsedToday is how many requests the key was admitted today (Shanghai
	// time), as flushed by the API processes (each flushes every second).
	UsedToday int64
	// UsedYesterday is the same for the day before.
	UsedYesterday int64
}

// Keyed is a partner with its key's hash: the Gate's map entry.
type Keyed struct {
	Partner
	KeyHash [32]byte
}

// HashKey is the stored form of a key.
func HashKey(key string) [32]byte {
	// A well-formed key fits the buffer, which spares the request path the
	// allocation of converting the string.
	var buf [64]byte
	if len(key) <= len(buf) {
		return sha256.Sum256(buf[:copy(buf[:], key)])
	}
	return sha256.Sum256([]byte(key))
}

// newKey returns a fresh key.
func newKey() string {
	b := make([]byte, keyRandomBytes)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// WellFormedKey reports whether key could be a key at all, before any
// lookup: the prefix and 43 base64url characters.
func WellFormedKey(key string) bool {
	if len(key) != len(KeyPrefix)+keyRandomCharCount || !strings.HasPrefix(key, KeyPrefix) {
		return false
	}
	for i := len(KeyPrefix); i < len(key); i++ {
		switch c := key[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

// Day is a Shanghai calendar day, the unit of the daily quota.
type Day struct{ Year, Month, Date int }

// shanghai is UTC+8 all year.
var shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// DayOf is the Shanghai calendar day of t.
func DayOf(t time.Time) Day {
	y, m, d := t.In(shanghai).Date()
	return Day{y, int(m), d}
}

// Time is the day's first instant.
func (d Day) Time() time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Date, 0, 0, 0, 0, shanghai)
}

// Next is the following day.
func (d Day) Next() Day { return DayOf(d.Time().AddDate(0, 0, 1)) }

// String is the day as 2026-12-02.
func (d Day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Date) }

// Store keeps partners and their usage. Each method is one transaction.
type Store interface {
	// CreatePartner stores p with its key's hash; Conflict when a partner
	// not revoked has the name (in any case).
	CreatePartner(ctx context.Context, p Partner, keyHash [32]byte, by string) error
	// ListPartners returns every partner, revoked ones too, newest first,
	// with their usage on day and the day before.
	ListPartners(ctx context.Context, day Day) ([]Listed, error)
	// RevokePartner revokes the key of the partner not yet revoked that
	// has the name (in any case); NotFound when there is none.
	RevokePartner(ctx context.Context, name, by string, at time.Time) (Partner, error)
	// KeyedPartners returns every partner with its key's hash, revoked
	// ones too (so that their keys are refused as revoked, not unknown).
	KeyedPartners(ctx context.Context) ([]Keyed, error)
	// KeyedPartner returns the partner holding the key hash, revoked or
	// not; NotFound when there is none.
	KeyedPartner(ctx context.Context, keyHash [32]byte) (Partner, error)
	// Reserve takes up to grant(reserved, quota) more of the partner's
	// quota for day under a row lock, and returns how much it took (0 when
	// the quota is spent). It returns Unauthorized when the partner is
	// revoked.
	Reserve(ctx context.Context, partnerID uuid.UUID, day Day, grant func(reserved, quota int64) int64) (int64, error)
	// Settle adds used to the day's count of admitted requests and gives
	// back release of what was reserved.
	Settle(ctx context.Context, partnerID uuid.UUID, day Day, used, release int64) error
	// Listen calls changed whenever the partners table changes, until ctx
	// ends (nil) or the connection fails.
	Listen(ctx context.Context, changed func()) error
}

// Service is the admins' side: issuing, listing and revoking keys.
type Service struct {
	store Store
	now   func() time.Time
	// Changed, when set, hears of every change this process made, so that
	// its own Gate reloads without waiting for the notification.
	Changed func()
}

// NewService returns a Service; now may be nil (time.Now).
func NewService(store Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, now: now}
}

// NewPartner is what an admin asks for.
type NewPartner struct {
	Name       string
	Rate       Rate
	DailyQuota int64
}

// Create issues a key to a new partner and returns the partner and the key,
// which is shown this once and never again. Only admins may: Forbidden.
// Invalid for a bad name, rate or quota; Conflict when a partner not revoked
// has the name.
func (s *Service) Create(ctx context.Context, by *auth.Principal, n NewPartner) (Partner, string, error) {
	if !by.IsAdmin() {
		return Partner{}, "", apperr.New(apperr.Forbidden, "only admins may manage partner keys")
	}
	var p apperr.Problems
	name := text.Field(&p, "name", n.Name, text.Rule{Max: maxNameChars, Required: true})
	switch {
	case !(n.Rate.PerSecond > 0) || n.Rate.PerSecond > maxPerSecond:
		p.Add("rate", "out_of_range", "must be more than 0 and at most %d requests a second", int(maxPerSecond))
	case n.Rate.Burst < 1 || n.Rate.Burst > maxBurst:
		p.Add("burst", "out_of_range", "must be from %d to %d", 1, maxBurst)
	}
	if n.DailyQuota < 1 || n.DailyQuota > maxDailyQuota {
		p.Add("daily_quota", "out_of_range", "must be from %d to %d", 1, maxDailyQuota)
	}
	if err := p.Err(); err != nil {
		return Partner{}, "", err
	}
	key := newKey()
	pt := Partner{
		ID: uuid.New(), Name: name, KeyPrefix: key[:keyPrefixShownLen],
		Rate: n.Rate, DailyQuota: n.DailyQuota, CreatedAt: s.now(),
	}
	if err := s.store.CreatePartner(ctx, pt, HashKey(key), actor(by)); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return Partner{}, "", apperr.Wrap(apperr.Conflict, err, "a partner named %q already holds a key; revoke it first", name)
		}
		return Partner{}, "", err
	}
	s.changed()
	return pt, key, nil
}

// List returns every partner with today's and yesterday's usage. Only
// admins may: Forbidden.
func (s *Service) List(ctx context.Context, by *auth.Principal) ([]Listed, error) {
	if !by.IsAdmin() {
		return nil, apperr.New(apperr.Forbidden, "only admins may manage partner keys")
	}
	return s.store.ListPartners(ctx, DayOf(s.now()))
}

// Revoke stops the key of the partner with the name at once, on every
// process. Forbidden for non-admins; NotFound when no partner not yet
// revoked has the name.
func (s *Service) Revoke(ctx context.Context, by *auth.Principal, name string) (Partner, error) {
	if !by.IsAdmin() {
		return Partner{}, apperr.New(apperr.Forbidden, "only admins may manage partner keys")
	}
	p, err := s.store.RevokePartner(ctx, strings.TrimSpace(name), actor(by), s.now())
	if apperr.Is(err, apperr.NotFound) {
		return Partner{}, apperr.Wrap(apperr.NotFound, err, "there is no partner named %q holding a key", strings.TrimSpace(name))
	}
	if err != nil {
		return Partner{}, err
	}
	s.changed()
	return p, nil
}

func (s *Service) changed() {
	if s.Changed != nil {
		s.Changed()
	}
}

// actor names who acted in the partners table.
func actor(by *auth.Principal) string {
	if by == auth.CommandLine {
		return "command line"
	}
	return by.ActorName()
}
