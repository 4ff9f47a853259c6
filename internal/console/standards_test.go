package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"yizhan/internal/auth"
)

func (e *env) tallyOf(t *testing.T, st uuid.UUID, day string) int {
	t.Helper()
	var n int
	err := e.DB.Pool.QueryRow(context.Background(), `SELECT coalesce(sum(count), 0) FROM station_service_days WHERE station_id = $1 AND day = $2`, st, day).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A county clerk lists a station on Amap and records an inspection on the
// desktop; the station gets its stars.
func TestStandardsPageListsAndInspects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	tb := e.browser(t, desktop)
	tb.login("pujiang")
	tb.open("/console/stations/" + st.ID.String())
	tb.do(chromedp.Click(chromedp.Search(`//a[contains(., "上图与星级")]`)), chromedp.WaitVisible(chromedp.Search(`//h2[contains(., "地图上图情况")]`)))
	if body := tb.text("main"); !strings.Contains(body, "尚未评星") || !strings.Contains(body, "从未检查") || strings.Contains(body, "评为最美站点") {
		t.Errorf("before: %s", body)
	}
	form := `//form[contains(@action, "/map-listings/amap")]`
	tb.do(chromedp.SetValue(chromedp.Search(form+`//select[@name="status"]`), "listed"),
		chromedp.SendKeys(chromedp.Search(form+`//input[@name="note"]`), "高德已可搜到"),
		chromedp.Click(chromedp.Search(form+`//button`)), waitFlash("已保存 高德地图：已上图"))
	tb.do(chromedp.Click(chromedp.CSS(`input[name=pass][value=sign_plaque]`)))
	for _, code := range []string{"drinking_water", "microwave", "first_aid_kit", "charging", "seating", "toilet", "opening_hours", "named_manager", "clean_safe"} {
		tb.do(chromedp.Click(chromedp.CSS(`input[name=pass][value=` + code + `]`)))
	}
	tb.do(chromedp.SendKeys(chromedp.CSS(`textarea[name=notes]`), "全部合格"))
	tb.shot("standards-form")
	tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "保存检查结果")]`)), waitFlash("检查已保存"))
	body := tb.text("main")
	if !strings.Contains(body, "4 星") || !strings.Contains(body, "已上图") || !strings.Contains(body, "10 项合格") || strings.Contains(body, "该检查了") {
		t.Errorf("after: %s", body)
	}
	got, err := e.Stations.Get(context.Background(), st.ID)
	if err != nil || got.Standing.StarLevel != 4 || !got.Standing.ListedOn("amap") {
		t.Errorf("stored: %+v %v", got.Standing, err)
	}
	tb.shot("standards")
	tb.shotPhone(t, e, "pujiang", "/console/stations/"+st.ID.String()+"/standards", "standards-phone")

	// The station list's 上图 filter: 未上高德 leaves the listed station
	// out and keeps one that is not; 未上百度 keeps both.
	e.amenityStation(t, "浦江仙华街道环卫驿站", "330726")
	tb.open("/console/stations")
	tb.do(chromedp.SetValue(chromedp.CSS(`select[name=not_listed_on]`), "amap"),
		chromedp.Click(chromedp.Search(`//form[contains(@class, "filter")]//button[@type="submit"]`)),
		chromedp.WaitReady(chromedp.Search(`//select[@name="not_listed_on"]/option[@value="amap" and @selected]`)))
	tb.shot("stations-not-listed")
	if body := tb.text("main"); strings.Contains(body, "浦江火车站爱心驿站") || !strings.Contains(body, "浦江仙华街道环卫驿站") {
		t.Errorf("not listed on Amap: %s", body)
	}
	tb.open("/console/stations?not_listed_on=baidu")
	if body := tb.text("main"); !strings.Contains(body, "浦江火车站爱心驿站") || !strings.Contains(body, "浦江仙华街道环卫驿站") {
		t.Errorf("not listed on Baidu: %s", body)
	}
}

