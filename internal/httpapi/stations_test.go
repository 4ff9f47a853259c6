package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"yizhan/internal/auth"
	"yizhan/internal/geo"
)

// stationBody is a valid create body in Pujiang (330726).
func stationBody(name string) map[string]any {
	return map[string]any{
		"name":          name,
		"address":       "浦江县浦阳街道人民东路1号",
		"district_code": "330726",
		"location":      map[string]any{"lat": 29.4521, "lng": 119.892},
		"host":          map[string]any{"type": "bank", "name": "农业银行"},
		"amenities":     []string{"ebike_charging", "toilet"},
		"hours":         map[string]any{"always_open": true},
		"contact_phone": "0579-84100000",
	}
}

type stationOut struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Address      string   `json:"address"`
	DistrictCode string   `json:"district_code"`
	Amenities    []string `json:"amenities"`
	Status       string   `json:"status"`
	OpenNow      bool     `json:"open_now"`
	Version      int64    `json:"version"`
	ContactPhone string   `json:"contact_phone"`
	CreatedBy    string   `json:"created_by"`
	UpdatedBy    string   `json:"updated_by"`
	Location     struct {
		Lat, Lng float64
		CRS      string
	} `json:"location"`
	Hours json.RawMessage `json:"hours"`
}

func (e *env) create(token string, body any) stationOut {
	e.t.Helper()
	// Tests of other things put many stations on one point: they say so.
	r := e.do(req{Method: "POST", Path: "/v1/stations?allow_duplicate=true", Token: token, Body: body})
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var s stationOut
	r.JSON(e.t, &s)
	return s
}

func TestCreateGetRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	created := e.create(admin, stationBody("浦江县总工会驿站"))
	if created.Version != 1 || created.Status != "active" || created.CreatedBy != e.actor(admin) || !created.OpenNow {
		t.Errorf("created = %+v", created)
	}
	r := e.do(req{Method: "GET", Path: "/v1/stations/" + created.ID})
	if r.Status != 200 || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("get: %d etag %q", r.Status, r.Header.Get("ETag"))
	}
	var got stationOut
	r.JSON(t, &got)
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("GET differs from the create answer (-create +get):\n%s", diff)
	}
	if got.Location.Lat != 29.4521 || got.Location.Lng != 119.892 || got.Location.CRS != "wgs84" {
		t.Errorf("location = %+v", got.Location)
	}
}

