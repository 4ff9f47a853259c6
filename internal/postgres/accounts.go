package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

var _ auth.AccountStore = (*AuthStore)(nil)

func noSuchStaff(username string) error {
	return apperr.New(apperr.NotFound, "there is no staff account with the username %q", username)
}

// ListStaff implements auth.AccountStore. The throttle's subjects are
// 'user:<name>' (every address) and 'user:<name>@<address>'.
func (s *AuthStore) ListStaff(ctx context.Context, since time.Time) ([]auth.Account, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT s.id, s.username, s.role, s.districts, s.created_at, s.disabled_at, s.totp_secret IS NOT NULL,
			(SELECT count(*) FROM login_failures f WHERE f.subject = 'user:' || s.username AND f.failed_at > $1),
			coalesce((SELECT max(n) FROM (
				SELECT count(*) AS n FROM login_failures f
				WHERE left(f.subject, length(s.username) + 6) = 'user:' || s.username || '@' AND f.failed_at > $1
				GROUP BY f.subject) per_addr), 0)
		FROM staff s ORDER BY s.username`, since)
	if err != nil {
		return nil, interpretError(err, "staff accounts")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.Account, error) {
		var (
			a    auth.Account
			role string
		)
		err := r.Scan(&a.ID, &a.Username, &role, &a.Districts, &a.CreatedAt, &a.DisabledAt, &a.SecondFactor, &a.Failures, &a.FailuresFromOneAddr)
		a.Role = auth.Role(role)
		return a, err
	})
	return list, interpretError(err, "staff accounts")
}

// SetStaffDisabled implements auth.AccountStore.
func (s *AuthStore) SetStaffDisabled(ctx context.Context, username string, at *time.Time) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// A second disable keeps the first instant.
		tag, err := tx.Exec(ctx, `UPDATE staff SET disabled_at = CASE WHEN $2::timestamptz IS NULL THEN NULL ELSE coalesce(disabled_at, $2) END
			WHERE username = $1`, username, at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return noSuchStaff(username)
		}
		if at == nil {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE staff_sessions SET revoked_at = $2
			WHERE staff_id = (SELECT id FROM staff WHERE username = $1) AND revoked_at IS NULL`, username, *at)
		return err
	})
	return interpretError(err, "staff account")
}

// ResetPassword implements auth.AccountStore.
func (s *AuthStore) ResetPassword(ctx context.Context, username, hash string, now time.Time) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE staff SET password_hash = $2 WHERE username = $1`, username, hash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return noSuchStaff(username)
		}
		_, err = tx.Exec(ctx, `UPDATE staff_sessions SET revoked_at = $2
			WHERE staff_id = (SELECT id FROM staff WHERE username = $1) AND revoked_at IS NULL`, username, now)
		return err
	})
	return interpretError(err, "staff account")
}

// ClearLoginFailures implements auth.AccountStore.
func (s *AuthStore) ClearLoginFailures(ctx context.Context, username string) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff WHERE username = $1)`, username).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return noSuchStaff(username)
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_failures
			WHERE subject = 'user:' || $1 OR left(subject, length($1) + 6) = 'user:' || $1 || '@'`, username)
		return err
	})
	return interpretError(err, "login failures")
}