// At the door on a phone: three taps of +1, then a day set by hand.
func TestTallyOnAPhone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	tb := e.browser(t, phone)
	tb.login("pujiang")
	tb.open("/console/stations/" + st.ID.String() + "/tally")
	tb.shot("tally-phone-empty")
	for i, want := range []string{"今天共 1 人次", "今天共 2 人次", "今天共 3 人次"} {
		tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "+1")]`)), waitFlash(want))
		if got := tb.text(".tally-count"); got != []string{"1", "2", "3"}[i] {
			t.Errorf("after %d taps the page shows %q", i+1, got)
		}
	}
	tb.shot("tally-phone")
	today := tb.text(".tally-label")
	day := today[strings.Index(today, "（")+len("（") : strings.Index(today, "）")]
	if n := e.tallyOf(t, st.ID, day); n != 3 {
		t.Errorf("stored %d for %s", n, day)
	}
	tb.do(clearInput(`input[name=count]`), chromedp.SendKeys(chromedp.CSS(`input[name=count]`), "37"),
		chromedp.Click(chromedp.Search(`//button[contains(., "保存这一天")]`)), waitFlash("37 人次"))
	if n := e.tallyOf(t, st.ID, day); n != 37 {
		t.Errorf("set: stored %d", n)
	}
	desk := e.browser(t, desktop)
	desk.login("pujiang")
	desk.open("/console/stations/" + st.ID.String() + "/tally")
	desk.shot("tally")
}

// A resent +1 form (the same key) counts once; a bad day is shown beside
// its field; another county's station is refused.
func TestTallyFormsWithoutABrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	e.staff(t, "yiwu", auth.DistrictStaff, "330782")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	c := e.signedIn(t, "pujiang")
	path := "/console/stations/" + st.ID.String() + "/tally"
	for range 2 {
		if res := e.post(t, c, path+"/add", url.Values{"key": {"same-page"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d", res.StatusCode)
		}
	}
	res := e.get(t, c, path)
	if !strings.Contains(res.Body, `<p class="tally-count">1</p>`) {
		t.Errorf("a resent form counted twice:\n%.3000s", res.Body)
	}
	res = e.post(t, c, path+"/set", url.Values{"date": {"2099-01-01"}, "count": {"5"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "field-error") || strings.Contains(res.Body, "⟦") {
		t.Errorf("a future day: %d\n%.3000s", res.StatusCode, res.Body)
	}
	if res := e.get(t, e.signedIn(t, "yiwu"), path); res.StatusCode != http.StatusForbidden {
		t.Errorf("another county: %d", res.StatusCode)
	}
}

// City staff may recognise a 最美站点, county staff may not; the 上图 page
// shows the shares, and the report downloads.
func TestRecognitionAndListingStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	e.staff(t, "jinhua", auth.DistrictStaff, "330700")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	e.amenityStation(t, "浦江县总工会驿站", "330726")
	county, city := e.signedIn(t, "pujiang"), e.signedIn(t, "jinhua")
	page := "/console/stations/" + st.ID.String() + "/standards"
	if res := e.get(t, county, page); strings.Contains(res.Body, "评为最美站点") {
		t.Errorf("county staff see the recognition button")
	}
	if res := e.post(t, county, "/console/stations/"+st.ID.String()+"/recognition", url.Values{"most_beautiful": {"true"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("county staff recognise: %d", res.StatusCode)
	}
	if res := e.post(t, city, "/console/stations/"+st.ID.String()+"/recognition", url.Values{"most_beautiful": {"true"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("city staff recognise: %d %.2000s", res.StatusCode, res.Body)
	}
	if res := e.get(t, city, page); !strings.Contains(res.Body, "取消最美站点") || !strings.Contains(res.Body, "badge-beautiful") {
		t.Errorf("after the recognition:\n%.3000s", res.Body)
	}
	if res := e.post(t, county, "/console/stations/"+st.ID.String()+"/map-listings/baidu", url.Values{"status": {"listed"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("listing: %d", res.StatusCode)
	}
	res := e.get(t, county, "/console/map-listings")
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "浦江县") || !strings.Contains(res.Body, "50.0%") || !strings.Contains(res.Body, "已上图 1") || strings.Contains(res.Body, "⟦") {
		t.Errorf("stats: %d\n%.4000s", res.StatusCode, res.Body)
	}
	if res := e.get(t, county, "/console/map-listings?district_code=330782"); res.StatusCode != http.StatusForbidden {
		t.Errorf("another county's stats: %d", res.StatusCode)
	}
	res = e.get(t, county, "/console/service-report.xlsx?month=2026-11")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Body, "PK") {
		t.Errorf("report: %d", res.StatusCode)
	}
	tb := e.browser(t, desktop)
	tb.login("pujiang")
	tb.open("/console/map-listings")
	tb.shot("map-listings")
	tb.shotPhone(t, e, "jinhua", page, "standards-city-phone")
	tb.shotPhone(t, e, "pujiang", "/console/map-listings", "map-listings-phone")
}
