package auth

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"yizhan/internal/apperr"
)

// Staff second factors are TOTP (RFC 6238): 6 digits, 30-second steps,
// HMAC-SHA1, as every authenticator app speaks, generated and checked with
// github.com/pquerna/otp. A code is accepted one step early or late (clock
// drift) and only once: the step of the last accepted code is stored.
// Secrets are kept in the database (a TOTP secret must be readable to check
// a code) and never logged.

// TOTPPolicy says who must sign in with a second factor.
type TOTPPolicy string

// The policies. Whatever the policy, an account with a confirmed second
// factor is always asked for a code.
const (
	TOTPOptional TOTPPolicy = ""       // STAFF_TOTP_REQUIRED unset
	TOTPAdmins   TOTPPolicy = "admins" // administrators cannot sign in without one
)

// ParseTOTPPolicy reads STAFF_TOTP_REQUIRED: "" (or "off") or "admins".
func ParseTOTPPolicy(v string) (TOTPPolicy, bool) {
	switch strings.TrimSpace(v) {
	case "", "off":
		return TOTPOptional, true
	case "admins":
		return TOTPAdmins, true
	}
	return "", false
}

// TOTPStore keeps staff second factors.
type TOTPStore interface {
	// SetPendingTOTP stores secret as the account's enrolment awaiting
	// confirmation, replacing any earlier one. Returns NotFound.
	SetPendingTOTP(ctx context.Context, username, secret string) error
	// PendingTOTP returns the account's enrolment awaiting confirmation, ""
	// when there is none. Returns NotFound.
	PendingTOTP(ctx context.Context, username string) (string, error)
	// ConfirmTOTP makes the pending secret the account's second factor, if
	// it is still pending, with step as the last one used. Returns NotFound
	// or Conflict (another enrolment replaced it).
	ConfirmTOTP(ctx context.Context, username, secret string, step int64) error
	// ClearTOTP removes the account's second factor and any enrolment.
	// Returns NotFound.
	ClearTOTP(ctx context.Context, username string) error
	// TOTPEnrolled reports whether the account has a confirmed second
	// factor. Returns NotFound.
	TOTPEnrolled(ctx context.Context, username string) (bool, error)
	// UseTOTPStep records that a code of the step was accepted for the
	// account, and reports false when the step (or a later one) was used
	// before.
	UseTOTPStep(ctx context.Context, username string, step int64) (bool, error)
}

// TOTPKey is a new second factor to show its owner once.
type TOTPKey struct {
	// Secret is the base32 secret, for typing into an authenticator app.
	Secret string
	// URI is the otpauth:// URI, for a QR code.
	URI string
}

// TOTPIssuer names the service in authenticator apps.
const TOTPIssuer = "Yizhan"

const totpPeriod = 30

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

var (
	errTOTPRequired = apperr.New(apperr.TOTPRequired, "this account signs in with a one-time code from its authenticator app: send it as totp")
	errTOTPInvalid  = apperr.New(apperr.TOTPInvalid, "the one-time code is wrong, expired or already used")
	errTOTPEnrol    = apperr.New(apperr.TOTPEnrolmentRequired, "administrators must sign in with a second factor: enrol one with `api staff totp --username NAME`")
)

// matchTOTP returns the time step code is valid for at now, one step
// either side, or ok=false. It compares in constant time.
func matchTOTP(secret, code string, now time.Time) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for _, st := range []int64{cur, cur - 1, cur + 1} {
		want, err := hotp.GenerateCodeCustom(secret, uint64(st), hotp.ValidateOpts{Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return st, true
		}
	}
	return 0, false
}

// mayManageTOTP reports whether by may change username's second factor:
// its owner or an administrator.
func mayManageTOTP(by *Principal, name string) bool {
	return by.MaySignIn() && (by.Role == Admin || by.Username == name)
}

func (s *Service) totpAccount(by *Principal, username string) (string, error) {
	name := strings.ToLower(strings.TrimSpace(username))
	if !mayManageTOTP(by, name) {
		return "", apperr.New(apperr.Forbidden, "only the account's owner or an administrator may change its second factor")
	}
	if !validUsername(name) {
		return "", apperr.New(apperr.NotFound, "staff account %q not found", username)
	}
	return name, nil
}

