package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/standard"
	"yizhan/internal/station"
)

// StandardStore implements standard.Store: map listings, inspections, stars,
// the 最美站点 recognition and service tallies.
type StandardStore struct {
	db *DB
}

// NewStandardStore returns a StandardStore.
func NewStandardStore(db *DB) *StandardStore { return &StandardStore{db: db} }

var _ standard.Store = (*StandardStore)(nil)

// standingColumns end stationColumns: the star level, the latest
// inspection, the recognition, and the map listings as [[platform, status,
// date], …] in platform order.
const standingColumns = `, star_level, last_inspected_at, most_beautiful_at,
	(SELECT coalesce(jsonb_agg(jsonb_build_array(m.platform, m.status, m.status_date) ORDER BY m.platform), '[]')
		FROM station_map_listings m WHERE m.station_id = stations.id)`

type standingScan struct {
	stars     *int16
	inspected *time.Time
	beautiful *time.Time
	listings  []byte
}

func (s standingScan) decode() (station.Standing, error) {
	var out station.Standing
	if s.stars != nil {
		out.StarLevel = int(*s.stars)
	}
	if s.inspected != nil {
		out.LastInspectedAt = *s.inspected
	}
	if s.beautiful != nil {
		out.MostBeautifulAt = *s.beautiful
	}
	var raw [][3]string
	if err := json.Unmarshal(s.listings, &raw); err != nil {
		return out, err
	}
	if len(raw) > 0 {
		out.MapListings = make([]station.MapListing, len(raw))
		for i, r := range raw {
			out.MapListings[i] = station.MapListing{Platform: r[0], Status: r[1], Date: r[2]}
		}
	}
	return out, nil
}

// readStation reads the station without a lock.
func readStation(ctx context.Context, q pgx.Tx, id uuid.UUID) (*station.Station, error) {
	return scanStation(q.QueryRow(ctx, `SELECT `+stationColumns+` FROM stations WHERE id = $1`, id))
}

// restar rewrites the station's star level from its latest inspection and
// its listings (and, with inspected, the date of its latest inspection: the
// schema wants both or neither), and returns it as stored; the stamp
// trigger raises its revision, so every search index takes it.
func restar(ctx context.Context, tx pgx.Tx, id uuid.UUID, stars standard.StarFunc, inspected *time.Time) (*station.Station, error) {
	var (
		items  []byte
		listed int
	)
	err := tx.QueryRow(ctx, `SELECT (SELECT items FROM station_inspections WHERE station_id = $1 ORDER BY inspected_at DESC, id DESC LIMIT 1),
		(SELECT count(*) FROM station_map_listings WHERE station_id = $1 AND status = 'listed')`, id).Scan(&items, &listed)
	if err != nil {
		return nil, err
	}
	var level *int16
	if items != nil {
		var m map[string]bool
		if err := json.Unmarshal(items, &m); err != nil {
			return nil, fmt.Errorf("station %s: inspection items: %w", id, err)
		}
		l := int16(stars(m, listed))
		level = &l
	}
	// greatest ignores a null: an inspection recorded with a clock behind
	// the last keeps the last's date.
	return scanStation(tx.QueryRow(ctx, `UPDATE stations SET star_level = $2, last_inspected_at = greatest(last_inspected_at, $3::timestamptz)
		WHERE id = $1 RETURNING `+stationColumns, id, level, inspected))
}

// SetMapListing implements standard.Store.
func (s *StandardStore) SetMapListing(ctx context.Context, id uuid.UUID, build func(*station.Station) (standard.Listing, error), stars standard.StarFunc) (*station.Station, error) {
	var out *station.Station
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		st, err := lockStation(ctx, tx, id)
		if err != nil {
			return err
		}
		l, err := build(st)
		if err != nil {
			return err
		}
		var note *string
		if l.Note != "" {
			note = &l.Note
		}
		_, err = tx.Exec(ctx, `INSERT INTO station_map_listings (station_id, platform, status, status_date, note, updated_at, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (station_id, platform) DO UPDATE SET status = $3, status_date = $4, note = $5, updated_at = $6, updated_by = $7`,
			id, l.Platform, l.Status, l.Date, note, l.UpdatedAt, l.UpdatedBy)
		if err != nil {
			return err
		}
		out, err = restar(ctx, tx, id, stars, nil)
		return err
	})
	return out, interpretError(err, "station")
}

