// Package auth knows who is asking: staff accounts, their sessions and
// bearer tokens, workers' sessions, and what each role may do. Tokens are
// random and opaque; only their SHA-256 is stored, so the sessions tables
// grant nothing if they leak. A staff token starts with yzs_, a worker's with
// yzw_.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// Role is a staff member's role.
type Role string

// The roles.
const (
	Admin         Role = "admin"          // every district
	DistrictStaff Role = "district_staff" // only the districts on the account
	// Donor is a caring unit's (爱心单位) account: it pledges micro-wishes and
	// has no district powers, so it is no staff member to any staff route.
	Donor Role = "donor"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Admin || r == DistrictStaff || r == Donor }

// Staff is a union staff account.
type Staff struct {
	ID           uuid.UUID
	Username     string
	PasswordHash string
	Role         Role
	Districts    []string
	CreatedAt    time.Time
}

// Principal is the authenticated caller of a request: a staff member
// (StaffID, Username, Role and Districts set) or a worker (only WorkerID
// set). The zero Principal is neither.
type Principal struct {
	StaffID   uuid.UUID
	Username  string
	Role      Role
	Districts []string
	WorkerID  uuid.UUID
}

// IsStaff reports whether the principal is a union staff member, with
// district powers: an administrator or district staff, never a donor.
func (p *Principal) IsStaff() bool {
	return p != nil && (p.Role == Admin || p.Role == DistrictStaff) && p.WorkerID == uuid.Nil
}

// IsWorker reports whether the principal is a worker signed in from the
// mini-program.
func (p *Principal) IsWorker() bool { return p != nil && p.WorkerID != uuid.Nil && p.Role == "" }

// ActorName names the principal in audit records.
func (p *Principal) ActorName() string {
	if p.IsWorker() {
		return "worker:" + p.WorkerID.String()
	}
	// Staff are named by their opaque account id: stations and offers
	// are public, and a username there would tell strangers whom to aim
	// failed logins at.
	return "staff:" + p.StaffID.String()
}

// CanManageDistrict reports whether the principal may act in the county
// code. Admins may act everywhere; workers nowhere. A district staff
// account's code may be a county (330726), a city (330700: every county of
// the city) or a province (330000: every county of the province).
func (p *Principal) CanManageDistrict(code string) bool {
	if !p.IsStaff() {
		return false
	}
	if p.Role == Admin {
		return true
	}
	return slices.ContainsFunc(p.Districts, func(d string) bool { return Covers(d, code) })
}

// DistrictScope returns the division codes the principal acts in, or
// all=true for an admin. A worker acts in none.
func (p *Principal) DistrictScope() (codes []string, all bool) {
	if !p.IsStaff() {
		return nil, false
	}
	return p.Districts, p.Role == Admin
}

// Covers reports whether the division code d covers the county code.
func Covers(d, code string) bool {
	switch {
	case len(d) != 6 || len(code) != 6:
		return false
	case d == code:
		return true
	case strings.HasSuffix(d, "0000"):
		return d[:2] == code[:2]
	case strings.HasSuffix(d, "00"):
		return d[:4] == code[:4]
	}
	return false
}

