package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

// AuthStore implements auth.Store.
type AuthStore struct {
	db *DB
}

// NewAuthStore returns an AuthStore.
func NewAuthStore(db *DB) *AuthStore { return &AuthStore{db: db} }

var _ auth.Store = (*AuthStore)(nil)

// CreateStaff implements auth.Store.
func (s *AuthStore) CreateStaff(ctx context.Context, st auth.Staff) error {
	districts := st.Districts
	if districts == nil {
		districts = []string{}
	}
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO staff (id, username, password_hash, role, districts, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, st.ID, st.Username, st.PasswordHash, string(st.Role), districts, st.CreatedAt)
	return interpretError(err, "staff account")
}

// SetPassword implements auth.Store.
func (s *AuthStore) SetPassword(ctx context.Context, username, hash string) error {
	tag, err := s.db.Pool.Exec(ctx, `UPDATE staff SET password_hash = $2 WHERE username = $1`, username, hash)
	if err != nil {
		return interpretError(err, "staff account")
	}
	if tag.RowsAffected() == 0 {
		return apperr.New(apperr.NotFound, "staff account %q not found", username)
	}
	return nil
}

// StaffByUsername implements auth.Store.
func (s *AuthStore) StaffByUsername(ctx context.Context, username string) (auth.Staff, error) {
	var (
		st   auth.Staff
		role string
	)
	err := s.db.Pool.QueryRow(ctx, `SELECT id, username, password_hash, role, districts, created_at
		FROM staff WHERE username = $1`, username).Scan(&st.ID, &st.Username, &st.PasswordHash, &role, &st.Districts, &st.CreatedAt)
	st.Role = auth.Role(role)
	return st, interpretError(err, "staff account")
}

// CreateSession implements auth.Store.
func (s *AuthStore) CreateSession(ctx context.Context, se auth.Session) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at)
		VALUES ($1, $2, $3, $4)`, se.TokenHash, se.StaffID, se.CreatedAt, se.ExpiresAt)
	return interpretError(err, "session")
}

// PrincipalBySession implements auth.Store.
func (s *AuthStore) PrincipalBySession(ctx context.Context, tokenHash []byte, now time.Time) (*auth.Principal, error) {
	var (
		p    auth.Principal
		role string
	)
	err := s.db.Pool.QueryRow(ctx, `SELECT s.id, s.username, s.role, s.districts
		FROM staff_sessions se JOIN staff s ON s.id = se.staff_id
		WHERE se.token_hash = $1 AND se.revoked_at IS NULL AND se.expires_at > $2`, tokenHash, now).
		Scan(&p.StaffID, &p.Username, &role, &p.Districts)
	if err == pgx.ErrNoRows {
		return nil, apperr.New(apperr.Unauthorized, "the token is unknown, expired or revoked")
	}
	if err != nil {
		return nil, interpretError(err, "session")
	}
	p.Role = auth.Role(role)
	return &p, nil
}

// RevokeSession implements auth.Store.
func (s *AuthStore) RevokeSession(ctx context.Context, tokenHash []byte, now time.Time) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE staff_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL`, tokenHash, now)
	return interpretError(err, "session")
}

// CountLoginFailures implements auth.Store.
func (s *AuthStore) CountLoginFailures(ctx context.Context, subjects []string, since time.Time) ([]int, error) {
	out := make([]int, len(subjects))
	for i, sub := range subjects {
		if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE subject = $1 AND failed_at > $2`, sub, since).Scan(&out[i]); err != nil {
			return nil, interpretError(err, "login failures")
		}
	}
	return out, nil
}

// RecordLoginFailure implements auth.Store.
func (s *AuthStore) RecordLoginFailure(ctx context.Context, subjects []string, now, forgetBefore time.Time) error {
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (subject, failed_at) SELECT unnest($1::text[]), $2`, subjects, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE subject = ANY($1) AND failed_at < $2`, subjects, forgetBefore)
		return err
	})
	return interpretError(err, "login failures")
}

// ClearLoginFailures implements auth.Store.
func (s *AuthStore) ClearLoginFailures(ctx context.Context, subject string) error {
	_, err := s.db.Pool.Exec(ctx, `DELETE FROM login_failures WHERE subject = $1`, subject)
	return interpretError(err, "login failures")
}