// A station picked on a GCJ-02 map is stored in WGS-84 and answered in
// whichever system the reader asks for.
func TestLocationConversions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	gcj := orb.Point{119.8969, 29.4490} // as picked on Amap
	body := stationBody("Amap pick")
	body["location"] = map[string]any{"lat": gcj[1], "lng": gcj[0], "crs": "gcj02"}
	created := e.create(admin, body)

	wantWGS := geo.GCJ02ToWGS84(gcj)
	for _, tc := range []struct {
		crs  string
		want orb.Point
	}{
		{"", wantWGS},
		{"wgs84", wantWGS},
		{"gcj02", gcj},
		{"bd09", geo.GCJ02ToBD09(gcj)},
	} {
		r := e.do(req{Method: "GET", Path: "/v1/stations/" + created.ID + "?crs=" + tc.crs})
		var got stationOut
		r.JSON(t, &got)
		wantCRS := tc.crs
		if wantCRS == "" {
			wantCRS = "wgs84"
		}
		if got.Location.CRS != wantCRS {
			t.Errorf("crs=%q: answered crs %q", tc.crs, got.Location.CRS)
		}
		if d := geo.Distance(orb.Point{got.Location.Lng, got.Location.Lat}, tc.want); d > 0.05 {
			t.Errorf("crs=%q: location %v is %.3f m from %v", tc.crs, got.Location, d, tc.want)
		}
	}
	// The stored point differs from the GCJ-02 input by the offset (hundreds of metres).
	var stored orb.Point
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT lng, lat FROM stations WHERE id = $1`, created.ID).Scan(&stored[0], &stored[1]); err != nil {
		t.Fatal(err)
	}
	if d := geo.Distance(stored, wantWGS); d > 0.01 {
		t.Errorf("stored %v, want WGS-84 %v (%.3f m off)", stored, wantWGS, d)
	}
	if d := geo.Distance(stored, gcj); d < 100 {
		t.Errorf("stored point is only %.1f m from the GCJ-02 input: it was not converted", d)
	}
}

func TestPatchNeedsCurrentIfMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	s := e.create(admin, stationBody("A"))
	path := "/v1/stations/" + s.ID
	patch := map[string]any{"name": "B"}

	r := e.do(req{Method: "PATCH", Path: path, Token: admin, Body: patch, ContentType: "application/merge-patch+json"})
	if r.Status != http.StatusPreconditionRequired || r.Problem(t).Code != "precondition_required" {
		t.Fatalf("no If-Match: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "PATCH", Path: path, Token: admin, Body: patch, ContentType: "application/merge-patch+json", Header: map[string]string{"If-Match": `"1"`}})
	if r.Status != 200 || r.Header.Get("ETag") != `"2"` {
		t.Fatalf("first patch: %d %s", r.Status, r.Body)
	}
	// A second editor still holding version 1 must not overwrite the first.
	r = e.do(req{Method: "PATCH", Path: path, Token: admin, Body: map[string]any{"name": "C"}, ContentType: "application/merge-patch+json", Header: map[string]string{"If-Match": `"1"`}})
	if r.Status != http.StatusPreconditionFailed || r.Problem(t).Code != "stale" {
		t.Fatalf("stale patch: %d %s", r.Status, r.Body)
	}
	var got stationOut
	e.do(req{Method: "GET", Path: path}).JSON(t, &got)
	if got.Name != "B" || got.Version != 2 {
		t.Errorf("after stale patch: name %q version %d, want B 2", got.Name, got.Version)
	}
}

func TestPatchMergesAndRecordsHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	s := e.create(admin, stationBody("A"))
	path := "/v1/stations/" + s.ID
	r := e.do(req{Method: "PATCH", Path: path, Token: admin, ContentType: "application/merge-patch+json", Header: map[string]string{"If-Match": `"1"`},
		Body: `{"contact_phone": null, "amenities": ["hot_water"], "hours": {"always_open": null, "weekly": {"sun": [["22:00","06:00"]]}}}`})
	if r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	var got stationOut
	r.JSON(t, &got)
	if got.ContactPhone != "" || !cmp.Equal(got.Amenities, []string{"hot_water"}) || got.Name != "A" {
		t.Errorf("patched = %+v", got)
	}
	if want := `{"weekly":{"sun":[["22:00","06:00"]]}}`; string(got.Hours) != want {
		t.Errorf("hours = %s, want %s", got.Hours, want)
	}
	// Closing keeps the row and adds a version.
	r = e.do(req{Method: "DELETE", Path: path, Token: admin})
	if r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	e.do(req{Method: "GET", Path: path}).JSON(t, &got)
	if got.Status != "closed" || got.Version != 3 {
		t.Errorf("after delete: status %q version %d", got.Status, got.Version)
	}

	r = e.do(req{Method: "GET", Path: path + "/history", Token: admin})
	var hist struct {
		Items []struct {
			Version   int64
			Action    string
			ChangedBy string `json:"changed_by"`
			Changes   map[string]struct{ Before, After any }
		}
	}
	r.JSON(t, &hist)
	if len(hist.Items) != 3 {
		t.Fatalf("history has %d entries: %s", len(hist.Items), r.Body)
	}
	var actions []string
	for _, h := range hist.Items {
		actions = append(actions, fmt.Sprintf("%d:%s:%s", h.Version, h.Action, h.ChangedBy))
	}
	by := e.actor(admin)
	if want := []string{"1:create:" + by, "2:update:" + by, "3:close:" + by}; !cmp.Equal(actions, want) {
		t.Errorf("history = %v, want %v", actions, want)
	}
	upd := hist.Items[1].Changes
	if _, ok := upd["name"]; ok {
		t.Errorf("unchanged name recorded as changed: %v", upd)
	}
	if c := upd["contact_phone"]; c.Before != "0579-84100000" || c.After != nil {
		t.Errorf("contact_phone change = %+v", c)
	}
	if c := hist.Items[2].Changes["status"]; c.Before != "active" || c.After != "closed" {
		t.Errorf("status change = %+v", c)
	}
}

// Every write endpoint × every kind of caller.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	inside := e.staff("pujiang", auth.DistrictStaff, "330726")
	city := e.staff("jinhua", auth.DistrictStaff, "330700") // Jinhua city covers Pujiang
	outside := e.staff("lishui", auth.DistrictStaff, "331102")
	seed := e.create(admin, stationBody("seed"))

	importBody := func(name string) string {
		return fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[119.89,29.45]},"properties":{"name":%q,"address":"x","district_code":"330726","host":{"type":"shop"},"hours":{"always_open":true}}}]}`, name)
	}
	type call struct {
		name string
		req  func(token string) req
		ok   int
	}
	edits := 0
	calls := []call{
		{"create", func(tok string) req {
			return req{Method: "POST", Path: "/v1/stations?allow_duplicate=true", Token: tok, Body: stationBody("new")}
		}, 201},
		{"patch", func(tok string) req {
			var cur stationOut
			e.do(req{Method: "GET", Path: "/v1/stations/" + seed.ID}).JSON(t, &cur)
			edits++
			return req{Method: "PATCH", Path: "/v1/stations/" + seed.ID, Token: tok, Body: map[string]any{"address": fmt.Sprintf("新地址 %d", edits)},
				ContentType: "application/merge-patch+json", Header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, cur.Version)}}
		}, 200},
		{"import", func(tok string) req {
			return req{Method: "POST", Path: "/v1/stations/import?allow_duplicate=true", Token: tok, Body: importBody("imp"), ContentType: "application/geo+json"}
		}, 201},
		{"history", func(tok string) req {
			return req{Method: "GET", Path: "/v1/stations/" + seed.ID + "/history", Token: tok}
		}, 200},
		{"delete", func(tok string) req {
			s := e.create(admin, stationBody("to close"))
			return req{Method: "DELETE", Path: "/v1/stations/" + s.ID, Token: tok}
		}, 204},
		{"logout", func(tok string) req { return req{Method: "POST", Path: "/v1/auth/logout", Token: tok} }, 204},
	}
	// Moving a station out of one's district is refused.
	r := e.do(req{Method: "PATCH", Path: "/v1/stations/" + seed.ID, Token: inside, Body: map[string]any{"district_code": "331102"},
		ContentType: "application/merge-patch+json", Header: map[string]string{"If-Match": `"1"`}})
	if r.Status != 403 {
		t.Errorf("moving a station out of the district: %d, want 403", r.Status)
	}

	const anon, outsider, allowed = 0, 1, 2
	callers := []struct {
		name  string
		token string
		kind  int
	}{
		{"anonymous", "", anon},
		{"malformed token", "yzs_nonsense", anon},
		{"unknown token", "yzs_" + strings.Repeat("A", 43), anon},
		{"district staff outside", outside, outsider},
		{"district staff inside", inside, allowed},
		{"city staff", city, allowed},
		{"admin", admin, allowed},
	}
	// logout comes last in calls, so revoking the tokens ends the matrix.
	for _, c := range calls {
		for _, who := range callers {
			want := c.ok
			switch {
			case who.kind == anon:
				want = 401
			case who.kind == outsider && c.name != "logout":
				want = 403
			}
			r := e.do(c.req(who.token))
			if r.Status != want {
				t.Errorf("%s as %s: %d, want %d (%s)", c.name, who.name, r.Status, want, truncate(r.Body))
				continue
			}
			if r.Status >= 400 {
				wantCode := map[int]string{401: "unauthorized", 403: "forbidden"}[r.Status]
				if p := r.Problem(t); string(p.Code) != wantCode {
					t.Errorf("%s as %s: code %q, want %q", c.name, who.name, p.Code, wantCode)
				}
			}
		}
	}
	// Refused requests changed nothing: only admin, inside and city staff created stations.
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM stations WHERE name IN ('new', 'imp')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("%d stations created, want 6 (3 callers × create and import)", n)
	}
}

func TestLogoutRevokesToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.staff("admin1", auth.Admin)
	if r := e.do(req{Method: "POST", Path: "/v1/auth/logout", Token: tok}); r.Status != 204 {
		t.Fatalf("logout: %d", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/stations", Token: tok, Body: stationBody("x")}); r.Status != 401 {
		t.Errorf("revoked token: %d, want 401", r.Status)
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	feature := func(name string, lng, lat float64, extra string) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"name":%q,"address":"浦江","district_code":"330726","host":{"type":"shop"},"hours":{"always_open":true}%s}}`, lng, lat, name, extra)
	}
	var feats []string
	for i := range 50 {
		feats = append(feats, feature(fmt.Sprintf("ok %d", i), 119.89+float64(i)*0.001, 29.45, ""))
	}
	feats[17] = feature("bad", 119.89, 29.45, `,"amenities":["jacuzzi"]`)
	feats[31] = feature("swapped", 29.45, 119.89, "")
	body := `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`
	r := e.do(req{Method: "POST", Path: "/v1/stations/import", Token: admin, Body: body, ContentType: "application/geo+json"})
	if r.Status != 400 {
		t.Fatalf("import with bad features: %d %s", r.Status, r.Body)
	}
	var fields []string
	for _, f := range r.Problem(t).Errors {
		fields = append(fields, f.Field)
	}
	if want := []string{"features[17].properties.amenities[0]", "features[31].geometry.coordinates[1]"}; !cmp.Equal(fields, want) {
		t.Errorf("errors name %v, want %v", fields, want)
	}
	// An import of many bad features lists the first 100 problems and
	// counts the rest.
	bad := make([]string, 300)
	for i := range bad {
		bad[i] = feature("bad", 119.89, 29.45, `,"amenities":["jacuzzi"]`)
	}
	r = e.do(req{Method: "POST", Path: "/v1/stations/import", Token: admin, ContentType: "application/geo+json",
		Body: `{"type":"FeatureCollection","features":[` + strings.Join(bad, ",") + `]}`})
	if errs := r.Problem(t).Errors; r.Status != 400 || len(errs) != 101 || errs[100].Code != "too_many" || !strings.Contains(errs[100].Message, "另有 200 个问题") {
		t.Errorf("300 bad features: %d, %d errors, the last %+v", r.Status, len(errs), errs[len(errs)-1])
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM stations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a refused import stored %d stations", n)
	}

	feats[17] = feature("fixed", 119.89, 29.45, "")
	feats[31] = feature("fixed too", 119.89, 29.45, "")
	body = `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`
	r = e.do(req{Method: "POST", Path: "/v1/stations/import?crs=gcj02&allow_duplicate=true", Token: admin, Body: body, ContentType: "application/geo+json"})
	if r.Status != 201 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	var res struct {
		Created int
		Items   []stationOut
	}
	r.JSON(t, &res)
	if res.Created != 50 || len(res.Items) != 50 || res.Items[0].Location.CRS != "gcj02" {
		t.Errorf("import answered %d stations (%d items)", res.Created, len(res.Items))
	}
	if math.Abs(res.Items[0].Location.Lng-119.89) > 1e-6 {
		t.Errorf("first item answered at lng %v in gcj02, want the imported 119.89", res.Items[0].Location.Lng)
	}
}

func TestListPaginatesAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	want := map[string]bool{}
	for i := range 25 {
		b := stationBody(fmt.Sprintf("驿站 %02d", i))
		if i%5 == 0 {
			b["amenities"] = []string{"microwave", "toilet"}
			b["district_code"] = "330782"
		}
		s := e.create(admin, b)
		want[s.ID] = true
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		r := e.do(req{Method: "GET", Path: "/v1/stations?limit=7&cursor=" + cursor})
		var page struct {
			Items      []stationOut
			NextCursor string `json:"next_cursor"`
		}
		r.JSON(t, &page)
		pages++
		for _, s := range page.Items {
			if seen[s.ID] {
				t.Errorf("station %s on two pages", s.ID)
			}
			seen[s.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if pages != 4 || !cmp.Equal(seen, want) {
		t.Errorf("%d pages, %d of %d stations", pages, len(seen), len(want))
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"district_code=330782", 5},
		{"amenity=microwave,toilet", 5},
		{"amenity=toilet", 25},
		{"q=" + "驿站%2001", 1},
		{"q=%25", 0}, // a literal %, not a wildcard
		{"status=closed", 0},
		{"district_code=330700", 25}, // Jinhua city covers Pujiang (330726) and Yiwu (330782)
		{"district_code=330000", 25}, // and so does Zhejiang
		{"district_code=110000", 0},
	} {
		var page struct{ Items []stationOut }
		e.do(req{Method: "GET", Path: "/v1/stations?limit=100&" + tc.query}).JSON(t, &page)
		if len(page.Items) != tc.want {
			t.Errorf("%s: %d stations, want %d", tc.query, len(page.Items), tc.want)
		}
	}
}
