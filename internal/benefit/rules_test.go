package benefit

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"yizhan/internal/apperr"
)

func sh(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// Linping's 赶集日: every Wednesday 09:00–17:00, Shanghai time, within
// December 2026.
func TestWindowWeeklySchedule(t *testing.T) {
	w := Window{StartsAt: sh("2026-12-01 00:00"), EndsAt: sh("2027-01-01 00:00"), Weekly: &Weekly{Days: []time.Weekday{time.Wednesday}, From: 9 * 60, To: 17 * 60}}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{sh("2026-12-02 09:00"), true},  // Wednesday, opening minute
		{sh("2026-12-02 16:59"), true},  // Wednesday, last minute
		{sh("2026-12-02 17:00"), false}, // closing time is exclusive
		{sh("2026-12-02 08:59"), false},
		{sh("2026-12-03 10:00"), false},                        // Thursday
		{time.Date(2026, 12, 2, 1, 30, 0, 0, time.UTC), true},  // 09:30 Shanghai, given in UTC
		{time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC), false}, // Wednesday 07:00 in Shanghai: too early
		{time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC), false}, // Wednesday in UTC, Thursday 04:00 in Shanghai
		{sh("2027-01-06 10:00"), false},                        // a Wednesday after the window
		{sh("2026-11-25 10:00"), false},                        // a Wednesday before it
	} {
		if got := w.OpenAt(tc.at); got != tc.want {
			t.Errorf("OpenAt(%s) = %v, want %v", tc.at.In(Shanghai).Format("Mon 2006-01-02 15:04"), got, tc.want)
		}
	}
}

func TestPeriodStartIsShanghaiCalendar(t *testing.T) {
	at := time.Date(2026, 12, 2, 17, 30, 0, 0, time.UTC) // Thursday 01:30 in Shanghai
	for _, tc := range []struct {
		p    Period
		want time.Time
	}{
		{Once, time.Time{}},
		{Day, sh("2026-12-03 00:00")},
		{Week, sh("2026-11-30 00:00")}, // Monday
		{Month, sh("2026-12-01 00:00")},
	} {
		if got := PeriodStart(tc.p, at); !got.Equal(tc.want) {
			t.Errorf("PeriodStart(%s) = %v, want %v", tc.p, got, tc.want)
		}
	}
	// A Sunday belongs to the week that began the Monday before.
	if got, want := PeriodStart(Week, sh("2026-12-06 23:59")), sh("2026-11-30 00:00"); !got.Equal(want) {
		t.Errorf("week of Sunday = %v, want %v", got, want)
	}
}

func TestAllowanceCountsThisPeriodOnly(t *testing.T) {
	o := &Offer{PerWorker: Limit{Count: 2, Period: Week}}
	now := sh("2026-12-02 10:00")
	claims := []time.Time{sh("2026-11-29 10:00"), sh("2026-11-30 00:00")} // last week's Sunday, this Monday
	if got := o.Allowance(claims, now); got != 1 {
		t.Errorf("Allowance = %d, want 1", got)
	}
}

