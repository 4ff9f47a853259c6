package postgres_test

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/benchdata"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/search"
)

// BenchmarkColdLoad measures what an API process does at start: read every
// station from PostgreSQL and build the search index.
func BenchmarkColdLoad(b *testing.B) {
	const n = 1_000_000
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := benchdata.Copy(ctx, conn, benchdata.Stations(n, 42)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE stations`); err != nil {
		b.Fatal(err)
	}
	conn.Close(ctx)
	b.Logf("copied %d stations in %v", n, time.Since(start))
	db, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	store := postgres.NewStationStore(db)
	// As `api serve` runs (see cmd/api/serve.go): collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	b.ResetTimer()
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		all, _, err := store.ChangesSince(ctx, 0)
		if err != nil {
			b.Fatal(err)
		}
		e := search.NewEngine()
		e.Load(all)
		if e.Len() != n {
			b.Fatalf("loaded %d stations, want %d", e.Len(), n)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-bytes/station")
		runtime.KeepAlive(e)
		b.StartTimer()
	}
	b.ReportMetric(float64(n), "stations")
}
