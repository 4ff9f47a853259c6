package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/station"
)

// ChangesSince implements search.Source: every station written by a
// transaction whose id is at least since, and the watermark to pass next
// time. Watermark 0 returns every station.
//
// The read runs in one REPEATABLE READ transaction, so the rows and the
// snapshot's xmin agree: every transaction older than xmin had finished and
// is in the rows; anything newer is caught by the next call.
func (st *StationStore) ChangesSince(ctx context.Context, since uint64) ([]*station.Station, uint64, error) {
	var (
		out  []*station.Station
		next uint64
	)
	err := pgx.BeginTxFunc(ctx, st.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var xmin string
		if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&xmin); err != nil {
			return err
		}
		var err error
		if next, err = strconv.ParseUint(xmin, 10, 64); err != nil {
			return fmt.Errorf("snapshot xmin %q: %w", xmin, err)
		}
		rows, err := tx.Query(ctx, `SELECT `+stationColumns+` FROM stations WHERE change_xid >= $1::text::xid8`, strconv.FormatUint(since, 10))
		if err != nil {
			return err
		}
		defer rows.Close()
		hours := hoursCache{}
		for rows.Next() {
			s, err := scanStationCached(rows, hours)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, interpretError(err, "station changes")
	}
	return out, next, nil
}

// Listen implements search.Source: it holds one connection listening on
// the station_changes channel and calls notify for every notification, until
// ctx ends or the connection fails.
func (st *StationStore) Listen(ctx context.Context, notify func()) error {
	conn, err := st.db.Pool.Acquire(ctx)
	if err != nil {
		return interpretError(err, "listen")
	}
	// The connection leaves the pool for good: a LISTENing session must not be
	// handed to other work.
	pc := conn.Hijack()
	defer pc.Close(context.Background())
	if _, err := pc.Exec(ctx, `LISTEN station_changes`); err != nil {
		return interpretError(err, "listen")
	}
	notify() // anything written while we were not listening
	for {
		if _, err := pc.WaitForNotification(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return interpretError(err, "listen")
		}
		notify()
	}
}
