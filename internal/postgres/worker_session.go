package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

// CreateWorkerSession implements auth.Store.
func (s *AuthStore) CreateWorkerSession(ctx context.Context, se auth.WorkerSession) error {
	// Only a live worker gets a session: the INSERT … SELECT finds no row for
	// an erased or unknown one.
	tag, err := s.db.Pool.Exec(ctx, `INSERT INTO worker_sessions (token_hash, worker_id, created_at, expires_at)
		SELECT $1, id, $3, $4 FROM workers WHERE id = $2 AND deleted_at IS NULL`, se.TokenHash, se.WorkerID, se.CreatedAt, se.ExpiresAt)
	if err != nil {
		return interpretError(err, "worker session")
	}
	if tag.RowsAffected() == 0 {
		return apperr.New(apperr.NotFound, "worker not found")
	}
	return nil
}

// WorkerPrincipalBySession implements auth.Store.
func (s *AuthStore) WorkerPrincipalBySession(ctx context.Context, tokenHash []byte, now time.Time) (*auth.Principal, error) {
	var p auth.Principal
	err := s.db.Pool.QueryRow(ctx, `SELECT w.id
		FROM worker_sessions se JOIN workers w ON w.id = se.worker_id
		WHERE se.token_hash = $1 AND se.revoked_at IS NULL AND se.expires_at > $2 AND w.deleted_at IS NULL`, tokenHash, now).
		Scan(&p.WorkerID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, apperr.New(apperr.Unauthorized, "the token is unknown, expired or revoked")
	}
	if err != nil {
		return nil, interpretError(err, "worker session")
	}
	return &p, nil
}

// RevokeWorkerSession implements auth.Store.
func (s *AuthStore) RevokeWorkerSession(ctx context.Context, tokenHash []byte, now time.Time) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE worker_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL`, tokenHash, now)
	return interpretError(err, "worker session")
}
