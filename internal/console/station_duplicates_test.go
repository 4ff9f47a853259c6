package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"yizhan/internal/auth"
	"yizhan/internal/station"
)

// TestDuplicateWarningAndSaveAnyway: registering a station 33 m from one
// with an alike name shows the candidate, with a link, and saves nothing;
// 仍然保存 saves it, and its history records the override.
func TestDuplicateWarningAndSaveAnyway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	for i, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			lat := 29.40 + float64(i)*0.01
			old := e.mustStation(t, "浦阳街道爱心驿站", "330726", lat, 119.892)
			tb := e.browser(t, sz)
			tb.login("pujiang")
			tb.open("/console/stations/new")
			tb.do(
				chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "浦阳街道户外劳动者服务站"),
				chromedp.SendKeys(chromedp.CSS(`input[name=address]`), "浦江县浦阳街道大桥路18号"),
				chromedp.SetValue(chromedp.CSS(`select[name=host_type]`), "shop"),
				chromedp.SetValue(chromedp.CSS(`#crs`), "wgs84"),
				chromedp.SetValue(chromedp.CSS(`#lat`), "29.4003"),
				chromedp.SetValue(chromedp.CSS(`#lng`), "119.892"),
				chromedp.SendKeys(chromedp.CSS(`#hours_sun`), "22:00-06:00"),
			)
			if i > 0 {
				tb.do(chromedp.SetValue(chromedp.CSS(`#lat`), "29.4103"))
			}
			tb.do(chromedp.Click(chromedp.CSS(`.station-form button.primary`)), chromedp.WaitReady(chromedp.CSS(`#duplicates`)))
			text := tb.text("#duplicates")
			for _, want := range []string{"可能与已有驿站重复", "浦阳街道爱心驿站", "相距 33 米", "100 米以内且名称相近"} {
				if !strings.Contains(text, want) {
					t.Errorf("the warning does not say %q:\n%s", want, text)
				}
			}
			href, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('#duplicates a').getAttribute('href')`))
			if href != "/console/stations/"+old.ID.String() {
				t.Errorf("the candidate links to %q", href)
			}
			// Enter still means the ordinary save: the form's first submit
			// button is not 仍然保存.
			first, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.querySelector('.station-form button[type=submit]').id`))
			if first == "save-anyway" {
				t.Error("仍然保存 is the form's default button")
			}
			list, _ := e.Stations.List(context.Background(), station.ListFilter{Query: "户外劳动者", Limit: 10})
			if len(list) != i {
				t.Fatalf("after the warning %d stations are stored, want %d", len(list), i)
			}
			tb.shot("station-duplicate")
			tb.do(chromedp.Click(chromedp.CSS(`#save-anyway`)), chromedp.WaitReady(chromedp.CSS(`.flash-ok`)))
			list, _ = e.Stations.List(context.Background(), station.ListFilter{Query: "户外劳动者", Limit: 10})
			if len(list) != i+1 {
				t.Fatalf("after 仍然保存 %d stations are stored, want %d", len(list), i+1)
			}
			var saved *station.Station
			for _, s := range list {
				if s.Location[1] == lat+0.0003 || saved == nil {
					saved = s
				}
			}
			hist, err := e.Stations.History(context.Background(), station.System("test"), saved.ID)
			if err != nil || len(hist) != 1 || hist[0].Fields[station.OverrideField].After == nil {
				t.Errorf("history %+v (%v), want the override recorded", hist, err)
			}
		})
	}
}

// TestDuplicateFormPost: the same over plain form posts, and a station
// far enough away is saved without a warning.
func TestDuplicateFormPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	e.mustStation(t, "宝山区骑手驿站", "330726", 29.4521, 119.892)
	c := e.signedIn(t, "admin1")
	form := stationFormValues("农业银行", "330726") // at the same point
	res := e.post(t, c, "/console/stations/new", form)
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `id="duplicates"`) || !strings.Contains(res.Body, "25 米以内") ||
		!strings.Contains(res.Body, `name="allow_duplicate" value="true"`) {
		t.Fatalf("a station on another: %d\n%s", res.StatusCode, res.Body)
	}
	form.Set("allow_duplicate", "true")
	if res := e.post(t, c, "/console/stations/new", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save anyway: %d", res.StatusCode)
	}
	form = stationFormValues("仙华驿站", "330726")
	form.Set("lat", "29.4621")
	if res := e.post(t, c, "/console/stations/new", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a station 1 km away: %d", res.StatusCode)
	}
}
