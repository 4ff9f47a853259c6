package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/notify"
)

// NotifyStore is the notification outbox as its deliverers and the
// subscriptions route use it. It implements notify.Store and
// notify.SubscriptionStore.
type NotifyStore struct {
	db *DB
}

// NewNotifyStore returns a NotifyStore.
func NewNotifyStore(db *DB) *NotifyStore { return &NotifyStore{db: db} }

var (
	_ notify.Store             = (*NotifyStore)(nil)
	_ notify.SubscriptionStore = (*NotifyStore)(nil)
)

// Lease implements notify.Store. SKIP LOCKED lets every process lease its
// own rows at once; moving next_attempt_at to until is the lease. The
// worker's openid is read now, so that an erased worker's message is
// dropped.
func (s *NotifyStore) Lease(ctx context.Context, now, until time.Time, limit int) ([]notify.Pending, error) {
	rows, err := s.db.Pool.Query(ctx, `
		WITH due AS (
			SELECT id FROM notification_outbox
			WHERE status = 'pending' AND next_attempt_at <= $1
			ORDER BY next_attempt_at, id
			LIMIT $3
			FOR UPDATE SKIP LOCKED)
		UPDATE notification_outbox o SET next_attempt_at = $2
		FROM due WHERE o.id = due.id
		RETURNING o.id, o.worker_id, o.event, o.dedup_key, o.data, o.created_at, o.attempts, o.reserved,
			coalesce((SELECT w.openid FROM workers w WHERE w.id = o.worker_id AND w.deleted_at IS NULL), '')`,
		now, until, limit)
	if err != nil {
		return nil, fmt.Errorf("lease notifications: %w", err)
	}
	var out []notify.Pending
	for rows.Next() {
		var (
			p        notify.Pending
			workerID uuid.UUID
			data     []byte
		)
		if err := rows.Scan(&p.ID, &workerID, &p.Event, &p.DedupKey, &data, &p.CreatedAt, &p.Attempts, &p.Reserved, &p.OpenID); err != nil {
			rows.Close()
			return nil, fmt.Errorf("lease notifications: %w", err)
		}
		p.WorkerID = workerID.String()
		p.Data = decodeData(data)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("lease notifications: %w", err)
	}
	return out, nil
}

// decodeData reads an event's data: an object of strings, as
// enqueueNotification writes it; a value of another type (written by hand)
// is taken as its JSON text.
func decodeData(b []byte) map[string]string {
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return map[string]string{}
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		out[k] = s
	}
	return out
}

