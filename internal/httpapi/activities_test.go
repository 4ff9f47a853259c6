package httpapi_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"yizhan/internal/auth"
)

type activityOut struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Capacity    int    `json:"capacity"`
	Confirmed   int    `json:"confirmed"`
	Waitlisted  int    `json:"waitlisted"`
	PlacesLeft  int    `json:"places_left"`
	StationName string `json:"station_name"`
	Version     int64  `json:"version"`
}

type signupOut struct {
	SignupID  string `json:"signup_id"`
	Status    string `json:"status"`
	Position  *int   `json:"position"`
	Code      string `json:"code"`
	QRPayload string `json:"qr_payload"`
}

// activityBody is a published course of the capacity at the station, three
// hours after the test clock (staff sessions last 12), for Pujiang's
// workers.
func (e *env) activityBody(stationID string, capacity int) map[string]any {
	start := e.clock.Now().Add(3 * time.Hour)
	return map[string]any{
		"title":       "电动车安全骑行课",
		"description": "交警讲解雨天骑行",
		"category":    "course",
		"station_id":  stationID,
		"starts_at":   start,
		"ends_at":     start.Add(2 * time.Hour),
		"capacity":    capacity,
		"eligibility": map[string]any{"district_codes": []string{"330726"}},
		"status":      "published",
	}
}

func (e *env) signUp(token, activityID, key string) response {
	e.t.Helper()
	return e.do(req{Method: "POST", Path: "/v1/activities/" + activityID + "/signups", Token: token, Header: map[string]string{"Idempotency-Key": key}})
}

func (e *env) mustSignUp(token, activityID, key string) signupOut {
	e.t.Helper()
	r := e.signUp(token, activityID, key)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("sign up: %d %s", r.Status, r.Body)
	}
	var s signupOut
	r.JSON(e.t, &s)
	return s
}

