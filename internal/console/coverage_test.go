package console_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb"

	"yizhan/internal/auth"
	"yizhan/internal/coverage"
	"yizhan/internal/postgres"
)

// coverageDemand stores a week of searches around Pujiang: the cell of the
// test station (covered), a busy gap 4 km east, a smaller one 3 km south,
// and a cell below DEMAND_MIN_COUNT that must never show.
func (e *env) coverageDemand(t *testing.T) (gap, hidden coverage.CellID) {
	t.Helper()
	e.activeStation(t, "浦阳街道人民东路驿站", "330726") // 29.4521, 119.892
	today := coverage.Day(time.Now())
	how := coverage.HourOfWeek(time.Now())
	gap = coverage.CellOf(orb.Point{119.933, 29.4521})
	hidden = coverage.CellOf(orb.Point{119.80, 29.50})
	var b []coverage.Bucket
	for cell, n := range map[coverage.CellID]int64{
		coverage.CellOf(orb.Point{119.892, 29.4521}): 40,
		gap: 120,
		coverage.CellOf(orb.Point{119.892, 29.425}): 25,
		hidden: 3,
	} {
		b = append(b, coverage.Bucket{Cell: cell, Day: today, HourOfWeek: how, N: n})
	}
	if err := postgres.NewDemandStore(e.DB).AddSearches(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	return gap, hidden
}

func TestCoveragePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	gap, hidden := e.coverageDemand(t)
	for _, sz := range sizes {
		tb := e.browser(t, sz)
		tb.login("pujiang")
		tb.open("/console/coverage")
		tb.do(chromedp.WaitVisible(chromedp.CSS(`.stats`)))
		stats, table := tb.text(`.stats`), tb.text(`.table`)
		count := func(sel string) int {
			n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		for i := 0; i < 100 && count(`#coverage-map .site-icon`) == 0; i++ {
			time.Sleep(50 * time.Millisecond)
		}
		polygons, markers := count(`#coverage-map path.leaflet-interactive`), count(`#coverage-map .site-icon`)
		// 40 of 185 searches are covered; two suggested sites cover the rest.
		if !strings.Contains(stats, "21.6%") || !strings.Contains(stats, "145") {
			t.Errorf("%s: stats %q", sz.Name, stats)
		}
		if !strings.Contains(table, "120") || !strings.Contains(table, "145") {
			t.Errorf("%s: sites %q", sz.Name, table)
		}
		if polygons != 3 || markers != 2 { // three cells; the hidden one is not drawn
			t.Errorf("%s: %d polygons, %d markers", sz.Name, polygons, markers)
		}
		tb.shot("coverage")
	}
	// The map data and the CSV never name the hidden cell.
	c := e.signedIn(t, "pujiang")
	for _, path := range []string{"/console/coverage/map.json", "/console/coverage/suggestions.csv"} {
		res, err := c.Get(e.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || strings.Contains(string(body), hidden.Token()) {
			t.Errorf("%s: %d %s", path, res.StatusCode, body)
		}
		if strings.HasSuffix(path, ".csv") && (!strings.HasPrefix(string(body), "\ufeff序号,纬度（GCJ-02）,经度（GCJ-02）,纬度（WGS-84）") || !strings.Contains(string(body), gap.Token())) {
			t.Errorf("CSV: %s", body)
		}
	}
}
