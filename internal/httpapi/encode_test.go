package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/geo"
	"yizhan/internal/search"
	"yizhan/internal/station"
)

// stdString is encoding/json's rendering of s, without HTML escaping, as the
// rest of the API writes JSON.
func stdString(t testing.TB, s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "浦江县总工会驿站", `quote " backslash \ slash /`, "tab\tnl\ncr\r\x00\x1f", "\u2028\u2029", "bad \xff utf8 \xe4\xb8", "<html>&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendString(nil, s)), stdString(t, s); got != want {
			t.Fatalf("appendString(%q) = %s, encoding/json says %s", s, got, want)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, 1, -1, 29.4521, 119.892, 1e-7, 123456789.125, 1e21, 5e-324, -0.0} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendFloat(nil, v); string(got) != string(want) {
			t.Fatalf("appendFloat(%v) = %s, encoding/json says %s", v, got, want)
		}
	})
}

// The hand-written station encoding is valid JSON with exactly the members
// the wire promises.
func TestStationViewIsValidJSON(t *testing.T) {
	hours, err := station.ParseHours([]byte(`{"weekly":{"sun":[["22:00","06:00"]]},"closed_dates":["2027-01-28"]}`))
	if err != nil {
		t.Fatal(err)
	}
	s := &station.Station{
		ID: uuid.MustParse("0190f5a8-0000-7000-8000-000000000001"), Name: "驿站 \"一\"\n", Address: "<地址>",
		DistrictCode: "330726", Location: orb.Point{119.892, 29.4521}, Host: station.Host{Type: "bank"},
		Amenities: 1<<0 | 1<<6, Hours: hours, ContactPhone: "13800138000", Status: station.Active, Version: 3,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC), CreatedBy: "staff:a", UpdatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 8*3600)), UpdatedBy: "staff:b",
	}
	at := time.Date(2027, 1, 25, 3, 0, 0, 0, time.FixedZone("CST", 8*3600)) // Monday 03:00: the Sunday night interval
	b := stationView{s, geo.GCJ02, at}.appendJSON(nil, func(b []byte) []byte { return append(b, `,"distance_m":1.5`...) })
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	loc := geo.FromWGS84(s.Location, geo.GCJ02)
	want := map[string]any{
		"id": s.ID.String(), "name": s.Name, "address": s.Address, "district_code": "330726", "district_name": "浦江县",
		"location":      map[string]any{"lat": round7(loc[1]), "lng": round7(loc[0]), "crs": "gcj02"},
		"host":          map[string]any{"type": "bank", "name": ""},
		"amenities":     []any{"ebike_charging", "toilet"},
		"hours":         map[string]any{"weekly": map[string]any{"sun": []any{[]any{"22:00", "06:00"}}}, "closed_dates": []any{"2027-01-28"}},
		"contact_phone": "13800138000", "status": "active", "open_now": true, "demo": false, "version": float64(3),
		"created_at": "2026-01-02T11:04:05.0000006+08:00", "created_by": "staff:a", // Shanghai time, whatever the zone stored
		"updated_at": "2026-01-02T03:04:05+08:00", "updated_by": "staff:b", "distance_m": 1.5, "needs_review": false,
		"map_listings": map[string]any{},
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("station renders as\n%s\nwant\n%s", gotJSON, wantJSON)
	}
}

func TestAppendUUID(t *testing.T) {
	for range 1000 {
		id := uuid.New()
		if got := string(appendUUID([]byte("x"), id)); got != "x"+id.String() {
			t.Fatalf("appendUUID(%s) = %s", id, got)
		}
	}
}