// MapListings implements standard.Store.
func (s *StandardStore) MapListings(ctx context.Context, id uuid.UUID, check func(*station.Station) error) ([]standard.Listing, error) {
	var out []standard.Listing
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		st, err := readStation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := check(st); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT platform, status, status_date::text, coalesce(note, ''), updated_at, updated_by
			FROM station_map_listings WHERE station_id = $1 ORDER BY platform`, id)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (standard.Listing, error) {
			l := standard.Listing{StationID: id}
			return l, r.Scan(&l.Platform, &l.Status, &l.Date, &l.Note, &l.UpdatedAt, &l.UpdatedBy)
		})
		return err
	})
	return out, interpretError(err, "station")
}

// RecordInspection implements standard.Store.
func (s *StandardStore) RecordInspection(ctx context.Context, id uuid.UUID, build func(*station.Station) (*standard.Inspection, error), stars standard.StarFunc) (*station.Station, error) {
	var out *station.Station
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		st, err := lockStation(ctx, tx, id)
		if err != nil {
			return err
		}
		in, err := build(st)
		if err != nil {
			return err
		}
		items, err := json.Marshal(in.Items)
		if err != nil {
			return err
		}
		in.StarLevel = stars(in.Items, st.Standing.ListedCount())
		var notes *string
		if in.Notes != "" {
			notes = &in.Notes
		}
		photos := in.PhotoIDs
		if photos == nil {
			photos = []uuid.UUID{}
		}
		if err := checkInspectionPhotos(ctx, tx, id, photos); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO station_inspections (id, station_id, inspected_at, inspected_by, items, passed, notes, photo_ids, star_level)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			in.ID, id, in.InspectedAt, in.InspectedBy, items, in.Passed(), notes, photos, in.StarLevel)
		if err != nil {
			return err
		}
		out, err = restar(ctx, tx, id, stars, &in.InspectedAt)
		return err
	})
	return out, interpretError(err, "station")
}

// Inspections implements standard.Store.
func (s *StandardStore) Inspections(ctx context.Context, id, before uuid.UUID, limit int, check func(*station.Station) error) ([]standard.Inspection, error) {
	var out []standard.Inspection
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		st, err := readStation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := check(st); err != nil {
			return err
		}
		q := `SELECT id, inspected_at, inspected_by, items, coalesce(notes, ''), photo_ids, star_level
			FROM station_inspections WHERE station_id = $1`
		args := []any{id}
		if before != uuid.Nil {
			q += ` AND (inspected_at, id) < (SELECT inspected_at, id FROM station_inspections WHERE id = $3 AND station_id = $1)`
			args = append(args, limit, before)
		} else {
			args = append(args, limit)
		}
		q += ` ORDER BY inspected_at DESC, id DESC LIMIT $2`
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (standard.Inspection, error) {
			in := standard.Inspection{StationID: id}
			var items []byte
			var stars int16
			if err := r.Scan(&in.ID, &in.InspectedAt, &in.InspectedBy, &items, &in.Notes, &in.PhotoIDs, &stars); err != nil {
				return in, err
			}
			in.StarLevel = int(stars)
			return in, json.Unmarshal(items, &in.Items)
		})
		return err
	})
	return out, interpretError(err, "station")
}

// SetMostBeautiful implements standard.Store.
func (s *StandardStore) SetMostBeautiful(ctx context.Context, id uuid.UUID, at time.Time, by string, check func(*station.Station) error) (*station.Station, error) {
	var out *station.Station
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		st, err := lockStation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := check(st); err != nil {
			return err
		}
		var when *time.Time
		var who *string
		if !at.IsZero() {
			when, who = &at, &by
			if !st.Standing.MostBeautifulAt.IsZero() {
				when = &st.Standing.MostBeautifulAt // already recognised: keep since when
			}
		}
		out, err = scanStation(tx.QueryRow(ctx, `UPDATE stations SET most_beautiful_at = $2,
			most_beautiful_by = CASE WHEN $2::timestamptz IS NULL THEN NULL ELSE coalesce(most_beautiful_by, $3) END
			WHERE id = $1 RETURNING `+stationColumns, id, when, who))
		return err
	})
	return out, interpretError(err, "station")
}

// AddService implements standard.Store. An add is one INSERT … ON CONFLICT
// DO UPDATE SET count = count + n: the row lock it takes serialises
// concurrent adds, so none is lost.
func (s *StandardStore) AddService(ctx context.Context, id uuid.UUID, day string, set bool, count int, actor, key string, at time.Time, check func(*station.Station) error) (standard.Tally, bool, error) {
	out := standard.Tally{StationID: id, Day: day}
	replay := false
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		st, err := readStation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := check(st); err != nil {
			return err
		}
		if key != "" {
			// The first of two requests with one key inserts; the second
			// waits for it to commit, then finds its row.
			request := fmt.Sprintf("add:%d", count)
			if set {
				request = fmt.Sprintf("set:%d", count)
			}
			tag, err := tx.Exec(ctx, `INSERT INTO station_service_tally_keys (actor, key, station_id, day, count, created_at, request)
				VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT DO NOTHING`, actor, key, id, day, at, request)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				var sid uuid.UUID
				var d string
				var first *string
				if err := tx.QueryRow(ctx, `SELECT station_id, day::text, count, request FROM station_service_tally_keys WHERE actor = $1 AND key = $2`,
					actor, key).Scan(&sid, &d, &out.Count, &first); err != nil {
					return err
				}
				if sid != id || d != day || first != nil && *first != request {
					return apperr.New(apperr.Conflict, "this Idempotency-Key was used for another tally change")
				}
				replay = true
				return nil
			}
		}
		q := `INSERT INTO station_service_days (station_id, day, count, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (station_id, day) DO UPDATE SET count = station_service_days.count + EXCLUDED.count,
				updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
			RETURNING count`
		if set {
			q = `INSERT INTO station_service_days (station_id, day, count, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (station_id, day) DO UPDATE SET count = EXCLUDED.count,
					updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
				RETURNING count`
		}
		if err := tx.QueryRow(ctx, q, id, day, count, at, actor).Scan(&out.Count); err != nil {
			return err
		}
		if key != "" {
			_, err = tx.Exec(ctx, `UPDATE station_service_tally_keys SET count = $3 WHERE actor = $1 AND key = $2`, actor, key, out.Count)
		}
		return err
	})
	if err != nil {
		if apperr.Is(interpretError(err, "tally"), apperr.Invalid) {
			return standard.Tally{}, false, apperr.Wrap(apperr.Conflict, err, "the day's count would pass %d", standard.MaxDayCount)
		}
		return standard.Tally{}, false, interpretError(err, "station")
	}
	return out, replay, nil
}

// ServiceDays implements standard.Store.
func (s *StandardStore) ServiceDays(ctx context.Context, id uuid.UUID, from, to string, check func(*station.Station) error) ([]standard.Tally, error) {
	var out []standard.Tally
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		st, err := readStation(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := check(st); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT day::text, count FROM station_service_days
			WHERE station_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day DESC`, id, from, to)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (standard.Tally, error) {
			t := standard.Tally{StationID: id}
			return t, r.Scan(&t.Day, &t.Count)
		})
		return err
	})
	return out, interpretError(err, "station")
}

