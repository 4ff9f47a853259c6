package auth

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// Account is a staff account as an administrator sees it: never its
// password hash.
type Account struct {
	ID         uuid.UUID
	Username   string
	Role       Role
	Districts  []string
	CreatedAt  time.Time
	DisabledAt *time.Time // nil while the account may sign in
	// SecondFactor reports whether every login asks for a TOTP code.
	SecondFactor bool
	// Failed logins within the throttle's window: in all, and the most
	// from any one client address.
	Failures, FailuresFromOneAddr int
	// Locked reports whether the login throttle refuses this username now,
	// from one address or from every address (see Config).
	Locked bool
}

// Disabled reports whether the account is disabled.
func (a Account) Disabled() bool { return a.DisabledAt != nil }

// AccountStore administers staff accounts. Each method is one transaction.
type AccountStore interface {
	// ListStaff returns every account by username, with its failed logins
	// since the instant (Locked is left to the caller).
	ListStaff(ctx context.Context, since time.Time) ([]Account, error)
	// SetStaffDisabled disables the account at the instant, revoking every
	// open session of it, or enables it again when at is nil. Returns
	// NotFound when there is no such user.
	SetStaffDisabled(ctx context.Context, username string, at *time.Time) error
	// ResetPassword replaces the account's password hash and revokes its
	// open sessions at now. Returns NotFound when there is no such user.
	ResetPassword(ctx context.Context, username, hash string, now time.Time) error
	// ClearLoginFailures forgets the username's failed logins, from every
	// address. Returns NotFound when there is no such user.
	ClearLoginFailures(ctx context.Context, username string) error
}

// ErrDisabled is Login's answer for the right password of a disabled
// account (a store's CreateSession returns it): the owner learns why, and
// nobody without the password learns anything.
var ErrDisabled = apperr.New(apperr.Unauthorized, "this staff account is disabled; ask an administrator")

// CommandLine is the principal of the operator at the server's command
// line (api staff …): an administrator who is no staff account, so that it
// can act on every account, its own included.
var CommandLine = &Principal{Role: Admin, Username: "(command line)"}

// IsAdmin reports whether the principal is a staff administrator.
func (p *Principal) IsAdmin() bool { return p.IsStaff() && p.Role == Admin }

var errAdminsOnly = apperr.New(apperr.Forbidden, "only administrators manage staff accounts")

func noSuchUser(username string) error {
	return apperr.New(apperr.NotFound, "there is no staff account with the username %q", username)
}

// accountName normalises a username as Login does, and refuses callers who
// are not administrators. Returns Forbidden or NotFound.
func accountName(by *Principal, username string) (string, error) {
	if !by.IsAdmin() {
		return "", errAdminsOnly
	}
	name := strings.ToLower(strings.TrimSpace(username))
	if !validUsername(name) {
		return "", noSuchUser(username)
	}
	return name, nil
}

// ListStaff returns every staff account, by username, with whether the
// login throttle locks it out now. Returns Forbidden unless by is an
// administrator.
func (s *Service) ListStaff(ctx context.Context, by *Principal) ([]Account, error) {
	if !by.IsAdmin() {
		return nil, errAdminsOnly
	}
	list, err := s.store.ListStaff(ctx, s.now().Add(-s.cfg.FailureWindow))
	for i := range list {
		a := &list[i]
		a.Locked = a.FailuresFromOneAddr >= s.cfg.UserFailures || a.Failures >= s.cfg.UserAnyFailures
	}
	return list, err
}

// AddStaff creates an account on an administrator's behalf (see
// CreateStaff). Returns Forbidden, Invalid or Conflict.
func (s *Service) AddStaff(ctx context.Context, by *Principal, username, password string, role Role, districts []string, validDistrict func(string) bool) (Staff, error) {
	if !by.IsAdmin() {
		return Staff{}, errAdminsOnly
	}
	return s.CreateStaff(ctx, strings.TrimSpace(username), password, role, districts, validDistrict)
}

// DisableStaff disables the account: it cannot sign in, and its sessions
// and tokens stop working at once. Disabling twice is not an error.
// Returns Forbidden unless by is an administrator, Conflict when an
// administrator would disable their own account, or NotFound.
func (s *Service) DisableStaff(ctx context.Context, by *Principal, username string) error {
	name, err := accountName(by, username)
	if err != nil {
		return err
	}
	if name == by.Username {
		return apperr.New(apperr.Conflict, "you cannot disable your own account; ask another administrator")
	}
	now := s.now()
	return s.store.SetStaffDisabled(ctx, name, &now)
}

// EnableStaff lets a disabled account sign in again; the sessions it had
// stay revoked. Returns Forbidden or NotFound.
func (s *Service) EnableStaff(ctx context.Context, by *Principal, username string) error {
	name, err := accountName(by, username)
	if err != nil {
		return err
	}
	return s.store.SetStaffDisabled(ctx, name, nil)
}

// ResetPassword sets a new password for the account and signs it out
// everywhere. Returns Forbidden, Invalid or NotFound.
func (s *Service) ResetPassword(ctx context.Context, by *Principal, username, password string) error {
	name, err := accountName(by, username)
	if err != nil {
		return err
	}
	if n := len([]rune(password)); n < 10 || n > 200 {
		return apperr.New(apperr.Invalid, "the password must be 10 to 200 characters")
	}
	hash, err := hashPassword(ctx, s.keys, password, s.cfg.Hash)
	if err != nil {
		return err
	}
	return s.store.ResetPassword(ctx, name, hash, s.now())
}

// UnlockStaff clears the login throttle of the username, from every
// address, so that its owner may try again at once. Returns Forbidden or
// NotFound.
func (s *Service) UnlockStaff(ctx context.Context, by *Principal, username string) error {
	name, err := accountName(by, username)
	if err != nil {
		return err
	}
	return s.store.ClearLoginFailures(ctx, name)
}