// Session is a stored login.
type Session struct {
	TokenHash []byte
	StaffID   uuid.UUID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// WorkerSession is a worker's stored login.
type WorkerSession struct {
	TokenHash []byte
	WorkerID  uuid.UUID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store keeps accounts and sessions. Each method is one transaction.
type Store interface {
	AccountStore
	ThrottleStore
	TOTPStore
	// CreateStaff returns Conflict when the username is taken.
	CreateStaff(ctx context.Context, s Staff) error
	// SetPassword returns NotFound when there is no such user.
	SetPassword(ctx context.Context, username, hash string) error
	// StaffByUsername returns NotFound when there is no such user.
	StaffByUsername(ctx context.Context, username string) (Staff, error)
	// CreateSession stores a session; Unauthorized when the account is
	// disabled.
	CreateSession(ctx context.Context, s Session) error
	// PrincipalBySession returns the principal of an unexpired, unrevoked
	// session of an enabled account at now, or Unauthorized.
	PrincipalBySession(ctx context.Context, tokenHash []byte, now time.Time) (*Principal, error)
	// RevokeSession revokes the session; revoking twice is not an error.
	RevokeSession(ctx context.Context, tokenHash []byte, now time.Time) error
	// ExtendSession moves an unexpired, unrevoked session's expiry to
	// expires when that is later than its expiry by more than a minute (so
	// that a busy session is written at most once a minute). An expired or
	// revoked session is left alone.
	ExtendSession(ctx context.Context, tokenHash []byte, now, expires time.Time) error
	// BeginLoginAttempt counts each subject's failures since the instant
	// and, when every count is below its limit (limits[i] for subjects[i]),
	// records this attempt as one failure of each subject, under locks that
	// make concurrent attempts count each other. It forgets failures older
	// than forgetBefore, and reports whether the attempt may go on.
	BeginLoginAttempt(ctx context.Context, attempt uuid.UUID, subjects []string, limits []int, now, since, forgetBefore time.Time) (bool, error)
	// LoginSucceeded takes back the attempt's failures and forgets every
	// failure of the subjects in clear.
	LoginSucceeded(ctx context.Context, attempt uuid.UUID, clear []string) error
	// CreateWorkerSession stores a worker's session; NotFound when the
	// worker does not exist or was erased.
	CreateWorkerSession(ctx context.Context, s WorkerSession) error
	// WorkerPrincipalBySession returns the principal of an unexpired,
	// unrevoked session of a worker who has not been erased, or
	// Unauthorized.
	WorkerPrincipalBySession(ctx context.Context, tokenHash []byte, now time.Time) (*Principal, error)
	// RevokeWorkerSession revokes the worker's session; revoking twice is
	// not an error.
	RevokeWorkerSession(ctx context.Context, tokenHash []byte, now time.Time) error
	NameStore
}

// Config tunes the Service.
type Config struct {
	StaffTokenTTL  time.Duration // 12 h by default
	WorkerTokenTTL time.Duration // 30 days by default
	Hash           HashParams
	// Throttle, within FailureWindow: at most UserFailures failed logins for
	// one username from one client address, AddrFailures from one address
	// for any usernames, and UserAnyFailures for one username from all
	// addresses together, which does not apply from a network the account
	// signed in from within KnownNetworkTTL (see throttle.go).
	UserFailures    int
	AddrFailures    int
	UserAnyFailures int
	FailureWindow   time.Duration
	KnownNetworkTTL time.Duration
	// TOTPRequired says who must have a second factor (STAFF_TOTP_REQUIRED).
	TOTPRequired TOTPPolicy
	// TOTPFailures is how many wrong one-time codes, sent with the right
	// password, one account takes from all addresses together within a
	// day (0: 10); see totpSubject.
	TOTPFailures int
	// LoginWorkers bounds the logins at work at once (0: half the cores,
	// at least one); LoginQueue more may wait up to LoginWait (0: 1 s) for
	// a turn before 503 (see logingate.go).
	LoginWorkers int
	LoginQueue   int
	LoginWait    time.Duration
}

// DefaultConfig is the production configuration.
var DefaultConfig = Config{
	StaffTokenTTL:   12 * time.Hour,
	WorkerTokenTTL:  30 * 24 * time.Hour,
	Hash:            DefaultHashParams,
	UserFailures:    5,
	AddrFailures:    30,
	UserAnyFailures: 100,
	FailureWindow:   15 * time.Minute,
	KnownNetworkTTL: 30 * 24 * time.Hour,
	TOTPFailures:    10,
	LoginQueue:      16,
}

// Service signs staff in and out and authenticates tokens.
type Service struct {
	store Store
	cfg   Config
	now   func() time.Time
	// dummyHash is checked when the username is unknown, so that an unknown
	// user costs the same time as a wrong password.
	dummyHash string
	gate      *loginGate
	// keys derives password keys: in this process unless UseHasher gave
	// the service a hasher child.
	keys keyDeriver
}

// UseHasher makes the service derive password keys in h's child process
// (see hasher.go). Call it before the service is used.
func (s *Service) UseHasher(h *Hasher) { s.keys = h }

// NewService returns a Service; now may be nil.
func NewService(store Store, cfg Config, now func() time.Time) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	dummy, err := HashPassword(randomToken(""), cfg.Hash)
	if err != nil {
		return nil, err
	}
	return &Service{store: store, cfg: cfg, now: now, dummyHash: dummy, gate: newLoginGate(cfg.LoginWorkers, cfg.LoginQueue, cfg.LoginWait),
		keys: inProcess{}}, nil
}

const (
	staffTokenPrefix  = "yzs_"
	workerTokenPrefix = "yzw_"
	// tokenChars is the length of a token's random part: 32 bytes in
	// unpadded base64url.
	tokenChars = 43
)

func randomToken(prefix string) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is the stored form of a bearer token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateStaff validates and stores a new account. Returns Invalid or
// Conflict.
func (s *Service) CreateStaff(ctx context.Context, username, password string, role Role, districts []string, validDistrict func(string) bool) (Staff, error) {
	var p apperr.Problems
	if !validUsername(username) {
		p.Add("username", "format", "must be 3–40 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit")
	}
	if n := len([]rune(password)); n < 10 || n > 200 {
		p.Add("password", "length", "must be 10 to 200 characters")
	}
	if !role.Valid() {
		p.Add("role", "unknown", "must be admin, district_staff or donor")
	}
	if role == Donor && len(districts) > 0 {
		p.Add("districts", "not_allowed", "a donor account has no district codes: it has no district powers")
	}
	if role == DistrictStaff && len(districts) == 0 {
		p.Add("districts", "required", "a district_staff account needs at least one district code")
	}
	for i, d := range districts {
		if !validDistrict(d) {
			p.Add("districts", "format", "entry %d (%q) is not a valid administrative division code", i, d)
		}
	}
	if err := p.Err(); err != nil {
		return Staff{}, err
	}
	hash, err := hashPassword(ctx, s.keys, password, s.cfg.Hash)
	if err != nil {
		return Staff{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Staff{}, err
	}
	if role == Admin {
		districts = nil
	}
	st := Staff{ID: id, Username: username, PasswordHash: hash, Role: role, Districts: districts, CreatedAt: s.now()}
	return st, s.store.CreateStaff(ctx, st)
}

// SetPassword replaces an account's password. Returns Invalid or NotFound.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	if n := len([]rune(password)); n < 10 || n > 200 {
		return apperr.New(apperr.Invalid, "the password must be 10 to 200 characters")
	}
	hash, err := hashPassword(ctx, s.keys, password, s.cfg.Hash)
	if err != nil {
		return err
	}
	return s.store.SetPassword(ctx, username, hash)
}