// scopeWhere is the condition that column lies within sc.
func scopeWhere(sc standard.Scope, column string, arg func(any) string) string {
	cond := "true"
	if sc.DistrictCode != "" {
		cond = districtScope(column, sc.DistrictCode, arg)
	}
	if sc.Within != nil {
		or := []string{"false"}
		for _, c := range sc.Within {
			or = append(or, districtScope(column, c, arg))
		}
		cond += " AND (" + joinOr(or) + ")"
	}
	return cond
}

func joinOr(s []string) string {
	out := s[0]
	for _, x := range s[1:] {
		out += " OR " + x
	}
	return out
}

// ListingStats implements standard.Store.
func (s *StandardStore) ListingStats(ctx context.Context, sc standard.Scope) ([]standard.DistrictListings, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	q := `SELECT s.district_code, count(*),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM station_map_listings m WHERE m.station_id = s.id AND m.platform = 'amap' AND m.status = 'listed')),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM station_map_listings m WHERE m.station_id = s.id AND m.platform = 'baidu' AND m.status = 'listed')),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM station_map_listings m WHERE m.station_id = s.id AND m.platform = 'tencent' AND m.status = 'listed'))
		FROM stations s WHERE s.status = 'active' AND ` + scopeWhere(sc, "s.district_code", arg) + `
		GROUP BY s.district_code ORDER BY s.district_code`
	rows, err := s.db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, interpretError(err, "map listing stats")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (standard.DistrictListings, error) {
		var d standard.DistrictListings
		var a, b, t int
		err := r.Scan(&d.DistrictCode, &d.Stations, &a, &b, &t)
		d.Listed = map[string]int{"amap": a, "baidu": b, "tencent": t}
		return d, err
	})
	return out, interpretError(err, "map listing stats")
}

