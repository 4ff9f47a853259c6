package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/wechat"
)

// WeChatTokenStore shares WeChat's access token between the API processes:
// one row per app id, replaced under its row lock. It implements
// wechat.TokenStore.
type WeChatTokenStore struct {
	db *DB
}

// NewWeChatTokenStore returns a WeChatTokenStore.
func NewWeChatTokenStore(db *DB) *WeChatTokenStore { return &WeChatTokenStore{db: db} }

var _ wechat.TokenStore = (*WeChatTokenStore)(nil)

// Token implements wechat.TokenStore.
func (s *WeChatTokenStore) Token(ctx context.Context, appID string) (wechat.Token, error) {
	var t wechat.Token
	err := s.db.Pool.QueryRow(ctx, `SELECT token, expires_at, refreshed_at FROM wechat_access_tokens WHERE appid = $1`, appID).
		Scan(&t.Value, &t.ExpiresAt, &t.RefreshedAt)
	if err == pgx.ErrNoRows {
		return wechat.Token{}, nil
	}
	return t, err
}

// Replace implements wechat.TokenStore. The row (made first when missing)
// stays locked while fetch asks WeChat, so that the processes that find the
// token expiring together fetch it once: the others wait, then find it
// fresh.
func (s *WeChatTokenStore) Replace(ctx context.Context, appID string, fetch func(wechat.Token) (wechat.Token, error)) (wechat.Token, error) {
	var out wechat.Token
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO wechat_access_tokens (appid, token, expires_at, refreshed_at)
			VALUES ($1, '', 'epoch', 'epoch') ON CONFLICT (appid) DO NOTHING`, appID); err != nil {
			return err
		}
		var cur wechat.Token
		if err := tx.QueryRow(ctx, `SELECT token, expires_at, refreshed_at FROM wechat_access_tokens WHERE appid = $1 FOR UPDATE`, appID).
			Scan(&cur.Value, &cur.ExpiresAt, &cur.RefreshedAt); err != nil {
			return err
		}
		next, err := fetch(cur)
		if err != nil {
			return err
		}
		out = next
		if next == cur {
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE wechat_access_tokens SET token = $2, expires_at = $3, refreshed_at = $4 WHERE appid = $1`,
			appID, next.Value, next.ExpiresAt, next.RefreshedAt)
		return err
	})
	if err != nil {
		return wechat.Token{}, fmt.Errorf("replace the WeChat access token: %w", err)
	}
	return out, nil
}
