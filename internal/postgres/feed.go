package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"

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

var _ station.Feed = (*StationStore)(nil)

// Changes implements station.Feed.
//
// One REPEATABLE READ transaction reads its snapshot's xmin and the page:
// the writes (stations' rows, and the district exits of migration 00022)
// after the position and below xmin, in (change_xid, id) order. Below xmin
// every transaction has ended, so the range a page covers never gains a
// row afterwards: a later write of one of its stations takes a newer id and
// comes again after the cursor. Each key answers the station as it is now
// (active in the scope: an item; else removed), never as of the key: a
// station's change_xid may go down (a transaction with an older id writes
// it last), so its move out of a county, logged at the mover's id, may lie
// after its row's key; every later write gives it a key after the cursor
// all the same. Rows written by transactions still running,
// or by ones younger than the oldest still running, wait for a later page —
// usually milliseconds.
func (st *StationStore) Changes(ctx context.Context, q station.FeedQuery) (station.FeedPage, error) {
	var page station.FeedPage
	err := pgx.BeginTxFunc(ctx, st.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var xminText, xmaxText string
		if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text FROM pg_current_snapshot() s`).Scan(&xminText, &xmaxText); err != nil {
			return err
		}
		xmin, err1 := strconv.ParseUint(xminText, 10, 64)
		xmax, err2 := strconv.ParseUint(xmaxText, 10, 64)
		if err1 != nil || err2 != nil {
			return fmt.Errorf("snapshot %q %q: bad transaction ids", xminText, xmaxText)
		}
		pos := station.FeedPosition{Base: xmin}
		if q.After != nil {
			pos = *q.After
		}
		if pos.XID >= xmax || pos.Base > xmax {
			return apperr.New(apperr.Gone, "the cursor is ahead of the station registry, which was restored from a backup; sync again from the start")
		}
		page.Next = pos

		var args []any
		arg := func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		}
		after := "(" + arg(strconv.FormatUint(pos.XID, 10)) + "::text::xid8, " + arg(pos.ID) + "::uuid)"
		below := arg(xminText) + "::text::xid8"
		limit := arg(q.Limit + 1)
		scope := func(column string) string { return "" }
		if q.DistrictCode != "" {
			scope = func(column string) string { return " AND " + districtScope(column, q.DistrictCode, arg) }
		}
		sql := `WITH keys AS (
			SELECT DISTINCT kxid, kid FROM (
				(SELECT change_xid AS kxid, id AS kid FROM stations
				 WHERE (change_xid, id) > ` + after + ` AND change_xid < ` + below + scope("district_code") + `
				 ORDER BY change_xid, id LIMIT ` + limit + `)
				UNION ALL
				(SELECT change_xid, station_id FROM station_district_exits
				 WHERE (change_xid, station_id) > ` + after + ` AND change_xid < ` + below + scope("district_code") + `
				 ORDER BY change_xid, station_id LIMIT ` + limit + `)
			) u ORDER BY kxid, kid LIMIT ` + limit + `)
		SELECT keys.kxid::text, stations.status = 'active'` + scope("stations.district_code") + `,
			` + stationColumns + `
		FROM keys JOIN stations ON stations.id = keys.kid ORDER BY keys.kxid, keys.kid`
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		hours := hoursCache{}
		n := 0
		for rows.Next() {
			var (
				kxid string
				live bool
			)
			s, err := scanStationCached(prefixedRow{rows, []any{&kxid, &live}}, hours)
			if err != nil {
				return err
			}
			n++
			if n > q.Limit {
				page.More = true
				break
			}
			xid, err := strconv.ParseUint(kxid, 10, 64)
			if err != nil {
				return fmt.Errorf("change xid %q: %w", kxid, err)
			}
			switch {
			case live:
				page.Items = append(page.Items, s)
			case xid >= pos.Base:
				page.Removed = append(page.Removed, s.ID)
			}
			page.Next.XID, page.Next.ID = xid, s.ID
		}
		return rows.Err()
	})
	if err != nil {
		return station.FeedPage{}, interpretError(err, "station changes")
	}
	return page, nil
}

// prefixedRow scans a row whose first columns are extra, before those a
// scanner of the rest expects.
type prefixedRow struct {
	rows  pgx.Rows
	extra []any
}

func (r prefixedRow) Scan(dest ...any) error {
	return r.rows.Scan(append(r.extra, dest...)...)
}
