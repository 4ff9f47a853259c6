package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"yizhan/internal/auth"
)

// truthStation is a station as the truth tests read it.
type truthStation struct {
	ID              string `json:"id"`
	OpenNow         bool   `json:"open_now"`
	Version         int64  `json:"version"`
	NeedsReview     bool   `json:"needs_review"`
	LastConfirmedAt string `json:"last_confirmed_at"`
	VerifiedAt      string `json:"verified_at"`
	AmenityStatus   map[string]struct {
		ConfirmedAt      string `json:"confirmed_at"`
		ReportedBrokenAt string `json:"reported_broken_at"`
	} `json:"amenity_status"`
	Notices []struct {
		Kind    string `json:"kind"`
		Amenity string `json:"amenity"`
		InForce bool   `json:"in_force"`
	} `json:"notices"`
}

func (e *env) truthStation(id string) (truthStation, response) {
	e.t.Helper()
	r := e.do(req{Method: "GET", Path: "/v1/stations/" + id})
	if r.Status != http.StatusOK {
		e.t.Fatalf("get station: %d %s", r.Status, r.Body)
	}
	var st truthStation
	r.JSON(e.t, &st)
	return st, r
}

func TestCheckinsShowOnThePublicStation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	st := e.create(admin, stationBody("浦阳街道人民东路驿站")) // 29.4521, 119.892 WGS-84; ebike_charging, toilet
	token, workerID := e.worker("oCheckin")
	path := "/v1/stations/" + st.ID + "/checkins"
	body := map[string]any{"lat": 29.4521, "lng": 119.8931, "working": []string{"toilet"}, "broken": []string{"ebike_charging"},
		"note": "充电桩坏了"} // about 106 m east

	r := e.do(req{Method: "POST", Path: path, Token: token, Body: body})
	if r.Status != http.StatusCreated {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	got, raw := e.truthStation(st.ID)
	if got.LastConfirmedAt != "2026-11-30T18:00:00+08:00" || got.AmenityStatus["toilet"].ConfirmedAt == "" ||
		got.AmenityStatus["ebike_charging"].ReportedBrokenAt == "" || got.Version != st.Version {
		t.Errorf("public view after a check-in: %s", raw.Body)
	}
	if strings.Contains(string(raw.Body), workerID.String()) || strings.Contains(string(raw.Body), "worker") {
		t.Errorf("the public view names the worker: %s", raw.Body)
	}

	// Again within the hour: 429 until 19:00 Shanghai time.
	e.clock.Set(e.clock.Now().Add(40 * time.Minute))
	r = e.do(req{Method: "POST", Path: path, Token: token, Body: body})
	if p := r.Problem(t); r.Status != http.StatusTooManyRequests || p.Code != "too_frequent" || r.Header.Get("Retry-After") != "1200" {
		t.Errorf("second check-in: %d %s Retry-After %q", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	e.clock.Set(e.clock.Now().Add(20 * time.Minute))

	// 400 m away, in GCJ-02 as WeChat gives it: too far.
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
		field  string
	}{
		{"too far", map[string]any{"lat": 29.4557, "lng": 119.892}, 422, "too_far", ""},
		{"near in gcj02", map[string]any{"lat": 29.4521 - 0.0028, "lng": 119.892 + 0.0046, "crs": "gcj02"}, 201, "", ""},
		{"missing lat", map[string]any{"lng": 119.892}, 400, "invalid", "lat"},
		{"outside China", map[string]any{"lat": 48.8566, "lng": 2.3522}, 400, "invalid", "lat"},
		{"swapped", map[string]any{"lat": 119.892, "lng": 29.4521}, 400, "invalid", "lat"},
		{"unknown amenity", map[string]any{"lat": 29.4521, "lng": 119.892, "working": []string{"sauna"}}, 400, "invalid", "working[0]"},
		{"amenity the station lacks", map[string]any{"lat": 29.4521, "lng": 119.892, "broken": []string{"wifi"}}, 400, "invalid", "broken[0]"},
		{"long note", map[string]any{"lat": 29.4521, "lng": 119.892, "note": strings.Repeat("长", 501)}, 400, "invalid", "note"},
		{"unknown field", map[string]any{"lat": 29.4521, "lng": 119.892, "accuracy": 5}, 400, "invalid", "accuracy"},
	} {
		r := e.do(req{Method: "POST", Path: path, Token: token, Body: c.body})
		if r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
			continue
		}
		if c.status == 201 {
			e.clock.Set(e.clock.Now().Add(time.Hour))
			continue
		}
		p := r.Problem(t)
		if string(p.Code) != c.code || c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: %s", c.name, r.Body)
		}
		if strings.Contains(string(r.Body), "29.45") || strings.Contains(string(r.Body), "48.85") || strings.Contains(string(r.Body), "119.8") {
			t.Errorf("%s: the answer repeats the worker's position: %s", c.name, r.Body)
		}
	}
	if r := e.do(req{Method: "POST", Path: path, Token: admin, Body: body}); r.Status != http.StatusForbidden {
		t.Errorf("staff check-in: %d", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/stations/0193a5c2-7f10-7a4e-9c1d-5b2f3e4d6a70/checkins", Token: token, Body: body}); r.Status != http.StatusNotFound {
		t.Errorf("no such station: %d", r.Status)
	}
}

func TestReportsFlagAndTheStaffQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	inside := e.staff("pujiang", auth.DistrictStaff, "330700")
	outside := e.staff("lishui", auth.DistrictStaff, "331102")
	st := e.create(admin, stationBody("浦阳街道人民东路驿站"))
	path := "/v1/stations/" + st.ID + "/reports"
	var reportIDs []string
	for i := range 3 {
		token, _ := e.worker(fmt.Sprintf("oReport%d", i))
		r := e.do(req{Method: "POST", Path: path, Token: token, Body: map[string]any{"category": "closed_when_open", "note": "晚上九点门锁着"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("report %d: %d %s", i, r.Status, r.Body)
		}
		var out struct{ ID, Status string }
		r.JSON(t, &out)
		reportIDs = append(reportIDs, out.ID)
		if got, _ := e.truthStation(st.ID); got.NeedsReview != (i == 2) {
			t.Errorf("after %d reports: needs_review %v", i+1, got.NeedsReview)
		}
	}
	list := e.do(req{Method: "GET", Path: "/v1/stations?needs_review=true"})
	if !strings.Contains(string(list.Body), st.ID) {
		t.Errorf("needs_review=true misses the station: %s", list.Body)
	}

	queue := func(token, query string) []string {
		r := e.do(req{Method: "GET", Path: "/v1/reports?" + query, Token: token})
		if r.Status != http.StatusOK {
			t.Fatalf("queue %s: %d %s", query, r.Status, r.Body)
		}
		var page struct{ Items []struct{ ID string } }
		r.JSON(t, &page)
		var ids []string
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	if got := queue(inside, "status=open&district_code=330726"); len(got) != 3 {
		t.Errorf("the county's queue: %v", got)
	}
	if got := queue(outside, "status=open"); len(got) != 0 {
		t.Errorf("another county's staff see %v", got)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/reports/" + reportIDs[0] + "/dismiss", Token: outside, Body: map[string]any{"note": "不归我管"}}); r.Status != http.StatusForbidden {
		t.Errorf("dismiss out of district: %d", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/reports/" + reportIDs[0] + "/dismiss", Token: inside, Body: map[string]any{}}); r.Status != http.StatusBadRequest {
		t.Errorf("dismiss without a note: %d", r.Status)
	}
	r := e.do(req{Method: "POST", Path: "/v1/reports/" + reportIDs[0] + "/resolve", Token: inside, Body: map[string]any{"note": "已调整开放时间"}})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"decided_by"`) {
		t.Fatalf("resolve: %d %s", r.Status, r.Body)
	}
	if got, _ := e.truthStation(st.ID); got.NeedsReview {
		t.Error("still flagged with two open reports")
	}
	if r := e.do(req{Method: "POST", Path: "/v1/reports/" + reportIDs[0] + "/dismiss", Token: inside, Body: map[string]any{"note": "x"}}); r.Status != http.StatusConflict {
		t.Errorf("deciding twice: %d", r.Status)
	}
	if got := queue(admin, "status=resolved"); len(got) != 1 {
		t.Errorf("resolved: %v", got)
	}

	// The worker follows their report and sees the decision, not who made it.
	token, _ := e.worker("oReport0")
	mine := e.do(req{Method: "GET", Path: "/v1/me/reports", Token: token})
	if !strings.Contains(string(mine.Body), "已调整开放时间") || strings.Contains(string(mine.Body), "decided_by") {
		t.Errorf("my reports: %s", mine.Body)
	}

	// Five a day.
	for i := range 5 {
		r := e.do(req{Method: "POST", Path: path, Token: token, Body: map[string]any{"category": "dirty"}})
		want := http.StatusCreated
		if i == 4 {
			want = http.StatusTooManyRequests
		}
		if r.Status != want {
			t.Errorf("report %d of the day: %d %s", i+2, r.Status, r.Body)
		}
	}
	for i, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no category", map[string]any{}, "category"},
		{"unknown category", map[string]any{"category": "noisy"}, "category"},
		{"amenity needed", map[string]any{"category": "amenity_broken"}, "amenity"},
		{"long note", map[string]any{"category": "other", "note": strings.Repeat("x", 501)}, "note"},
	} {
		other, _ := e.worker(fmt.Sprintf("oBad%d", i))
		r := e.do(req{Method: "POST", Path: path, Token: other, Body: c.body})
		if p := r.Problem(t); r.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != c.field {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
}

func TestNoticesInSearchesAndVisits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	outside := e.staff("lishui", auth.DistrictStaff, "331102")
	st := e.create(admin, stationBody("浦阳街道人民东路驿站")) // always open; ebike_charging, toilet
	now := e.clock.Now()
	nearest := func(query string) []truthStation {
		r := e.do(req{Method: "GET", Path: "/v1/stations/nearest?lat=29.4521&lng=119.892&" + query})
		if r.Status != http.StatusOK {
			t.Fatalf("nearest %s: %d %s", query, r.Status, r.Body)
		}
		var page struct{ Items []truthStation }
		r.JSON(t, &page)
		return page.Items
	}
	notice := func(token string, body map[string]any) response {
		return e.do(req{Method: "POST", Path: "/v1/stations/" + st.ID + "/notices", Token: token, Body: body})
	}
	at := func(d time.Duration) string { return url.QueryEscape(now.Add(d).Format(time.RFC3339)) }

	r := notice(admin, map[string]any{"kind": "temporarily_closed", "from": now.Add(time.Hour).Format(time.RFC3339),
		"until": now.Add(3 * time.Hour).Format(time.RFC3339), "message": "网点装修，暂停开放两小时"})
	if r.Status != http.StatusCreated {
		t.Fatalf("notice: %d %s", r.Status, r.Body)
	}
	if got := nearest("open_now=true"); len(got) != 1 || len(got[0].Notices) != 1 || got[0].Notices[0].InForce {
		t.Errorf("before the closure: %+v", got)
	}
	if got := nearest("open_now=true&at=" + at(2*time.Hour)); len(got) != 0 {
		t.Errorf("during the closure, open_now=true: %+v", got)
	}
	if got := nearest("at=" + at(2*time.Hour)); len(got) != 1 || got[0].OpenNow || !got[0].Notices[0].InForce {
		t.Errorf("during the closure: %+v", got)
	}
	if got := nearest("open_now=true&at=" + at(3*time.Hour)); len(got) != 1 || !got[0].OpenNow || len(got[0].Notices) != 0 {
		t.Errorf("after the closure: %+v", got)
	}

	r = notice(admin, map[string]any{"kind": "amenity_unavailable", "amenity": "toilet",
		"until": now.Add(24 * time.Hour).Format(time.RFC3339), "message": "卫生间维修"})
	if r.Status != http.StatusCreated {
		t.Fatalf("amenity notice: %d %s", r.Status, r.Body)
	}
	if got := nearest("amenities=toilet"); len(got) != 0 {
		t.Errorf("toilet unavailable still matches: %+v", got)
	}
	if got := nearest("amenities=ebike_charging"); len(got) != 1 {
		t.Errorf("the other amenity: %+v", got)
	}
	route := e.do(req{Method: "POST", Path: "/v1/stations/along-route", Body: map[string]any{
		"polyline": [][]float64{{29.45, 119.89}, {29.455, 119.895}}, "amenities": []string{"toilet"}}})
	if strings.Contains(string(route.Body), st.ID) {
		t.Errorf("along-route ignores the notice: %s", route.Body)
	}
	if got := nearest("amenities=toilet&at=" + at(25*time.Hour)); len(got) != 1 {
		t.Errorf("after the notice expired: %+v", got)
	}
	// Who posted a notice is not shown: the poster's actor name appears as
	// the station's created_by and updated_by only.
	if got, raw := e.truthStation(st.ID); got.Version != st.Version || len(got.Notices) != 2 ||
		strings.Count(string(raw.Body), actorOf(t, raw)) != 2 {
		t.Errorf("the station after notices: %s", raw.Body)
	}

	for _, c := range []struct {
		name   string
		token  string
		body   map[string]any
		status int
	}{
		{"out of district", outside, map[string]any{"kind": "temporarily_closed", "until": now.Add(time.Hour).Format(time.RFC3339), "message": "x"}, 403},
		{"until in the past", admin, map[string]any{"kind": "temporarily_closed", "until": now.Add(-time.Hour).Format(time.RFC3339), "message": "x"}, 400},
		{"bad time", admin, map[string]any{"kind": "temporarily_closed", "until": "tomorrow", "message": "x"}, 400},
		{"amenity not listed", admin, map[string]any{"kind": "amenity_unavailable", "amenity": "wifi", "until": now.Add(time.Hour).Format(time.RFC3339), "message": "x"}, 400},
		{"no message", admin, map[string]any{"kind": "temporarily_closed", "until": now.Add(time.Hour).Format(time.RFC3339)}, 400},
	} {
		if r := notice(c.token, c.body); r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}

	// Visits: verified_at on the station, who only to staff; stale_days.
	stale := func() bool {
		r := e.do(req{Method: "GET", Path: "/v1/stations?stale_days=1"})
		return strings.Contains(string(r.Body), st.ID)
	}
	if !stale() {
		t.Error("a station never verified is not stale")
	}
	if r := e.do(req{Method: "POST", Path: "/v1/stations/" + st.ID + "/verify", Token: outside}); r.Status != http.StatusForbidden {
		t.Errorf("verify out of district: %d", r.Status)
	}
	r = e.do(req{Method: "POST", Path: "/v1/stations/" + st.ID + "/verify", Token: admin})
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"verified_by":"staff:`) || strings.Contains(string(r.Body), "admin1") {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	if got, raw := e.truthStation(st.ID); got.VerifiedAt != "2026-11-30T18:00:00+08:00" || strings.Contains(string(raw.Body), "verified_by") {
		t.Errorf("after a visit: %s", raw.Body)
	}
	if stale() {
		t.Error("a station verified now is stale")
	}
	e.clock.Set(now.Add(25 * time.Hour))
	if !stale() {
		t.Error("a station verified a day and an hour ago is not stale")
	}
	if r := e.do(req{Method: "GET", Path: "/v1/stations?stale_days=0"}); r.Status != 400 {
		t.Errorf("stale_days=0: %d", r.Status)
	}
}

// Bad input to the truth routes gets a 4xx problem, never a 500.
func TestBadTruthInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	st := e.create(admin, stationBody("浦阳街道人民东路驿站"))
	worker, _ := e.worker("oBadTruth")
	big := `{"note":"` + strings.Repeat("x", 2<<20) + `"}`
	for _, c := range []struct {
		name        string
		method      string
		path        string
		token       string
		body        any
		contentType string
		status      int
		field       string
	}{
		{"checkin not JSON", "POST", "/checkins", worker, "lat=1", "", 400, ""},
		{"checkin as text", "POST", "/checkins", worker, `{"lat":29.45,"lng":119.89}`, "text/plain", 415, ""},
		{"checkin lat a string", "POST", "/checkins", worker, map[string]any{"lat": "29.45", "lng": 119.89}, "", 400, "lat"},
		{"checkin working a string", "POST", "/checkins", worker, map[string]any{"lat": 29.45, "lng": 119.89, "working": "toilet"}, "", 400, "working"},
		{"checkin NaN-ish", "POST", "/checkins", worker, `{"lat":1e999,"lng":119.89}`, "", 400, "lat"},
		{"checkin huge", "POST", "/checkins", worker, big, "", 413, ""},
		{"checkin trailing data", "POST", "/checkins", worker, `{"lat":29.45,"lng":119.89} {}`, "", 400, ""},
		{"report category a number", "POST", "/reports", worker, map[string]any{"category": 5}, "", 400, "category"},
		{"report note a list", "POST", "/reports", worker, map[string]any{"category": "other", "note": []string{"a"}}, "", 400, "note"},
		{"report control characters", "POST", "/reports", worker, map[string]any{"category": "other", "note": "a\u202eb"}, "", 400, "note"},
		{"notice from a number", "POST", "/notices", admin, map[string]any{"kind": "temporarily_closed", "from": 5, "until": "2026-12-01T00:00:00+08:00", "message": "x"}, "", 400, "from"},
		{"notice bad date", "POST", "/notices", admin, map[string]any{"kind": "temporarily_closed", "until": "2026-13-01T00:00:00+08:00", "message": "x"}, "", 400, "until"},
		{"notice unknown kind", "POST", "/notices", admin, map[string]any{"kind": "flooded", "until": "2026-12-01T00:00:00+08:00", "message": "x"}, "", 400, "kind"},
	} {
		r := e.do(req{Method: c.method, Path: "/v1/stations/" + st.ID + c.path, Token: c.token, Body: c.body, ContentType: c.contentType})
		if r.Status != c.status {
			t.Errorf("%s: %d %s", c.name, r.Status, truncate(r.Body))
			continue
		}
		if p := r.Problem(t); c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: %s", c.name, r.Body)
		}
	}
	for _, c := range []struct {
		method, path, token string
		body                any
		status              int
	}{
		{"POST", "/v1/stations/nope/checkins", worker, map[string]any{"lat": 29.45, "lng": 119.89}, 404},
		{"POST", "/v1/stations/nope/verify", admin, nil, 404},
		{"POST", "/v1/reports/nope/resolve", admin, map[string]any{"note": "x"}, 404},
		{"POST", "/v1/reports/0193a5d0-1c2b-7e3f-8a9b-0c1d2e3f4a5b/dismiss", admin, map[string]any{"note": "x"}, 404},
		{"POST", "/v1/reports/0193a5d0-1c2b-7e3f-8a9b-0c1d2e3f4a5b/resolve", admin, map[string]any{"note": 5}, 400},
		{"GET", "/v1/reports?status=bogus", admin, nil, 400},
		{"GET", "/v1/reports?district_code=abc", admin, nil, 400},
		{"GET", "/v1/reports?station_id=1", admin, nil, 400},
		{"GET", "/v1/reports?limit=0", admin, nil, 400},
		{"GET", "/v1/reports?cursor=!!!", admin, nil, 400},
		{"GET", "/v1/reports?colour=red", admin, nil, 400},
		{"GET", "/v1/me/reports?limit=1000", worker, nil, 400},
		{"GET", "/v1/stations?needs_review=maybe", "", nil, 400},
		{"GET", "/v1/stations?stale_days=abc", "", nil, 400},
		{"GET", "/v1/stations?stale_days=99999999999999999999", "", nil, 400},
	} {
		r := e.do(req{Method: c.method, Path: c.path, Token: c.token, Body: c.body})
		if r.Status != c.status {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, truncate(r.Body))
			continue
		}
		r.Problem(t)
	}
}

// actorOf is the created_by of the station in r.
func actorOf(t *testing.T, r response) string {
	t.Helper()
	var st struct {
		CreatedBy string `json:"created_by"`
	}
	r.JSON(t, &st)
	if st.CreatedBy == "" {
		t.Fatalf("no created_by in %s", r.Body)
	}
	return st.CreatedBy
}
