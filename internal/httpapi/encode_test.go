package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
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
	cst := time.FixedZone("CST", 8*3600)
	for i := range 2000 {
		at := time.Unix(1.7e9+rng.Int64N(1e8), rng.Int64N(1e9))
		hoursJSON := pick(hours)
		if rng.IntN(2) == 0 { // open for one minute right after at: open_now flips within the questions below
			open := at.In(cst).Add(time.Minute)
			hoursJSON = fmt.Sprintf(`{"weekly":{%q:[[%q,%q]]}}`, strings.ToLower(open.Weekday().String()[:3]), open.Format("15:04"), open.Add(time.Minute).Format("15:04"))
		}
		h, err := station.ParseHours([]byte(hoursJSON))
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
		if rng.IntN(3) == 0 { // notices: open_now and notices then depend on the instant, to the nanosecond
			for range 1 + rng.IntN(3) {
				from := at.Add(time.Duration(rng.Int64N(int64(4*time.Hour))) - 2*time.Hour)
				s.Notices = append(s.Notices, station.Notice{ID: uuid.New(), Kind: []station.NoticeKind{station.TemporarilyClosed, station.AmenityUnavailable}[rng.IntN(2)],
					Amenity: 1 << rng.IntN(len(station.Amenities)), From: from, Until: from.Add(time.Duration(1 + rng.Int64N(int64(3*time.Hour)))), Message: pick(texts)})
			}
		}
		extra := func(b []byte) []byte { return append(b, `,"distance_m":`+strconv.Itoa(i)...) }
		var memo search.Memo
		// One memo serves many questions: each crs, and instants in the
		// same minute, the minutes around it (the memo's word keeps
		// open_now for a minute), across an opening hour and far away.
		for pass := range 12 {
			crs := []geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09}[rng.IntN(3)]
			when := at
			switch rng.IntN(5) {
			case 0:
				when = at.Truncate(time.Minute).Add(time.Duration(rng.Int64N(int64(time.Minute))))
			case 1:
				when = at.Add(time.Duration(rng.Int64N(int64(3*time.Minute))) - 30*time.Second)
			case 2:
				when = at.Add(time.Duration(rng.Int64N(int64(48*time.Hour))) - 24*time.Hour)
			case 3:
				when = time.Unix(rng.Int64N(4e9)-1e9, rng.Int64N(1e9)) // before 1970 too
			}
			v := stationView{s, crs, when}
			want := v.appendJSON([]byte("["), extra)
			got := v.appendMemoized([]byte("["), &memo, s.Location, extra)
			if !bytes.Equal(got, want) {
				t.Fatalf("station %d, pass %d (%s at %s): memoized\n%s\nfields\n%s", i, pass, crs, when, got, want)
			}
			if memo.Load() == nil {
				t.Fatalf("station %d: the memo is still empty after rendering", i)
			}
			if got := v.appendMemoized([]byte("["), nil, s.Location, extra); !bytes.Equal(got, want) {
				t.Fatalf("station %d without a memo:\n%s\nwant\n%s", i, got, want)
			}
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

// appendRounded must write what appendFloat writes of the rounded value,
// byte for byte, for every magnitude and sign a distance, bearing or
// coordinate can take and for the values around its limits.
func TestAppendRoundedMatchesAppendFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	check := func(v float64, digits int) {
		t.Helper()
		scale := math.Pow10(digits)
		want := string(appendFloat([]byte("x"), math.Round(v*scale)/scale))
		if got := string(appendRounded([]byte("x"), v, digits)); got != want {
			t.Fatalf("appendRounded(%v, %d) = %s, appendFloat of the rounded value = %s", v, digits, got, want)
		}
	}
	special := []float64{0, math.Copysign(0, -1), -0.001, 0.004, 0.005, 0.0049999, 0.015, 1e-8, 5e-8, 1e-7, 9.9e-7, 1e-6, 1.05e-6,
		0.5, 1, 10, 100, 359.995, 359.994, 360, 1.005, 2.675, 1e9, 1e13, 9.99999999e12, 1e14, 1e15, 1e16, 1e21, 1e22,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 8.999999999999999e7, 1e8}
	for _, digits := range []int{0, 2, 7} {
		for _, v := range special {
			check(v, digits)
			check(-v, digits)
		}
	}
	for range 2_000_000 {
		digits := []int{2, 7}[rng.IntN(2)]
		var v float64
		switch rng.IntN(4) {
		case 0: // distances and bearings
			v = rng.Float64() * 400000
		case 1: // coordinates
			v = rng.Float64()*360 - 180
		case 2: // any magnitude
			v = math.Ldexp(rng.Float64(), rng.IntN(120)-70)
			if rng.IntN(2) == 0 {
				v = -v
			}
		default: // exactly on and next to a rounding boundary
			scale := math.Pow10(digits)
			v = (float64(rng.Int64N(1e10)) + 0.5) / scale
			v = math.Nextafter(v, []float64{0, math.Inf(1), v}[rng.IntN(3)])
		}
		check(v, digits)
	}
	for _, v := range []float64{0, 359.994, 359.995, 359.999, 360, 12.345, math.NaN()} {
		if got, want := string(appendBearing(nil, v)), string(appendFloat(nil, roundBearing(v))); got != want {
			t.Fatalf("appendBearing(%v) = %s, want %s", v, got, want)
		}
	}
}
