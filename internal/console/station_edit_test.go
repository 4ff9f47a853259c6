package console_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"yizhan/internal/auth"
	"yizhan/internal/station"
)

// TestEditConflict: a clerk edits a station while a colleague saves it;
// saving shows what the colleague changed and the clerk's own change, and
// re-applying keeps both. Nothing is overwritten silently.
func TestEditConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	for _, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			st := e.mustStation(t, "浦江县总工会职工服务中心驿站", "330726", 29.4521, 119.892)
			cur, err := e.Stations.Get(context.Background(), st.ID)
			if err != nil {
				t.Fatal(err)
			}
			tb := e.browser(t, sz)
			tb.login("pujiang")
			tb.open("/console/stations/" + st.ID.String() + "/edit")
			tb.shot("station-edit")
			// A colleague saves first: a new address and one amenity more.
			other := []byte(`{"address":"浦江县浦阳街道人民东路1号（新址）","amenities":["toilet","hot_water","wifi"]}`)
			if _, err := e.Stations.Patch(context.Background(), colleague{}, st.ID, cur.Version, other); err != nil {
				t.Fatal(err)
			}
			tb.do(
				chromedp.SetValue(chromedp.CSS(`input[name=contact_phone]`), "13800138000"),
				chromedp.SetValue(chromedp.CSS(`input[name=address]`), "浦江县人民东路1号（我改的）"),
				chromedp.Click(chromedp.CSS(`.station-form button[type=submit]`)),
				chromedp.WaitReady(chromedp.CSS(`#reapply`)),
			)
			page := tb.text("main")
			for _, want := range []string{"保存冲突", "新址", "无线网络", "13800138000", "我改的", "同事", "对方也改了这一项"} {
				if !strings.Contains(page, want) {
					t.Errorf("the conflict page does not show %q:\n%s", want, page)
				}
			}
			got, _ := e.Stations.Get(context.Background(), st.ID)
			if got.ContactPhone != "" || got.Version != cur.Version+1 {
				t.Fatalf("before re-applying the station is %+v: the clerk's edit was saved anyway", got)
			}
			tb.shot("station-conflict")
			tb.do(chromedp.Click(chromedp.CSS(`#reapply`)), chromedp.WaitReady(chromedp.CSS(`.flash-ok`)))
			got, _ = e.Stations.Get(context.Background(), st.ID)
			if got.ContactPhone != "13800138000" || !strings.Contains(got.Address, "我改的") || !got.Amenities.Has(wifi) || got.Version != cur.Version+2 {
				t.Errorf("after re-applying the station is %+v, want the clerk's phone and address and the colleague's wifi at version %d", got, cur.Version+2)
			}
		})
	}
}

var wifi, _ = station.AmenityBit("wifi")

// colleague is another staff member of the county.
type colleague struct{}

func (colleague) ActorName() string                  { return "staff:同事" }
func (colleague) CanManageDistrict(code string) bool { return code == "330726" }

// TestDistrictScope: a district staff member sees only their districts'
// stations, on the list, the map and the station pages, and cannot change
// another district's.
func TestDistrictScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	mine := e.mustStation(t, "浦江驿站", "330726", 29.4521, 119.892)
	theirs := e.mustStation(t, "西湖区驿站", "330106", 30.2741, 120.1551)
	c := e.signedIn(t, "pujiang")

	list := e.get(t, c, "/console/stations")
	if !strings.Contains(list.Body, "浦江驿站") || strings.Contains(list.Body, "西湖区驿站") {
		t.Errorf("the list shows another district's station, or not its own")
	}
	list = e.get(t, c, "/console/stations?district=330106")
	if strings.Contains(list.Body, "西湖区驿站") {
		t.Errorf("filtering on another district shows its station")
	}
	data := e.get(t, c, "/console/stations/map.json")
	if !strings.Contains(data.Body, mine.ID.String()) || strings.Contains(data.Body, theirs.ID.String()) {
		t.Errorf("the map data shows another district's station, or not its own: %s", data.Body)
	}
	for _, path := range []string{"/console/stations/" + theirs.ID.String(), "/console/stations/" + theirs.ID.String() + "/edit"} {
		if res := e.get(t, c, path); res.StatusCode != http.StatusForbidden || strings.Contains(res.Body, "西湖区驿站") {
			t.Errorf("GET %s: %d, want 403 without the station", path, res.StatusCode)
		}
	}
	form := stationFormValues("改名了", "330106")
	form.Set("version", "1")
	if res := e.post(t, c, "/console/stations/"+theirs.ID.String()+"/edit", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("editing another district's station: %d, want 403", res.StatusCode)
	}
	if res := e.post(t, c, "/console/stations/"+theirs.ID.String()+"/close", url.Values{"version": {"1"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("closing another district's station: %d, want 403", res.StatusCode)
	}
	// Registering one there is refused next to the district field.
	res := e.post(t, c, "/console/stations/new", stationFormValues("西湖新驿站", "330106"))
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "您不能管理这个区县的站点") {
		t.Errorf("registering in another district: %d, want the form with the district refused", res.StatusCode)
	}
	got, _ := e.Stations.Get(context.Background(), theirs.ID)
	if got.Name != "西湖区驿站" || got.Version != 1 || got.Status != station.Active {
		t.Errorf("another district's station changed: %+v", got)
	}
	if n := e.countStations(t); n != 2 {
		t.Errorf("%d stations, want 2", n)
	}

	tb := e.browser(t, desktop)
	tb.login("pujiang")
	tb.open("/console/stations/" + theirs.ID.String())
	if got := tb.text("main"); !strings.Contains(got, "没有权限") {
		t.Errorf("another district's station page says %q", got)
	}
	tb.shot("forbidden")
}

