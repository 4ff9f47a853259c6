package httpapi_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"yizhan/internal/auth"
	"yizhan/internal/standard"
)

// standingOut is what station answers say of a station's standing.
type standingOut struct {
	ID          string `json:"id"`
	MapListings map[string]struct {
		Status string `json:"status"`
		Date   string `json:"date"`
		Note   string `json:"note"`
	} `json:"map_listings"`
	StarLevel     int  `json:"star_level"`
	MostBeautiful bool `json:"most_beautiful"`
}

type listingsOut struct {
	StarLevel *int `json:"star_level"`
	Items     []struct {
		Platform, Status, Date, Note string
	} `json:"items"`
}

func allPass(fail ...string) map[string]bool {
	m := map[string]bool{}
	for _, it := range standard.Checklist {
		m[it.Code] = !slices.Contains(fail, it.Code)
	}
	return m
}

func TestMapListingsStarsAndRecognition(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	county := e.staff("pujiang", auth.DistrictStaff, "330726")
	other := e.staff("wucheng", auth.DistrictStaff, "330702")
	city := e.staff("jinhua", auth.DistrictStaff, "330700")
	worker, _ := e.worker("oListings")
	st := e.create(admin, stationBody("浦阳街道人民东路驿站"))
	path := "/v1/stations/" + st.ID

	// Nothing yet: map_listings is there and empty, no stars.
	var got standingOut
	e.do(req{Method: "GET", Path: path}).JSON(t, &got)
	if len(got.MapListings) != 0 || got.StarLevel != 0 || got.MostBeautiful {
		t.Fatalf("a new station: %+v", got)
	}

	r := e.do(req{Method: "PUT", Path: path + "/map-listings/amap", Token: county, Body: map[string]any{"status": "listed", "note": "高德可搜到", "date": "2026-11-20"}})
	var ls listingsOut
	if r.JSON(t, &ls); r.Status != 200 || len(ls.Items) != 3 || ls.Items[0].Status != "listed" || ls.Items[0].Note != "高德可搜到" ||
		ls.Items[1].Status != "not_submitted" || ls.StarLevel != nil {
		t.Fatalf("put amap: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		name, path, token string
		body              any
		status            int
		code, field       string
	}{
		{"another county", "/map-listings/amap", other, map[string]any{"status": "listed"}, 403, "forbidden", ""},
		{"a worker", "/map-listings/amap", worker, map[string]any{"status": "listed"}, 403, "forbidden", ""},
		{"no token", "/map-listings/amap", "", map[string]any{"status": "listed"}, 401, "unauthorized", ""},
		{"unknown platform", "/map-listings/google", county, map[string]any{"status": "listed"}, 404, "not_found", ""},
		{"unknown status", "/map-listings/baidu", county, map[string]any{"status": "done"}, 400, "invalid", "status"},
		{"no status", "/map-listings/baidu", county, map[string]any{"note": "x"}, 400, "invalid", "status"},
		{"future date", "/map-listings/baidu", county, map[string]any{"status": "listed", "date": "2026-12-25"}, 400, "invalid", "date"},
		{"bad date", "/map-listings/baidu", county, map[string]any{"status": "listed", "date": "2026-11-31"}, 400, "invalid", "date"},
		{"unknown field", "/map-listings/baidu", county, map[string]any{"status": "listed", "url": "x"}, 400, "invalid", "url"},
	} {
		r := e.do(req{Method: "PUT", Path: path + c.path, Token: c.token, Body: c.body})
		if p := r.Problem(t); r.Status != c.status || string(p.Code) != c.code || c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}

	// The public station, and the nearest answer (twice: the second from the
	// index's memo), carry the listing without its note.
	r = e.do(req{Method: "GET", Path: path})
	if r.JSON(t, &got); got.MapListings["amap"].Status != "listed" || got.MapListings["amap"].Date != "2026-11-20" || strings.Contains(string(r.Body), "高德可搜到") {
		t.Errorf("station after the listing: %s", r.Body)
	}
	nearest := func() standingOut {
		var near struct{ Items []standingOut }
		e.do(req{Method: "GET", Path: "/v1/stations/nearest?lat=29.4521&lng=119.892"}).JSON(t, &near)
		if len(near.Items) != 1 {
			t.Fatalf("nearest: %+v", near)
		}
		return near.Items[0]
	}
	for range 2 {
		if n := nearest(); n.MapListings["amap"].Status != "listed" {
			t.Errorf("nearest: %+v", n)
		}
	}

	// An inspection passing everything, with one listing: 11 points, 4 stars.
	photo, r := e.upload(county, st.ID, phoneJPEG(t, 400, 300, 40), "image/jpeg", "")
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "POST", Path: path + "/inspections", Token: county, Body: map[string]any{"items": allPass(), "notes": "全部合格",
		"photo_ids": []string{photo.ID}}})
	var in struct {
		ID               string
		Passed           int
		StarLevel        int      `json:"star_level"`
		StationStarLevel int      `json:"station_star_level"`
		PhotoIDs         []string `json:"photo_ids"`
	}
	if r.JSON(t, &in); r.Status != 201 || in.Passed != 10 || in.StarLevel != 4 || in.StationStarLevel != 4 || len(in.PhotoIDs) != 1 {
		t.Fatalf("inspection: %d %s", r.Status, r.Body)
	}
	if n := nearest(); n.StarLevel != 4 {
		t.Errorf("nearest after the inspection: %+v", n)
	}
	// A second map app: 12 points, 5 stars, at once.
	r = e.do(req{Method: "PUT", Path: path + "/map-listings/baidu", Token: county, Body: map[string]any{"status": "listed"}})
	if r.JSON(t, &ls); r.Status != 200 || ls.StarLevel == nil || *ls.StarLevel != 5 || ls.Items[1].Date != "2026-11-30" {
		t.Fatalf("put baidu: %d %s", r.Status, r.Body)
	}
	if n := nearest(); n.StarLevel != 5 {
		t.Errorf("nearest after the second listing: %+v", n)
	}
	// A failed core item caps the stars at 2.
	r = e.do(req{Method: "POST", Path: path + "/inspections", Token: county, Body: map[string]any{"items": allPass("drinking_water")}})
	if r.JSON(t, &in); r.Status != 201 || in.StationStarLevel != 2 {
		t.Errorf("second inspection: %d %s", r.Status, r.Body)
	}
	missing := allPass()
	delete(missing, "toilet")
	unknown := allPass()
	unknown["sauna"] = true
	for _, c := range []struct {
		name   string
		token  string
		body   any
		status int
		field  string
	}{
		{"missing item", county, map[string]any{"items": missing}, 400, "items.toilet"},
		{"unknown item", county, map[string]any{"items": unknown}, 400, "items.sauna"},
		{"not a boolean", county, map[string]any{"items": map[string]any{"toilet": "yes"}}, 400, "items.toilet"},
		{"bad photo", county, map[string]any{"items": allPass(), "photo_ids": []string{"photo-1"}}, 400, "photo_ids[0]"},
		{"a photo of no station", county, map[string]any{"items": allPass(), "photo_ids": []string{photo.ID, "0193d2a1-0b1c-7d2e-8f3a-4b5c6d7e8f90"}}, 400, "photo_ids[1]"},
		{"another county", other, map[string]any{"items": allPass()}, 403, ""},
	} {
		r := e.do(req{Method: "POST", Path: path + "/inspections", Token: c.token, Body: c.body})
		if p := r.Problem(t); r.Status != c.status || c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	var page struct {
		Items []struct {
			StarLevel int `json:"star_level"`
		}
		NextCursor string `json:"next_cursor"`
	}
	r = e.do(req{Method: "GET", Path: path + "/inspections?limit=1", Token: county})
	if r.JSON(t, &page); r.Status != 200 || len(page.Items) != 1 || page.Items[0].StarLevel != 2 || page.NextCursor == "" {
		t.Fatalf("inspections: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "GET", Path: path + "/inspections?limit=1&cursor=" + page.NextCursor, Token: county})
	page.NextCursor = ""
	if r.JSON(t, &page); r.Status != 200 || len(page.Items) != 1 || page.Items[0].StarLevel != 4 || page.NextCursor != "" {
		t.Errorf("inspections, page 2: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: path + "/inspections", Token: other}); r.Status != 403 {
		t.Errorf("another county's inspections: %d", r.Status)
	}

	// 最美站点: the city's staff, not the county's.
	if r := e.do(req{Method: "PUT", Path: path + "/recognition", Token: county, Body: map[string]any{"most_beautiful": true}}); r.Status != 403 {
		t.Errorf("county staff recognise: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "PUT", Path: path + "/recognition", Token: city, Body: map[string]any{"most_beautiful": true}}); r.Status != 200 {
		t.Errorf("city staff recognise: %d %s", r.Status, r.Body)
	}
	if n := nearest(); !n.MostBeautiful {
		t.Errorf("nearest after the recognition: %+v", n)
	}
	if r := e.do(req{Method: "PUT", Path: path + "/recognition", Token: city, Body: map[string]any{}}); r.Status != 400 {
		t.Errorf("no most_beautiful: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "PUT", Path: path + "/recognition", Token: admin, Body: map[string]any{"most_beautiful": false}}); r.Status != 200 {
		t.Errorf("withdraw: %d %s", r.Status, r.Body)
	}
	if e.do(req{Method: "GET", Path: path}).JSON(t, &got); got.MostBeautiful {
		t.Errorf("still recognised: %+v", got)
	}

	// None of it moved the editors' ETag.
	var v struct{ Version int64 }
	if e.do(req{Method: "GET", Path: path}).JSON(t, &v); v.Version != st.Version {
		t.Errorf("version %d, want %d", v.Version, st.Version)
	}
	// The checklist is public.
	var cl struct {
		Items []struct{ Code, Label string }
	}
	r = e.do(req{Method: "GET", Path: "/v1/inspection-checklist"})
	if r.JSON(t, &cl); r.Status != 200 || len(cl.Items) != 10 || cl.Items[0].Label == "" {
		t.Errorf("checklist: %d %s", r.Status, r.Body)
	}
}

// TestMapListingStatsAgainstBruteForce sets random listings on stations of
// two counties, then checks the stats and the not_listed_on filter against
// counts made here from what was set.
func TestMapListingStatsAgainstBruteForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	county := e.staff("pujiang", auth.DistrictStaff, "330726")
	rng := rand.New(rand.NewPCG(15, 2))
	type truth struct {
		id, district string
		active       bool
		status       map[string]string
	}
	var all []truth
	for i := range 16 {
		code := "330726"
		if i%3 == 0 {
			code = "330702"
		}
		body := stationBody(fmt.Sprintf("驿站%02d", i))
		body["district_code"] = code
		s := e.create(admin, body)
		tr := truth{id: s.ID, district: code, active: true, status: map[string]string{}}
		for _, p := range []string{"amap", "baidu", "tencent"} {
			if k := rng.IntN(5); k < 4 {
				st := standard.ListingStatuses[k]
				r := e.do(req{Method: "PUT", Path: "/v1/stations/" + s.ID + "/map-listings/" + p, Token: admin, Body: map[string]any{"status": st}})
				if r.Status != 200 {
					t.Fatalf("put: %d %s", r.Status, r.Body)
				}
				tr.status[p] = st
			}
		}
		if i%5 == 4 { // closed stations count nowhere
			if r := e.do(req{Method: "DELETE", Path: "/v1/stations/" + s.ID, Token: admin}); r.Status != 204 {
				t.Fatalf("close: %d", r.Status)
			}
			tr.active = false
		}
		all = append(all, tr)
	}
	type share struct {
		Listed int
		Share  float64
	}
	type stats struct {
		Districts []struct {
			DistrictCode string `json:"district_code"`
			Stations     int
			Platforms    map[string]share
		}
		Total struct {
			Stations  int
			Platforms map[string]share
		}
	}
	want := func(code string) (stations int, listed map[string]int) {
		listed = map[string]int{}
		for _, tr := range all {
			if tr.active && (code == "" || tr.district == code) {
				stations++
				for p, s := range tr.status {
					if s == "listed" {
						listed[p]++
					}
				}
			}
		}
		return
	}
	var got stats
	r := e.do(req{Method: "GET", Path: "/v1/stations/map-listing-stats", Token: admin})
	if r.JSON(t, &got); r.Status != 200 || len(got.Districts) != 2 {
		t.Fatalf("stats: %d %s", r.Status, r.Body)
	}
	for _, d := range got.Districts {
		n, listed := want(d.DistrictCode)
		for _, p := range []string{"amap", "baidu", "tencent"} {
			if d.Stations != n || d.Platforms[p].Listed != listed[p] || d.Platforms[p].Share != float64(int(float64(listed[p])/float64(n)*1e4+0.5))/1e4 {
				t.Errorf("%s %s: %+v, want %d of %d", d.DistrictCode, p, d, listed[p], n)
			}
		}
	}
	if n, listed := want(""); got.Total.Stations != n || got.Total.Platforms["amap"].Listed != listed["amap"] {
		t.Errorf("total: %+v, want %d %v", got.Total, n, listed)
	}
	// County staff see their county; another is refused.
	r = e.do(req{Method: "GET", Path: "/v1/stations/map-listing-stats", Token: county})
	if r.JSON(t, &got); r.Status != 200 || len(got.Districts) != 1 || got.Districts[0].DistrictCode != "330726" {
		t.Errorf("county stats: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/stations/map-listing-stats?district_code=330702", Token: county}); r.Status != 403 {
		t.Errorf("another county's stats: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/stations/map-listing-stats?district_code=330799", Token: admin}); r.Status != 400 {
		t.Errorf("unknown district: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/stations/map-listing-stats"}); r.Status != 401 {
		t.Errorf("anonymous stats: %d", r.Status)
	}

	// The work list: stations not listed on a platform.
	for _, p := range []string{"amap", "baidu", "tencent"} {
		var page struct{ Items []struct{ ID string } }
		r := e.do(req{Method: "GET", Path: "/v1/stations?limit=100&not_listed_on=" + p})
		if r.JSON(t, &page); r.Status != 200 {
			t.Fatalf("list: %d %s", r.Status, r.Body)
		}
		var gotIDs, wantIDs []string
		for _, it := range page.Items {
			gotIDs = append(gotIDs, it.ID)
		}
		for _, tr := range all {
			if tr.status[p] != "listed" {
				wantIDs = append(wantIDs, tr.id)
			}
		}
		slices.Sort(gotIDs)
		slices.Sort(wantIDs)
		if !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("not_listed_on=%s: %v, want %v", p, gotIDs, wantIDs)
		}
	}
	if r := e.do(req{Method: "GET", Path: "/v1/stations?not_listed_on=google"}); r.Status != 400 {
		t.Errorf("unknown platform: %d", r.Status)
	}
}

func TestServiceTallyConcurrentAddsAreNeverLost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	county := e.staff("pujiang", auth.DistrictStaff, "330726")
	other := e.staff("wucheng", auth.DistrictStaff, "330702")
	st := e.create(admin, stationBody("浦阳街道人民东路驿站"))
	path := "/v1/stations/" + st.ID + "/service-tally"

	const goroutines, adds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan string, goroutines*adds)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range adds {
				// e.do would stop the test from a goroutine; check by hand.
				r := e.do(req{Method: "POST", Path: path, Token: county, Body: map[string]any{"add": 1}})
				if r.Status != 200 {
					errs <- fmt.Sprintf("%d %s", r.Status, r.Body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	var days struct {
		Items []struct {
			Date  string
			Count int
		}
	}
	r := e.do(req{Method: "GET", Path: path, Token: county})
	if r.JSON(t, &days); r.Status != 200 || len(days.Items) != 1 || days.Items[0].Count != goroutines*adds || days.Items[0].Date != "2026-11-30" {
		t.Fatalf("after %d×%d adds: %d %s", goroutines, adds, r.Status, r.Body)
	}

	// Set a day; a retry with the same key counts once.
	var tally struct {
		Date  string
		Count int
	}
	r = e.do(req{Method: "POST", Path: path, Token: county, Body: map[string]any{"date": "2026-11-29", "count": 37}})
	if r.JSON(t, &tally); r.Status != 200 || tally.Count != 37 || tally.Date != "2026-11-29" {
		t.Errorf("set: %d %s", r.Status, r.Body)
	}
	key := map[string]string{"Idempotency-Key": "tap-0001"}
	for i := range 2 {
		r = e.do(req{Method: "POST", Path: path, Token: county, Body: map[string]any{"add": 1}, Header: key})
		if r.JSON(t, &tally); r.Status != 200 || tally.Count != goroutines*adds+1 || (i == 1) != (r.Header.Get("Idempotent-Replayed") == "true") {
			t.Errorf("keyed add %d: %d %s %v", i, r.Status, r.Body, r.Header)
		}
	}
	// The same key sent at once from many places counts once.
	same := map[string]string{"Idempotency-Key": "tap-0002"}
	var wg2 sync.WaitGroup
	for range 10 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			e.do(req{Method: "POST", Path: path, Token: county, Body: map[string]any{"add": 1}, Header: same})
		}()
	}
	wg2.Wait()
	r = e.do(req{Method: "POST", Path: path, Token: county, Body: map[string]any{"add": 1}, Header: same})
	if r.JSON(t, &tally); tally.Count != goroutines*adds+2 || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("ten sends of one key: %s", r.Body)
	}
	// The same key with another amount is another request, not a retry.
	if r := e.do(req{Method: "POST", Path: path, Token: county, Body: map[string]any{"add": 500}, Header: key}); r.Status != 409 {
		t.Errorf("the key of add 1 sent with add 500: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: path, Token: county, Body: map[string]any{"date": "2026-11-29", "count": 1}, Header: key}); r.Status != 409 {
		t.Errorf("the key for another change: %d %s", r.Status, r.Body)
	}
	for _, k := range []string{"两次", "a key", strings.Repeat("k", 201)} {
		r := e.do(req{Method: "POST", Path: path, Token: county, Body: map[string]any{"add": 1}, Header: map[string]string{"Idempotency-Key": k}})
		if p := r.Problem(t); r.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != "Idempotency-Key" {
			t.Errorf("key %q: %d %s", k, r.Status, r.Body)
		}
	}
	for _, c := range []struct {
		name   string
		token  string
		body   any
		status int
		field  string
	}{
		{"another county", other, map[string]any{"add": 1}, 403, ""},
		{"nothing", county, map[string]any{}, 400, "add"},
		{"both", county, map[string]any{"add": 1, "date": "2026-11-29", "count": 3}, 400, "add"},
		{"zero", county, map[string]any{"add": 0}, 400, "add"},
		{"tomorrow", county, map[string]any{"date": "2026-12-01", "count": 3}, 400, "date"},
		{"negative", county, map[string]any{"date": "2026-11-29", "count": -3}, 400, "count"},
		{"a fraction", county, map[string]any{"add": 1.5}, 400, "add"},
	} {
		r := e.do(req{Method: "POST", Path: path, Token: c.token, Body: c.body})
		if p := r.Problem(t); r.Status != c.status || c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	r = e.do(req{Method: "GET", Path: path, Token: county})
	if r.JSON(t, &days); len(days.Items) != 2 || days.Items[0].Count != goroutines*adds+2 || days.Items[1].Count != 37 {
		t.Errorf("refused changes changed something: %s", r.Body)
	}
}
