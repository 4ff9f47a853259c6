package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

var errBadLogin = apperr.New(apperr.Unauthorized, "the username or password is wrong")

// Login is LoginWithTOTP without a one-time code: it signs in accounts
// without a second factor, and answers TOTPRequired for the others.
func (s *Service) Login(ctx context.Context, username, password, clientAddr string) (token string, expires time.Time, err error) {
	return s.LoginWithTOTP(ctx, username, password, "", clientAddr)
}

// LoginWithTOTP checks a staff member's password and, when the account has
// a second factor, the one-time code totpCode; then it opens a session.
//
// An unknown user and a wrong password get the same Unauthorized answer
// after the same work. Repeated failures get RateLimited (see throttle.go).
// A right password with no code gets TOTPRequired, with a wrong or reused
// code TOTPInvalid; an administrator without a second factor under
// STAFF_TOTP_REQUIRED=admins gets TOTPEnrolmentRequired. Beyond the logins
// that may run or wait at once (see logingate.go) it answers Unavailable.
//
// The attempt is recorded as failed before the password is checked, and
// taken back when the login succeeds, so that concurrent guesses count
// each other. No database connection is held while the password is hashed.
func (s *Service) LoginWithTOTP(ctx context.Context, username, password, totpCode, clientAddr string) (token string, expires time.Time, err error) {
	leave, err := s.gate.enter(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	defer leave()
	now := s.now()
	name := strings.ToLower(username)
	clientAddr = ClientAddress(clientAddr) // an IPv6 client counts by its /64
	var (
		rec     LoginRecord
		found   bool
		network []byte
	)
	if validUsername(name) {
		network = networkKey(name, clientAddr)
		rec, err = s.store.LoginRecord(ctx, name, network, now.Add(-s.cfg.KnownNetworkTTL))
		switch {
		case err == nil:
			found = true
		case !apperr.Is(err, apperr.NotFound):
			return "", time.Time{}, err
		}
	}
	subjects, limits, user := s.throttleSubjects(name, clientAddr, rec.KnownNetwork)
	attempt := uuid.New()
	ok, err := s.store.BeginLoginAttempt(ctx, attempt, subjects, limits, now, now.Add(-s.cfg.FailureWindow), now.Add(-24*time.Hour))
	if err != nil {
		return "", time.Time{}, err
	}
	if !ok {
		return "", time.Time{}, &apperr.Error{Code: apperr.RateLimited, Message: "too many failed logins; wait and try again", RetryAfter: s.cfg.FailureWindow}
	}
	hash := s.dummyHash // the same work for an unknown user as for a wrong password
	if found {
		hash = rec.PasswordHash
	}
	match, herr := checkPassword(ctx, s.keys, hash, password) // no database connection is held meanwhile
	if e := (*apperr.Error)(nil); errors.As(herr, &e) {
		// The hasher could not answer (it died, or the login ended): never
		// "wrong password". The attempt stays counted, as a guess.
		return "", time.Time{}, herr
	}
	if !found || herr != nil || !match {
		return "", time.Time{}, errBadLogin // already counted
	}
	if rec.TOTPSecret != "" && strings.TrimSpace(totpCode) != "" {
		// Counted before the check, as the password is, and taken back
		// with the rest on success.
		ok, err := s.store.BeginLoginAttempt(ctx, attempt, []string{totpSubject(name)}, []int{s.totpFailures()}, now, now.Add(-totpFailureWindow), now.Add(-totpFailureWindow))
		if err != nil {
			return "", time.Time{}, err
		}
		if !ok {
			return "", time.Time{}, &apperr.Error{Code: apperr.RateLimited, Message: "too many failed logins; wait and try again", RetryAfter: totpFailureWindow}
		}
	}
	step, err := s.checkSecondFactor(rec, totpCode, now)
	if err != nil {
		return "", time.Time{}, err // counted as a failure too: codes are guessed as passwords are
	}
	if step != 0 {
		fresh, err := s.store.UseTOTPStep(ctx, name, step)
		if err != nil {
			return "", time.Time{}, err
		}
		if !fresh {
			return "", time.Time{}, errTOTPInvalid
		}
	}
	token = randomToken(staffTokenPrefix)
	expires = now.Add(s.cfg.StaffTokenTTL).UTC().Truncate(time.Second)
	if err := s.store.CreateSession(ctx, Session{TokenHash: HashToken(token), StaffID: rec.StaffID, CreatedAt: now, ExpiresAt: expires}); err != nil {
		return "", time.Time{}, err
	}
	if err := s.store.LoginSucceeded(ctx, attempt, []string{user + "@" + clientAddr, user, totpSubject(name)}); err != nil {
		return "", time.Time{}, err
	}
	if err := s.store.RememberNetwork(ctx, rec.StaffID, network, now, now.Add(-s.cfg.KnownNetworkTTL)); err != nil {
		return "", time.Time{}, err
	}
	return token, expires, nil
}
