package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/coverage"
)

// DemandStore implements coverage.Store.
type DemandStore struct {
	db *DB
}

// NewDemandStore returns a DemandStore.
func NewDemandStore(db *DB) *DemandStore { return &DemandStore{db: db} }

var _ coverage.Store = (*DemandStore)(nil)

// demandZone is Shanghai time, for messages.
var demandZone = time.FixedZone("CST", 8*60*60)

// AddSearches adds the buckets in one statement: one upsert per bucket,
// adding to what other processes wrote. The buckets come sorted, so two
// processes lock shared rows in the same order.
func (s *DemandStore) AddSearches(ctx context.Context, b []coverage.Bucket) error {
	if len(b) == 0 {
		return nil
	}
	cells := make([]int64, len(b))
	days := make([]time.Time, len(b))
	hours := make([]int16, len(b))
	counts := make([]int64, len(b))
	for i, x := range b {
		cells[i], days[i], hours[i], counts[i] = int64(x.Cell), x.Day, int16(x.HourOfWeek), x.N
	}
	_, err := s.db.Pool.Exec(ctx, `
		INSERT INTO demand_searches AS d (cell, day, hour_of_week, count)
		SELECT * FROM unnest($1::bigint[], $2::date[], $3::smallint[], $4::bigint[])
		ON CONFLICT (cell, day, hour_of_week) DO UPDATE SET count = d.count + EXCLUDED.count`,
		cells, days, hours, counts)
	return interpretError(err, "demand count")
}

// Demand sums the demand per cell and source of the ranges, apart, so that
// the service can suppress each source on its own.
func (s *DemandStore) Demand(ctx context.Context, q coverage.DemandQuery) ([]coverage.RawCell, error) {
	if len(q.Ranges) == 0 {
		return nil, nil
	}
	lo := make([]int64, len(q.Ranges))
	hi := make([]int64, len(q.Ranges))
	for i, r := range q.Ranges {
		lo[i], hi[i] = r.Lo, r.Hi
	}
	var hours []int32
	if q.Hours != nil {
		hours = make([]int32, len(q.Hours))
		for i, h := range q.Hours {
			hours[i] = int32(h)
		}
	}
	rows, err := s.db.Pool.Query(ctx, `
		WITH r AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS r (lo, hi))
		SELECT cell, coalesce(sum(count) FILTER (WHERE searched), 0)::bigint, coalesce(sum(count) FILTER (WHERE NOT searched), 0)::bigint FROM (
			SELECT d.cell, d.count, true AS searched FROM demand_searches d JOIN r ON d.cell BETWEEN r.lo AND r.hi
			 WHERE $3 AND d.day BETWEEN $4 AND $5 AND ($6::int[] IS NULL OR d.hour_of_week % 24 = ANY ($6))
			UNION ALL
			SELECT i.cell, i.count, false FROM demand_imported i JOIN r ON i.cell BETWEEN r.lo AND r.hi
			 WHERE $7 AND ($6::int[] IS NULL OR i.hour_of_week >= 0 AND i.hour_of_week % 24 = ANY ($6))
		) x
		GROUP BY cell ORDER BY cell`,
		lo, hi, q.Source != coverage.Imported, q.From, q.To, hours, q.Source != coverage.Searches)
	if err != nil {
		return nil, interpretError(err, "demand")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (coverage.RawCell, error) {
		var c coverage.RawCell
		var id int64
		err := row.Scan(&id, &c.Searched, &c.Imported)
		c.ID = coverage.CellID(id)
		return c, err
	})
	return out, interpretError(err, "demand")
}

// AddImport stores an import and its cells in one transaction.
func (s *DemandStore) AddImport(ctx context.Context, imp coverage.Import) error {
	tx, err := s.db.Pool.Begin(ctx)
	if err != nil {
		return interpretError(err, "demand import")
	}
	defer tx.Rollback(ctx)
	var at time.Time
	err = tx.QueryRow(ctx, `
		INSERT INTO demand_imports (id, sha256, imported_at, imported_by, rows, total)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (sha256) DO NOTHING
		RETURNING imported_at`,
		imp.ID, imp.SHA256[:], imp.ImportedAt, imp.ImportedBy, imp.Rows, imp.Total).Scan(&at)
	if errors.Is(err, pgx.ErrNoRows) {
		var first time.Time
		if err := tx.QueryRow(ctx, `SELECT imported_at FROM demand_imports WHERE sha256 = $1`, imp.SHA256[:]).Scan(&first); err != nil {
			return interpretError(err, "demand import")
		}
		return apperr.New(apperr.Conflict, "this file was imported before, at %s", first.In(demandZone).Format("2006-01-02 15:04"))
	}
	if err != nil {
		return interpretError(err, "demand import")
	}
	ids := make([]int64, len(imp.Cells))
	hours := make([]int16, len(imp.Cells))
	counts := make([]int64, len(imp.Cells))
	for i, c := range imp.Cells {
		ids[i], hours[i], counts[i] = int64(c.Cell), int16(c.HourOfWeek), c.N
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO demand_imported (import_id, cell, hour_of_week, count)
		SELECT $1, * FROM unnest($2::bigint[], $3::smallint[], $4::bigint[])`,
		imp.ID, ids, hours, counts); err != nil {
		return interpretError(err, "demand import")
	}
	return interpretError(tx.Commit(ctx), "demand import")
}

// Sweep deletes what is older than the retention.
func (s *DemandStore) Sweep(ctx context.Context, searchesBefore, importsBefore time.Time) (int64, error) {
	a, err := s.db.Pool.Exec(ctx, `DELETE FROM demand_searches WHERE day < $1`, searchesBefore)
	if err != nil {
		return 0, interpretError(err, "demand counts")
	}
	b, err := s.db.Pool.Exec(ctx, `DELETE FROM demand_imports WHERE imported_at < $1`, importsBefore)
	if err != nil {
		return 0, interpretError(err, "demand imports")
	}
	return a.RowsAffected() + b.RowsAffected(), nil
}
