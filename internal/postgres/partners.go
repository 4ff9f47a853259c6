package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/partner"
)

// PartnerStore implements partner.Store.
type PartnerStore struct {
	db *DB
}

// NewPartnerStore returns a PartnerStore.
func NewPartnerStore(db *DB) *PartnerStore { return &PartnerStore{db: db} }

var _ partner.Store = (*PartnerStore)(nil)

func dayDate(d partner.Day) time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Date, 0, 0, 0, 0, time.UTC)
}

// CreatePartner implements partner.Store.
func (st *PartnerStore) CreatePartner(ctx context.Context, p partner.Partner, keyHash [32]byte, by string) error {
	_, err := st.db.Pool.Exec(ctx, `
		INSERT INTO partners (id, name, key_hash, key_prefix, rate_per_second, burst, daily_quota, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.ID, p.Name, keyHash[:], p.KeyPrefix, p.Rate.PerSecond, p.Rate.Burst, p.DailyQuota, p.CreatedAt, by)
	return interpretError(err, "partner")
}

const partnerColumns = `p.id, p.name, p.key_prefix, p.rate_per_second, p.burst, p.daily_quota, p.created_at, p.revoked_at`

func scanPartner(row pgx.Row, extra ...any) (partner.Partner, error) {
	var (
		p       partner.Partner
		revoked *time.Time
	)
	dst := append([]any{&p.ID, &p.Name, &p.KeyPrefix, &p.Rate.PerSecond, &p.Rate.Burst, &p.DailyQuota, &p.CreatedAt, &revoked}, extra...)
	if err := row.Scan(dst...); err != nil {
		return p, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if revoked != nil {
		p.RevokedAt = revoked.UTC()
	}
	return p, nil
}

// ListPartners implements partner.Store.
func (st *PartnerStore) ListPartners(ctx context.Context, day partner.Day) ([]partner.Listed, error) {
	today := dayDate(day)
	rows, err := st.db.Pool.Query(ctx, `
		SELECT `+partnerColumns+`,
		       COALESCE((SELECT used FROM partner_usage u WHERE u.partner_id = p.id AND u.day = $1), 0),
		       COALESCE((SELECT used FROM partner_usage u WHERE u.partner_id = p.id AND u.day = $1::date - 1), 0)
		FROM partners p
		ORDER BY p.revoked_at IS NOT NULL, p.created_at DESC, p.id`, today)
	if err != nil {
		return nil, interpretError(err, "partner")
	}
	defer rows.Close()
	var out []partner.Listed
	for rows.Next() {
		var l partner.Listed
		if l.Partner, err = scanPartner(rows, &l.UsedToday, &l.UsedYesterday); err != nil {
			return nil, interpretError(err, "partner")
		}
		out = append(out, l)
	}
	return out, interpretError(rows.Err(), "partner")
}

// RevokePartner implements partner.Store.
func (st *PartnerStore) RevokePartner(ctx context.Context, name, by string, at time.Time) (partner.Partner, error) {
	p, err := scanPartner(st.db.Pool.QueryRow(ctx, `
		UPDATE partners p SET revoked_at = $3, revoked_by = $2
		WHERE lower(p.name) = lower($1) AND p.revoked_at IS NULL
		RETURNING `+partnerColumns, name, by, at))
	return p, interpretError(err, "partner")
}

// KeyedPartners implements partner.Store.
func (st *PartnerStore) KeyedPartners(ctx context.Context) ([]partner.Keyed, error) {
	rows, err := st.db.Pool.Query(ctx, `SELECT `+partnerColumns+`, p.key_hash FROM partners p`)
	if err != nil {
		return nil, interpretError(err, "partner")
	}
	defer rows.Close()
	var out []partner.Keyed
	for rows.Next() {
		var (
			k    partner.Keyed
			hash []byte
		)
		if k.Partner, err = scanPartner(rows, &hash); err != nil {
			return nil, interpretError(err, "partner")
		}
		copy(k.KeyHash[:], hash)
		out = append(out, k)
	}
	return out, interpretError(rows.Err(), "partner")
}

// KeyedPartner implements partner.Store.
func (st *PartnerStore) KeyedPartner(ctx context.Context, keyHash [32]byte) (partner.Partner, error) {
	p, err := scanPartner(st.db.Pool.QueryRow(ctx, `SELECT `+partnerColumns+` FROM partners p WHERE p.key_hash = $1`, keyHash[:]))
	return p, interpretError(err, "partner")
}

// Reserve implements partner.Store. The day's row is created on the first
// reservation, with the partner's quota copied into it so that its CHECK
// can hold the rule; the row lock then orders the reservations of every
// process.
func (st *PartnerStore) Reserve(ctx context.Context, partnerID uuid.UUID, day partner.Day, grant func(reserved, quota int64) int64) (int64, error) {
	var got int64
	err := pgx.BeginFunc(ctx, st.db.Pool, func(tx pgx.Tx) error {
		var revoked bool
		err := tx.QueryRow(ctx, `SELECT revoked_at IS NOT NULL FROM partners WHERE id = $1`, partnerID).Scan(&revoked)
		if err != nil {
			return err
		}
		if revoked {
			return partner.ErrRevokedKey
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO partner_usage (partner_id, day, daily_quota)
			SELECT id, $2, daily_quota FROM partners WHERE id = $1
			ON CONFLICT (partner_id, day) DO NOTHING`, partnerID, dayDate(day)); err != nil {
			return err
		}
		var reserved, quota int64
		if err := tx.QueryRow(ctx, `
			SELECT reserved, daily_quota FROM partner_usage WHERE partner_id = $1 AND day = $2 FOR UPDATE`,
			partnerID, dayDate(day)).Scan(&reserved, &quota); err != nil {
			return err
		}
		got = grant(reserved, quota)
		if got <= 0 {
			got = 0
			return nil
		}
		_, err = tx.Exec(ctx, `UPDATE partner_usage SET reserved = reserved + $3 WHERE partner_id = $1 AND day = $2`,
			partnerID, dayDate(day), got)
		return err
	})
	if apperr.Is(err, apperr.APIKeyRevoked) {
		return 0, apperr.Wrap(apperr.Unauthorized, err, "the partner's key has been revoked")
	}
	if err != nil {
		return 0, interpretError(err, "partner quota")
	}
	return got, nil
}

// Settle implements partner.Store.
func (st *PartnerStore) Settle(ctx context.Context, partnerID uuid.UUID, day partner.Day, used, release int64) error {
	_, err := st.db.Pool.Exec(ctx, `
		UPDATE partner_usage SET used = used + $3, reserved = reserved - $4
		WHERE partner_id = $1 AND day = $2`, partnerID, dayDate(day), used, release)
	return interpretError(err, "partner quota")
}

// Listen implements partner.Store: one connection, out of the pool for
// good, LISTENing on partner_changes (migration 00055's trigger).
func (st *PartnerStore) Listen(ctx context.Context, changed func()) error {
	conn, err := st.db.Pool.Acquire(ctx)
	if err != nil {
		return interpretError(err, "listen")
	}
	pc := conn.Hijack()
	defer pc.Close(context.Background())
	if _, err := pc.Exec(ctx, `LISTEN partner_changes`); err != nil {
		return interpretError(err, "listen")
	}
	changed() // anything changed while we were not listening
	for {
		if _, err := pc.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return interpretError(err, "listen")
		}
		changed()
	}
}