func (e *env) countStations(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM stations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStationPostWithoutCSRF: registering a station without the form's
// token is refused and stores nothing; with it, the same form works.
func TestStationPostWithoutCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	c := e.signedIn(t, "admin1")
	form := stationFormValues("浦江驿站", "330726")
	if res := e.postRaw(t, c, "/console/stations/new", form); res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "页面已过期") {
		t.Errorf("without a token: %d, want 403 and the Chinese explanation", res.StatusCode)
	}
	form.Set("csrf", "forged")
	if res := e.postRaw(t, c, "/console/stations/new", form); res.StatusCode != http.StatusForbidden {
		t.Errorf("with a forged token: %d, want 403", res.StatusCode)
	}
	if n := e.countStations(t); n != 0 {
		t.Fatalf("%d stations stored by refused requests", n)
	}
	if res := e.post(t, c, "/console/stations/new", stationFormValues("浦江驿站", "330726")); res.StatusCode != http.StatusSeeOther {
		t.Errorf("with the token: %d, want 303", res.StatusCode)
	}
	if n := e.countStations(t); n != 1 {
		t.Errorf("%d stations after the accepted request, want 1", n)
	}
}

// TestFormErrorsInChinese: every problem is shown next to its field, in
// Chinese, and nothing is stored.
func TestFormErrorsInChinese(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	tb := e.browser(t, desktop)
	tb.login("admin1")
	tb.open("/console/stations/new")
	tb.do(
		chromedp.SetValue(chromedp.CSS(`input[name=district_code]`), "33072"),
		chromedp.SetValue(chromedp.CSS(`#lat`), "119.89"),
		chromedp.SetValue(chromedp.CSS(`#lng`), "29.45"),
		chromedp.SetValue(chromedp.CSS(`select[name=crs]`), "wgs84"),
		chromedp.SetValue(chromedp.CSS(`#hours_tue`), "早上八点到晚上八点"),
		chromedp.SetValue(chromedp.CSS(`input[name=contact_phone]`), "12345"),
		chromedp.Click(chromedp.CSS(`.station-form button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`.field-error`)),
	)
	errs, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.field-error')].map(e => e.closest('label,tr').querySelector('input,select,textarea').name + '=' + e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"name": "请填写站点名称", "address": "请填写地址", "district_code": "330726", "host_type": "请选择",
		"lat": "纬度和经度", "hours_tue": "08:00-20:00", "contact_phone": "手机号",
	}
	got := map[string]string{}
	for _, e := range errs {
		k, v, _ := strings.Cut(e, "=")
		got[k] = v
	}
	for k, w := range want {
		if !strings.Contains(got[k], w) {
			t.Errorf("field %s: error %q, want it to say %q (all: %v)", k, got[k], w, errs)
		}
	}
	tb.shot("station-form-errors")
	if n := e.countStations(t); n != 0 {
		t.Errorf("%d stations stored from an invalid form", n)
	}
}

// TestUploadTooLarge: a file over the 20 MiB limit is refused with 413 and
// a Chinese explanation, and nothing is stored.
func TestUploadTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	c := e.signedIn(t, "admin1")
	token := formToken(t, c, e.URL+"/console/stations/import")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", token)
	_ = mw.WriteField("action", "preview")
	fw, _ := mw.CreateFormFile("file", "big.geojson")
	_, _ = fw.Write(bytes.Repeat([]byte(" "), 21<<20))
	_ = mw.Close()
	res, err := c.Post(e.URL+"/console/stations/import", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	page, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(page), "太大") {
		t.Errorf("a 21 MiB upload: %d, want 413 and the Chinese explanation", res.StatusCode)
	}
	if n := e.countStations(t); n != 0 {
		t.Errorf("%d stations stored", n)
	}
}

// TestCloseStation: closing sends the version shown; a stale one closes
// nothing.
func TestCloseStation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.mustStation(t, "浦江驿站", "330726", 29.4521, 119.892)
	if _, err := e.Stations.Patch(context.Background(), colleague{}, st.ID, 1, []byte(`{"name":"浦江驿站（新）"}`)); err != nil {
		t.Fatal(err)
	}
	c := e.signedIn(t, "pujiang")
	path := "/console/stations/" + st.ID.String() + "/close"
	if res := e.post(t, c, path, url.Values{"version": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("closing at a stale version: %d, want 303 back to the station", res.StatusCode)
	}
	if got, _ := e.Stations.Get(context.Background(), st.ID); got.Status != station.Active {
		t.Fatalf("a close at a stale version closed the station")
	}
	if page := e.get(t, c, "/console/stations/"+st.ID.String()); !strings.Contains(page.Body, "刚被别人修改过，没有关闭") {
		t.Errorf("the station page does not say why it was not closed")
	}
	if res := e.post(t, c, path, url.Values{"version": {"2"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("closing: %d", res.StatusCode)
	}
	if got, _ := e.Stations.Get(context.Background(), st.ID); got.Status != station.Closed || got.UpdatedBy != "staff:"+e.staffID(t, "pujiang") {
		t.Errorf("after closing: %+v", got)
	}
}
