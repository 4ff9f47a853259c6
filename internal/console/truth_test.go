package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"yizhan/internal/auth"
	"yizhan/internal/station"
	"yizhan/internal/truth"
)

// amenityStation registers an active, always open station of the county
// with drinking water and a toilet.
func (e *env) amenityStation(t *testing.T, name, district string) *station.Station {
	t.Helper()
	var doc station.Document
	raw := fmt.Sprintf(`{"name":%q,"address":"浦江县浦阳街道人民东路1号","district_code":%q,"amenities":["drinking_water","toilet"],
		"location":{"lat":29.4521,"lng":119.892},"host":{"type":"union_office","name":"浦江县总工会"},"hours":{"always_open":true}}`, name, district)
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	st, err := e.Stations.Create(context.Background(), testAdmin, doc)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// report files a worker's report about the station.
func (e *env) report(t *testing.T, openid string, st uuid.UUID, category, amenity, note string) truth.Report {
	t.Helper()
	in, err := e.Workers.SignInAs(context.Background(), openid)
	if err != nil {
		t.Fatal(err)
	}
	ri := truth.ReportInput{Category: &category, Note: &note}
	if amenity != "" {
		ri.Amenity = &amenity
	}
	r, err := e.Truth.FileReport(context.Background(), in.Worker.ID, st, ri)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) reportStatus(t *testing.T, id uuid.UUID) (truth.ReportStatus, string) {
	t.Helper()
	var status, note string
	err := e.DB.Pool.QueryRow(context.Background(), `SELECT status, coalesce(decision_note, '') FROM station_reports WHERE id = $1`, id).Scan(&status, &note)
	if err != nil {
		t.Fatal(err)
	}
	return truth.ReportStatus(status), note
}

// The pages answer, without a browser: the queue, a station with its
// truth, the filters, and the two-step page.
func TestTruthPagesAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	e.report(t, "rider-1", st.ID, "amenity_broken", "drinking_water", "饮水机不出水")
	c := e.signedIn(t, "pujiang")
	for path, want := range map[string]string{
		"/console/reports":                                   "饮水机不出水",
		"/console/stations/" + st.ID.String():                "饮水机不出水",
		"/console/stations?needs_review=1":                   "没有符合条件的站点",
		"/console/stations?stale_days=30":                    "浦江火车站爱心驿站",
		"/console/totp":                                      "开始设置",
		"/console/reports?status=resolved":                   "没有这类报告",
		"/console/stations/map?needs_review=1&stale_days=90": "只看待核查",
	} {
		res := e.get(t, c, path)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, want) || strings.Contains(res.Body, "⟦") {
			t.Errorf("%s: %d, want %q in:\n%.3000s", path, res.StatusCode, want, res.Body)
		}
	}
	if res := e.get(t, c, "/console/reports?status=resolved&district=330726"); !strings.Contains(res.Body, `href="/console/reports?status=open&amp;district=330726"`) {
		t.Errorf("the tabs keep the district: %.3000s", res.Body)
	}
	if res := e.get(t, c, "/console/reports?district=abc"); res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a district that is no code: %d", res.StatusCode)
	}
	if res := e.get(t, c, "/console/reports?district=330782"); res.StatusCode != http.StatusForbidden {
		t.Errorf("another county's reports: %d", res.StatusCode)
	}
	// Three workers' reports within a week flag the station 待核查.
	e.report(t, "rider-2", st.ID, "dirty", "", "")
	e.report(t, "rider-3", st.ID, "other", "", "")
	for _, path := range []string{"/console/stations?needs_review=1", "/console/stations/" + st.ID.String()} {
		if res := e.get(t, c, path); !strings.Contains(res.Body, "badge-review") || !strings.Contains(res.Body, "浦江火车站爱心驿站") {
			t.Errorf("%s does not show the flag: %d", path, res.StatusCode)
		}
	}
	if res := e.get(t, c, "/console/stations?stale_days=7"); !strings.Contains(res.Body, "field-error") {
		t.Errorf("stale_days=7 is not a choice: %d", res.StatusCode)
	}
}