// Reserve implements notify.Store. One statement, so one round trip: the
// acceptance is taken and the message marked together, or neither.
func (s *NotifyStore) Reserve(ctx context.Context, id int64, workerID, templateID string, now time.Time) (bool, error) {
	tag, err := s.db.Pool.Exec(ctx, `
		WITH taken AS (
			UPDATE notification_subscriptions SET remaining = remaining - 1, updated_at = $4
			WHERE worker_id = $2 AND template_id = $3 AND remaining > 0
			RETURNING 1)
		UPDATE notification_outbox SET reserved = true
		WHERE id = $1 AND EXISTS (SELECT 1 FROM taken)`, id, workerID, templateID, now)
	if err != nil {
		return false, fmt.Errorf("reserve an acceptance for notification %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Finish implements notify.Store. A message that is done forgets its data.
// One statement: with Unsubscribed, the worker's acceptances of the
// template are set to none in the same; a message that took an acceptance
// but never reached the worker (Rejected, TooOld) gives it back.
func (s *NotifyStore) Finish(ctx context.Context, id int64, o notify.Outcome) error {
	status := "dropped"
	switch o.Result {
	case notify.Sent:
		status = "sent"
	case notify.Retry:
		status = "pending"
	}
	var errcode *int
	if o.HasErrcode {
		errcode = &o.Errcode
	}
	attempted := 0
	if o.Attempted {
		attempted = 1
	}
	// A row already finished (by another process whose lease this one
	// outlived) is left as it is.
	_, err := s.db.Pool.Exec(ctx, `
		WITH done AS (
			UPDATE notification_outbox SET status = $2, result = $3, attempts = attempts + $4,
				last_errcode = coalesce($5, last_errcode),
				next_attempt_at = CASE WHEN $2 = 'pending' THEN $6 ELSE next_attempt_at END,
				delivered_at = CASE WHEN $2 = 'pending' THEN NULL ELSE $7::timestamptz END,
				data = CASE WHEN $2 = 'pending' THEN data ELSE '{}' END
			WHERE id = $1 AND status = 'pending'
			RETURNING worker_id, reserved)
		UPDATE notification_subscriptions SET updated_at = $7,
			remaining = CASE WHEN $9 THEN 0 ELSE least(remaining + 1, $11) END
		WHERE template_id = $8 AND worker_id IN (SELECT worker_id FROM done WHERE $9 OR ($10 AND reserved))`,
		id, status, string(o.Result), attempted, errcode, o.NextAttemptAt, o.At, o.TemplateID,
		o.Result == notify.Unsubscribed, o.Result == notify.Rejected || o.Result == notify.TooOld, notify.MaxRemaining)
	if err != nil {
		return fmt.Errorf("finish notification %d: %w", id, err)
	}
	return nil
}

// Release implements notify.Store.
func (s *NotifyStore) Release(ctx context.Context, ids []int64, at time.Time) error {
	_, err := s.db.Pool.Exec(ctx, `UPDATE notification_outbox SET next_attempt_at = $2 WHERE id = ANY($1) AND status = 'pending'`, ids, at)
	return err
}

// EnqueueExpiringClaims implements notify.Store. The dedup key
// claim_expiring:<claim id> writes each claim's event once, whichever
// process sweeps and however often.
func (s *NotifyStore) EnqueueExpiringClaims(ctx context.Context, now time.Time, within time.Duration) (int, error) {
	tag, err := s.db.Pool.Exec(ctx, `
		INSERT INTO notification_outbox (worker_id, event, dedup_key, data)
		SELECT c.worker_id, $3, $3 || ':' || c.id,
			jsonb_build_object('title', o.title, 'code', c.code,
				'expires_at', to_char(c.expires_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'))
		FROM benefit_claims c
		JOIN benefit_offers o ON o.id = c.offer_id
		JOIN workers w ON w.id = c.worker_id AND w.deleted_at IS NULL
		WHERE c.status = 'claimed' AND c.expires_at > $1 AND c.expires_at <= $2
			AND NOT EXISTS (SELECT 1 FROM notification_outbox n WHERE n.dedup_key = $3 || ':' || c.id)
		ON CONFLICT (dedup_key) DO NOTHING`, now, now.Add(within), notify.ClaimExpiring)
	if err != nil {
		return 0, fmt.Errorf("enqueue expiring claims: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Tidy implements notify.Store, a thousand rows of each kind at a time (the
// next sweep takes the rest).
func (s *NotifyStore) Tidy(ctx context.Context, now, tooOld, forget time.Time) (expired, deleted int, err error) {
	tag, err := s.db.Pool.Exec(ctx, `
		UPDATE notification_outbox SET status = 'dropped', result = $2, delivered_at = $1, data = '{}'
		WHERE id IN (SELECT id FROM notification_outbox WHERE status = 'pending' AND created_at < $3
			ORDER BY created_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`, now, string(notify.TooOld), tooOld)
	if err != nil {
		return 0, 0, fmt.Errorf("expire old notifications: %w", err)
	}
	expired = int(tag.RowsAffected())
	tag, err = s.db.Pool.Exec(ctx, `
		DELETE FROM notification_outbox
		WHERE id IN (SELECT id FROM notification_outbox WHERE status <> 'pending' AND delivered_at < $1
			ORDER BY delivered_at LIMIT 1000 FOR UPDATE SKIP LOCKED)`, forget)
	if err != nil {
		return expired, 0, fmt.Errorf("forget finished notifications: %w", err)
	}
	return expired, int(tag.RowsAffected()), nil
}

// Accept implements notify.SubscriptionStore.
func (s *NotifyStore) Accept(ctx context.Context, workerID uuid.UUID, templateIDs, all []string, now time.Time) ([]notify.Subscription, error) {
	var out []notify.Subscription
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := lockLiveWorker(ctx, tx, workerID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO notification_subscriptions AS s (worker_id, template_id, remaining, accepted, updated_at)
			SELECT $1, t, 1, 1, $3 FROM unnest($2::text[]) t
			ON CONFLICT (worker_id, template_id) DO UPDATE
			SET remaining = least(s.remaining + 1, $4), accepted = s.accepted + 1, updated_at = excluded.updated_at`,
			workerID, templateIDs, now, notify.MaxRemaining)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT t, coalesce(s.remaining, 0)
			FROM unnest($2::text[]) WITH ORDINALITY AS t (t, n)
			LEFT JOIN notification_subscriptions s ON s.worker_id = $1 AND s.template_id = t
			ORDER BY n`, workerID, all)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (notify.Subscription, error) {
			var sub notify.Subscription
			err := r.Scan(&sub.TemplateID, &sub.Remaining)
			return sub, err
		})
		return err
	})
	if err != nil {
		return nil, interpretError(err, "worker")
	}
	return out, nil
}

// OutboxStats reports the messages waiting for delivery and when the oldest
// of them was written (zero when none waits), for the metrics.
func (s *NotifyStore) OutboxStats(ctx context.Context) (pending int, oldest time.Time, err error) {
	var t *time.Time
	err = s.db.Pool.QueryRow(ctx, `SELECT count(*), min(created_at) FROM notification_outbox WHERE status = 'pending'`).Scan(&pending, &t)
	if t != nil {
		oldest = *t
	}
	return pending, oldest, err
}

// Status reports the outbox for the console: what waits, and the messages
// written since since, by event and result.
func (s *NotifyStore) Status(ctx context.Context, since time.Time) (notify.Status, error) {
	var st notify.Status
	pending, oldest, err := s.OutboxStats(ctx)
	if err != nil {
		return st, err
	}
	st.Pending, st.Oldest = pending, oldest
	rows, err := s.db.Pool.Query(ctx, `SELECT event, status, coalesce(result, ''), count(*)
		FROM notification_outbox WHERE created_at >= $1 OR status = 'pending'
		GROUP BY 1, 2, 3 ORDER BY 1`, since)
	if err != nil {
		return st, fmt.Errorf("notification status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var event, status, result string
		var n int
		if err := rows.Scan(&event, &status, &result, &n); err != nil {
			return st, err
		}
		if len(st.Events) == 0 || st.Events[len(st.Events)-1].Event != event {
			st.Events = append(st.Events, notify.EventStatus{Event: event, Finished: map[notify.Result]int{}})
		}
		ev := &st.Events[len(st.Events)-1]
		if status == "pending" {
			ev.Pending += n
		} else {
			ev.Finished[notify.Result(result)] += n
		}
	}
	return st, rows.Err()
}