// BeginTOTPEnrolment makes a new TOTP secret for the account and keeps it
// pending until ConfirmTOTP; the account's current second factor, if any,
// stays in force until then. Show the returned key to the owner once.
// Returns Forbidden (by is neither the owner nor an administrator) or
// NotFound.
func (s *Service) BeginTOTPEnrolment(ctx context.Context, by *Principal, username string) (TOTPKey, error) {
	name, err := s.totpAccount(by, username)
	if err != nil {
		return TOTPKey{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: TOTPIssuer, AccountName: name, Period: totpPeriod, Digits: totpOpts.Digits, Algorithm: totpOpts.Algorithm})
	if err != nil {
		return TOTPKey{}, err
	}
	if err := s.store.SetPendingTOTP(ctx, name, key.Secret()); err != nil {
		return TOTPKey{}, err
	}
	return TOTPKey{Secret: key.Secret(), URI: key.URL()}, nil
}

// ConfirmTOTP checks a code from the pending enrolment and makes it the
// account's second factor: from then on every login asks for a code.
// Returns Forbidden, NotFound, Conflict (no enrolment is pending) or
// TOTPInvalid.
func (s *Service) ConfirmTOTP(ctx context.Context, by *Principal, username, code string) error {
	name, err := s.totpAccount(by, username)
	if err != nil {
		return err
	}
	secret, err := s.store.PendingTOTP(ctx, name)
	if err != nil {
		return err
	}
	if secret == "" {
		return apperr.New(apperr.Conflict, "no second factor enrolment is pending for %q: begin one first", name)
	}
	step, ok := matchTOTP(secret, code, s.now())
	if !ok {
		return errTOTPInvalid
	}
	return s.store.ConfirmTOTP(ctx, name, secret, step)
}

// HasTOTP reports whether the account signs in with a second factor, for
// its owner's page. Returns Forbidden or NotFound.
func (s *Service) HasTOTP(ctx context.Context, by *Principal, username string) (bool, error) {
	name, err := s.totpAccount(by, username)
	if err != nil {
		return false, err
	}
	return s.store.TOTPEnrolled(ctx, name)
}

// DisableTOTP removes the account's second factor (a lost phone) and any
// pending enrolment. Under STAFF_TOTP_REQUIRED=admins an administrator
// without one cannot sign in until they enrol again. Returns Forbidden or
// NotFound.
func (s *Service) DisableTOTP(ctx context.Context, by *Principal, username string) error {
	name, err := s.totpAccount(by, username)
	if err != nil {
		return err
	}
	return s.store.ClearTOTP(ctx, name)
}

// totpSubject counts the wrong one-time codes sent for the account with its
// right password, from everywhere, known addresses included, over
// totpFailureWindow. Once the password is known the code is all that
// stands, and a guess hits one of the three codes valid at a time (one
// step either side): held only to the username's total of 100 per 15
// minutes, a guesser would expect a hit within about five weeks; at 10 a
// day, in about ninety years. Whoever can trip this limit knows the
// password, so its lock-out (a day at most) is the owner's cue to change it.
func totpSubject(name string) string { return "totp:" + name }

// totpFailureWindow is how long a wrong one-time code counts.
const totpFailureWindow = 24 * time.Hour

func (s *Service) totpFailures() int {
	if s.cfg.TOTPFailures > 0 {
		return s.cfg.TOTPFailures
	}
	return DefaultConfig.TOTPFailures
}

// checkSecondFactor is the login's step after a right password. It returns
// the step of the accepted code, or 0 when the account signs in without one.
func (s *Service) checkSecondFactor(rec LoginRecord, code string, now time.Time) (int64, error) {
	if rec.TOTPSecret == "" {
		if s.cfg.TOTPRequired == TOTPAdmins && rec.Role == Admin {
			return 0, errTOTPEnrol
		}
		return 0, nil
	}
	if strings.TrimSpace(code) == "" {
		return 0, errTOTPRequired
	}
	step, ok := matchTOTP(rec.TOTPSecret, code, now)
	if !ok || step <= rec.TOTPLastStep {
		return 0, errTOTPInvalid
	}
	return step, nil
}