// A county clerk works through the reports: resolves one from the queue
// with a note (desktop), dismisses another from the station's page (phone);
// another county's report is not shown.
func TestResolveReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	other := e.amenityStation(t, "义乌稠城驿站", "330782")
	broken := e.report(t, "rider-1", st.ID, "amenity_broken", "drinking_water", "饮水机不出水")
	closed := e.report(t, "rider-2", st.ID, "closed_when_open", "", "下午两点来，门锁着")
	e.report(t, "rider-3", other.ID, "dirty", "", "义乌的报告")

	t.Run("desktop", func(t *testing.T) {
		tb := e.browser(t, desktop)
		tb.login("pujiang")
		tb.open("/console/reports")
		body := tb.text("main")
		for _, want := range []string{"浦江火车站爱心驿站", "设施坏了", "设施：饮用水", "饮水机不出水", "开放时间内没开门"} {
			if !strings.Contains(body, want) {
				t.Errorf("the queue lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, "义乌的报告") {
			t.Errorf("the queue shows another county's report")
		}
		tb.shot("reports")
		row := fmt.Sprintf(`//tr[@id="report-%s"]`, broken.ID)
		tb.do(chromedp.Click(chromedp.Search(row+`//summary[contains(., "已处理")]`)),
			chromedp.SendKeys(chromedp.Search(row+`//form[contains(@action, "resolve")]//input[@name="note"]`), "已联系站长，饮水机已修好"))
		tb.shot("reports-resolve")
		tb.do(chromedp.Click(chromedp.Search(row+`//button[contains(., "确认已处理")]`)), waitFlash("已处理 浦江火车站爱心驿站"))
		if got, note := e.reportStatus(t, broken.ID); got != truth.Resolved || note != "已联系站长，饮水机已修好" {
			t.Errorf("the report is %s with note %q", got, note)
		}
		tb.open("/console/reports?status=resolved")
		if got := tb.text("main"); !strings.Contains(got, "pujiang 处理") || !strings.Contains(got, "说明：已联系站长，饮水机已修好") {
			t.Errorf("the resolved tab shows:\n%s", got)
		}
		tb.shot("reports-resolved")
	})
	t.Run("phone", func(t *testing.T) {
		tb := e.browser(t, phone)
		tb.login("pujiang")
		tb.open("/console/stations/" + st.ID.String())
		row := fmt.Sprintf(`//tr[@id="report-%s"]`, closed.ID)
		tb.do(chromedp.Click(chromedp.Search(row+`//summary[contains(., "不属实")]`)),
			chromedp.SendKeys(chromedp.Search(row+`//form[contains(@action, "dismiss")]//input[@name="note"]`), "现场查看，站点正常开放"))
		tb.shot("station-report-dismiss")
		tb.do(chromedp.Click(chromedp.Search(row+`//button[contains(., "确认不属实")]`)), waitFlash("标为不属实"))
		if !strings.Contains(tb.location(), "/console/stations/"+st.ID.String()) {
			t.Errorf("after dismissing from the station page: %s", tb.location())
		}
		if got, _ := e.reportStatus(t, closed.ID); got != truth.Dismissed {
			t.Errorf("the report is %s", got)
		}
		tb.shot("reports-phone")
	})
}

// A clerk posts a "temporarily closed" notice and the station shows, and
// searches answer, that it is not open; then records a visit.
func TestNoticeAndVisit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	for i, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			st := e.amenityStation(t, fmt.Sprintf("浦江驿站%d号", i+1), "330726")
			tb := e.browser(t, sz)
			tb.login("pujiang")
			tb.open("/console/stations/" + st.ID.String())
			if got := tb.text("main"); !strings.Contains(got, "现在开放") || !strings.Contains(got, "还没有工作人员核实过") {
				t.Errorf("before: %s", got)
			}
			until := time.Now().In(time.FixedZone("CST", 8*3600)).Add(48 * time.Hour).Format("2006-01-02T15:04")
			tb.do(chromedp.Click(chromedp.Search(`//summary[contains(., "发布公告")]`)),
				chromedp.Click(chromedp.CSS(`input[name=kind][value=temporarily_closed]`)),
				chromedp.SetValue(chromedp.CSS(`input[name=until]`), until),
				chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "停电检修，后天恢复"))
			tb.shot("station-notice-form")
			tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "发布") and @type="submit" and not(contains(., "公告"))]`)), waitFlash("已发布"))
			body := tb.text("main")
			if !strings.Contains(body, "现在未开放") || !strings.Contains(body, "临时关闭") || !strings.Contains(body, "生效中") || !strings.Contains(body, "停电检修，后天恢复") {
				t.Errorf("after the notice: %s", body)
			}
			got, err := e.Stations.Get(context.Background(), st.ID)
			if err != nil || got.OpenAt(time.Now()) || len(got.Notices) != 1 {
				t.Errorf("the stored station: open %v, notices %+v, %v", got.OpenAt(time.Now()), got.Notices, err)
			}
			tb.shot("station-notice")
			tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "记录核实")]`)), waitFlash("核实了"))
			if got := tb.text("main"); !strings.Contains(got, "pujiang") || strings.Contains(got, "还没有工作人员核实过") {
				t.Errorf("after the visit: %s", got)
			}
			got, err = e.Stations.Get(context.Background(), st.ID)
			if err != nil || got.VerifiedAt.IsZero() || got.VerifiedBy != "staff:"+e.staffID(t, "pujiang") {
				t.Errorf("the visit: %v by %q, %v", got.VerifiedAt, got.VerifiedBy, err)
			}
			tb.shot("station-verified")
		})
	}
}

// A notice that ends before it starts is refused beside its field, and
// nothing is stored.
func TestNoticeRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	c := e.signedIn(t, "pujiang")
	res := e.post(t, c, "/console/stations/"+st.ID.String()+"/notices", url.Values{"kind": {"amenity_unavailable"},
		"from": {"2030-01-02T10:00"}, "until": {"2030-01-01T10:00"}, "message": {"测试"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "field-error") {
		t.Errorf("%d:\n%.2000s", res.StatusCode, res.Body)
	}
	if got, _ := e.Stations.Get(context.Background(), st.ID); len(got.Notices) != 0 {
		t.Errorf("stored: %+v", got.Notices)
	}
}
