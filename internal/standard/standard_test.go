package standard

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

func items(pass ...string) map[string]bool {
	m := map[string]bool{}
	for _, it := range Checklist {
		m[it.Code] = false
	}
	for _, c := range pass {
		m[c] = true
	}
	return m
}

func allBut(fail ...string) map[string]bool {
	m := items()
	for k := range m {
		m[k] = true
	}
	for _, c := range fail {
		m[c] = false
	}
	return m
}

func TestDefaultStars(t *testing.T) {
	core := []string{"sign_plaque", "drinking_water", "named_manager", "clean_safe"}
	for _, c := range []struct {
		name   string
		items  map[string]bool
		listed int
		want   int
	}{
		{"nothing passed", items(), 0, 1},
		{"nothing passed, on every map", items(), 3, 1},
		{"core only: 4 points", items(core...), 0, 1},
		{"core and two more: 6 points", items(append(core, "toilet", "seating")...), 0, 2},
		{"core and two more, on one map: 7", items(append(core, "toilet", "seating")...), 1, 2},
		{"core and two more, on two maps: 8", items(append(core, "toilet", "seating")...), 2, 3},
		{"all ten, no map: 10", allBut(), 0, 4},
		{"all ten, one map: 11", allBut(), 1, 4},
		{"all ten, two maps: 12", allBut(), 2, 5},
		{"nine, three maps: 12", allBut("microwave"), 3, 5},
		{"nine, two maps: 11", allBut("microwave"), 2, 4},
		{"fails a core item, everything else on every map: capped", allBut("drinking_water"), 3, 2},
		{"fails the sign", allBut("sign_plaque"), 3, 2},
	} {
		if got := DefaultRule.Stars(c.items, c.listed); got != c.want {
			t.Errorf("%s: %d stars, want %d (points %d)", c.name, got, c.want, DefaultRule.Points(c.items, c.listed))
		}
	}
}

func TestStarsStayWithinOneToFive(t *testing.T) {
	rules := []Rule{DefaultRule, {Thresholds: [4]int{0, 0, 0, 0}, CoreCap: 5}, {Thresholds: [4]int{100, 100, 100, 100}, MapPoints: 10, CoreCap: 1}}
	for _, r := range rules {
		for mask := 0; mask < 1<<len(Checklist); mask++ {
			m := map[string]bool{}
			for i, it := range Checklist {
				m[it.Code] = mask&(1<<i) != 0
			}
			for listed := 0; listed <= 3; listed++ {
				if s := r.Stars(m, listed); s < 1 || s > 5 {
					t.Fatalf("%+v: %d stars for %v on %d maps", r, s, m, listed)
				}
				// More passed or more maps never lowers the stars.
				if listed > 0 && r.Stars(m, listed) < r.Stars(m, listed-1) {
					t.Fatalf("%+v: a listing lowered the stars", r)
				}
			}
		}
	}
}

