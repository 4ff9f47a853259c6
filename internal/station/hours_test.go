package station_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the reference implementation uses the real Asia/Shanghai zone

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

var (
	hoursShanghai = hoursLoadLocation("Asia/Shanghai")
	hoursNewYork  = hoursLoadLocation("America/New_York")
	hoursSink     bool
)

func hoursLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func hoursMustParse(tb testing.TB, s string) station.Hours {
	tb.Helper()
	h, err := station.ParseHours([]byte(s))
	if err != nil {
		tb.Fatalf("ParseHours(%s): %v", s, err)
	}
	return h
}

func hoursMustMarshal(tb testing.TB, h station.Hours) string {
	tb.Helper()
	b, err := h.MarshalJSON()
	if err != nil {
		tb.Fatalf("MarshalJSON: %v", err)
	}
	return string(b)
}

func TestHoursOpenAt(t *testing.T) {
	const (
		sunNight = `{"weekly":{"sun":[["22:00","06:00"]]}}`
		// Thursday 2027-01-28 is closed.
		cancel = `{"weekly":{"wed":[["22:00","06:00"]],"thu":[["08:00","20:00"],["22:00","02:00"]]},"closed_dates":["2027-01-28"]}`
		// Monday 2027-01-25 is closed; Sunday's night runs into Monday's own interval.
		crossed  = `{"weekly":{"sun":[["22:00","06:00"]],"mon":[["00:00","10:00"]]},"closed_dates":["2027-01-25"]}`
		always   = `{"always_open":true,"closed_dates":["2027-01-28"]}`
		late     = `{"weekly":{"mon":[["20:00","24:00"]]}}`
		lateZero = `{"weekly":{"mon":[["20:00","00:00"]]}}`
		whole    = `{"weekly":{"mon":[["00:00","24:00"]]}}`
		zeroZero = `{"weekly":{"mon":[["00:00","00:00"]]}}`
		fullDay  = `{"weekly":{"mon":[["08:00","08:00"]]}}`
		office   = `{"weekly":{"mon":[["08:00","12:00"],["12:00","18:00"]],"tue":[["08:00","20:00"]]}}`
		thu      = `{"weekly":{"thu":[["00:00","01:00"]]}}`
	)
	// 2027-01-24 is a Sunday, 2027-01-25 a Monday, 2027-01-28 a Thursday.
	tests := []struct {
		name, hours, at string
		want            bool
	}{
		{"overnight covers next morning", sunNight, "2027-01-25T03:00:00+08:00", true},
		{"overnight close is exclusive", sunNight, "2027-01-25T06:00:00+08:00", false},
		{"overnight last nanosecond", sunNight, "2027-01-25T05:59:59.999999999+08:00", true},
		{"overnight open is inclusive", sunNight, "2027-01-24T22:00:00+08:00", true},
		{"overnight just before open", sunNight, "2027-01-24T21:59:59.999999999+08:00", false},
		{"overnight just before midnight", sunNight, "2027-01-24T23:59:59.999999999+08:00", true},
		{"overnight at midnight", sunNight, "2027-01-25T00:00:00+08:00", true},
		{"overnight not the morning of its own day", sunNight, "2027-01-24T03:00:00+08:00", false},
		{"overnight not on Monday evening", sunNight, "2027-01-25T22:00:00+08:00", false},
		{"overnight given in UTC", sunNight, "2027-01-24T19:00:00Z", true},
		{"overnight close given in UTC", sunNight, "2027-01-24T22:00:00Z", false},
		{"overnight a year later", sunNight, "2028-01-24T03:00:00+08:00", true}, // Monday

		{"closed date keeps the previous night's spill", cancel, "2027-01-28T03:00:00+08:00", true},
		{"closed date spill ends at its close", cancel, "2027-01-28T06:00:00+08:00", false},
		{"closed date cancels its day's interval", cancel, "2027-01-28T10:00:00+08:00", false},
		{"closed date cancels its overnight interval", cancel, "2027-01-28T23:00:00+08:00", false},
		{"cancelled overnight interval does not spill", cancel, "2027-01-29T01:00:00+08:00", false},
		{"night before the closed date is open", cancel, "2027-01-27T23:00:00+08:00", true},
		{"next Thursday is open", cancel, "2027-02-04T10:00:00+08:00", true},
		{"next Thursday's night spills", cancel, "2027-02-05T01:00:00+08:00", true},
		{"closed date given in UTC", cancel, "2027-01-28T02:00:00Z", false}, // Thursday 10:00

		{"spill survives its day's cancelled interval", crossed, "2027-01-25T03:00:00+08:00", true},
		{"cancelled interval after the spill", crossed, "2027-01-25T07:00:00+08:00", false},
		{"cancelled interval open a week later", crossed, "2027-02-01T07:00:00+08:00", true},

		{"always open before the closed date", always, "2027-01-27T23:59:59.999999999+08:00", true},
		{"always open closed date starts at 00:00", always, "2027-01-28T00:00:00+08:00", false},
		{"always open closed date lasts until 24:00", always, "2027-01-28T23:59:59.999999999+08:00", false},
		{"always open after the closed date", always, "2027-01-29T00:00:00+08:00", true},
		{"always open closed date 00:30 Thursday from UTC", always, "2027-01-27T16:30:00Z", false},
		{"always open before the closed date in UTC", always, "2027-01-27T15:59:59Z", true},
		{"always open after the closed date in UTC", always, "2027-01-28T16:00:00Z", true},
		{"always open closed date from New York", always, "2027-01-27T11:30:00-05:00", false},
		{"always open", `{"always_open":true}`, "1900-01-01T00:00:00Z", true},

		{"24:00 close last instant", late, "2027-01-25T23:59:59.999999999+08:00", true},
		{"24:00 close is midnight", late, "2027-01-26T00:00:00+08:00", false},
		{"00:00 close last instant", lateZero, "2027-01-25T23:59:59.999999999+08:00", true},
		{"00:00 close is midnight", lateZero, "2027-01-26T00:00:00+08:00", false},
		{"whole day starts at 00:00", whole, "2027-01-25T00:00:00+08:00", true},
		{"whole day ends at 24:00", whole, "2027-01-25T23:59:59.999999999+08:00", true},
		{"whole day not the next day", whole, "2027-01-26T00:00:00+08:00", false},
		{"whole day not the day before", whole, "2027-01-24T23:59:59.999999999+08:00", false},
		{"00:00 to 00:00 is the whole day", zeroZero, "2027-01-25T12:00:00+08:00", true},
		{"00:00 to 00:00 ends at midnight", zeroZero, "2027-01-26T00:00:00+08:00", false},

		{"open == close opens at open", fullDay, "2027-01-25T08:00:00+08:00", true},
		{"open == close not before open", fullDay, "2027-01-25T07:59:59.999999999+08:00", false},
		{"open == close through midnight", fullDay, "2027-01-26T00:00:00+08:00", true},
		{"open == close until the next day's open", fullDay, "2027-01-26T07:59:59.999999999+08:00", true},
		{"open == close for 24 hours only", fullDay, "2027-01-26T08:00:00+08:00", false},

		{"open is inclusive", office, "2027-01-26T08:00:00+08:00", true},
		{"before open", office, "2027-01-26T07:59:59.999999999+08:00", false},
		{"last instant before close", office, "2027-01-26T19:59:59.999999999+08:00", true},
		{"close is exclusive", office, "2027-01-26T20:00:00+08:00", false},
		{"touching intervals leave no gap", office, "2027-01-25T12:00:00+08:00", true},
		{"touching intervals end", office, "2027-01-25T18:00:00+08:00", false},
		{"day without intervals", office, "2027-01-27T10:00:00+08:00", false},

		{"UTC instant is 00:30 Thursday in Shanghai", thu, "2027-01-27T16:30:00Z", true},
		{"same instant from New York", thu, "2027-01-27T11:30:00-05:00", true},
		{"same instant from Kathmandu", thu, "2027-01-27T22:15:00+05:45", true},
		{"00:30 Thursday UTC is 08:30 in Shanghai", thu, "2027-01-28T00:30:00Z", false},
		{"before 1970", thu, "1969-12-31T16:30:00Z", true},           // 1970-01-01 was a Thursday
		{"before 1970 close", thu, "1969-12-31T17:00:00Z", false},    // 01:00 Thursday
		{"far future Wednesday", thu, "2999-12-31T16:30:00Z", false}, // 00:30 Wednesday 3000-01-01
		{"far future Thursday", thu, "3000-01-01T16:30:00Z", true},   // 00:30 Thursday 3000-01-02
		{"empty weekly", `{"weekly":{}}`, "2027-01-25T12:00:00+08:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hoursMustParse(t, tt.hours)
			at, err := time.Parse(time.RFC3339Nano, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range []time.Time{at, at.UTC(), at.In(hoursShanghai), at.In(hoursNewYork), at.Local()} {
				if got := h.OpenAt(at); got != tt.want {
					t.Errorf("OpenAt(%s) = %v, want %v", at.Format(time.RFC3339Nano), got, tt.want)
				}
			}
		})
	}
}

