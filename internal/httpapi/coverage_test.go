package httpapi_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"yizhan/internal/auth"
	"yizhan/internal/coverage"
	"yizhan/internal/geo"
	"yizhan/internal/postgres"
)

type coverageOut struct {
	Source   string `json:"source"`
	MinCount int64  `json:"min_count"`
	coverageViewOut
	Night coverageViewOut `json:"night"`
}

type coverageViewOut struct {
	Hours    *string `json:"hours"`
	Stations int     `json:"stations"`
	Demand   struct {
		Covered      int64   `json:"covered"`
		Uncovered    int64   `json:"uncovered"`
		CoveredShare float64 `json:"covered_share"`
	} `json:"demand"`
	Uncovered struct {
		Type     string `json:"type"`
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				Cell            string   `json:"cell"`
				Count           int64    `json:"count"`
				NearestStationM *float64 `json:"nearest_station_m"`
			} `json:"properties"`
		} `json:"features"`
	} `json:"uncovered"`
}

// gaps maps each uncovered cell to its count.
func (v coverageViewOut) gaps() map[string]int64 {
	m := map[string]int64{}
	for _, f := range v.Uncovered.Features {
		m[f.Properties.Cell] = f.Properties.Count
	}
	return m
}

// coverageWorld is Pujiang with two stations and the searches around them:
//
//   - P, the cell of station A (always open): 6 searches at 18:00;
//   - Q, 5 km east, the cell of station N (open 08:00–20:00): 7 nearest
//     searches and one along-route search at 23:00;
//   - R, 10 km north-west, no station: 4 searches, below DEMAND_MIN_COUNT.
type coverageWorld struct {
	e          *env
	admin      string
	staff      string
	a          stationOut
	p, q, r    coverage.CellID
	pujiangBox string
}

func newCoverageWorld(t *testing.T) *coverageWorld {
	e := newEnv(t)
	w := &coverageWorld{e: e, admin: e.staff("admin1", auth.Admin), staff: e.staff("jinhua1", auth.DistrictStaff, "330702")}
	pA := orb.Point{119.892, 29.4521}
	w.p = coverage.CellOf(pA)
	w.q = coverage.CellOf(orb.Point{119.945, 29.4521})
	w.r = coverage.CellOf(orb.Point{119.80, 29.50})
	w.a = e.create(w.admin, stationBody("浦阳街道人民东路驿站")) // at pA, always open
	n := stationBody("浦阳街道东站驿站")
	qc := w.q.Centre()
	n["location"] = map[string]any{"lat": qc[1], "lng": qc[0]}
	day := [][]string{{"08:00", "20:00"}}
	n["hours"] = map[string]any{"weekly": map[string]any{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day}}
	e.create(w.admin, n)

	search := func(p orb.Point, n int) {
		for range n {
			r := e.do(req{Method: "GET", Path: fmt.Sprintf("/v1/stations/nearest?lat=%v&lng=%v", p[1], p[0])})
			if r.Status != http.StatusOK {
				t.Fatalf("nearest: %d %s", r.Status, r.Body)
			}
		}
	}
	search(w.p.Centre(), 6)
	search(w.r.Centre(), 4)
	start := e.clock.Now()
	e.clock.Set(start.Add(5 * time.Hour)) // 23:00
	search(w.q.Centre(), 7)
	r := e.do(req{Method: "POST", Path: "/v1/stations/along-route", Body: map[string]any{
		"polyline": [][]float64{{qc[1], qc[0]}, {29.4521, 119.892}}}})
	if r.Status != http.StatusOK {
		t.Fatalf("along-route: %d %s", r.Status, r.Body)
	}
	e.clock.Set(start.Add(6 * time.Hour))
	w.flush()
	w.pujiangBox = "119.7,29.3,120.1,29.6"
	return w
}