func TestParseRule(t *testing.T) {
	r, err := ParseRule(`{"thresholds":[5,7,9,11],"map_points":2,"core":["toilet"],"core_cap":3}`)
	if err != nil || r.Thresholds != [4]int{5, 7, 9, 11} || r.MapPoints != 2 || r.CoreCap != 3 || len(r.Core) != 1 {
		t.Fatalf("got %+v, %v", r, err)
	}
	if r.Stars(allBut("toilet"), 3) != 3 {
		t.Errorf("core cap not applied")
	}
	for _, bad := range []string{
		``, `[]`, `{"thresholds":[5,7,9,11],"map_points":2,"core":[],"core_cap":3,"extra":1}`,
		`{"thresholds":[9,7,9,11],"map_points":1,"core":[],"core_cap":2}`,
		`{"thresholds":[5,7,9,11],"map_points":-1,"core":[],"core_cap":2}`,
		`{"thresholds":[5,7,9,11],"map_points":1,"core":["sauna"],"core_cap":2}`,
		`{"thresholds":[5,7,9,11],"map_points":1,"core":[],"core_cap":0}`,
		`{"thresholds":[5,7,9,11],"map_points":1,"core_cap":2}`,
		`{"thresholds":[5,7,9],"map_points":1,"core":[],"core_cap":2}`,
		`{"thresholds":[5,7,9,11],"map_points":1,"core":[],"core_cap":2} {}`,
	} {
		if _, err := ParseRule(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	if err := DefaultRule.Validate(); err != nil {
		t.Error(err)
	}
}

var now = time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC) // 00:30 on 2 December in Shanghai

func TestNewInspection(t *testing.T) {
	st := &station.Station{ID: uuid.New(), Status: station.Active, DistrictCode: "330726"}
	b := func(v bool) *bool { return &v }
	full := map[string]*bool{}
	for i, it := range Checklist {
		full[it.Code] = b(i%2 == 0)
	}
	photo := uuid.New().String()
	in, err := NewInspection(st, InspectionInput{Items: full, Notes: ptr(" 饮水机 已修好 "), PhotoIDs: []string{photo}}, "staff:x", now)
	if err != nil || in.Passed() != 5 || in.Notes != "饮水机 已修好" || len(in.PhotoIDs) != 1 || in.PhotoIDs[0].String() != photo {
		t.Fatalf("got %+v, %v", in, err)
	}
	missing := map[string]*bool{"sign_plaque": b(true)}
	unknown := map[string]*bool{"sauna": b(true)}
	for k, v := range full {
		unknown[k] = v
	}
	nulled := map[string]*bool{}
	for k, v := range full {
		nulled[k] = v
	}
	nulled["toilet"] = nil
	for _, c := range []struct {
		name  string
		in    InspectionInput
		field string
	}{
		{"no items", InspectionInput{}, "items"},
		{"missing items", InspectionInput{Items: missing}, "items.drinking_water"},
		{"unknown item", InspectionInput{Items: unknown}, "items.sauna"},
		{"null item", InspectionInput{Items: nulled}, "items.toilet"},
		{"bad photo id", InspectionInput{Items: full, PhotoIDs: []string{"x"}}, "photo_ids[0]"},
		{"photo twice", InspectionInput{Items: full, PhotoIDs: []string{photo, photo}}, "photo_ids[1]"},
		{"too many photos", InspectionInput{Items: full, PhotoIDs: make([]string, 21)}, "photo_ids"},
		{"long notes", InspectionInput{Items: full, Notes: ptr(strings.Repeat("长", 2001))}, "notes"},
	} {
		_, err := NewInspection(st, c.in, "staff:x", now)
		if !hasField(err, c.field) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	closed := *st
	closed.Status = station.Closed
	if _, err := NewInspection(&closed, InspectionInput{Items: full}, "staff:x", now); !apperr.Is(err, apperr.Unprocessable) {
		t.Errorf("closed station: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func hasField(err error, field string) bool {
	var e *apperr.Error
	if err == nil || !asErr(err, &e) || e.Code != apperr.Invalid {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func asErr(err error, e **apperr.Error) bool {
	x, ok := err.(*apperr.Error)
	*e = x
	return ok
}

func TestTallyChange(t *testing.T) {
	ch, err := NewTallyChange(TallyInput{Add: ptr(1)}, now)
	if err != nil || ch != (TallyChange{Day: "2026-12-02", Count: 1}) {
		t.Errorf("add: %+v %v (today is Shanghai's day)", ch, err)
	}
	ch, err = NewTallyChange(TallyInput{Date: ptr("2026-12-01"), Count: ptr(37)}, now)
	if err != nil || ch != (TallyChange{Day: "2026-12-01", Set: true, Count: 37}) {
		t.Errorf("set: %+v %v", ch, err)
	}
	for _, c := range []struct {
		name  string
		in    TallyInput
		field string
	}{
		{"nothing", TallyInput{}, "add"},
		{"zero add", TallyInput{Add: ptr(0)}, "add"},
		{"both", TallyInput{Add: ptr(1), Date: ptr("2026-12-01")}, "add"},
		{"date only", TallyInput{Date: ptr("2026-12-01")}, "count"},
		{"count only", TallyInput{Count: ptr(3)}, "date"},
		{"tomorrow", TallyInput{Date: ptr("2026-12-03"), Count: ptr(3)}, "date"},
		{"bad date", TallyInput{Date: ptr("2026-02-30"), Count: ptr(3)}, "date"},
		{"two years ago", TallyInput{Date: ptr("2024-12-01"), Count: ptr(3)}, "date"},
		{"negative", TallyInput{Date: ptr("2026-12-01"), Count: ptr(-1)}, "count"},
	} {
		if _, err := NewTallyChange(c.in, now); !hasField(err, c.field) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

type staff struct {
	codes []string
	all   bool
}

func (s staff) ActorName() string                  { return "staff:test" }
func (s staff) CanManageDistrict(code string) bool { return s.all }
func (s staff) DistrictScope() ([]string, bool)    { return s.codes, s.all }

func TestOnlyCityOrProvinceStaffRecognise(t *testing.T) {
	for _, c := range []struct {
		staff staff
		want  bool
	}{
		{staff{all: true}, true},
		{staff{codes: []string{"330726"}}, false},          // the county itself
		{staff{codes: []string{"330700"}}, true},           // 金华市
		{staff{codes: []string{"330000"}}, true},           // 浙江省
		{staff{codes: []string{"330100"}}, false},          // 杭州市: another city
		{staff{codes: []string{"320000"}}, false},          // 江苏省
		{staff{codes: []string{"330726", "330700"}}, true}, // county and city
	} {
		if got := CanRecognise(c.staff, "330726"); got != c.want {
			t.Errorf("%v: %v, want %v", c.staff, got, c.want)
		}
	}
}

func TestInspectionDue(t *testing.T) {
	asOf := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)
	for _, c := range []struct {
		last time.Time
		want bool
	}{
		{time.Time{}, true},
		{time.Date(2025, 12, 1, 0, 0, 0, 0, shanghai), true},   // exactly 12 months
		{time.Date(2025, 12, 1, 0, 0, 1, 0, shanghai), false},  // a second short
		{time.Date(2025, 11, 30, 16, 0, 0, 0, time.UTC), true}, // 00:00 on 1 Dec 2025 in Shanghai
		{time.Date(2026, 6, 1, 0, 0, 0, 0, shanghai), false},
	} {
		if got := InspectionDue(c.last, asOf); got != c.want {
			t.Errorf("last %v: due %v, want %v", c.last, got, c.want)
		}
	}
}

func TestBuildReportSumsByCounty(t *testing.T) {
	m, ok := ParseMonth("2026-11")
	if !ok || m.FirstDay() != "2026-11-01" || m.LastDay() != "2026-11-30" {
		t.Fatalf("month %v %v", m, ok)
	}
	for _, bad := range []string{"2026-13", "2026-1", "26-11", "1999-12", "2026-11-01"} {
		if _, ok := ParseMonth(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	recent := time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)
	rows := []StationMonth{
		{Name: "乙", DistrictCode: "330726", Tallied: 10, Checkins: 2, Reports: 1, StarLevel: 3, LastInspectedAt: recent},
		{Name: "甲", DistrictCode: "330726", Tallied: 5, StarLevel: 0},
		{Name: "丙", DistrictCode: "330702", Checkins: 4, StarLevel: 5, MostBeautiful: true, LastInspectedAt: recent.AddDate(-1, 0, 0)},
	}
	r := BuildReport(m, rows, now)
	if r.Stations[0].DistrictCode != "330702" || len(r.Districts) != 2 {
		t.Fatalf("order: %+v", r)
	}
	d := r.Districts[1]
	if d.DistrictCode != "330726" || d.Stations != 2 || d.Services() != 17 || d.Reports != 1 || d.Starred != 1 || d.Due != 1 || d.AverageStars() != 3 {
		t.Errorf("330726: %+v", d)
	}
	if d := r.Districts[0]; d.Due != 1 || d.MostBeautiful != 1 {
		t.Errorf("330702: %+v", d)
	}
	if !r.AsOf.Equal(m.End()) {
		t.Errorf("as of %v, want the month's end", r.AsOf)
	}
}