func TestEligibility(t *testing.T) {
	e := Eligibility{MembersOnly: true, Occupations: []string{"express_courier"}, DistrictCodes: []string{"330700"}}
	for _, tc := range []struct {
		name string
		w    Claimant
		want apperr.Code
	}{
		{"member courier of a Jinhua county", Claimant{Member: true, Occupation: "express_courier", DistrictCode: "330726"}, ""},
		{"not a member", Claimant{Occupation: "express_courier", DistrictCode: "330726"}, apperr.NotEligible},
		{"a rider", Claimant{Member: true, Occupation: "food_delivery", DistrictCode: "330726"}, apperr.NotEligible},
		{"Hangzhou", Claimant{Member: true, Occupation: "express_courier", DistrictCode: "330110"}, apperr.NotEligible},
		{"no home county", Claimant{Member: true, Occupation: "express_courier"}, apperr.NotEligible},
	} {
		err := e.Eligible(tc.w)
		if got := apperr.CodeOf(err); err != nil && got != tc.want || err == nil && tc.want != "" {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if !ValidCode(c) || seen[c] {
			t.Fatalf("code %q invalid or repeated", c)
		}
		seen[c] = true
	}
	for _, bad := range []string{"", "ABCDEFG", "ABCDEFGHJ", "ABCDEFG0", "ABCDEFGI", "abcdefgh"} {
		if ValidCode(bad) {
			t.Errorf("ValidCode(%q) = true", bad)
		}
	}
}

// Bad input names every offending field at once.
func TestValidateListsEveryField(t *testing.T) {
	body := `{"title":"","category":"cash","total_stock":-1,"per_worker_limit":{"count":0,"period":"year"},
		"window":{"starts_at":"2026-12-10T00:00:00+08:00","ends_at":"2026-12-01T00:00:00+08:00",
		"weekly":{"days":["wed","wed","funday"],"from":"17:00","to":"09:00"}},
		"eligibility":{"occupations":["pilot"],"district_codes":["999999"]},"redeem_at":["x"],"status":"live"}`
	d, err := DecodeDocument([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Validate()
	var e *apperr.Error
	if !asErr(err, &e) || e.Code != apperr.Invalid {
		t.Fatalf("Validate = %v, want invalid", err)
	}
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	want := []string{"title", "category", "total_stock", "per_worker_limit.count", "per_worker_limit.period", "window.ends_at",
		"window.weekly.days[1]", "window.weekly.days[2]", "window.weekly.to", "eligibility.occupations[0]",
		"eligibility.district_codes[0]", "redeem_at[0]", "status"}
	if !slices.Equal(got, want) {
		t.Errorf("fields = %v\nwant     %v", got, want)
	}
	// total_stock must be sent; null means unlimited.
	d, _ = DecodeDocument([]byte(`{"title":"t","category":"meal","window":{"starts_at":"2026-12-01T00:00:00Z","ends_at":"2026-12-02T00:00:00Z"}}`))
	if _, err := d.Validate(); !asErr(err, &e) || e.Fields[0].Field != "total_stock" {
		t.Errorf("missing total_stock: %v", err)
	}
	d, _ = DecodeDocument([]byte(`{"title":"t","category":"meal","total_stock":null,"window":{"starts_at":"2026-12-01T00:00:00Z","ends_at":"2026-12-02T00:00:00Z"}}`))
	if f, err := d.Validate(); err != nil || f.TotalStock != nil || f.Status != Draft || f.PerWorker != (Limit{1, Once}) {
		t.Errorf("unlimited offer: %+v, %v", f, err)
	}
}

func TestMergePatchRoundTrip(t *testing.T) {
	d, _ := DecodeDocument([]byte(`{"title":"赶集日","category":"gift_pack","total_stock":100,
		"window":{"starts_at":"2026-12-01T00:00:00+08:00","ends_at":"2027-01-01T00:00:00+08:00","weekly":{"days":["wed"],"from":"09:00","to":"17:00"}}}`))
	f, err := d.Validate()
	if err != nil {
		t.Fatal(err)
	}
	o := &Offer{}
	o.setFields(f)
	got, err := ApplyMergePatch(o, []byte(`{"total_stock":null,"window":{"weekly":{"days":["wed","sat"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(got.Window.Weekly)
	if got.TotalStock != nil || !slices.Equal(got.Window.Weekly.Days, []time.Weekday{time.Wednesday, time.Saturday}) || got.Window.Weekly.From != 540 {
		t.Errorf("patched = %+v weekly %s", got, b)
	}
	if _, err := ApplyMergePatch(o, []byte(`{"title":null,"colour":"red"}`)); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("bad patch: %v", err)
	}
}

func asErr(err error, e **apperr.Error) bool {
	x, ok := err.(*apperr.Error)
	*e = x
	return ok
}

// Weekly hours are "HH:MM" exactly, as openapi.yaml's pattern says: no
// spaces, signs or single digits.
func TestClockMinutesIsStrict(t *testing.T) {
	for s, want := range map[string]int{"00:00": 0, "09:30": 570, "24:00": 1440, "23:59": 1439} {
		var p apperr.Problems
		if got, ok := clockMinutes(&p, "from", s); !ok || got != want {
			t.Errorf("clockMinutes(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{" 9:00", "+9:30", "9:00", "09:60", "24:01", "25:00", "09-00", "0a:00", "-1:00", "09:0 "} {
		var p apperr.Problems
		if _, ok := clockMinutes(&p, "from", s); ok || p.Len() != 1 {
			t.Errorf("clockMinutes(%q) accepted", s)
		}
	}
}

func TestParseCode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"ABCD2345", "ABCD2345", true},
		{"abcd2345", "ABCD2345", true},              // typed in lower case
		{" AbCd2345\n", "ABCD2345", true},           // pasted with spaces
		{"yizhan:claim:ABCD2345", "ABCD2345", true}, // the whole QR payload, scanned
		{"YIZHAN:CLAIM:abcd2345", "ABCD2345", true}, // a scanner in upper-case mode
		{"yizhan:claim:", "YIZHAN:CLAIM:", false},
		{"ABCD234", "ABCD234", false},   // too short
		{"ABCD0345", "ABCD0345", false}, // 0 is not in the alphabet
		{"yizhan:claim:ABCD2345X", "ABCD2345X", false},
		{"other:claim:ABCD2345", "OTHER:CLAIM:ABCD2345", false},
	} {
		got, ok := ParseCode(tc.in)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
