package httpapi_test

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"yizhan/internal/auth"
	"yizhan/internal/geo"
	"yizhan/internal/station"
)

type nearestOut struct {
	Items []struct {
		stationOut
		DistanceM  float64 `json:"distance_m"`
		BearingDeg float64 `json:"bearing_deg"`
	}
	CRS          string
	IndexVersion int64 `json:"index_version"`
}

// seedStations imports n random stations around Pujiang through the API and
// returns them as the registry holds them.
func seedStations(t *testing.T, e *env, token string, r *rand.Rand, n int) []*station.Station {
	t.Helper()
	hours := []string{`{"always_open":true}`, `{"weekly":{"mon":[["08:00","20:00"]],"sun":[["22:00","06:00"]]},"closed_dates":["2026-12-07"]}`, `{"weekly":{}}`}
	hosts := station.HostTypes
	var feats []string
	for i := range n {
		lng, lat := 119.7+r.Float64()*0.4, 29.3+r.Float64()*0.4
		var amen []string
		for _, a := range station.Amenities {
			if r.IntN(3) == 0 {
				amen = append(amen, `"`+a.Code+`"`)
			}
		}
		status := []string{"active", "active", "active", "suspended", "closed"}[r.IntN(5)]
		feats = append(feats, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"name":"驿站 %d","address":"浦江","district_code":"330726","host":{"type":%q},"amenities":[%s],"hours":%s,"status":%q}}`,
			lng, lat, i, hosts[r.IntN(len(hosts))], strings.Join(amen, ","), hours[r.IntN(len(hours))], status))
	}
	r0 := e.do(req{Method: "POST", Path: "/v1/stations/import?allow_duplicate=true", Token: token, ContentType: "application/geo+json",
		Body: `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`})
	if r0.Status != 201 {
		t.Fatalf("import: %d %s", r0.Status, truncate(r0.Body))
	}
	all, _, err := e.store.ChangesSince(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// The HTTP answer is the brute-force answer over what the database holds.
func TestNearestOverHTTPMatchesBruteForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	r := rand.New(rand.NewPCG(11, 12))
	all := seedStations(t, e, admin, r, 1500)
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.FixedZone("CST", 8*3600)) // Monday 03:00: the Sunday night spill, on a closed date
	for i := range 150 {
		qp := orb.Point{119.65 + r.Float64()*0.5, 29.25 + r.Float64()*0.5}
		crs := []geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09}[r.IntN(3)]
		in := geo.FromWGS84(qp, crs)
		v := url.Values{"lat": {fmt.Sprint(in[1])}, "lng": {fmt.Sprint(in[0])}, "crs": {string(crs)}}
		limit := 10
		if r.IntN(2) == 0 {
			limit = 1 + r.IntN(50)
			v.Set("limit", fmt.Sprint(limit))
		}
		var want station.AmenitySet
		if r.IntN(2) == 0 {
			a := station.Amenities[r.IntN(len(station.Amenities))].Code
			b := station.Amenities[r.IntN(len(station.Amenities))].Code
			v.Set("amenities", a+","+b)
			want, _ = station.ParseAmenityList(a + "," + b)
		}
		openAt := time.Time{}
		if r.IntN(2) == 0 {
			v.Set("open_now", "true")
			v.Set("at", at.Format(time.RFC3339))
			openAt = at
		}
		radius := 0.0
		if r.IntN(3) == 0 {
			radius = 500 + r.Float64()*10000
			v.Set("radius_m", fmt.Sprint(radius))
		}
		// The query point the server sees, after its own conversion.
		q := geo.ToWGS84(in, crs)
		type cand struct {
			s *station.Station
			d float64
		}
		var brute []cand
		for _, s := range all {
			if s.Status != station.Active || !s.Amenities.Has(want) || !openAt.IsZero() && !s.Hours.OpenAt(openAt) {
				continue
			}
			if d := geo.Distance(q, s.Location); radius == 0 || d <= radius {
				brute = append(brute, cand{s, d})
			}
		}
		slices.SortFunc(brute, func(a, b cand) int {
			if c := cmp.Compare(a.d, b.d); c != 0 {
				return c
			}
			return cmp.Compare(a.s.ID.String(), b.s.ID.String())
		})
		brute = brute[:min(limit, len(brute))]

		var got nearestOut
		res := e.do(req{Method: "GET", Path: "/v1/stations/nearest?" + v.Encode()})
		if res.Status != 200 {
			t.Fatalf("query %d: %d %s", i, res.Status, res.Body)
		}
		res.JSON(t, &got)
		if len(got.Items) != len(brute) || got.CRS != string(crs) {
			t.Fatalf("query %d (%s): %d items in %s, want %d", i, v.Encode(), len(got.Items), got.CRS, len(brute))
		}
		for j, it := range got.Items {
			w := brute[j]
			if it.ID != w.s.ID.String() || math.Abs(it.DistanceM-w.d) > 0.006 {
				t.Fatalf("query %d item %d: %s at %.2f m, want %s at %.2f m", i, j, it.ID, it.DistanceM, w.s.ID, w.d)
			}
			if it.Location.CRS != string(crs) {
				t.Fatalf("item answered in %s, want %s", it.Location.CRS, crs)
			}
			wantLoc := geo.FromWGS84(w.s.Location, crs)
			if d := geo.Distance(orb.Point{it.Location.Lng, it.Location.Lat}, wantLoc); d > 0.05 {
				t.Fatalf("item location %v is %.3f m from %v", it.Location, d, wantLoc)
			}
		}
	}
}

// A write is visible to this process's search as soon as it returns.
func TestNearestSeesWritesAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	nearest := func() nearestOut {
		var out nearestOut
		e.do(req{Method: "GET", Path: "/v1/stations/nearest?lat=29.4521&lng=119.892&limit=5"}).JSON(t, &out)
		return out
	}
	if n := nearest(); len(n.Items) != 0 {
		t.Fatalf("empty registry answered %d items", len(n.Items))
	}
	s := e.create(admin, stationBody("新驿站"))
	n := nearest()
	if len(n.Items) != 1 || n.Items[0].ID != s.ID || n.Items[0].DistanceM != 0 {
		t.Fatalf("after create: %+v", n.Items)
	}
	v1 := n.IndexVersion
	e.do(req{Method: "PATCH", Path: "/v1/stations/" + s.ID, Token: admin, ContentType: "application/merge-patch+json",
		Header: map[string]string{"If-Match": `"1"`}, Body: `{"location":{"lat":29.4621,"lng":119.892}}`})
	n = nearest()
	if len(n.Items) != 1 || math.Abs(n.Items[0].DistanceM-1111.95) > 0.5 || n.Items[0].BearingDeg != 0 || n.IndexVersion <= v1 {
		t.Fatalf("after moving 0.01° north: %+v (version %d → %d)", n.Items, v1, n.IndexVersion)
	}
	// The answer above rendered the station once; a rename must not be
	// answered from what was rendered before it.
	e.do(req{Method: "PATCH", Path: "/v1/stations/" + s.ID, Token: admin, ContentType: "application/merge-patch+json",
		Header: map[string]string{"If-Match": `"2"`}, Body: `{"name":"改名驿站"}`})
	if n := nearest(); len(n.Items) != 1 || n.Items[0].Name != "改名驿站" {
		t.Fatalf("after renaming: %+v", n.Items)
	}
	e.do(req{Method: "DELETE", Path: "/v1/stations/" + s.ID, Token: admin})
	if n := nearest(); len(n.Items) != 0 {
		t.Fatalf("a closed station is still found: %+v", n.Items)
	}
}

func TestAlongRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	r := rand.New(rand.NewPCG(13, 14))
	all := seedStations(t, e, admin, r, 800)
	for i := range 40 {
		var poly [][]float64
		path := orb.LineString{}
		p := orb.Point{119.75 + r.Float64()*0.3, 29.35 + r.Float64()*0.3}
		for range 2 + r.IntN(30) {
			path = append(path, p)
			poly = append(poly, []float64{p[1], p[0]})
			p = orb.Point{p[0] + r.NormFloat64()*0.01, p[1] + r.NormFloat64()*0.01}
		}
		buffer := r.Float64() * 2000
		res := e.do(req{Method: "POST", Path: "/v1/stations/along-route", Body: map[string]any{"polyline": poly, "buffer_m": buffer, "limit": 100, "amenities": []string{"toilet"}}})
		if res.Status != 200 {
			t.Fatalf("route %d: %d %s", i, res.Status, res.Body)
		}
		var got struct {
			Items []struct {
				ID        string  `json:"id"`
				AlongM    float64 `json:"along_m"`
				OffRouteM float64 `json:"off_route_m"`
			}
		}
		res.JSON(t, &got)
		type hit struct {
			id         string
			along, off float64
		}
		var want []hit
		toilet, _ := station.AmenityBit("toilet")
		for _, s := range all {
			if s.Status != station.Active || !s.Amenities.Has(toilet) {
				continue
			}
			if along, off := geo.DistanceToPath(s.Location, path); off <= buffer {
				want = append(want, hit{s.ID.String(), along, off})
			}
		}
		slices.SortFunc(want, func(a, b hit) int {
			if c := cmp.Compare(a.along, b.along); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
		want = want[:min(100, len(want))]
		if len(got.Items) != len(want) {
			t.Fatalf("route %d: %d stations, want %d", i, len(got.Items), len(want))
		}
		for j, it := range got.Items {
			if it.ID != want[j].id || math.Abs(it.AlongM-want[j].along) > 0.006 || math.Abs(it.OffRouteM-want[j].off) > 0.006 {
				t.Fatalf("route %d item %d: %+v, want %+v", i, j, it, want[j])
			}
		}
	}
}

func TestBadSearchInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		query string
		field string
	}{
		{"lng=119.9", "lat"},
		{"lat=29.4", "lng"},
		{"lat=91&lng=119", "lat"},
		{"lat=29&lng=-181", "lng"},
		{"lat=NaN&lng=119", "lat"},
		{"lat=29&lng=Inf", "lng"},
		{"lat=29&lng=119&limit=0", "limit"},
		{"lat=29&lng=119&limit=51", "limit"},
		{"lat=29&lng=119&amenities=toilet,sauna", "amenities"},
		{"lat=29&lng=119&crs=epsg3857", "crs"},
		{"lat=29&lng=119&at=tomorrow", "at"},
		{"lat=29&lng=119&open_now=yes", "open_now"},
		{"lat=29&lng=119&radius_m=-5", "radius_m"},
		{"lat=29&lng=119&radius_m=100001", "radius_m"},
	} {
		res := e.do(req{Method: "GET", Path: "/v1/stations/nearest?" + tc.query})
		if res.Status != 400 {
			t.Errorf("%s: %d, want 400", tc.query, res.Status)
			continue
		}
		if p := res.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: errors %+v, want one on %s", tc.query, p.Errors, tc.field)
		}
	}
	long := make([][]float64, 1001)
	for i := range long {
		long[i] = []float64{29.4, 119.9 + float64(i)*1e-4}
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"one point", map[string]any{"polyline": [][]float64{{29.4, 119.9}}}, "polyline"},
		{"1001 points", map[string]any{"polyline": long}, "polyline"},
		{"negative buffer", map[string]any{"polyline": [][]float64{{29.4, 119.9}, {29.5, 119.9}}, "buffer_m": -1}, "buffer_m"},
		{"huge buffer", map[string]any{"polyline": [][]float64{{29.4, 119.9}, {29.5, 119.9}}, "buffer_m": 2001}, "buffer_m"},
		{"bad point", map[string]any{"polyline": [][]float64{{29.4, 119.9}, {95, 119.9}}}, "polyline[1]"},
		{"three numbers", map[string]any{"polyline": [][]float64{{29.4, 119.9, 5}, {29.5, 119.9}}}, "polyline[0]"},
		{"limit", map[string]any{"polyline": [][]float64{{29.4, 119.9}, {29.5, 119.9}}, "limit": 101}, "limit"},
		{"amenity", map[string]any{"polyline": [][]float64{{29.4, 119.9}, {29.5, 119.9}}, "amenities": []string{"sauna"}}, "amenities[0]"},
		{"unknown field", map[string]any{"polyline": [][]float64{{29.4, 119.9}, {29.5, 119.9}}, "speed": 3}, "speed"},
	} {
		res := e.do(req{Method: "POST", Path: "/v1/stations/along-route", Body: tc.body})
		if res.Status != 400 {
			t.Errorf("%s: %d, want 400", tc.name, res.Status)
			continue
		}
		if p := res.Problem(t); len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: errors %+v, want %s", tc.name, p.Errors, tc.field)
		}
	}
}