func TestHoursZero(t *testing.T) {
	var h station.Hours
	if got := h.OpenAt(time.Now()); got {
		t.Errorf("zero Hours OpenAt = %v, want false", got)
	}
	if got, want := hoursMustMarshal(t, h), `{"weekly":{}}`; got != want {
		t.Errorf("zero Hours MarshalJSON = %s, want %s", got, want)
	}
	if !h.Equal(hoursMustParse(t, `{"weekly":{}}`)) {
		t.Error(`zero Hours not Equal to {"weekly":{}}`)
	}
}

type hoursFieldCode struct{ field, code string }

func hoursDatesJSON(n int) string {
	dates := make([]string, n)
	d := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range dates {
		dates[i] = `"` + d.AddDate(0, 0, i).Format(time.DateOnly) + `"`
	}
	return `{"always_open":true,"closed_dates":[` + strings.Join(dates, ",") + `]}`
}

func TestParseHoursErrors(t *testing.T) {
	type fc = hoursFieldCode
	mon := func(intervals string) string { return `{"weekly":{"mon":` + intervals + `}}` }
	tests := []struct {
		name, in string
		want     []fc
	}{
		{"empty input", ``, []fc{{"", "format"}}},
		{"not JSON", `{"always_open":`, []fc{{"", "format"}}},
		{"trailing value", `{"always_open":true} {}`, []fc{{"", "format"}}},
		{"trailing garbage", `{"always_open":true}x`, []fc{{"", "format"}}},
		{"array", `[]`, []fc{{"", "format"}}},
		{"null", `null`, []fc{{"", "format"}}},
		{"string", `"24/7"`, []fc{{"", "format"}}},

		{"unknown field", `{"always_open":true,"foo":1}`, []fc{{"foo", "unknown"}}},
		{"field names are case-sensitive", `{"Always_Open":true}`, []fc{{"Always_Open", "unknown"}, {"weekly", "required"}}},
		{"nothing given", `{}`, []fc{{"weekly", "required"}}},
		{"always_open false alone", `{"always_open":false}`, []fc{{"weekly", "required"}}},
		{"always_open null alone", `{"always_open":null}`, []fc{{"weekly", "required"}}},
		{"closed_dates alone", `{"closed_dates":["2027-01-28"]}`, []fc{{"weekly", "required"}}},
		{"always_open with weekly", `{"always_open":true,"weekly":{}}`, []fc{{"weekly", "conflict"}}},
		{"always_open not a boolean", `{"always_open":"yes"}`, []fc{{"always_open", "format"}}},
		{"always_open twice", `{"always_open":true,"always_open":true}`, []fc{{"always_open", "duplicate"}}},
		{"weekly twice", `{"weekly":{},"weekly":{}}`, []fc{{"weekly", "duplicate"}}},

		{"weekly not an object", `{"weekly":[]}`, []fc{{"weekly", "format"}}},
		{"unknown day", `{"weekly":{"xyz":[]}}`, []fc{{"weekly.xyz", "unknown"}}},
		{"day names are lower case", `{"weekly":{"Mon":[]}}`, []fc{{"weekly.Mon", "unknown"}}},
		{"day twice", `{"weekly":{"mon":[],"mon":[]}}`, []fc{{"weekly.mon", "duplicate"}}},
		{"day not a list", mon(`"08:00-20:00"`), []fc{{"weekly.mon", "format"}}},
		{"interval of one time", mon(`[["08:00"]]`), []fc{{"weekly.mon[0]", "format"}}},
		{"interval of three times", mon(`[["08:00","12:00","20:00"]]`), []fc{{"weekly.mon[0]", "format"}}},
		{"interval as a string", mon(`["08:00-20:00"]`), []fc{{"weekly.mon[0]", "format"}}},
		{"interval as an object", mon(`[{"open":"08:00","close":"20:00"}]`), []fc{{"weekly.mon[0]", "format"}}},
		{"one-digit hour", mon(`[["8:00","20:00"]]`), []fc{{"weekly.mon[0][0]", "format"}}},
		{"seconds", mon(`[["08:00:00","20:00"]]`), []fc{{"weekly.mon[0][0]", "format"}}},
		{"dot", mon(`[["08.00","20:00"]]`), []fc{{"weekly.mon[0][0]", "format"}}},
		{"full-width digits", mon(`[["０８:００","20:00"]]`), []fc{{"weekly.mon[0][0]", "format"}}},
		{"time as a number", mon(`[["08:00",2000]]`), []fc{{"weekly.mon[0][1]", "format"}}},
		{"time null", mon(`[["08:00",null]]`), []fc{{"weekly.mon[0][1]", "format"}}},
		{"hour 25", mon(`[["08:00","25:00"]]`), []fc{{"weekly.mon[0][1]", "out_of_range"}}},
		{"minute 60", mon(`[["08:60","20:00"]]`), []fc{{"weekly.mon[0][0]", "out_of_range"}}},
		{"24:00 as an open", mon(`[["24:00","06:00"]]`), []fc{{"weekly.mon[0][0]", "out_of_range"}}},
		{"24:01 as a close", mon(`[["20:00","24:01"]]`), []fc{{"weekly.mon[0][1]", "out_of_range"}}},
		{"both times bad", mon(`[["8:00","99:99"]]`), []fc{{"weekly.mon[0][0]", "format"}, {"weekly.mon[0][1]", "out_of_range"}}},
		{"second interval bad", mon(`[["08:00","12:00"],["13:00","1800"]]`), []fc{{"weekly.mon[1][1]", "format"}}},
		{"seven intervals", mon(`[["01:00","02:00"],["03:00","04:00"],["05:00","06:00"],["07:00","08:00"],["09:00","10:00"],["11:00","12:00"],["13:00","14:00"]]`),
			[]fc{{"weekly.mon", "out_of_range"}}},

		{"overlap", mon(`[["08:00","12:00"],["11:00","13:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"overlap listed out of order", mon(`[["11:00","13:00"],["08:00","12:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"contained", mon(`[["08:00","20:00"],["09:00","10:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"same interval twice", mon(`[["08:00","20:00"],["08:00","20:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"two overnight intervals", mon(`[["22:00","02:00"],["23:00","01:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"overnight over a later interval", mon(`[["20:00","02:00"],["21:00","22:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"24 hours over a later interval", mon(`[["08:00","08:00"],["09:00","10:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"24 hours from a later open", mon(`[["10:00","12:00"],["09:00","09:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"whole day and another", mon(`[["00:00","24:00"],["09:00","10:00"]]`), []fc{{"weekly.mon[1]", "overlap"}}},
		{"two overlaps", mon(`[["08:00","12:00"],["09:00","10:00"],["11:00","13:00"]]`),
			[]fc{{"weekly.mon[1]", "overlap"}, {"weekly.mon[2]", "overlap"}}},

		{"closed_dates not a list", `{"always_open":true,"closed_dates":"2027-01-28"}`, []fc{{"closed_dates", "format"}}},
		{"date without zero padding", `{"always_open":true,"closed_dates":["2027-1-28"]}`, []fc{{"closed_dates[0]", "format"}}},
		{"date as a number", `{"always_open":true,"closed_dates":[20270128]}`, []fc{{"closed_dates[0]", "format"}}},
		{"date with a time", `{"always_open":true,"closed_dates":["2027-01-28T00:00:00Z"]}`, []fc{{"closed_dates[0]", "format"}}},
		{"date with slashes", `{"always_open":true,"closed_dates":["2027/01/28"]}`, []fc{{"closed_dates[0]", "format"}}},
		{"February 30", `{"always_open":true,"closed_dates":["2027-02-30"]}`, []fc{{"closed_dates[0]", "out_of_range"}}},
		{"February 29 of a common year", `{"always_open":true,"closed_dates":["2027-02-29"]}`, []fc{{"closed_dates[0]", "out_of_range"}}},
		{"month 13", `{"always_open":true,"closed_dates":["2027-13-01"]}`, []fc{{"closed_dates[0]", "out_of_range"}}},
		{"month 0", `{"always_open":true,"closed_dates":["2027-00-10"]}`, []fc{{"closed_dates[0]", "out_of_range"}}},
		{"day 0", `{"always_open":true,"closed_dates":["2027-01-00"]}`, []fc{{"closed_dates[0]", "out_of_range"}}},
		{"year 0", `{"always_open":true,"closed_dates":["0000-01-01"]}`, []fc{{"closed_dates[0]", "out_of_range"}}},
		{"duplicate date", `{"always_open":true,"closed_dates":["2027-01-28","2027-01-29","2027-01-28"]}`, []fc{{"closed_dates[2]", "duplicate"}}},
		{"367 dates", hoursDatesJSON(367), []fc{{"closed_dates", "out_of_range"}}},

		{"every problem at once",
			`{"weekly":{"mon":[["8:00","20:00"],["09:00","24:00"]],"xyz":[]},"closed_dates":["2027-02-30","2027-02-28","2027-02-28"],"extra":true,"always_open":"no"}`,
			[]fc{
				{"weekly.mon[0][0]", "format"},
				{"weekly.xyz", "unknown"},
				{"closed_dates[0]", "out_of_range"},
				{"closed_dates[2]", "duplicate"},
				{"extra", "unknown"},
				{"always_open", "format"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := station.ParseHours([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseHours(%s) = %s, want an error", tt.in, hoursMustMarshal(t, h))
			}
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid {
				t.Fatalf("ParseHours(%s) error = %#v, want an *apperr.Error with code Invalid", tt.in, err)
			}
			var got []fc
			for _, f := range e.Fields {
				got = append(got, fc{f.Field, f.Code})
				if f.Message == "" {
					t.Errorf("field %q has no message", f.Field)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("ParseHours(%s) fields\n got %v\nwant %v\n(%v)", tt.in, got, tt.want, e.Fields)
			}
			if !h.Equal(station.Hours{}) {
				t.Errorf("ParseHours returned %s with its error, want the zero Hours", hoursMustMarshal(t, h))
			}
		})
	}
}

func TestHoursMarshalJSON(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"always open", `{"always_open":true}`, `{"always_open":true}`},
		{"always open with dates sorted",
			`{"always_open":true,"closed_dates":["2027-01-29","2027-01-28"]}`,
			`{"always_open":true,"closed_dates":["2027-01-28","2027-01-29"]}`},
		{"no closed dates", `{"always_open":true,"closed_dates":[]}`, `{"always_open":true}`},
		{"nulls", `{"always_open":true,"weekly":null,"closed_dates":null}`, `{"always_open":true}`},
		{"empty weekly", `{"weekly":{}}`, `{"weekly":{}}`},
		{"empty days left out", `{"weekly":{"tue":[],"mon":null}}`, `{"weekly":{}}`},
		{"empty weekly with closed dates", `{"weekly":{},"closed_dates":["2027-01-28"]}`, `{"weekly":{},"closed_dates":["2027-01-28"]}`},
		{"days and intervals sorted",
			`{"always_open":false,"weekly":{"sun":[["22:00","06:00"]],"mon":[["13:00","18:00"],["08:00","12:00"]]}}`,
			`{"weekly":{"mon":[["08:00","12:00"],["13:00","18:00"]],"sun":[["22:00","06:00"]]}}`},
		{"midnight closes",
			`{"weekly":{"mon":[["20:00","00:00"]],"tue":[["00:00","00:00"]],"wed":[["08:00","08:00"]],"thu":[["00:00","24:00"]],"fri":[["22:00","24:00"]],"sat":[["22:00","00:01"]]}}`,
			`{"weekly":{"mon":[["20:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["08:00","08:00"]],"thu":[["00:00","24:00"]],"fri":[["22:00","24:00"]],"sat":[["22:00","00:01"]]}}`},
		{"overnight after an early interval",
			`{"weekly":{"sat":[["20:00","03:00"],["01:00","05:00"]]}}`,
			`{"weekly":{"sat":[["01:00","05:00"],["20:00","03:00"]]}}`},
		{"overnight into the same day's next week", `{"weekly":{"sun":[["23:59","23:58"]]}}`, `{"weekly":{"sun":[["23:59","23:58"]]}}`},
		{"whitespace and escapes",
			" \n{ \"weekly\" : { \"fri\" : [ [ \"\\u0030\\u0039:30\" , \"17:45\" ] ] } } \t",
			`{"weekly":{"fri":[["09:30","17:45"]]}}`},
		{"six intervals",
			`{"weekly":{"wed":[["11:00","12:00"],["01:00","02:00"],["03:00","04:00"],["05:00","06:00"],["07:00","08:00"],["09:00","10:00"]]}}`,
			`{"weekly":{"wed":[["01:00","02:00"],["03:00","04:00"],["05:00","06:00"],["07:00","08:00"],["09:00","10:00"],["11:00","12:00"]]}}`},
		{"extreme dates",
			`{"always_open":true,"closed_dates":["9999-12-31","2028-02-29","1969-12-31","0001-01-01"]}`,
			`{"always_open":true,"closed_dates":["0001-01-01","1969-12-31","2028-02-29","9999-12-31"]}`},
		{"366 dates", hoursDatesJSON(366), hoursDatesJSON(366)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hoursMustParse(t, tt.in)
			got := hoursMustMarshal(t, h)
			if got != tt.want {
				t.Errorf("MarshalJSON\n got %s\nwant %s", got, tt.want)
			}
			again := hoursMustParse(t, got)
			if !again.Equal(h) || !h.Equal(again) {
				t.Errorf("ParseHours(MarshalJSON(h)) not Equal to h: %s", got)
			}
			if got2 := hoursMustMarshal(t, again); got2 != got {
				t.Errorf("MarshalJSON not idempotent: %s then %s", got, got2)
			}
		})
	}
}

func TestHoursJSONField(t *testing.T) {
	type doc struct {
		Hours    station.Hours  `json:"hours"`
		Optional *station.Hours `json:"optional"`
	}
	const in = `{"hours":{"weekly":{"mon":[["08:00","20:00"]]}},"optional":null}`
	var d doc
	if err := json.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	if d.Optional != nil {
		t.Errorf("optional = %v, want nil", d.Optional)
	}
	if !d.Hours.Equal(hoursMustParse(t, `{"weekly":{"mon":[["08:00","20:00"]]}}`)) {
		t.Errorf("hours = %s", hoursMustMarshal(t, d.Hours))
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `{"hours":{"weekly":{"mon":[["08:00","20:00"]]}},"optional":null}`; got != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}
	d.Optional = &d.Hours
	out, _ = json.Marshal(d)
	if got, want := string(out), `{"hours":{"weekly":{"mon":[["08:00","20:00"]]}},"optional":{"weekly":{"mon":[["08:00","20:00"]]}}}`; got != want {
		t.Errorf("json.Marshal = %s, want %s", got, want)
	}

	// A bad value keeps its field paths, and leaves the Hours unchanged.
	d = doc{Hours: station.AlwaysOpen()}
	err = json.Unmarshal([]byte(`{"hours":{"weekly":{"mon":[["8:00","20:00"]]}}}`), &d)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "weekly.mon[0][0]" {
		t.Errorf("json.Unmarshal error = %#v, want Invalid at weekly.mon[0][0]", err)
	}
	if !d.Hours.Equal(station.AlwaysOpen()) {
		t.Errorf("hours changed by a failed Unmarshal: %s", hoursMustMarshal(t, d.Hours))
	}
	if err := json.Unmarshal([]byte(`{"hours":null}`), &d); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("null hours: error = %v, want Invalid", err)
	}
}

func TestHoursEqual(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"weekly":{}}`, `{"weekly":{"mon":[]}}`, true},
		{`{"always_open":true}`, `{"always_open":true,"closed_dates":[]}`, true},
		{`{"always_open":true}`, `{"always_open":true,"closed_dates":["2027-01-28"]}`, false},
		{`{"always_open":true,"closed_dates":["2027-01-28"]}`, `{"always_open":true,"closed_dates":["2027-01-29"]}`, false},
		{`{"weekly":{},"closed_dates":["2027-01-28"]}`, `{"weekly":{}}`, false},
		{`{"weekly":{"mon":[["20:00","00:00"]]}}`, `{"weekly":{"mon":[["20:00","24:00"]]}}`, true},
		{`{"weekly":{"mon":[["22:00","24:00"]]}}`, `{"weekly":{"mon":[["22:00","06:00"]]}}`, false},
		{`{"weekly":{"mon":[["22:00","05:00"]]}}`, `{"weekly":{"mon":[["22:00","06:00"]]}}`, false},
		{`{"weekly":{"mon":[["22:00","06:00"]]}}`, `{"weekly":{"tue":[["22:00","06:00"]]}}`, false},
		{`{"weekly":{"mon":[["08:00","12:00"],["12:00","18:00"]]}}`, `{"weekly":{"mon":[["08:00","18:00"]]}}`, false},
		{`{"weekly":{"mon":[["12:00","18:00"],["08:00","12:00"]]}}`, `{"weekly":{"mon":[["08:00","12:00"],["12:00","18:00"]]}}`, true},
		{`{"always_open":true}`, `{"weekly":{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}}`, false},
	}
	for _, tt := range tests {
		a, b := hoursMustParse(t, tt.a), hoursMustParse(t, tt.b)
		if got := a.Equal(b); got != tt.want {
			t.Errorf("%s.Equal(%s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := b.Equal(a); got != tt.want {
			t.Errorf("%s.Equal(%s) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
	if !station.AlwaysOpen().Equal(hoursMustParse(t, `{"always_open":true}`)) {
		t.Error(`AlwaysOpen() not Equal to {"always_open":true}`)
	}
}

func TestHoursIsAlwaysOpen(t *testing.T) {
	tests := []struct {
		h    station.Hours
		want bool
	}{
		{station.AlwaysOpen(), true},
		{hoursMustParse(t, `{"always_open":true}`), true},
		{hoursMustParse(t, `{"always_open":true,"closed_dates":["2027-01-28"]}`), false},
		{station.Hours{}, false},
		{hoursMustParse(t, `{"weekly":{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}}`), false},
	}
	for _, tt := range tests {
		if got := tt.h.IsAlwaysOpen(); got != tt.want {
			t.Errorf("%s.IsAlwaysOpen() = %v, want %v", hoursMustMarshal(t, tt.h), got, tt.want)
		}
	}
	if !station.AlwaysOpen().OpenAt(time.Unix(math.MinInt64, 0)) {
		t.Error("AlwaysOpen() closed at some instant")
	}
}

// The reference: a spec of hours written the simplest way, and the set of
// (Shanghai date, minute of the day) slots in which it is open, built by
// walking every minute of every interval.

type hoursRefSpec struct {
	always bool
	weekly [7][][2]string // Monday first; a nil day is left out of the JSON
	closed []string
}

var hoursRefDays = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func (s hoursRefSpec) JSON() []byte {
	m := map[string]any{}
	if s.always {
		m["always_open"] = true
	} else {
		weekly := map[string]any{}
		for w, intervals := range s.weekly {
			if intervals != nil {
				weekly[hoursRefDays[w]] = intervals
			}
		}
		m["weekly"] = weekly
	}
	if s.closed != nil {
		m["closed_dates"] = s.closed
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

type hoursSlot struct {
	date   string // YYYY-MM-DD in Shanghai
	minute int    // of the day
}

func hoursRefMinutes(hhmm string) int {
	var h, m int
	if _, err := fmt.Sscanf(hhmm, "%d:%d", &h, &m); err != nil {
		panic(err)
	}
	return h*60 + m
}

// hoursRefSlots lists the open slots of every date from first to
// first+days-1, counting intervals opened the day before first. first is a
// midnight in loc, which is Shanghai time.
func hoursRefSlots(s hoursRefSpec, first time.Time, days int) map[hoursSlot]bool {
	closed := map[string]bool{}
	for _, d := range s.closed {
		closed[d] = true
	}
	open := map[hoursSlot]bool{}
	for i := -1; i < days; i++ {
		day := first.AddDate(0, 0, i)
		date := day.Format(time.DateOnly)
		next := day.AddDate(0, 0, 1).Format(time.DateOnly)
		if closed[date] {
			continue
		}
		if s.always {
			for m := 0; m < 24*60; m++ {
				open[hoursSlot{date, m}] = true
			}
			continue
		}
		monday0 := (int(day.Weekday()) + 6) % 7
		for _, iv := range s.weekly[monday0] {
			from, to := hoursRefMinutes(iv[0]), hoursRefMinutes(iv[1])
			if to <= from {
				to += 24 * 60 // runs past midnight
			}
			for m := from; m < to; m++ {
				if m < 24*60 {
					open[hoursSlot{date, m}] = true
				} else {
					open[hoursSlot{next, m - 24*60}] = true
				}
			}
		}
	}
	return open
}

// hoursRandSpec returns random valid hours with closed dates near first.
func hoursRandSpec(r *rand.Rand, first time.Time, days int) hoursRefSpec {
	var s hoursRefSpec
	s.always = r.IntN(8) == 0
	for w := range s.weekly {
		if s.always || r.IntN(5) == 0 {
			continue
		}
		var intervals [][2]int
		pos := 0
		for range r.IntN(7) {
			var gap int
			switch r.IntN(4) {
			case 0: // touching the previous interval
			case 1:
				gap = 30 * r.IntN(12)
			default:
				gap = r.IntN(400)
			}
			if len(intervals) == 0 && r.IntN(3) == 0 {
				gap = 0 // from 00:00
			}
			open := pos + gap
			if open >= 24*60 {
				break
			}
			close := open + 1 + r.IntN(24*60-open)
			if r.IntN(2) == 0 {
				close = min(24*60, (close+29)/30*30)
			}
			intervals = append(intervals, [2]int{open, close})
			pos = close
		}
		if n := len(intervals); n > 0 && r.IntN(3) == 0 {
			// The last one runs past midnight, up to 24 hours.
			intervals[n-1][1] = r.IntN(intervals[n-1][0] + 1)
		}
		r.Shuffle(len(intervals), func(i, j int) { intervals[i], intervals[j] = intervals[j], intervals[i] })
		day := [][2]string{}
		for _, iv := range intervals {
			close := fmt.Sprintf("%02d:%02d", iv[1]/60, iv[1]%60)
			if iv[1] == 24*60 && r.IntN(2) == 0 {
				close = "00:00"
			}
			day = append(day, [2]string{fmt.Sprintf("%02d:%02d", iv[0]/60, iv[0]%60), close})
		}
		s.weekly[w] = day
	}
	if r.IntN(4) != 0 {
		s.closed = []string{}
		seen := map[string]bool{}
		for range r.IntN(5) {
			d := first.AddDate(0, 0, r.IntN(days+3)-2).Format(time.DateOnly)
			if !seen[d] {
				seen[d] = true
				s.closed = append(s.closed, d)
			}
		}
	}
	return s
}

// hoursRandInstant returns a random instant in the days from first, often on
// or just before a half hour, in a random Location.
func hoursRandInstant(r *rand.Rand, first time.Time, days int) time.Time {
	var at time.Time
	if r.IntN(2) == 0 {
		at = first.Add(time.Duration(r.IntN(days*48)) * 30 * time.Minute)
		if r.IntN(2) == 0 {
			at = at.Add(-time.Nanosecond)
			if at.Before(first) {
				at = first
			}
		}
	} else {
		at = first.Add(time.Duration(r.Int64N(int64(days) * int64(24*time.Hour))))
	}
	switch r.IntN(4) {
	case 0:
		return at.UTC()
	case 1:
		return at.In(hoursNewYork)
	case 2:
		return at.In(time.FixedZone("", (r.IntN(26*4)-12*4)*15*60))
	}
	return at
}

func TestHoursOpenAtMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(20270128, 1))
	const days = 3
	hours, instants := 3000, 50
	if testing.Short() {
		hours = 300
	}
	fixed := time.FixedZone("UTC+8", 8*60*60)
	for range hours {
		// The real Asia/Shanghai zone has had no DST since 1991; before 1970
		// the fixed offset checks the arithmetic on negative Unix times.
		loc, year := hoursShanghai, 1992+r.IntN(200)
		if r.IntN(10) == 0 {
			loc, year = fixed, 1600+r.IntN(370)
		}
		first := time.Date(year, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, loc)
		spec := hoursRandSpec(r, first, days)
		data := spec.JSON()
		h, err := station.ParseHours(data)
		if err != nil {
			t.Fatalf("ParseHours(%s): %v", data, err)
		}
		again := hoursMustParse(t, hoursMustMarshal(t, h))
		if !again.Equal(h) {
			t.Fatalf("round trip of %s gave %s, not Equal", data, hoursMustMarshal(t, again))
		}
		open := hoursRefSlots(spec, first, days)
		for range instants {
			at := hoursRandInstant(r, first, days)
			local := at.In(loc)
			want := open[hoursSlot{local.Format(time.DateOnly), local.Hour()*60 + local.Minute()}]
			if got := h.OpenAt(at); got != want {
				t.Fatalf("hours %s\nOpenAt(%s) (%s in Shanghai) = %v, want %v",
					data, at.Format(time.RFC3339Nano), local.Format("Mon 2006-01-02 15:04:05.999999999"), got, want)
			}
			if got := again.OpenAt(at); got != want {
				t.Fatalf("round-tripped hours %s\nOpenAt(%s) = %v, want %v", hoursMustMarshal(t, again), at.Format(time.RFC3339Nano), got, want)
			}
		}
	}
}

const hoursBenchJSON = `{"weekly":{
	"mon":[["08:00","12:00"],["13:30","18:00"]],
	"tue":[["08:00","12:00"],["13:30","18:00"]],
	"wed":[["08:00","12:00"],["13:30","18:00"]],
	"thu":[["08:00","12:00"],["13:30","18:00"]],
	"fri":[["08:00","12:00"],["13:30","18:00"],["20:00","02:00"]],
	"sat":[["09:00","17:00"]],
	"sun":[["22:00","06:00"]]},
	"closed_dates":["2027-01-01","2027-02-05","2027-02-06","2027-02-07","2027-02-08","2027-02-09",
	"2027-02-10","2027-02-11","2027-04-05","2027-05-01","2027-06-09","2027-09-15","2027-10-01"]}`

func TestHoursOpenAtDoesNotAllocate(t *testing.T) {
	h := hoursMustParse(t, hoursBenchJSON)
	at := time.Date(2027, 2, 8, 3, 0, 0, 0, hoursNewYork)
	if got := testing.AllocsPerRun(100, func() { hoursSink = h.OpenAt(at) }); got != 0 {
		t.Errorf("OpenAt allocates %v times, want 0", got)
	}
}

// BenchmarkOpenAt measures OpenAt on typical weekly hours with holidays, at
// random instants over two months.
func BenchmarkOpenAt(b *testing.B) {
	h := hoursMustParse(b, hoursBenchJSON)
	r := rand.New(rand.NewPCG(1, 2))
	at := make([]time.Time, 1024)
	first := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range at {
		at[i] = first.Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		hoursSink = h.OpenAt(at[i%len(at)])
		i++
	}
}

// FuzzHours checks that ParseHours never panics and either fails with an
// Invalid error or gives hours that survive a MarshalJSON round trip, and
// that OpenAt never panics. Its seeds are in testdata/fuzz/FuzzHours.
func FuzzHours(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, sec, nsec int64) {
		h, err := station.ParseHours(data)
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Fields) == 0 {
				t.Fatalf("ParseHours error = %#v, want Invalid with fields", err)
			}
			if !h.Equal(station.Hours{}) {
				t.Fatal("ParseHours returned non-zero Hours with an error")
			}
			return
		}
		out, err := h.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		again, err := station.ParseHours(out)
		if err != nil {
			t.Fatalf("ParseHours(MarshalJSON(h) = %s): %v", out, err)
		}
		if !again.Equal(h) || !h.Equal(again) {
			t.Fatalf("ParseHours(%s) not Equal to the hours parsed from %q", out, data)
		}
		if out2, _ := again.MarshalJSON(); !bytes.Equal(out, out2) {
			t.Fatalf("MarshalJSON not idempotent: %s then %s", out, out2)
		}
		at := time.Unix(sec, nsec)
		for _, at := range []time.Time{
			at, at.In(hoursNewYork), {},
			time.Unix(math.MaxInt64, 999999999), time.Unix(math.MinInt64, 0),
		} {
			if got, want := again.OpenAt(at), h.OpenAt(at); got != want {
				t.Fatalf("OpenAt(%v) = %v after a round trip of %s, %v before", at, got, out, want)
			}
		}
	})
}
