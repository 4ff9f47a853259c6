package truth

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

var cst = time.FixedZone("CST", 8*3600)

// haversine is written here apart from internal/geo, in the atan2 form, on
// the IUGG mean radius.
func haversine(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371008.8
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLng := rad(lat2-lat1), rad(lng2-lng1)
	a := math.Pow(math.Sin(dLat/2), 2) + math.Cos(rad(lat1))*math.Cos(rad(lat2))*math.Pow(math.Sin(dLng/2), 2)
	return 2 * r * math.Atan2(math.Sqrt(a), math.Sqrt(1-a))
}

// destination is the point d metres from (lat, lng) at bearing b (degrees),
// on the sphere: the direct problem, solved independently of any distance.
func destination(lat, lng, b, d float64) (float64, float64) {
	const r = 6371008.8
	rad := func(x float64) float64 { return x * math.Pi / 180 }
	φ1, λ1, θ, δ := rad(lat), rad(lng), rad(b), d/r
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*math.Sin(φ2))
	return φ2 * 180 / math.Pi, λ2 * 180 / math.Pi
}

func testStation(lat, lng float64) *station.Station {
	amen, _ := station.ParseAmenityList("ebike_charging,hot_water,toilet")
	return &station.Station{ID: uuid.New(), Location: orb.Point{lng, lat}, Status: station.Active, Amenities: amen, DistrictCode: "330726"}
}

func TestNearAgreesWithHaversine(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for i := range 20000 {
		// Stations from Hainan to Heilongjiang, workers up to ~700 m away.
		lat, lng := 18+r.Float64()*35, 100+r.Float64()*30
		st := testStation(lat, lng)
		plat, plng := lat+(r.Float64()-0.5)*0.012, lng+(r.Float64()-0.5)*0.012
		d := haversine(lat, lng, plat, plng)
		if math.Abs(d-CheckinRadiusM) < 1e-6 {
			continue // a rounding apart from the boundary: either answer is right
		}
		if got, want := Near(st, orb.Point{plng, plat}), d <= CheckinRadiusM; got != want {
			t.Fatalf("case %d: Near = %v at haversine %.6f m", i, got, d)
		}
	}
}

func TestNearAtTheBoundary(t *testing.T) {
	st := testStation(29.4490, 119.8969) // 浦江
	for b := 0.0; b < 360; b += 7.5 {
		for _, c := range []struct {
			d    float64
			want bool
		}{{0, true}, {299.9, true}, {300.1, false}, {1000, false}} {
			lat, lng := destination(29.4490, 119.8969, b, c.d)
			if got := Near(st, orb.Point{lng, lat}); got != c.want {
				t.Errorf("bearing %.1f, %.1f m: Near = %v, want %v", b, c.d, got, c.want)
			}
		}
	}
}

func TestNewCheckin(t *testing.T) {
	now := time.Date(2026, 12, 2, 21, 40, 5, 0, cst)
	st := testStation(29.4490, 119.8969)
	here := orb.Point{119.8969, 29.4490}
	flat, flng := destination(29.4490, 119.8969, 45, 400)
	far := orb.Point{flng, flat}
	worker := uuid.New()
	for _, c := range []struct {
		name     string
		in       CheckinInput
		status   station.Status
		wantCode apperr.Code
		wantErrs []string
	}{
		{"plain", CheckinInput{Point: here}, station.Active, "", nil},
		{"amenities", CheckinInput{Point: here, Working: []string{"hot_water"}, Broken: []string{"ebike_charging"}}, station.Active, "", nil},
		{"too far", CheckinInput{Point: far}, station.Active, apperr.TooFar, nil},
		{"suspended", CheckinInput{Point: here}, station.Suspended, apperr.Unprocessable, nil},
		{"bad lists", CheckinInput{Point: far, Working: []string{"hot_water", "sauna", "wifi", "hot_water"}, Broken: []string{"hot_water"}},
			station.Active, apperr.Invalid, []string{"working[1]", "working[2]", "working[3]", "broken[0]"}},
		{"long note", CheckinInput{Point: here, Note: strings.Repeat("好", MaxNote+1)}, station.Active, apperr.Invalid, []string{"note"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := *st
			s.Status = c.status
			got, err := NewCheckin(&s, worker, c.in, now)
			if c.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !got.Hour.Equal(time.Date(2026, 12, 2, 21, 0, 0, 0, cst)) || got.WorkerID != worker || got.StationID != s.ID {
					t.Errorf("check-in %+v", got)
				}
				return
			}
			if apperr.CodeOf(err) != c.wantCode {
				t.Fatalf("err %v, want code %s", err, c.wantCode)
			}
			if c.wantErrs != nil {
				var e *apperr.Error
				_ = errorsAs(err, &e)
				var fields []string
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
				if strings.Join(fields, " ") != strings.Join(c.wantErrs, " ") {
					t.Errorf("fields %v, want %v", fields, c.wantErrs)
				}
			}
		})
	}
}

