package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

// LoginRecord implements auth.ThrottleStore.
func (s *AuthStore) LoginRecord(ctx context.Context, username string, network []byte, knownSince time.Time) (auth.LoginRecord, error) {
	var (
		r      auth.LoginRecord
		role   string
		secret *string
	)
	err := s.db.Pool.QueryRow(ctx, `SELECT s.id, s.role, s.password_hash, s.totp_secret, s.totp_last_step,
			EXISTS (SELECT 1 FROM staff_known_networks k
				WHERE k.staff_id = s.id AND k.network_hash = $2 AND k.last_success_at >= $3)
		FROM staff s WHERE s.username = $1`, username, network, knownSince).
		Scan(&r.StaffID, &role, &r.PasswordHash, &secret, &r.TOTPLastStep, &r.KnownNetwork)
	if err != nil {
		return r, interpretError(err, "staff account")
	}
	r.Role = auth.Role(role)
	if secret != nil {
		r.TOTPSecret = *secret
	}
	return r, nil
}

// RememberNetwork implements auth.ThrottleStore.
func (s *AuthStore) RememberNetwork(ctx context.Context, staffID uuid.UUID, network []byte, at, forgetBefore time.Time) error {
	return interpretError(pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO staff_known_networks (staff_id, network_hash, last_success_at) VALUES ($1, $2, $3)
			ON CONFLICT (staff_id, network_hash) DO UPDATE SET last_success_at = greatest(staff_known_networks.last_success_at, EXCLUDED.last_success_at)`,
			staffID, network, at); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM staff_known_networks WHERE staff_id = $1 AND last_success_at < $2`, staffID, forgetBefore)
		return err
	}), "login failures")
}

func noStaff(username string) error {
	return apperr.New(apperr.NotFound, "staff account %q not found", username)
}

// SetPendingTOTP implements auth.TOTPStore.
func (s *AuthStore) SetPendingTOTP(ctx context.Context, username, secret string) error {
	tag, err := s.db.Pool.Exec(ctx, `UPDATE staff SET totp_pending = $2 WHERE username = $1`, username, secret)
	if err != nil {
		return interpretError(err, "staff account")
	}
	if tag.RowsAffected() == 0 {
		return noStaff(username)
	}
	return nil
}

// TOTPEnrolled implements auth.TOTPStore.
func (s *AuthStore) TOTPEnrolled(ctx context.Context, username string) (bool, error) {
	var on bool
	err := s.db.Pool.QueryRow(ctx, `SELECT totp_secret IS NOT NULL FROM staff WHERE username = $1`, username).Scan(&on)
	if err != nil {
		return false, interpretError(err, "staff account")
	}
	return on, nil
}

// PendingTOTP implements auth.TOTPStore.
func (s *AuthStore) PendingTOTP(ctx context.Context, username string) (string, error) {
	var pending *string
	err := s.db.Pool.QueryRow(ctx, `SELECT totp_pending FROM staff WHERE username = $1`, username).Scan(&pending)
	if err != nil {
		return "", interpretError(err, "staff account")
	}
	if pending == nil {
		return "", nil
	}
	return *pending, nil
}

// ConfirmTOTP implements auth.TOTPStore.
func (s *AuthStore) ConfirmTOTP(ctx context.Context, username, secret string, step int64) error {
	tag, err := s.db.Pool.Exec(ctx, `UPDATE staff SET totp_secret = totp_pending, totp_pending = NULL,
			totp_last_step = greatest(totp_last_step, $3)
		WHERE username = $1 AND totp_pending = $2`, username, secret, step)
	if err != nil {
		return interpretError(err, "staff account")
	}
	if tag.RowsAffected() == 0 {
		return apperr.New(apperr.Conflict, "the enrolment of %q was replaced or confirmed meanwhile", username)
	}
	return nil
}

// ClearTOTP implements auth.TOTPStore.
func (s *AuthStore) ClearTOTP(ctx context.Context, username string) error {
	tag, err := s.db.Pool.Exec(ctx, `UPDATE staff SET totp_secret = NULL, totp_pending = NULL WHERE username = $1`, username)
	if err != nil {
		return interpretError(err, "staff account")
	}
	if tag.RowsAffected() == 0 {
		return noStaff(username)
	}
	return nil
}

// UseTOTPStep implements auth.TOTPStore: the conditional update makes two
// logins with one code race to one winner.
func (s *AuthStore) UseTOTPStep(ctx context.Context, username string, step int64) (bool, error) {
	tag, err := s.db.Pool.Exec(ctx, `UPDATE staff SET totp_last_step = $2 WHERE username = $1 AND totp_last_step < $2`, username, step)
	if err != nil {
		return false, interpretError(err, "staff account")
	}
	return tag.RowsAffected() == 1, nil
}
