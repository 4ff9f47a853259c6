package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/notify"
)

// enqueueNotification writes ev into the outbox inside tx, the transaction of the change that
// causes it. An event whose DedupKey is already there is not written again. An event that breaks
// its contract (notify.Event.Check: the name, the dedup key, the data names of notify.Fields) is
// refused, and the change with it, as a constraint of the schema would refuse it.
func enqueueNotification(ctx context.Context, tx pgx.Tx, ev notify.Event) error {
	if err := ev.Check(); err != nil {
		return err
	}
	data := ev.Data
	if data == nil {
		data = map[string]string{}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO notification_outbox (worker_id, event, dedup_key, data)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (dedup_key) DO NOTHING`, ev.WorkerID, ev.Name, ev.DedupKey, data)
	if err != nil {
		return fmt.Errorf("enqueue notification %s: %w", ev.DedupKey, err)
	}
	return nil
}
