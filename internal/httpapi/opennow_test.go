package httpapi_test

import (
	"net/url"
	"testing"

	"yizhan/internal/auth"
)

// A search item's open_now is told at the instant the search asks about:
// `at`, or the moment of the answer. A courier who asks what will be open
// when the shift ends sees each station as it will be then, and a list
// filtered with open_now=true never shows an item marked closed.
func TestOpenNowIsToldAtTheInstantAsked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	morning := stationBody("早班驿站")
	morning["hours"] = map[string]any{"weekly": map[string]any{"mon": [][]string{{"08:00", "12:00"}}, "tue": [][]string{{"08:00", "12:00"}}}}
	st := e.create(admin, morning)
	// The clock says Monday 18:00 in Shanghai: closed now, open on Tuesday at 09:00.
	tuesday := "2026-12-01T09:00:00+08:00"
	route := [][]float64{{29.4521, 119.891}, {29.4521, 119.893}}
	for _, tc := range []struct {
		name   string
		query  url.Values
		body   map[string]any
		listed bool
		open   bool
	}{
		{"now", url.Values{}, map[string]any{}, true, false},
		{"at Tuesday 09:00", url.Values{"at": {tuesday}}, map[string]any{"at": tuesday}, true, true},
		{"open at Tuesday 09:00", url.Values{"at": {tuesday}, "open_now": {"true"}}, map[string]any{"at": tuesday, "open_now": true}, true, true},
		{"open now", url.Values{"open_now": {"true"}}, map[string]any{"open_now": true}, false, false},
	} {
		tc.query.Set("lat", "29.4521")
		tc.query.Set("lng", "119.892")
		tc.body["polyline"] = route
		var nearest, along struct {
			Items []stationOut `json:"items"`
		}
		e.do(req{Method: "GET", Path: "/v1/stations/nearest?" + tc.query.Encode()}).JSON(t, &nearest)
		e.do(req{Method: "POST", Path: "/v1/stations/along-route", Body: tc.body}).JSON(t, &along)
		for name, items := range map[string][]stationOut{"nearest": nearest.Items, "along-route": along.Items} {
			if !tc.listed {
				if len(items) != 0 {
					t.Errorf("%s, %s: listed %+v", tc.name, name, items)
				}
				continue
			}
			if len(items) != 1 || items[0].ID != st.ID || items[0].OpenNow != tc.open {
				t.Errorf("%s, %s: items %+v, want %s with open_now %v", tc.name, name, items, st.ID, tc.open)
			}
		}
	}
}