func TestTooFrequentWaitsForTheNextHour(t *testing.T) {
	c := Checkin{At: time.Date(2026, 12, 2, 13, 40, 0, 0, time.UTC), Hour: time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC)}
	var e *apperr.Error
	if !errorsAs(TooFrequent(c), &e) || e.Code != apperr.TooFrequent || e.RetryAfter != 20*time.Minute {
		t.Fatalf("got %+v", e)
	}
	if !strings.Contains(e.Message, "22:00") {
		t.Errorf("message %q should name 22:00 Shanghai time", e.Message)
	}
}

func TestConfirmKeepsNoWorkerAndBothTimes(t *testing.T) {
	st := testStation(30, 120)
	t1 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	t2 := t1.Add(3 * time.Hour)
	water, _ := station.AmenityBit("hot_water")
	Confirm(st, Checkin{At: t1, Working: water})
	before := st.AmenityChecks
	Confirm(st, Checkin{At: t2, Broken: water})
	if got := st.AmenityChecks["hot_water"]; !got.ConfirmedAt.Equal(t1) || !got.ReportedBrokenAt.Equal(t2) {
		t.Errorf("hot_water %+v", got)
	}
	if !st.LastConfirmedAt.Equal(t2) || len(st.AmenityChecks) != 1 {
		t.Errorf("station %+v", st)
	}
	if !before["hot_water"].ReportedBrokenAt.IsZero() {
		t.Error("Confirm changed the map of an earlier copy")
	}
}