// An activity from its creation to the door: workers find it nearest
// first, sign up (two places, then the waiting line), retry, cancel (the
// first in line is promoted, with one notification), and staff read the
// roster, download it and check people in by code; afterwards the one who
// did not come counts as a no-show.
func TestActivityLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	other := e.staff("lanxi", auth.DistrictStaff, "330781")
	st := e.create(admin, stationBody("浦阳驿站"))

	r := e.do(req{Method: "POST", Path: "/v1/activities", Token: pujiang, Body: e.activityBody(st.ID, 2)})
	if r.Status != http.StatusCreated || r.Header.Get("ETag") != `"1"` || !strings.HasPrefix(r.Header.Get("Location"), "/v1/activities/") {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var a activityOut
	r.JSON(t, &a)
	if a.Status != "published" || a.PlacesLeft != 2 || a.StationName != "浦阳驿站" {
		t.Fatalf("created = %+v", a)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/activities/" + a.ID, Token: other}); r.Status != http.StatusForbidden {
		t.Errorf("staff of another county read it: %d", r.Status)
	}
	// A draft far away, and one for members only: neither is listed.
	far := e.activityBody(st.ID, 5)
	far["status"] = "draft"
	e.do(req{Method: "POST", Path: "/v1/activities", Token: pujiang, Body: far})
	members := e.activityBody(st.ID, 5)
	members["eligibility"] = map[string]any{"members_only": true, "district_codes": []string{"330726"}}
	e.do(req{Method: "POST", Path: "/v1/activities", Token: pujiang, Body: members})

	tokens := make([]string, 3)
	for i := range tokens {
		tokens[i], _ = e.worker("oRider" + string(rune('A'+i)))
		if r := e.do(req{Method: "PATCH", Path: "/v1/me", Token: tokens[i], ContentType: "application/merge-patch+json",
			Body: map[string]any{"district_code": "330726"}}); r.Status != 200 {
			t.Fatalf("set home county: %d %s", r.Status, r.Body)
		}
	}
	r = e.do(req{Method: "GET", Path: "/v1/activities?lat=29.4521&lng=119.892&crs=wgs84", Token: tokens[0]})
	var list struct {
		Items []struct {
			ID         string
			PlacesLeft int      `json:"places_left"`
			DistanceM  *float64 `json:"distance_m"`
		}
	}
	r.JSON(t, &list)
	if r.Status != 200 || len(list.Items) != 1 || list.Items[0].ID != a.ID || list.Items[0].PlacesLeft != 2 ||
		list.Items[0].DistanceM == nil || *list.Items[0].DistanceM > 1 {
		t.Fatalf("worker's listing: %d %s", r.Status, r.Body)
	}

	s0 := e.mustSignUp(tokens[0], a.ID, "tap-0")
	s1 := e.mustSignUp(tokens[1], a.ID, "tap-1")
	s2 := e.mustSignUp(tokens[2], a.ID, "tap-2")
	if s0.Status != "confirmed" || s1.Status != "confirmed" || s2.Status != "waitlisted" || s2.Position == nil || *s2.Position != 1 ||
		s0.Position != nil || s0.QRPayload != "yizhan:activity:"+s0.Code {
		t.Fatalf("sign-ups: %+v %+v %+v", s0, s1, s2)
	}
	r = e.signUp(tokens[2], a.ID, "tap-2")
	var again signupOut
	r.JSON(t, &again)
	if r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "true" || again.SignupID != s2.SignupID {
		t.Errorf("retry: %d %s", r.Status, r.Body)
	}
	r = e.signUp(tokens[2], a.ID, "tap-3")
	if r.Status != http.StatusConflict || r.Problem(t).Code != "already_signed_up" {
		t.Errorf("a second sign-up: %d %s", r.Status, r.Body)
	}

	// The first cancels: the waitlisted worker is promoted, and told.
	r = e.do(req{Method: "DELETE", Path: "/v1/activities/" + a.ID + "/signups/me", Token: tokens[0]})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"cancelled"`) {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "GET", Path: "/v1/activities/" + a.ID + "/signups/me", Token: tokens[2]})
	var mine signupOut
	r.JSON(t, &mine)
	if mine.Status != "confirmed" || mine.Position != nil {
		t.Errorf("the waitlisted worker after the cancellation: %s", r.Body)
	}
	var events int
	var title string
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*), max(data->>'title') FROM notification_outbox
		WHERE event = 'waitlist_promoted' AND dedup_key = 'waitlist_promoted:' || $1`, s2.SignupID).Scan(&events, &title); err != nil || events != 1 || title != "电动车安全骑行课" {
		t.Errorf("outbox: %d events titled %q (%v), want 1", events, title, err)
	}

	// Check-in at the door, from two hours before the start.
	checkIn := func(code string) response {
		return e.do(req{Method: "POST", Path: "/v1/activities/" + a.ID + "/checkins", Token: pujiang, Body: map[string]any{"code": code}})
	}
	if r := checkIn(s1.Code); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != "not_open" {
		t.Errorf("check-in three hours early: %d %s", r.Status, r.Body)
	}
	e.clock.Set(e.clock.Now().Add(90 * time.Minute))
	r = checkIn(" " + strings.ToLower(s1.Code))
	if r.Status != 200 || !strings.Contains(string(r.Body), `"status":"checked_in"`) {
		t.Errorf("check-in: %d %s", r.Status, r.Body)
	}
	if r := checkIn("yizhan:activity:" + s1.Code); r.Status != http.StatusConflict || r.Problem(t).Code != "already_checked_in" {
		t.Errorf("check-in twice: %d %s", r.Status, r.Body)
	}
	if r := checkIn(s0.Code); r.Status != http.StatusConflict || r.Problem(t).Code != "not_confirmed" {
		t.Errorf("check-in of a cancelled sign-up: %d %s", r.Status, r.Body)
	}
	if r := checkIn("ZZZZZZZZ"); r.Status != http.StatusNotFound {
		t.Errorf("check-in of an unknown code: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/activities/" + a.ID + "/checkins", Token: other, Body: map[string]any{"code": s2.Code}}); r.Status != http.StatusForbidden {
		t.Errorf("check-in by staff of another county: %d %s", r.Status, r.Body)
	}

	// After the end, the promoted worker who never came is a no-show.
	e.clock.Set(e.clock.Now().Add(4 * time.Hour))
	if r := e.do(req{Method: "DELETE", Path: "/v1/activities/" + a.ID + "/signups/me", Token: tokens[2]}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("cancel after the start: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "GET", Path: "/v1/activities/" + a.ID + "/signups", Token: pujiang})
	var roster struct {
		Confirmed int
		Items     []struct {
			Status        string
			NoShow        bool `json:"no_show"`
			WorkerNoShows int  `json:"worker_no_shows"`
			Name          string
		}
	}
	r.JSON(t, &roster)
	if r.Status != 200 || len(roster.Items) != 3 || roster.Confirmed != 2 {
		t.Fatalf("roster: %d %s", r.Status, r.Body)
	}
	got := []string{}
	for _, it := range roster.Items {
		got = append(got, it.Status)
		if it.NoShow != (it.Status == "confirmed") || it.NoShow && it.WorkerNoShows != 1 {
			t.Errorf("roster entry %+v", it)
		}
	}
	if strings.Join(got, ",") != "cancelled,checked_in,confirmed" {
		t.Errorf("roster statuses %v", got)
	}
	if strings.Contains(string(r.Body), s1.Code) {
		t.Error("the roster shows a sign-up code")
	}

	r = e.do(req{Method: "GET", Path: "/v1/activities/" + a.ID + "/signups.csv", Token: pujiang})
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "\uFEFF报名编号,活动名称,报名序号,状态") {
		t.Fatalf("csv: %d %.200s", r.Status, r.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.Body), "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 4 || rows[2][3] != "已签到" || rows[3][11] != "是" || rows[3][12] != "1" {
		t.Errorf("csv rows %q (%v)", rows, err)
	}

	// Finished, it can no longer be cancelled or published again.
	if r := e.do(req{Method: "PATCH", Path: "/v1/activities/" + a.ID, Token: pujiang, ContentType: "application/merge-patch+json",
		Body: map[string]any{"status": "finished"}}); r.Status != 200 {
		t.Errorf("finish: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "PATCH", Path: "/v1/activities/" + a.ID, Token: pujiang, ContentType: "application/merge-patch+json",
		Body: map[string]any{"status": "published"}}); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("publish a finished activity: %d %s", r.Status, r.Body)
	}
}

