package httpapi

import (
	"encoding/json"
	"math"
	"net/url"
	"testing"
	"time"

	"yizhan/internal/geo"
)

// Query strings come straight from clients: parsing never panics, and what
// it accepts is within the documented limits.
func FuzzNearestQuery(f *testing.F) {
	for _, s := range []string{
		"lat=29.45&lng=119.89",
		"lat=29.45&lng=119.89&crs=gcj02&limit=50&radius_m=100000&amenities=toilet,ebike_charging&open_now=true&at=2026-12-02T21:30:00%2B08:00",
		"lat=NaN&lng=Inf", "lat=1e309&lng=-0", "limit=0&limit=51", "amenities=,,,", "at=2026-13-45T99:99:99Z",
		"lat=%zz", "lat=29&lng=119&crs=bd09&radius_m=0.0000001",
	} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseNearestQuery(v, now)
		if err != nil {
			return
		}
		p := q.Query.Point
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[1]) > 90.01 || math.Abs(p[0]) > 180.01 {
			t.Fatalf("%q accepted with point %v", raw, p)
		}
		if q.Query.Limit < 1 || q.Query.Limit > maxNearestLimit || q.Query.RadiusM < 0 || q.Query.RadiusM > maxRadiusM {
			t.Fatalf("%q accepted with %+v", raw, q.Query)
		}
		if !q.CRS.Valid() {
			t.Fatalf("%q accepted with crs %q", raw, q.CRS)
		}
	})
}

// GeoJSON features come from spreadsheets and GIS exports: decoding one never
// panics, and a feature it accepts has a location in China.
func FuzzImportFeature(f *testing.F) {
	for _, s := range []string{
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[119.89,29.45]},"properties":{"name":"驿站","address":"浦江","district_code":"330726","host":{"type":"shop"},"hours":{"always_open":true}}}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[29.45,119.89,3]},"properties":null}`,
		`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}`,
		`{"type":"Feature","geometry":null,"properties":{"location":{"lat":1,"lng":2}}}`,
		`[]`, `null`, `{"type":"Feature","geometry":{"type":"Point","coordinates":[]}}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, crs := range []geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09} {
			it := importItem(json.RawMessage(raw), crs)
			if it.Problem != nil {
				continue
			}
			if it.Location == nil || !geo.InChinaExtent(*it.Location) && crs == geo.WGS84 {
				t.Fatalf("%s accepted with location %v", raw, it.Location)
			}
		}
	})
}
