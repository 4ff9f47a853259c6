package httpapi_test

import (
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
)

// A query parameter a route does not read is refused, naming the closest
// one it does: amenity= on nearest used to be ignored, and the answer came
// back unfiltered.
func TestUnknownQueryParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	for _, tc := range []struct {
		path, token   string
		param, advice string
	}{
		{"/v1/stations/nearest?lat=29.45&lng=119.89&amenity=toilet", "", "amenity", "amenities"},
		{"/v1/stations/nearest?lat=29.45&lng=119.89&radius=500", "", "radius", "radius_m"},
		{"/v1/stations?limt=5", "", "limt", "limit"},
		{"/v1/stations?district=330726", "", "district", "district_code"},
		{"/v1/amenities?lang=zh", "", "lang", ""},
		{"/healthz?x=1", "", "x", ""},
		{"/v1/benefits?statu=draft", admin, "statu", "status"},
		{"/v1/membership-applications?distrct_code=330726", admin, "distrct_code", "district_code"},
	} {
		r := e.do(req{Method: "GET", Path: tc.path, Token: tc.token})
		if r.Status != 400 {
			t.Errorf("%s: %d, want 400 (%s)", tc.path, r.Status, truncate(r.Body))
			continue
		}
		p := r.Problem(t)
		if p.Code != apperr.UnknownParameter || len(p.Errors) != 1 || p.Errors[0].Field != tc.param {
			t.Errorf("%s: %+v, want unknown_parameter on %s", tc.path, p, tc.param)
			continue
		}
		if tc.advice != "" && !strings.Contains(p.Detail, `"`+tc.advice+`"`) {
			t.Errorf("%s: detail %q does not suggest %s", tc.path, p.Detail, tc.advice)
		}
	}
	// Every unknown parameter is named, in order.
	r := e.do(req{Method: "GET", Path: "/v1/stations/nearest?lat=29.45&lng=119.89&zoom=3&amenity=toilet"})
	if p := r.Problem(t); r.Status != 400 || p.Code != apperr.UnknownParameter || len(p.Errors) != 2 || p.Errors[0].Field != "amenity" || p.Errors[1].Field != "zoom" {
		t.Errorf("two unknown parameters: %d %s", r.Status, r.Body)
	}
	// A parameter given twice is refused too: which one was meant?
	r = e.do(req{Method: "GET", Path: "/v1/stations?limit=5&limit=50"})
	if p := r.Problem(t); r.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "limit" {
		t.Errorf("a repeated limit: %d %s", r.Status, r.Body)
	}
}

// amenities filters both the nearest search and the list; the list keeps
// amenity as an alias.
func TestAmenitiesOnListAndNearest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	with := stationBody("有厕所")
	with["amenities"] = []string{"toilet"}
	e.create(admin, with)
	without := stationBody("无厕所")
	without["amenities"] = []string{"hot_water"}
	e.create(admin, without)
	for _, path := range []string{
		"/v1/stations?amenities=toilet",
		"/v1/stations?amenity=toilet",
		"/v1/stations/nearest?lat=29.4521&lng=119.892&amenities=toilet",
	} {
		var page struct {
			Items []stationOut `json:"items"`
		}
		r := e.do(req{Method: "GET", Path: path})
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		r.JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0].Name != "有厕所" {
			t.Errorf("%s: %+v, want only the station with a toilet", path, page.Items)
		}
	}
}

// Numbers in query strings are plain decimals.
func TestQueryNumbersAreDecimal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const near = "/v1/stations/nearest?lat=29.45&lng=119.89"
	for _, tc := range []struct{ path, field string }{
		{near + "&limit=0x5", "limit"},
		{near + "&limit=1_0", "limit"},
		{near + "&limit=+5", "limit"},
		{near + "&radius_m=0x1p4", "radius_m"},
		{near + "&radius_m=1_20", "radius_m"},
		{near + "&radius_m=1e3", "radius_m"},
		{near + "&radius_m=Inf", "radius_m"},
		{near + "&radius_m=.5", "radius_m"},
		{"/v1/stations/nearest?lat=0x1dp0&lng=119.89", "lat"},
		{"/v1/stations/nearest?lat=29.45&lng=1_19.89", "lng"},
		{"/v1/stations?limit=1_0", "limit"},
		{"/v1/stations?limit=+5", "limit"},
	} {
		r := e.do(req{Method: "GET", Path: tc.path})
		if r.Status != 400 {
			t.Errorf("%s: %d, want 400 (%s)", tc.path, r.Status, truncate(r.Body))
			continue
		}
		if p := r.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: errors %+v, want one on %s", tc.path, p.Errors, tc.field)
		}
	}
	for _, path := range []string{near + "&limit=05&radius_m=500.25", "/v1/stations/nearest?lat=-0.0&lng=119&radius_m=100000"} {
		if r := e.do(req{Method: "GET", Path: path}); r.Status != 200 {
			t.Errorf("%s: %d %s", path, r.Status, r.Body)
		}
	}
}

// The routes' lists of query parameters and openapi.yaml agree.
func TestQueryParametersMatchOpenAPI(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			var names []string
			for _, ps := range [][]*openapi3.ParameterRef{item.Parameters, op.Parameters} {
				for _, p := range ps {
					if p.Value.In == "query" {
						names = append(names, p.Value.Name)
					}
				}
			}
			sort.Strings(names)
			documented[method+" "+echoPath(path)] = names
		}
	}
	served := httpapi.QueryParams()
	for route, names := range served {
		want, ok := documented[route]
		if !ok {
			t.Errorf("%s is served but not in openapi.yaml", route)
			continue
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: the server reads %v, openapi.yaml documents %v", route, names, want)
		}
	}
	for route := range documented {
		if _, ok := served[route]; !ok {
			t.Errorf("%s is in openapi.yaml but not served", route)
		}
	}
}

// echoPath turns /v1/stations/{id} into /v1/stations/:id.
func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(parts, "/")
}