// Bad input is refused with a stable code and changes nothing; each kind of
// caller gets its own listing and refuses the other's parameters.
func TestActivityBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	st := e.create(admin, stationBody("浦阳驿站"))
	token, _ := e.worker("oRider1")
	var a activityOut
	e.do(req{Method: "POST", Path: "/v1/activities", Token: pujiang, Body: e.activityBody(st.ID, 2)}).JSON(t, &a)

	bad := e.activityBody(st.ID, 0)
	bad["address"] = "大桥路"
	bad["ends_at"] = e.clock.Now()
	bad["category"] = "party"
	r := e.do(req{Method: "POST", Path: "/v1/activities", Token: pujiang, Body: bad})
	if r.Status != 400 || len(r.Problem(t).Errors) != 4 {
		t.Errorf("a bad document: %d %s", r.Status, r.Body)
	}
	open := e.activityBody(st.ID, 2)
	delete(open, "eligibility")
	if r := e.do(req{Method: "POST", Path: "/v1/activities", Token: pujiang, Body: open}); r.Status != http.StatusForbidden {
		t.Errorf("district staff creates one for everywhere: %d %s", r.Status, r.Body)
	}
	past := e.activityBody(st.ID, 2)
	past["starts_at"], past["ends_at"] = e.clock.Now().Add(-time.Hour), e.clock.Now().Add(time.Hour)
	if r := e.do(req{Method: "POST", Path: "/v1/activities", Token: pujiang, Body: past}); r.Status != 400 {
		t.Errorf("publishing one that has started: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/activities", Token: token, Body: e.activityBody(st.ID, 2)}); r.Status != http.StatusForbidden {
		t.Errorf("a worker creates one: %d", r.Status)
	}
	// An offset that carries an instant past year 9999 in UTC was stored,
	// and then no answer holding it could be written (500 on every list).
	for _, field := range []string{"starts_at", "ends_at"} {
		far := e.activityBody(st.ID, 2)
		far["starts_at"], far["ends_at"] = "9999-12-31T23:00:00+08:00", "9999-12-31T23:59:59+08:00"
		far[field] = "9999-12-31T23:59:59-14:00"
		if r := e.do(req{Method: "POST", Path: "/v1/activities", Token: pujiang, Body: far}); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s past year 9999: %d %s", field, r.Status, r.Body)
		}
	}
	if r := e.do(req{Method: "PATCH", Path: "/v1/activities/" + a.ID, Token: pujiang, ContentType: "application/merge-patch+json",
		Body: map[string]any{"ends_at": "9999-12-31T23:00:00-10:00"}}); r.Status != 400 {
		t.Errorf("patched past year 9999: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/activities", Token: pujiang}); r.Status != 200 || strings.Count(string(r.Body), `"id":`) < 1 {
		t.Errorf("the staff list after the refusals: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/activities/" + a.ID + "/signups", Token: token}); r.Status != 400 {
		t.Errorf("a sign-up without Idempotency-Key: %d %s", r.Status, r.Body)
	}
	if r := e.signUp(token, a.ID, "k"); r.Status != http.StatusForbidden || r.Problem(t).Code != "not_eligible" {
		t.Errorf("a worker without a county: %d %s", r.Status, r.Body)
	}
	if r := e.signUp(token, "not-a-uuid", "k"); r.Status != http.StatusNotFound {
		t.Errorf("an unknown activity: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/v1/activities?lat=29.4&lng=500", "/v1/activities?status=published", "/v1/activities?from=tomorrow",
		"/v1/activities?from=2026-12-05&to=2026-12-01", "/v1/activities?limit=1000", "/v1/activities?cursor=x"} {
		if r := e.do(req{Method: "GET", Path: path, Token: token}); r.Status != 400 {
			t.Errorf("worker GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	for _, path := range []string{"/v1/activities?lat=29.4&lng=119.9", "/v1/activities?status=open", "/v1/activities/" + a.ID + "?crs=gcj02",
		"/v1/activities/" + a.ID + "/signups?cursor=-1"} {
		if r := e.do(req{Method: "GET", Path: path, Token: pujiang}); r.Status != 400 {
			t.Errorf("staff GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	r = e.do(req{Method: "GET", Path: "/v1/activities?status=published", Token: pujiang})
	if r.Status != 200 || !strings.Contains(string(r.Body), a.ID) {
		t.Errorf("staff listing: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/activities/" + a.ID + "?crs=gcj02", Token: token}); r.Status != 200 || !strings.Contains(string(r.Body), `"places_left":2`) {
		t.Errorf("worker reads one: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "PATCH", Path: "/v1/activities/" + a.ID, Token: pujiang, ContentType: "application/merge-patch+json",
		Header: map[string]string{"If-Match": `"7"`}, Body: map[string]any{"capacity": 3}}); r.Status != http.StatusPreconditionFailed {
		t.Errorf("a stale patch: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/activities/" + a.ID + "/checkins", Token: pujiang, Body: map[string]any{"code": "nope"}}); r.Status != 400 {
		t.Errorf("a malformed code: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "DELETE", Path: "/v1/activities/" + a.ID + "/signups/me", Token: token}); r.Status != http.StatusNotFound {
		t.Errorf("cancel without a sign-up: %d %s", r.Status, r.Body)
	}
}