func (w *coverageWorld) flush() {
	w.e.t.Helper()
	f := &coverage.Flusher{Counter: w.e.demand, Store: postgres.NewDemandStore(w.e.db)}
	if err := f.Flush(context.Background()); err != nil {
		w.e.t.Fatal(err)
	}
}

func (w *coverageWorld) coverage(token, query string) (coverageOut, response) {
	w.e.t.Helper()
	r := w.e.do(req{Method: "GET", Path: "/v1/coverage?" + query, Token: token})
	if r.Status != http.StatusOK {
		w.e.t.Fatalf("coverage?%s: %d %s", query, r.Status, r.Body)
	}
	var out coverageOut
	r.JSON(w.e.t, &out)
	w.neverShowsR(r)
	return out, r
}

// neverShowsR fails when an answer names the suppressed cell R.
func (w *coverageWorld) neverShowsR(r response) {
	w.e.t.Helper()
	if strings.Contains(string(r.Body), `"`+w.r.Token()+`"`) {
		w.e.t.Errorf("the suppressed cell %s appears: %s", w.r.Token(), r.Body)
	}
}

func TestCoverageCountsSearchesAndSuppressesFewOnes(t *testing.T) {
	t.Parallel()
	w := newCoverageWorld(t)
	// Any staff member may ask about any box: jinhua1 works for 婺城区.
	got, _ := w.coverage(w.staff, "bbox="+w.pujiangBox)
	if got.Demand.Covered != 14 || got.Demand.Uncovered != 0 || got.Demand.CoveredShare != 1 || got.Stations != 2 || got.MinCount != 5 {
		t.Errorf("all hours: %+v", got.coverageViewOut)
	}
	// At night station N is closed: Q's 8 searches (7 nearest, 1 route) are a gap.
	if got.Night.Hours == nil || *got.Night.Hours != "22-6" || got.Night.Stations != 1 || got.Night.Demand.Uncovered != 8 || got.Night.Demand.Covered != 0 {
		t.Errorf("night: %+v", got.Night)
	}
	if g := got.Night.gaps(); len(g) != 1 || g[w.q.Token()] != 8 {
		t.Errorf("night gaps: %v", g)
	}
	if f := got.Night.Uncovered.Features[0]; f.ID != w.q.Token() || f.Properties.NearestStationM == nil ||
		math.Abs(*f.Properties.NearestStationM-math.Round(geo.Distance(w.q.Centre(), orb.Point{119.892, 29.4521}))) > 1 {
		t.Errorf("Q's distance to A: %+v", f)
	}
	// Crossed coverage: nowhere two stations within 1 km.
	got, _ = w.coverage(w.staff, "bbox="+w.pujiangBox+"&min_stations=2")
	if got.Demand.Covered != 0 || got.Demand.Uncovered != 14 || len(got.gaps()) != 2 {
		t.Errorf("min_stations=2: %+v", got.coverageViewOut)
	}
	// A lower threshold would show R; DEMAND_MIN_COUNT hides it in every
	// view and every total, whatever the reach.
	got, _ = w.coverage(w.staff, "bbox="+w.pujiangBox+"&reach_m=5000&source=searches")
	if got.Demand.Covered+got.Demand.Uncovered != 14 {
		t.Errorf("reach 5 km: %+v", got.coverageViewOut)
	}
	// A notice closing station A takes it out of the supply.
	r := w.e.do(req{Method: "POST", Path: "/v1/stations/" + w.a.ID + "/notices", Token: w.admin, Body: map[string]any{
		"kind": "temporarily_closed", "until": w.e.clock.Now().Add(48 * time.Hour).Format(time.RFC3339), "message": "装修"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("notice: %d %s", r.Status, r.Body)
	}
	got, _ = w.coverage(w.staff, "bbox="+w.pujiangBox)
	if got.Stations != 1 || got.gaps()[w.p.Token()] != 6 || got.Demand.Covered != 8 {
		t.Errorf("with A closed: %+v", got.coverageViewOut)
	}
	// A period without searches shows nothing.
	got, _ = w.coverage(w.staff, "bbox="+w.pujiangBox+"&from=2026-10-01&to=2026-10-31")
	if got.Demand.Covered+got.Demand.Uncovered != 0 || len(got.Uncovered.Features) != 0 {
		t.Errorf("October: %+v", got.coverageViewOut)
	}
}

func TestCoverageSuggestsWhereTheGapsAre(t *testing.T) {
	t.Parallel()
	w := newCoverageWorld(t)
	r := w.e.do(req{Method: "GET", Path: "/v1/coverage/suggestions?bbox=" + w.pujiangBox + "&hours=22-6&k=3&crs=gcj02", Token: w.staff})
	if r.Status != http.StatusOK {
		t.Fatalf("suggestions: %d %s", r.Status, r.Body)
	}
	w.neverShowsR(r)
	var got struct {
		Items []struct {
			Location struct {
				Lat, Lng float64
				CRS      string
			} `json:"location"`
			Cell              string `json:"cell"`
			NewlyCovered      int64  `json:"newly_covered"`
			CumulativeCovered int64  `json:"cumulative_covered"`
		} `json:"items"`
	}
	r.JSON(t, &got)
	want := geo.FromWGS84(w.q.Centre(), geo.GCJ02)
	if len(got.Items) != 1 || got.Items[0].Cell != w.q.Token() || got.Items[0].NewlyCovered != 8 || got.Items[0].CumulativeCovered != 8 ||
		got.Items[0].Location.CRS != "gcj02" || math.Abs(got.Items[0].Location.Lat-want[1]) > 1e-6 || math.Abs(got.Items[0].Location.Lng-want[0]) > 1e-6 {
		t.Errorf("suggestions: %s", r.Body)
	}
	// By day everything is covered: nothing to suggest.
	r = w.e.do(req{Method: "GET", Path: "/v1/coverage/suggestions?bbox=" + w.pujiangBox, Token: w.staff})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"items":[]`) {
		t.Errorf("all covered: %d %s", r.Status, r.Body)
	}
}

func TestDemandImportIsKeptApartAndSuppressedToo(t *testing.T) {
	t.Parallel()
	w := newCoverageWorld(t)
	rc := w.r.Centre()
	// 3 more in R (GCJ-02, as platforms give them), one row with an hour.
	g := geo.FromWGS84(rc, geo.GCJ02)
	csv := fmt.Sprintf("lat,lng,count,hour_of_week\n%.6f,%.6f,2,\n%.6f,%.6f,1,23\n", g[1], g[0], g[1], g[0])
	imp := func(token, body string) response {
		return w.e.do(req{Method: "POST", Path: "/v1/coverage/demand/import?crs=gcj02", Token: token, Body: body, ContentType: "text/csv"})
	}
	if r := imp(w.staff, csv); r.Status != http.StatusForbidden {
		t.Errorf("district staff import: %d %s", r.Status, r.Body)
	}
	r := imp(w.admin, csv)
	if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"rows":2`) || !strings.Contains(string(r.Body), `"total":3`) {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	if r := imp(w.admin, csv); r.Status != http.StatusConflict {
		t.Errorf("the same file again: %d %s", r.Status, r.Body)
	}
	// R has 4 searches and 3 imported: each source is suppressed on its
	// own, so R is shown under none (7 in all, but neither part reaches 5).
	for _, c := range []struct {
		source string
		shown  bool
	}{{"searches", false}, {"imported", false}, {"all", false}} {
		rr := w.e.do(req{Method: "GET", Path: "/v1/coverage?bbox=" + w.pujiangBox + "&source=" + c.source, Token: w.staff})
		if shown := strings.Contains(string(rr.Body), `"`+w.r.Token()+`"`); rr.Status != http.StatusOK || shown != c.shown {
			t.Errorf("source=%s: R shown %v: %s", c.source, shown, rr.Body)
		}
	}
	for _, c := range []struct{ name, body, field string }{
		{"no rows", "lat,lng,count\n", "body"},
		{"swapped", "119.9,29.4,3\n", "rows[1].lat"},
		{"bad count", "29.4,119.9,0\n", "rows[1].count"},
		{"bad hour", "29.4,119.9,3,168\n", "rows[1].hour_of_week"},
		{"two columns", "29.4,119.9\n", "rows[1]"},
	} {
		r := imp(w.admin, c.body)
		p := r.Problem(t)
		if r.Status != http.StatusBadRequest || len(p.Errors) == 0 || p.Errors[0].Field != c.field {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
}

// Suppression applies to each source on its own before they are added up:
// imported counts cannot pad a cell's few searches up to DEMAND_MIN_COUNT
// and so reveal how many there were.
//
//   - X: 1 search + 4 imported: hidden under every source;
//   - Y: 4 searches + 10 imported: only the imported 10 count;
//   - Z: 6 searches + 2 imported: only the 6 searches count.
func TestCoverageSuppressesEachSourceBeforeAddingThem(t *testing.T) {
	t.Parallel()
	w := newCoverageWorld(t)
	x, y, z := coverage.CellOf(orb.Point{119.75, 29.35}), coverage.CellOf(orb.Point{120.05, 29.35}), coverage.CellOf(orb.Point{120.05, 29.55})
	var csv strings.Builder
	csv.WriteString("lat,lng,count\n")
	for _, c := range []struct {
		cell               coverage.CellID
		searched, imported int
	}{{x, 1, 4}, {y, 4, 10}, {z, 6, 2}} {
		p := c.cell.Centre()
		for range c.searched {
			if r := w.e.do(req{Method: "GET", Path: fmt.Sprintf("/v1/stations/nearest?lat=%v&lng=%v", p[1], p[0])}); r.Status != http.StatusOK {
				t.Fatalf("nearest: %d %s", r.Status, r.Body)
			}
		}
		fmt.Fprintf(&csv, "%.6f,%.6f,%d\n", p[1], p[0], c.imported)
	}
	w.flush()
	if r := w.e.do(req{Method: "POST", Path: "/v1/coverage/demand/import?crs=wgs84", Token: w.admin, Body: csv.String(), ContentType: "text/csv"}); r.Status != http.StatusCreated {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		source    string
		gaps      map[string]int64
		uncovered int64
		covered   int64
	}{
		{"all", map[string]int64{y.Token(): 10, z.Token(): 6}, 16, 14},
		{"searches", map[string]int64{z.Token(): 6}, 6, 14},
		{"imported", map[string]int64{y.Token(): 10}, 10, 0},
	} {
		got, r := w.coverage(w.staff, "bbox="+w.pujiangBox+"&source="+c.source)
		if strings.Contains(string(r.Body), `"`+x.Token()+`"`) {
			t.Errorf("source=%s: X (1 search + 4 imported) appears: %s", c.source, r.Body)
		}
		gaps := got.gaps()
		for _, cell := range []coverage.CellID{w.p, w.q} { // covered by day; not the point here
			delete(gaps, cell.Token())
		}
		if d := cmp.Diff(c.gaps, gaps); d != "" {
			t.Errorf("source=%s: gaps (-want +got):\n%s", c.source, d)
		}
		if got.Demand.Uncovered != c.uncovered || got.Demand.Covered != c.covered {
			t.Errorf("source=%s: totals %+v, want %d covered and %d uncovered", c.source, got.Demand, c.covered, c.uncovered)
		}
	}
	// The suggestions see the same cells and counts.
	r := w.e.do(req{Method: "GET", Path: "/v1/coverage/suggestions?bbox=" + w.pujiangBox + "&k=5", Token: w.staff})
	if r.Status != http.StatusOK {
		t.Fatalf("suggestions: %d %s", r.Status, r.Body)
	}
	w.neverShowsR(r)
	var plan struct {
		Items []struct {
			Cell         string `json:"cell"`
			NewlyCovered int64  `json:"newly_covered"`
		} `json:"items"`
	}
	r.JSON(t, &plan)
	items := map[string]int64{}
	for _, it := range plan.Items {
		items[it.Cell] = it.NewlyCovered
	}
	if d := cmp.Diff(map[string]int64{y.Token(): 10, z.Token(): 6}, items); d != "" {
		t.Errorf("suggestions (-want +got):\n%s", d)
	}
}

func TestCoverageRefusesBadQuestions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	staff := e.staff("jinhua1", auth.DistrictStaff, "330702")
	worker, _ := e.worker("oCoverage")
	for _, c := range []struct {
		name, query string
		token       string
		status      int
		field       string
	}{
		{"no bbox", "", staff, 400, "bbox"},
		{"bbox of three", "bbox=119,29,120", staff, 400, "bbox"},
		{"bbox upside down", "bbox=120,29,119,30", staff, 400, "bbox"},
		{"bbox too large", "bbox=110,25,120,30", staff, 400, "bbox"},
		{"bbox hex", "bbox=0x77,29,120,30", staff, 400, "bbox"},
		{"reach too far", "bbox=119.7,29.3,120.1,29.6&reach_m=20000", staff, 400, "reach_m"},
		{"reach zero", "bbox=119.7,29.3,120.1,29.6&reach_m=0", staff, 400, "reach_m"},
		{"hours", "bbox=119.7,29.3,120.1,29.6&hours=25", staff, 400, "hours"},
		{"hours empty range", "bbox=119.7,29.3,120.1,29.6&hours=6-6", staff, 400, "hours"},
		{"source", "bbox=119.7,29.3,120.1,29.6&source=orders", staff, 400, "source"},
		{"from after to", "bbox=119.7,29.3,120.1,29.6&from=2026-12-01&to=2026-11-01", staff, 400, "from"},
		{"bad date", "bbox=119.7,29.3,120.1,29.6&from=2026-13-01", staff, 400, "from"},
		// Today is 2026-11-30 in Shanghai; counts are kept 400 days, from 2025-10-26.
		{"to tomorrow", "bbox=119.7,29.3,120.1,29.6&to=2026-12-01", staff, 400, "to"},
		{"from tomorrow", "bbox=119.7,29.3,120.1,29.6&from=2026-12-01", staff, 400, "from"},
		{"the whole calendar", "bbox=119.7,29.3,120.1,29.6&from=0001-01-01&to=9999-12-31", staff, 400, "from"},
		{"to far ahead", "bbox=119.7,29.3,120.1,29.6&from=2026-11-01&to=9999-12-31", staff, 400, "to"},
		{"from before the kept days", "bbox=119.7,29.3,120.1,29.6&from=2025-10-25&to=2025-12-31", staff, 400, "from"},
		{"min_stations", "bbox=119.7,29.3,120.1,29.6&min_stations=9", staff, 400, "min_stations"},
		{"unknown parameter", "bbox=119.7,29.3,120.1,29.6&radius_m=100", staff, 400, ""},
		{"a worker", "bbox=119.7,29.3,120.1,29.6", worker, 403, ""},
		{"nobody", "bbox=119.7,29.3,120.1,29.6", "", 401, ""},
	} {
		r := e.do(req{Method: "GET", Path: "/v1/coverage?" + c.query, Token: c.token})
		if r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			continue
		}
		if p := r.Problem(t); c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: %s", c.name, r.Body)
		}
	}
	for _, q := range []string{"k=0", "k=51", "crs=wgs", "hours=a-b", "to=2026-12-01", "from=2025-10-25"} {
		r := e.do(req{Method: "GET", Path: "/v1/coverage/suggestions?bbox=119.7,29.3,120.1,29.6&" + url.PathEscape(q), Token: staff})
		if r.Status != http.StatusBadRequest {
			t.Errorf("suggestions %s: %d %s", q, r.Status, r.Body)
		}
	}
}
