// Package auth knows who is asking: staff accounts, their sessions and
// bearer tokens, and what each role may do. Tokens are random and opaque;
// only their SHA-256 is stored, so the sessions table grants nothing if it
// leaks.
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
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == Admin || r == DistrictStaff }

// Staff is a union staff account.
type Staff struct {
	ID           uuid.UUID
	Username     string
	PasswordHash string
	Role         Role
	Districts    []string
	CreatedAt    time.Time
}

// Principal is the authenticated caller of a request.
type Principal struct {
	StaffID   uuid.UUID
	Username  string
	Role      Role
	Districts []string
}

// ActorName names the principal in audit records.
func (p *Principal) ActorName() string { return "staff:" + p.Username }

// CanManageDistrict reports whether the principal may act in the county
// code. Admins may act everywhere. A district staff account's code may be a
// county (330726), a city (330700: every county of the city) or a province
// (330000: every county of the province).
func (p *Principal) CanManageDistrict(code string) bool {
	if p.Role == Admin {
		return true
	}
	return slices.ContainsFunc(p.Districts, func(d string) bool { return Covers(d, code) })
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

// Store keeps accounts and sessions. Each method is one transaction.
type Store interface {
	// CreateStaff returns Conflict when the username is taken.
	CreateStaff(ctx context.Context, s Staff) error
	// SetPassword returns NotFound when there is no such user.
	SetPassword(ctx context.Context, username, hash string) error
	// StaffByUsername returns NotFound when there is no such user.
	StaffByUsername(ctx context.Context, username string) (Staff, error)
	// CreateSession stores a session.
	CreateSession(ctx context.Context, s Session) error
	// PrincipalBySession returns the principal of an unexpired, unrevoked
	// session at now, or Unauthorized.
	PrincipalBySession(ctx context.Context, tokenHash []byte, now time.Time) (*Principal, error)
	// RevokeSession revokes the session; revoking twice is not an error.
	RevokeSession(ctx context.Context, tokenHash []byte, now time.Time) error
	// CountLoginFailures counts each subject's failures since the instant.
	CountLoginFailures(ctx context.Context, subjects []string, since time.Time) ([]int, error)
	// RecordLoginFailure records one failure for each subject, and forgets
	// failures older than forgetBefore.
	RecordLoginFailure(ctx context.Context, subjects []string, now, forgetBefore time.Time) error
	// ClearLoginFailures forgets the subject's failures.
	ClearLoginFailures(ctx context.Context, subject string) error
}

// Config tunes the Service.
type Config struct {
	StaffTokenTTL time.Duration // 12 h by default
	Hash          HashParams
	// Throttle: at most UserFailures failed logins per username and
	// AddrFailures per client address within FailureWindow.
	UserFailures  int
	AddrFailures  int
	FailureWindow time.Duration
}

// DefaultConfig is the production configuration.
var DefaultConfig = Config{
	StaffTokenTTL: 12 * time.Hour,
	Hash:          DefaultHashParams,
	UserFailures:  5,
	AddrFailures:  30,
	FailureWindow: 15 * time.Minute,
}

// Service signs staff in and out and authenticates tokens.
type Service struct {
	store Store
	cfg   Config
	now   func() time.Time
	// dummyHash is checked when the username is unknown, so that an unknown
	// user costs the same time as a wrong password.
	dummyHash string
}

// NewService returns a Service; now may be nil.
func NewService(store Store, cfg Config, now func() time.Time) (*Service, error) {
	if now == nil {
		now = time.Now
	}
	dummy, err := HashPassword(randomToken(""), cfg.Hash)
	if err != nil {
		return nil, err
	}
	return &Service{store: store, cfg: cfg, now: now, dummyHash: dummy}, nil
}

const staffTokenPrefix = "yzs_"

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
		p.Add("role", "unknown", "must be admin or district_staff")
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
	hash, err := HashPassword(password, s.cfg.Hash)
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
	hash, err := HashPassword(password, s.cfg.Hash)
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

var errBadLogin = apperr.New(apperr.Unauthorized, "the username or password is wrong")

// Login checks a staff member's password and opens a session. An unknown
// user and a wrong password get the same Unauthorized answer after the same
// work. Repeated failures for one username or client address get
// RateLimited.
func (s *Service) Login(ctx context.Context, username, password, clientAddr string) (token string, expires time.Time, err error) {
	now := s.now()
	subjects := []string{"user:" + strings.ToLower(username), "addr:" + clientAddr}
	counts, err := s.store.CountLoginFailures(ctx, subjects, now.Add(-s.cfg.FailureWindow))
	if err != nil {
		return "", time.Time{}, err
	}
	if counts[0] >= s.cfg.UserFailures || counts[1] >= s.cfg.AddrFailures {
		return "", time.Time{}, &apperr.Error{Code: apperr.RateLimited, Message: "too many failed logins; wait and try again", RetryAfter: s.cfg.FailureWindow}
	}
	st, err := s.store.StaffByUsername(ctx, username)
	hash := st.PasswordHash
	if apperr.Is(err, apperr.NotFound) {
		hash = s.dummyHash
	} else if err != nil {
		return "", time.Time{}, err
	}
	ok, herr := CheckPassword(hash, password)
	if err != nil || herr != nil || !ok {
		if rerr := s.store.RecordLoginFailure(ctx, subjects, now, now.Add(-24*time.Hour)); rerr != nil {
			return "", time.Time{}, rerr
		}
		return "", time.Time{}, errBadLogin
	}
	token = randomToken(staffTokenPrefix)
	expires = now.Add(s.cfg.StaffTokenTTL).UTC().Truncate(time.Second)
	if err := s.store.CreateSession(ctx, Session{TokenHash: HashToken(token), StaffID: st.ID, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return "", time.Time{}, err
	}
	if err := s.store.ClearLoginFailures(ctx, subjects[0]); err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}

// Authenticate returns the principal of a bearer token, or Unauthorized.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if !strings.HasPrefix(token, staffTokenPrefix) || len(token) != len(staffTokenPrefix)+43 {
		return nil, apperr.New(apperr.Unauthorized, "the bearer token is malformed")
	}
	return s.store.PrincipalBySession(ctx, HashToken(token), s.now())
}

// Logout revokes the token's session.
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.store.RevokeSession(ctx, HashToken(token), s.now())
}
