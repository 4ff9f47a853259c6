package console

import (
	"testing"

	"yizhan/internal/station"
)

// TestHoursEditor: what a clerk types becomes the API's hours, and the
// hours come back into the editor as they were typed.
func TestHoursEditor(t *testing.T) {
	days := func(vals ...string) [7]HoursDay {
		var d [7]HoursDay
		for i, k := range dayKeys {
			d[i].Key = k
			if i < len(vals) {
				d[i].Value = vals[i]
			}
		}
		return d
	}
	for _, tc := range []struct {
		name    string
		in      hoursForm
		want    string // canonical JSON; "" when the form is refused
		wantErr string // the field refused
	}{
		{"weekdays", hoursForm{Days: days("08:00-20:00", "08:00-20:00")}, `{"weekly":{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]]}}`, ""},
		{"two intervals, full-width punctuation and spaces", hoursForm{Days: days("8:00 - 12:00，14：00-20:00")}, `{"weekly":{"mon":[["08:00","12:00"],["14:00","20:00"]]}}`, ""},
		{"overnight", hoursForm{Days: days("", "", "", "", "", "", "22:00-06:00")}, `{"weekly":{"sun":[["22:00","06:00"]]}}`, ""},
		{"24 hours with closed dates", hoursForm{Always: true, Days: days("08:00-20:00"), Closed: "2027-02-07\n2027-02-06"}, `{"always_open":true,"closed_dates":["2027-02-06","2027-02-07"]}`, ""},
		{"closed all week", hoursForm{Days: days()}, `{"weekly":{}}`, ""},
		{"words are refused", hoursForm{Days: days("", "早上八点到晚上八点")}, "", "hours_tue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, errs := tc.in.toJSON()
			if tc.wantErr != "" {
				if errs[tc.wantErr] == "" {
					t.Fatalf("errors %v, want one for %s", errs, tc.wantErr)
				}
				return
			}
			if errs != nil {
				t.Fatalf("errors %v", errs)
			}
			h, err := station.ParseHours(raw)
			if err != nil {
				t.Fatalf("%s: %v", raw, err)
			}
			got, _ := h.MarshalJSON()
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			// Round trip: the editor filled from these hours gives them back.
			again, errs := hoursFormOf(h).toJSON()
			h2, err := station.ParseHours(again)
			if errs != nil || err != nil || !h2.Equal(h) {
				t.Errorf("round trip: %s (%v, %v), want %s", again, errs, err, got)
			}
		})
	}
}

func TestHoursSummary(t *testing.T) {
	for raw, want := range map[string]string{
		`{"always_open":true}`: "24 小时开放",
		`{"weekly":{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]],"wed":[["08:00","20:00"]],"sat":[["09:00","12:00"]],"sun":[["22:00","06:00"]]},"closed_dates":["2027-02-06"]}`: "周一至周三 08:00–20:00；周六 09:00–12:00；周日 22:00–次日06:00；休息日：2027-02-06",
		`{"weekly":{}}`: "每周都不开放",
	} {
		h, err := station.ParseHours([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if got := hoursSummary(h); got != want {
			t.Errorf("%s: got %q, want %q", raw, got, want)
		}
	}
}
