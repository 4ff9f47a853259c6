package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/benchdata"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/station"
)

// BenchmarkFeedFullSync is a phone's first sync of 100,000 stations: every
// page of GET /v1/stations/changes (limit 1000) through the whole handler
// and PostgreSQL, without the network, with and without gzip. It reports
// the bytes a phone downloads (wire) and their JSON before compression.
func BenchmarkFeedFullSync(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	all := benchdata.Stations(n, 42)
	active := 0
	for _, s := range all {
		if s.Status == station.Active {
			active++
		}
	}
	if err := benchdata.Copy(ctx, conn, all); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE stations`); err != nil {
		b.Fatal(err)
	}
	conn.Close(ctx)
	db, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	h, err := New(Deps{Feed: postgres.NewStationStore(db), Stations: station.NewService(nil, nil, nil)})
	if err != nil {
		b.Fatal(err)
	}
	for _, enc := range []string{"gzip", "identity"} {
		b.Run(enc, func(b *testing.B) {
			var wire, raw, stations, pages int
			for b.Loop() {
				wire, raw, stations, pages = 0, 0, 0, 0
				since := ""
				for {
					r := httptest.NewRequest(http.MethodGet, "/v1/stations/changes?limit=1000"+since, nil)
					r.Header.Set("Accept-Encoding", enc)
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Fatalf("%d %s", w.Code, w.Body)
					}
					body := w.Body.Bytes()
					wire += len(body)
					if w.Header().Get("Content-Encoding") == "gzip" {
						zr, err := gzip.NewReader(bytes.NewReader(body))
						if err != nil {
							b.Fatal(err)
						}
						if body, err = io.ReadAll(zr); err != nil {
							b.Fatal(err)
						}
					}
					raw += len(body)
					var page struct {
						Items      []json.RawMessage `json:"items"`
						NextCursor string            `json:"next_cursor"`
						HasMore    bool              `json:"has_more"`
					}
					if err := json.Unmarshal(body, &page); err != nil {
						b.Fatal(err)
					}
					stations += len(page.Items)
					pages++
					since = "&since=" + page.NextCursor
					if !page.HasMore {
						break
					}
				}
				if stations != active {
					b.Fatalf("synced %d stations, want %d", stations, active)
				}
			}
			b.ReportMetric(float64(wire), "wire-bytes")
			b.ReportMetric(float64(raw), "json-bytes")
			b.ReportMetric(float64(wire)/float64(stations), "wire-bytes/station")
			b.ReportMetric(float64(pages), "pages")
		})
	}
}
