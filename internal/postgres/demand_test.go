package postgres_test

import (
	"context"
	"crypto/sha256"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/coverage"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
)

func newDemandStore(t *testing.T) (*postgres.DemandStore, *postgres.DB) {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return postgres.NewDemandStore(db), db
}

func day(s string) time.Time {
	d, ok := coverage.ParseDay(s)
	if !ok {
		panic(s)
	}
	return d
}

// Several processes flushing the same cells at once add up: every count
// lands once, whatever the interleaving.
func TestDemandFlushesOfManyProcessesAddUp(t *testing.T) {
	t.Parallel()
	store, _ := newDemandStore(t)
	ctx := context.Background()
	cells := []coverage.CellID{coverage.CellOf(orb.Point{119.8969, 29.4490}), coverage.CellOf(orb.Point{119.65, 29.08}), coverage.CellOf(orb.Point{120.1, 29.3})}
	at := time.Date(2026, 11, 30, 10, 30, 0, 0, time.UTC) // Monday 18:30 Shanghai
	const processes, flushes = 6, 20
	var wg sync.WaitGroup
	for p := range processes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := coverage.NewCounter()
			f := &coverage.Flusher{Counter: c, Store: store}
			for i := range flushes {
				for j, cell := range cells {
					for range j + 1 {
						c.Add(cell.Centre(), at.Add(time.Duration(p+i)*time.Minute))
					}
				}
				if err := f.Flush(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := store.Demand(ctx, coverage.DemandQuery{Ranges: coverage.Ranges(orb.Bound{Min: orb.Point{119, 29}, Max: orb.Point{121, 30}}),
		From: day("2026-11-30"), To: day("2026-11-30"), Source: coverage.Searches})
	if err != nil {
		t.Fatal(err)
	}
	want := []coverage.RawCell{}
	for j, cell := range cells {
		want = append(want, coverage.RawCell{ID: cell, Searched: int64(processes * flushes * (j + 1))})
	}
	slices.SortFunc(want, func(a, b coverage.RawCell) int { return int(int64(a.ID>>34) - int64(b.ID>>34)) })
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestDemandFiltersPeriodHoursAndSource(t *testing.T) {
	t.Parallel()
	store, db := newDemandStore(t)
	ctx := context.Background()
	a := coverage.CellOf(orb.Point{119.8969, 29.4490})
	b := coverage.CellOf(orb.Point{119.90, 29.46})
	// Monday 2026-11-30: hour 18 (18) and hour 23 (23); Tuesday 12-01 hour 2 (24+2).
	if err := store.AddSearches(ctx, []coverage.Bucket{
		{Cell: a, Day: day("2026-11-30"), HourOfWeek: 18, N: 4},
		{Cell: a, Day: day("2026-11-30"), HourOfWeek: 23, N: 3},
		{Cell: a, Day: day("2026-12-01"), HourOfWeek: 26, N: 2},
		{Cell: b, Day: day("2026-11-01"), HourOfWeek: 6*24 + 10, N: 9}, // a Sunday, a month before
	}); err != nil {
		t.Fatal(err)
	}
	admin := mustStaff(t, db)
	if err := store.AddImport(ctx, coverage.Import{ID: uuid.Must(uuid.NewV7()), SHA256: sha256.Sum256([]byte("x")), ImportedAt: time.Now(), ImportedBy: admin,
		Rows: 2, Total: 11, Cells: []coverage.ImportedCell{{Cell: b, HourOfWeek: -1, N: 10}, {Cell: a, HourOfWeek: 22, N: 1}}}); err != nil {
		t.Fatal(err)
	}
	box := coverage.Ranges(orb.Bound{Min: orb.Point{119.8, 29.4}, Max: orb.Point{120, 29.5}})
	for _, c := range []struct {
		name string
		q    coverage.DemandQuery
		want map[coverage.CellID]int64
	}{
		{"searches, both days", coverage.DemandQuery{From: day("2026-11-30"), To: day("2026-12-01"), Source: coverage.Searches}, map[coverage.CellID]int64{a: 9}},
		{"searches, the month", coverage.DemandQuery{From: day("2026-11-01"), To: day("2026-12-01"), Source: coverage.Searches}, map[coverage.CellID]int64{a: 9, b: 9}},
		{"searches, Monday", coverage.DemandQuery{From: day("2026-11-30"), To: day("2026-11-30"), Source: coverage.Searches}, map[coverage.CellID]int64{a: 7}},
		{"searches, night", coverage.DemandQuery{From: day("2026-11-30"), To: day("2026-12-01"), Source: coverage.Searches, Hours: coverage.NightHours()}, map[coverage.CellID]int64{a: 5}},
		{"imported: no period", coverage.DemandQuery{From: day("2026-11-30"), To: day("2026-11-30"), Source: coverage.Imported}, map[coverage.CellID]int64{a: 1, b: 10}},
		{"imported, night: hourless rows left out", coverage.DemandQuery{From: day("2026-11-30"), To: day("2026-11-30"), Source: coverage.Imported, Hours: coverage.NightHours()}, map[coverage.CellID]int64{a: 1}},
		{"all", coverage.DemandQuery{From: day("2026-11-30"), To: day("2026-12-01"), Source: coverage.All}, map[coverage.CellID]int64{a: 10, b: 10}},
	} {
		c.q.Ranges = box
		got, err := store.Demand(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		m := map[coverage.CellID]int64{}
		for _, x := range got {
			m[x.ID] = x.Searched + x.Imported
		}
		if d := cmp.Diff(c.want, m); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
	// All keeps the sources apart, so that each is suppressed on its own.
	got, err := store.Demand(ctx, coverage.DemandQuery{Ranges: box, From: day("2026-11-30"), To: day("2026-12-01"), Source: coverage.All})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]coverage.RawCell{{ID: a, Searched: 9, Imported: 1}, {ID: b, Imported: 10}}, got,
		cmpopts.SortSlices(func(x, y coverage.RawCell) bool { return x.ID < y.ID })); d != "" {
		t.Errorf("all, by source (-want +got):\n%s", d)
	}
	// The same file again is refused, and nothing is added.
	err = store.AddImport(ctx, coverage.Import{ID: uuid.Must(uuid.NewV7()), SHA256: sha256.Sum256([]byte("x")), ImportedAt: time.Now(), ImportedBy: admin,
		Rows: 1, Total: 1, Cells: []coverage.ImportedCell{{Cell: b, HourOfWeek: -1, N: 1}}})
	if !apperr.Is(err, apperr.Conflict) {
		t.Errorf("second import of one file: %v", err)
	}
	// The sweep takes what is older than the retention.
	n, err := store.Sweep(ctx, day("2026-11-30"), time.Now().Add(time.Hour))
	if err != nil || n != 2 {
		t.Errorf("sweep: %d rows, %v; want 2 (the November 1st count and the import)", n, err)
	}
	got, _ = store.Demand(ctx, coverage.DemandQuery{Ranges: box, From: day("2026-11-01"), To: day("2026-12-01"), Source: coverage.All})
	if len(got) != 1 || got[0].Searched != 9 || got[0].Imported != 0 {
		t.Errorf("after the sweep: %+v", got)
	}
}

func mustStaff(t *testing.T, db *postgres.DB) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	if _, err := db.Pool.Exec(context.Background(), `INSERT INTO staff (id, username, password_hash, role) VALUES ($1, 'demand-admin', 'x', 'admin')`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// No table holds a search's precise point: the demand tables hold only
// these columns, the cell columns refuse every level but 13, and the only
// columns anywhere that can hold a coordinate are the stations' own.
func TestNoTableHoldsAPrecisePoint(t *testing.T) {
	t.Parallel()
	_, db := newDemandStore(t)
	ctx := context.Background()
	rows, _ := db.Pool.Query(ctx, `
		SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns
		 WHERE table_schema = 'public' AND table_name LIKE 'demand%' ORDER BY 1`)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"demand_imported.cell bigint", "demand_imported.count bigint", "demand_imported.hour_of_week smallint", "demand_imported.import_id uuid",
		"demand_imports.id uuid", "demand_imports.imported_at timestamp with time zone", "demand_imports.imported_by uuid",
		"demand_imports.rows integer", "demand_imports.sha256 bytea", "demand_imports.total bigint",
		"demand_searches.cell bigint", "demand_searches.count bigint", "demand_searches.day date", "demand_searches.hour_of_week smallint",
	}
	if d := cmp.Diff(want, cols); d != "" {
		t.Errorf("demand columns (-want +got):\n%s", d)
	}
	// Every column of any table that could hold a coordinate: floating
	// point, numeric, geometric, or a name that says so.
	rows, _ = db.Pool.Query(ctx, `
		SELECT table_name || '.' || column_name FROM information_schema.columns
		 WHERE table_schema = 'public' AND (data_type IN ('double precision', 'real', 'numeric', 'point', 'USER-DEFINED')
		    OR column_name ~ '(lat|lng|lon|point|location|coord|geom)')
		 ORDER BY 1`)
	pointy, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(stationCoordinateColumns, pointy); d != "" {
		t.Errorf("columns that could hold a point (-known +now):\n%s", d)
	}
	// A level-30 cell (a point to the centimetre) is refused.
	fine := int64(coverage.CellOf(orb.Point{119.8969, 29.4490})) | 1 // not a level-13 id
	for _, q := range []string{
		`INSERT INTO demand_searches (cell, day, hour_of_week, count) VALUES ($1, '2026-11-30', 0, 1)`,
	} {
		if _, err := db.Pool.Exec(ctx, q, fine); err == nil {
			t.Errorf("a finer cell was stored: %s", q)
		}
	}
	// The hour must lie in its day.
	if _, err := db.Pool.Exec(ctx, `INSERT INTO demand_searches (cell, day, hour_of_week, count) VALUES ($1, '2026-11-30', 30, 1)`,
		int64(coverage.CellOf(orb.Point{119.8969, 29.4490}))); err == nil {
		t.Error("Tuesday's hour stored on a Monday")
	}
}

// stationCoordinateColumns are the columns that hold a station's own
// coordinates (a public place, not a person's).
//
// activities.lat/lng are where an activity takes place (a venue staff enter,
// as stations'); the others only match the name pattern: a WeChat template
// id ("template" holds "lat"), a partner's rate, a map platform ("platform").
// None holds where a worker searched from.
var stationCoordinateColumns = []string{
	"activities.lat", "activities.lng",
	"notification_subscriptions.template_id", "partners.rate_per_second",
	"station_map_listings.platform",
	"stations.lat", "stations.lng",
}
