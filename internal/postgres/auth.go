package postgres

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
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
	// A disabled account opens no session.
	tag, err := s.db.Pool.Exec(ctx, `INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at)
		SELECT $1, id, $3, $4 FROM staff WHERE id = $2 AND disabled_at IS NULL`, se.TokenHash, se.StaffID, se.CreatedAt, se.ExpiresAt)
	if err == nil && tag.RowsAffected() == 0 {
		return auth.ErrDisabled
	}
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
		WHERE se.token_hash = $1 AND se.revoked_at IS NULL AND se.expires_at > $2 AND s.disabled_at IS NULL`, tokenHash, now).
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

// ExtendSession implements auth.Store.
func (s *AuthStore) ExtendSession(ctx context.Context, tokenHash []byte, now, expires time.Time) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE staff_sessions SET expires_at = $3::timestamptz
		WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > $2::timestamptz
		AND expires_at < $3::timestamptz - interval '1 minute'`, tokenHash, now, expires)
	return interpretError(err, "session")
}

// BeginLoginAttempt implements auth.Store. Advisory locks on the subjects,
// taken in one order, serialise the attempts that share one.
func (s *AuthStore) BeginLoginAttempt(ctx context.Context, attempt uuid.UUID, subjects []string, limits []int, now, since, forgetBefore time.Time) (bool, error) {
	ok := true
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		for _, sub := range slices.Sorted(slices.Values(subjects)) {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('login:' || $1, 0))`, sub); err != nil {
				return err
			}
		}
		for i, sub := range subjects {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE subject = $1 AND failed_at > $2`, sub, since).Scan(&n); err != nil {
				return err
			}
			if n >= limits[i] {
				ok = false
				return nil
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO login_failures (subject, failed_at, attempt) SELECT unnest($1::text[]), $2, $3`, subjects, now, attempt); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE subject = ANY($1) AND failed_at < $2`, subjects, forgetBefore)
		return err
	})
	if err != nil {
		return false, interpretError(err, "login failures")
	}
	return ok, nil
}

// LoginSucceeded implements auth.Store.
func (s *AuthStore) LoginSucceeded(ctx context.Context, attempt uuid.UUID, clear []string) error {
	_, err := s.db.Pool.Exec(ctx, `DELETE FROM login_failures WHERE attempt = $1 OR subject = ANY($2)`, attempt, clear)
	return interpretError(err, "login failures")
}
