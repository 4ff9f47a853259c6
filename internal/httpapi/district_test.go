package httpapi_test

import (
	"context"
	"slices"
	"testing"

	"yizhan/internal/auth"
	"yizhan/internal/station"
)

// District codes are checked against the national table, not only their
// shape, and answers name them.
func TestDistrictCodesExistAndAreNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	tok, _ := e.worker("oDistrict")
	app, _ := e.worker("oDistrictApply")

	stationIn := func(code string) map[string]any { b := stationBody("驿站"); b["district_code"] = code; return b }
	applicationIn := func(code string) map[string]any { b := validApplication(); b["district_code"] = code; return b }
	offerIn := func(codes ...string) map[string]any {
		b := e.offerBody("礼包", 5)
		b["eligibility"] = map[string]any{"district_codes": codes}
		return b
	}
	for _, tc := range []struct {
		name  string
		r     req
		field string
	}{
		{"a station in a county that does not exist", req{Method: "POST", Path: "/v1/stations", Token: admin, Body: stationIn("330799")}, "district_code"},
		{"a station in a development zone", req{Method: "POST", Path: "/v1/stations", Token: admin, Body: stationIn("330771")}, "district_code"},
		{"a station in 北京市市辖区", req{Method: "POST", Path: "/v1/stations", Token: admin, Body: stationIn("110100")}, "district_code"},
		{"a home county that does not exist", req{Method: "PATCH", Path: "/v1/me", Token: tok, Body: map[string]any{"district_code": "330799"}}, "district_code"},
		{"an application to a city", req{Method: "POST", Path: "/v1/me/membership-application", Token: app, Body: applicationIn("330700")}, "district_code"},
		{"an offer for a county that does not exist", req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: offerIn("330700", "330799")}, "eligibility.district_codes[1]"},
		{"a list filter that names no division", req{Method: "GET", Path: "/v1/stations?district_code=330799"}, "district_code"},
		{"an application filter that names no division", req{Method: "GET", Path: "/v1/membership-applications?district_code=990000", Token: admin}, "district_code"},
	} {
		r := e.do(tc.r)
		if r.Status != 400 {
			t.Errorf("%s: %d, want 400 (%s)", tc.name, r.Status, truncate(r.Body))
			continue
		}
		if p := r.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: errors %+v, want one on %s", tc.name, p.Errors, tc.field)
		}
	}
	if _, err := e.auth.CreateStaff(context.Background(), "nowhere", "correct horse battery", auth.DistrictStaff, []string{"330799"}, station.ValidDivisionCode); err == nil {
		t.Errorf("a staff account for district 330799 was created")
	}

	// Answers name the district.
	var st struct {
		DistrictName string `json:"district_name"`
	}
	r := e.do(req{Method: "POST", Path: "/v1/stations", Token: admin, Body: stationIn("330726")})
	if r.JSON(t, &st); r.Status != 201 || st.DistrictName != "浦江县" {
		t.Errorf("station: %d %s", r.Status, r.Body)
	}
	var near struct {
		Items []struct {
			DistrictName string `json:"district_name"`
		} `json:"items"`
	}
	for range 2 { // the second answer comes from the index's memo of the station
		e.do(req{Method: "GET", Path: "/v1/stations/nearest?lat=29.4521&lng=119.892"}).JSON(t, &near)
		if len(near.Items) != 1 || near.Items[0].DistrictName != "浦江县" {
			t.Errorf("nearest: %+v", near.Items)
		}
	}
	// 东城区 (110101) is a county-level district of Beijing; 东莞 (441900), a
	// city with no counties, is its own county. (A worker for each: a
	// non-member's home county changes once per 30 days.)
	for code, name := range map[string]string{"110101": "东城区", "441900": "东莞市"} {
		var me struct {
			DistrictName string `json:"district_name"`
		}
		tok, _ := e.worker("oDistrict" + code)
		r = e.do(req{Method: "PATCH", Path: "/v1/me", Token: tok, Body: map[string]any{"district_code": code}})
		if r.JSON(t, &me); r.Status != 200 || me.DistrictName != name {
			t.Errorf("home county %s: %d %s", code, r.Status, r.Body)
		}
	}
	var a struct {
		DistrictName string `json:"district_name"`
	}
	r = e.do(req{Method: "POST", Path: "/v1/me/membership-application", Token: app, Body: applicationIn("330726")})
	if r.JSON(t, &a); r.Status != 201 || a.DistrictName != "浦江县" {
		t.Errorf("application: %d %s", r.Status, r.Body)
	}
	var o struct {
		Eligibility struct {
			DistrictNames []string `json:"district_names"`
		} `json:"eligibility"`
	}
	r = e.do(req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: offerIn("330726", "330700", "330000")})
	if r.JSON(t, &o); r.Status != 201 || !slices.Equal(o.Eligibility.DistrictNames, []string{"浦江县", "金华市", "浙江省"}) {
		t.Errorf("offer: %d %s", r.Status, r.Body)
	}
}
