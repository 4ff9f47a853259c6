package console_test

// The console's figures (BENCHMARKS.md): run with
//
//	go test -run '^$' -bench . -benchtime 5x ./internal/console/
//
// against the test PostgreSQL. The browser figures come from Debian's
// headless Chromium, a cold cache each time; tiles are excluded (the
// benchmark server has none).

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/auth"
	"yizhan/internal/benchdata"
)

// benchEnv is a server with n stations of county 330726, a district staff
// member of that county (pujiang) and an admin (admin1).
func benchEnv(b *testing.B, n int) *env {
	b.Helper()
	e := newEnv(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.DB.Pool.Config().ConnString())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := benchdata.Copy(ctx, conn, benchdata.Stations(n, 1)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE stations`); err != nil {
		b.Fatal(err)
	}
	e.staff(b, "pujiang", auth.DistrictStaff, "330726")
	e.staff(b, "admin1", auth.Admin)
	return e
}

// BenchmarkStationListPage is the server's time for the first page of the
// station list with 5,000 stations in the staff member's scope, in process
// (no network): session check, the query, the template.
func BenchmarkStationListPage(b *testing.B) {
	e := benchEnv(b, 5000)
	for _, p := range []struct{ who, path string }{
		{"pujiang", "/console/stations"},
		{"admin1", "/console/stations"},
		{"pujiang", "/console/stations/map.json"},
	} {
		b.Run(p.who+strings.ReplaceAll(p.path, "/console/stations", ""), func(b *testing.B) {
			c := e.signedIn(b, p.who)
			u, _ := http.NewRequest(http.MethodGet, e.URL+p.path, nil)
			cookies := c.Jar.Cookies(u.URL)
			b.ResetTimer()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, p.path, nil)
				for _, ck := range cookies {
					req.AddCookie(ck)
				}
				rec := httptest.NewRecorder()
				e.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// BenchmarkStationMapRender is the time from navigation until the map of
// 5,000 stations has drawn its clusters, in headless Chromium with a cold
// cache: the page's own performance.now() when the markers are on the map
// (two animation frames after they were added).
func BenchmarkStationMapRender(b *testing.B) {
	e := benchEnv(b, 5000)
	var total, data, dom float64
	best := math.Inf(1)
	for b.Loop() {
		b.StopTimer()
		tb := e.browser(b, desktop)
		tb.login("pujiang")
		b.StartTimer()
		tb.do(chromedp.Navigate(e.URL+"/console/stations/map"), chromedp.WaitReady(chromedp.CSS(`#map[data-ready="1"]`)))
		b.StopTimer()
		ms, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]float64](`[
			+document.getElementById('map').dataset.renderedMs,
			performance.getEntriesByType('resource').find(e => e.name.includes('/map.json')).responseEnd,
			performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd]`))
		if err != nil {
			b.Fatal(err)
		}
		total += ms[0]
		best = math.Min(best, ms[0])
		data += ms[1]
		dom += ms[2]
		b.StartTimer()
	}
	b.ReportMetric(total/float64(b.N), "ms-to-render")
	b.ReportMetric(best, "ms-to-render-best")
	b.ReportMetric(data/float64(b.N), "ms-to-data")
	b.ReportMetric(dom/float64(b.N), "ms-to-domready")
}

// BenchmarkFirstPageBytes counts the bytes transferred (as Chromium reports
// them: compressed bodies and headers) for a cold load of the sign-in page,
// the first page anyone sees, and of the station list and the station map
// with 12 stations, the heaviest pages; tiles are not counted.
func BenchmarkFirstPageBytes(b *testing.B) {
	e := benchEnv(b, 12)
	for _, p := range []struct{ name, path, ready string }{
		{"login", "/console/login", `form`},
		{"stations", "/console/stations", `tbody`},
		{"map", "/console/stations/map", `#map[data-ready="1"]`},
	} {
		b.Run(p.name, func(b *testing.B) {
			var bytes float64
			for b.Loop() {
				tb := e.browser(b, desktop)
				if p.name != "login" {
					tb.login("pujiang")
				}
				// Signing in loaded the stylesheet: clear the cache, so that
				// the page is measured cold.
				tb.do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
					_, err := cdp.Call(ctx, t, network.ClearBrowserCache, cdp.Empty{})
					return chromedp.Void{}, err
				})
				bytes += tb.transferred(p.path, p.ready)
			}
			b.ReportMetric(bytes/float64(b.N), "bytes/page")
		})
	}
}

// transferred loads path, waits for the selector and a moment of quiet, and
// sums the encoded bytes of every response.
func (tb *tab) transferred(path, ready string) float64 {
	ctx, cancel := context.WithCancel(tb.ctx)
	defer cancel()
	events := chromedp.Events(ctx, network.LoadingFinished)
	var (
		mu  sync.Mutex
		sum float64
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev, err := range events {
			if err != nil {
				return
			}
			mu.Lock()
			sum += ev.EncodedDataLength
			mu.Unlock()
		}
	}()
	tb.do(chromedp.Navigate(tb.env.URL+path), chromedp.WaitReady(chromedp.CSS(ready)))
	time.Sleep(500 * time.Millisecond)
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return sum
}