// A search answer renders a station from its card; the bytes must be the
// ones appendJSON writes from the station's fields, whatever the station,
// crs and instant, before and after the memo is filled.
func TestMemoizedRenderingMatchesFields(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	texts := []string{"", "驿站", `quote " backslash \`, "tab\tnl\n\x00", "\u2028", "bad \xff utf8", "<&>", strings.Repeat("长", 300)}
	hours := []string{`{"always_open":true}`, `{"weekly":{"sun":[["22:00","06:00"]]},"closed_dates":["2027-01-28"]}`,
		`{"weekly":{"mon":[["08:00","12:00"],["13:00","18:00"]],"sat":[["00:00","24:00"]]}}`}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	for i := range 2000 {
		h, err := station.ParseHours([]byte(pick(hours)))
		if err != nil {
			t.Fatal(err)
		}
		s := &station.Station{
			ID: uuid.New(), Name: pick(texts), Address: pick(texts), DistrictCode: pick(texts),
			Location: orb.Point{73 + rng.Float64()*62, 18 + rng.Float64()*36},
			Host:     station.Host{Type: pick(texts), Name: pick(texts)}, Amenities: station.AmenitySet(rng.Uint64()),
			Hours: h, Status: []station.Status{station.Active, station.Suspended, station.Closed}[rng.IntN(3)],
			Demo: rng.IntN(2) == 0, Version: rng.Int64(), CreatedBy: pick(texts), UpdatedBy: pick(texts),
			CreatedAt: time.Unix(rng.Int64N(2e9), rng.Int64N(1e9)), UpdatedAt: time.Unix(rng.Int64N(2e9), 0).In(time.FixedZone("", 8*3600)),
		}
		if rng.IntN(2) == 0 {
			s.ContactPhone = pick(texts)
		}
		crs := []geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09}[rng.IntN(3)]
		at := time.Unix(1.7e9+rng.Int64N(1e8), 0)
		v := stationView{s, crs, at}
		extra := func(b []byte) []byte { return append(b, `,"distance_m":`+strconv.Itoa(i)...) }
		want := v.appendJSON([]byte("["), extra)
		var memo search.Memo
		for pass := range 2 {
			got := v.appendMemoized([]byte("["), &memo, s.Location, extra)
			if !bytes.Equal(got, want) {
				t.Fatalf("station %d, pass %d: memoized\n%s\nfields\n%s", i, pass, got, want)
			}
			if memo.Load() == nil {
				t.Fatalf("station %d: the memo is still empty after rendering", i)
			}
		}
		if got := v.appendMemoized([]byte("["), nil, s.Location, extra); !bytes.Equal(got, want) {
			t.Fatalf("station %d without a memo:\n%s\nwant\n%s", i, got, want)
		}
	}
}

// What workers and staff have seen of a station renders as valid JSON:
// notices told at the view's instant, amenities in vocabulary order, and no
// one's name.
func TestStationViewWithTruthIsValidJSON(t *testing.T) {
	hours, err := station.ParseHours([]byte(`{"always_open":true}`))
	if err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 12, 2, 21, 30, 0, 0, cst)
	s := &station.Station{
		ID: uuid.MustParse("0190f5a8-0000-7000-8000-000000000001"), Name: "驿站", Address: "地址", DistrictCode: "330726",
		Location: orb.Point{119.892, 29.4521}, Host: station.Host{Type: "bank"}, Amenities: 1<<0 | 1<<3, Hours: hours,
		Status: station.Active, Version: 1, CreatedBy: "staff:a", UpdatedBy: "staff:a",
		LastConfirmedAt: at.Add(-time.Hour), VerifiedAt: at.Add(-48 * time.Hour), VerifiedBy: "staff:zhangwei", NeedsReview: true,
		AmenityChecks: map[string]station.AmenityCheck{
			"hot_water":      {ConfirmedAt: at.Add(-2 * time.Hour), ReportedBrokenAt: at.Add(-time.Hour)},
			"ebike_charging": {ConfirmedAt: at.Add(-time.Hour)},
		},
		Notices: []station.Notice{
			{ID: uuid.New(), Kind: station.TemporarilyClosed, From: at.Add(-48 * time.Hour), Until: at.Add(-24 * time.Hour), Message: "已过期"},
			{ID: uuid.New(), Kind: station.TemporarilyClosed, From: at.Add(-time.Hour), Until: at.Add(time.Hour), Message: "暂停\"开放\""},
			{ID: uuid.New(), Kind: station.AmenityUnavailable, Amenity: 1 << 3, From: at.Add(time.Hour), Until: at.Add(5 * time.Hour), Message: "热水器维修"},
		},
	}
	b := stationView{s, geo.WGS84, at}.appendJSON(nil, nil)
	var got struct {
		OpenNow         bool                         `json:"open_now"`
		LastConfirmedAt string                       `json:"last_confirmed_at"`
		VerifiedAt      string                       `json:"verified_at"`
		NeedsReview     bool                         `json:"needs_review"`
		AmenityStatus   map[string]map[string]string `json:"amenity_status"`
		Notices         []struct {
			Kind, Amenity, From, Until, Message string
			InForce                             bool `json:"in_force"`
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	if got.OpenNow || got.LastConfirmedAt != "2026-12-02T20:30:00+08:00" || got.VerifiedAt != "2026-11-30T21:30:00+08:00" || !got.NeedsReview {
		t.Errorf("renders as %s", b)
	}
	if len(got.AmenityStatus) != 2 || got.AmenityStatus["hot_water"]["reported_broken_at"] != "2026-12-02T20:30:00+08:00" ||
		len(got.AmenityStatus["ebike_charging"]) != 1 {
		t.Errorf("amenity_status %v", got.AmenityStatus)
	}
	if len(got.Notices) != 2 || !got.Notices[0].InForce || got.Notices[0].Message != `暂停"开放"` ||
		got.Notices[1].InForce || got.Notices[1].Amenity != "hot_water" || got.Notices[1].Until != "2026-12-03T02:30:00+08:00" {
		t.Errorf("notices %+v", got.Notices)
	}
	if strings.Contains(string(b), "zhangwei") {
		t.Errorf("the view names who verified: %s", b)
	}
}