func TestNeedsReview(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	day := 24 * time.Hour
	for _, tc := range []struct {
		name string
		open []OpenReport
		want bool
	}{
		{"none", nil, false},
		{"three workers", []OpenReport{{a, now.Add(-day)}, {b, now.Add(-2 * day)}, {c, now}}, true},
		{"one worker thrice", []OpenReport{{a, now}, {a, now}, {a, now}}, false},
		{"two workers", []OpenReport{{a, now}, {b, now}, {a, now}}, false},
		{"one too old", []OpenReport{{a, now}, {b, now}, {c, now.Add(-7 * day)}}, false},
		{"just inside", []OpenReport{{a, now}, {b, now}, {c, now.Add(-7*day + time.Second)}}, true},
	} {
		if got := NeedsReview(tc.open, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNewReport(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	st := testStation(30, 120)
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		name   string
		in     ReportInput
		fields string
	}{
		{"ok", ReportInput{Category: s("dirty"), Note: s("地上很多垃圾")}, ""},
		{"amenity ok", ReportInput{Category: s("amenity_broken"), Amenity: s("hot_water")}, ""},
		{"missing", ReportInput{}, "category"},
		{"unknown", ReportInput{Category: s("noisy"), Amenity: s("sauna")}, "category amenity"},
		{"amenity needed", ReportInput{Category: s("amenity_missing")}, "amenity"},
		{"not listed", ReportInput{Category: s("amenity_missing"), Amenity: s("wifi")}, "amenity"},
		{"long note", ReportInput{Category: s("other"), Note: s(strings.Repeat("x", 501))}, "note"},
		{"note at the limit", ReportInput{Category: s("other"), Note: s(strings.Repeat("好", 500))}, ""},
	} {
		r, err := NewReport(st, uuid.New(), c.in, now)
		var fields []string
		var e *apperr.Error
		if errorsAs(err, &e) {
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Join(fields, " "); got != c.fields {
			t.Errorf("%s: fields %q, want %q", c.name, got, c.fields)
		}
		if err == nil && (r.Status != Open || r.ID == uuid.Nil) {
			t.Errorf("%s: report %+v", c.name, r)
		}
	}
}

func TestTooManyReportsWaitsForShanghaiMidnight(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 30, 0, 0, time.UTC) // 23:30 in Shanghai
	var e *apperr.Error
	if !errorsAs(TooManyReports(now), &e) || e.RetryAfter != 30*time.Minute {
		t.Fatalf("got %+v", e)
	}
	if Day(now) != "2026-12-02" || Day(now.Add(30*time.Minute)) != "2026-12-03" {
		t.Errorf("Day: %s, %s", Day(now), Day(now.Add(30*time.Minute)))
	}
}

func TestNewNotice(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	st := testStation(30, 120)
	s := func(v string) *string { return &v }
	tm := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for _, c := range []struct {
		name   string
		in     NoticeInput
		fields string
	}{
		{"closed", NoticeInput{Kind: s("temporarily_closed"), Until: tm(48 * time.Hour), Message: s("装修暂停开放")}, ""},
		{"amenity", NoticeInput{Kind: s("amenity_unavailable"), Amenity: s("hot_water"), From: tm(time.Hour), Until: tm(5 * time.Hour), Message: s("热水器维修")}, ""},
		{"empty", NoticeInput{}, "kind until message"},
		{"amenity needed", NoticeInput{Kind: s("amenity_unavailable"), Until: tm(time.Hour), Message: s("x")}, "amenity"},
		{"amenity unexpected", NoticeInput{Kind: s("temporarily_closed"), Amenity: s("hot_water"), Until: tm(time.Hour), Message: s("x")}, "amenity"},
		{"not listed", NoticeInput{Kind: s("amenity_unavailable"), Amenity: s("wifi"), Until: tm(time.Hour), Message: s("x")}, "amenity"},
		{"past", NoticeInput{Kind: s("temporarily_closed"), From: tm(-5 * time.Hour), Until: tm(-time.Hour), Message: s("x")}, "until"},
		{"backwards", NoticeInput{Kind: s("temporarily_closed"), From: tm(5 * time.Hour), Until: tm(time.Hour), Message: s("x")}, "until"},
		{"too long", NoticeInput{Kind: s("temporarily_closed"), Until: tm(MaxNoticeSpan + time.Hour), Message: s("x")}, "until"},
		{"too far ahead", NoticeInput{Kind: s("temporarily_closed"), From: tm(MaxNoticeLead + time.Hour), Until: tm(MaxNoticeLead + 2*time.Hour), Message: s("x")}, "from"},
		{"long message", NoticeInput{Kind: s("temporarily_closed"), Until: tm(time.Hour), Message: s(strings.Repeat("字", MaxMessage+1))}, "message"},
	} {
		n, err := NewNotice(st, c.in, now)
		var fields []string
		var e *apperr.Error
		if errorsAs(err, &e) {
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := strings.Join(fields, " "); got != c.fields {
			t.Errorf("%s: fields %q, want %q", c.name, got, c.fields)
		}
		if err == nil && (n.ID == uuid.Nil || n.From.IsZero() || !n.Until.After(n.From)) {
			t.Errorf("%s: notice %+v", c.name, n)
		}
	}
}

func TestNoticesStartAndExpireOnTheirOwn(t *testing.T) {
	from := time.Date(2026, 12, 3, 0, 0, 0, 0, cst)
	water, _ := station.AmenityBit("hot_water")
	st := testStation(30, 120)
	st.Hours, _ = station.ParseHours([]byte(`{"always_open":true}`))
	st.Notices = []station.Notice{
		{Kind: station.TemporarilyClosed, From: from, Until: from.Add(2 * time.Hour)},
		{Kind: station.AmenityUnavailable, Amenity: water, From: from.Add(time.Hour), Until: from.Add(3 * time.Hour)},
	}
	for _, c := range []struct {
		at           time.Time
		open, offers bool
	}{
		{from.Add(-time.Second), true, true},
		{from, false, true},
		{from.Add(time.Hour), false, false},
		{from.Add(2 * time.Hour), true, false},
		{from.Add(3 * time.Hour), true, true},
	} {
		if got := st.OpenAt(c.at); got != c.open {
			t.Errorf("%v: open %v, want %v", c.at, got, c.open)
		}
		if got := st.OffersAt(water, c.at); got != c.offers {
			t.Errorf("%v: offers hot water %v, want %v", c.at, got, c.offers)
		}
	}
}

func errorsAs(err error, e **apperr.Error) bool { return errors.As(err, e) }