func validUsername(u string) bool {
	if len(u) < 3 || len(u) > 40 {
		return false
	}
	for i, r := range u {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && (r == '.' || r == '_' || r == '-')
		if !ok {
			return false
		}
	}
	return true
}

// IssueWorkerToken opens a session for a worker and returns its bearer
// token, valid for WorkerTokenTTL. Returns NotFound when the worker does not
// exist or was erased.
func (s *Service) IssueWorkerToken(ctx context.Context, workerID uuid.UUID) (token string, expires time.Time, err error) {
	now := s.now()
	token = randomToken(workerTokenPrefix)
	expires = now.Add(s.cfg.WorkerTokenTTL).UTC().Truncate(time.Second)
	err = s.store.CreateWorkerSession(ctx, WorkerSession{TokenHash: HashToken(token), WorkerID: workerID, CreatedAt: now, ExpiresAt: expires})
	if err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// tokenKind tells a staff token from a worker's by its prefix, or reports
// a malformed token.
func tokenKind(token string) (prefix string, ok bool) {
	for _, p := range []string{staffTokenPrefix, workerTokenPrefix} {
		if strings.HasPrefix(token, p) && len(token) == len(p)+tokenChars {
			return p, true
		}
	}
	return "", false
}

// Authenticate returns the principal of a staff or worker bearer token, or
// Unauthorized.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	switch kind, ok := tokenKind(token); {
	case !ok:
		return nil, apperr.New(apperr.Unauthorized, "the bearer token is malformed")
	case kind == workerTokenPrefix:
		return s.store.WorkerPrincipalBySession(ctx, HashToken(token), s.now())
	default:
		return s.store.PrincipalBySession(ctx, HashToken(token), s.now())
	}
}

// Touch keeps a staff session alive for another StaffTokenTTL from now:
// the console calls it on each request, so that its sessions expire after
// StaffTokenTTL without activity rather than StaffTokenTTL after sign-in.
// Authenticate the token first; Touch of an unknown, expired or revoked
// token does nothing.
func (s *Service) Touch(ctx context.Context, token string) error {
	if kind, ok := tokenKind(token); !ok || kind != staffTokenPrefix {
		return nil
	}
	now := s.now()
	return s.store.ExtendSession(ctx, HashToken(token), now, now.Add(s.cfg.StaffTokenTTL).UTC().Truncate(time.Second))
}

// Logout revokes the token's session, a staff member's or a worker's.
func (s *Service) Logout(ctx context.Context, token string) error {
	if kind, _ := tokenKind(token); kind == workerTokenPrefix {
		return s.store.RevokeWorkerSession(ctx, HashToken(token), s.now())
	}
	return s.store.RevokeSession(ctx, HashToken(token), s.now())
}