// ServiceReport implements standard.Store.
func (s *StandardStore) ServiceReport(ctx context.Context, sc standard.Scope, m standard.Month) ([]standard.StationMonth, error) {
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	from, to := arg(m.Start()), arg(m.End())
	d1, d2 := arg(m.FirstDay()), arg(m.LastDay())
	q := `WITH t AS (SELECT station_id, sum(count)::bigint AS n FROM station_service_days WHERE day BETWEEN ` + d1 + ` AND ` + d2 + ` GROUP BY station_id),
		c AS (SELECT station_id, count(*) AS n FROM station_checkins WHERE checked_in_at >= ` + from + ` AND checked_in_at < ` + to + ` GROUP BY station_id),
		r AS (SELECT station_id, count(*) AS n FROM station_reports WHERE created_at >= ` + from + ` AND created_at < ` + to + ` GROUP BY station_id)
		SELECT s.id, s.name, s.district_code, s.status, coalesce(t.n, 0), coalesce(c.n, 0), coalesce(r.n, 0),
			coalesce(s.star_level, 0), s.most_beautiful_at IS NOT NULL, s.last_inspected_at
		FROM stations s LEFT JOIN t ON t.station_id = s.id LEFT JOIN c ON c.station_id = s.id LEFT JOIN r ON r.station_id = s.id
		WHERE (s.status <> 'closed' OR t.n > 0 OR c.n > 0 OR r.n > 0) AND ` + scopeWhere(sc, "s.district_code", arg) + `
		ORDER BY s.district_code, s.name, s.id`
	rows, err := s.db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, interpretError(err, "service report")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (standard.StationMonth, error) {
		var (
			x         standard.StationMonth
			stars     int16
			inspected *time.Time
		)
		err := r.Scan(&x.StationID, &x.Name, &x.DistrictCode, &x.Status, &x.Tallied, &x.Checkins, &x.Reports, &stars, &x.MostBeautiful, &inspected)
		x.StarLevel = int(stars)
		if inspected != nil {
			x.LastInspectedAt = *inspected
		}
		return x, err
	})
	return out, interpretError(err, "service report")
}

// RecomputeStars implements standard.Store: it reads every inspected
// station's latest items and listings, and rewrites those whose level
// differs, each in a transaction of its own.
func (s *StandardStore) RecomputeStars(ctx context.Context, stars standard.StarFunc) ([]*station.Station, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT s.id, s.star_level,
			(SELECT items FROM station_inspections i WHERE i.station_id = s.id ORDER BY inspected_at DESC, id DESC LIMIT 1),
			(SELECT count(*) FROM station_map_listings m WHERE m.station_id = s.id AND m.status = 'listed')
		FROM stations s WHERE s.last_inspected_at IS NOT NULL`)
	if err != nil {
		return nil, interpretError(err, "stars")
	}
	var todo []uuid.UUID
	for rows.Next() {
		var (
			id     uuid.UUID
			level  int16
			items  []byte
			listed int
		)
		if err := rows.Scan(&id, &level, &items, &listed); err != nil {
			rows.Close()
			return nil, interpretError(err, "stars")
		}
		var m map[string]bool
		if err := json.Unmarshal(items, &m); err != nil {
			rows.Close()
			return nil, fmt.Errorf("station %s: inspection items: %w", id, err)
		}
		if int(level) != stars(m, listed) {
			todo = append(todo, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, interpretError(err, "stars")
	}
	var out []*station.Station
	for _, id := range todo {
		err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
			if _, err := lockStation(ctx, tx, id); err != nil {
				return err
			}
			st, err := restar(ctx, tx, id, stars, nil)
			if err == nil {
				out = append(out, st)
			}
			return err
		})
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return out, interpretError(err, "stars")
		}
	}
	return out, nil
}

// checkInspectionPhotos refuses photo ids that are not photos of the
// station: an array cannot hold a foreign key, so the insert's transaction
// checks them (a photo deleted later leaves its id in the record, which
// says what was shown at the time).
func checkInspectionPhotos(ctx context.Context, tx pgx.Tx, stationID uuid.UUID, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT id FROM station_photos WHERE station_id = $1 AND id = ANY($2)`, stationID, ids)
	if err != nil {
		return err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return err
	}
	var p apperr.Problems
	for i, id := range ids {
		if !slices.Contains(found, id) {
			p.Add(fmt.Sprintf("photo_ids[%d]", i), "unknown_photo", "is not a photo of this station (see GET /v1/stations/{id}/photos)")
		}
	}
	return p.Err()
}
