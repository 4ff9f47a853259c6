package console_test

import (
	"context"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yizhan/internal/auth"
	"yizhan/internal/console"
)

// TestImportPreview: a file with mistakes is previewed row by row in
// Chinese and nothing is stored; a good file is previewed, then stored
// whole on confirmation.
func TestImportPreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	dir := t.TempDir()
	feature := func(name, district string, lng, lat float64, extra string) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%g,%g]},"properties":{"name":%q,"address":"浦江县人民东路","district_code":%q,"host":{"type":"shop"},"hours":{"always_open":true}%s}}`, lng, lat, name, district, extra)
	}
	bad := filepath.Join(dir, "bad.geojson")
	good := filepath.Join(dir, "good.geojson")
	write := func(path string, features ...string) {
		if err := os.WriteFile(path, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(features, ",")+`]}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(bad,
		feature("浦江一号驿站", "330726", 119.89, 29.45, ""),
		feature("", "330726", 119.89, 29.45, ""),
		feature("坐标填反的驿站", "330726", 29.45, 119.89, ""),
		feature("电话不对的驿站", "330726", 119.90, 29.46, `,"contact_phone":"12345"`),
	)
	write(good,
		feature("浦江一号驿站", "330726", 119.89, 29.45, ""),
		feature("浦江二号驿站", "330726", 119.90, 29.46, `,"amenities":["toilet"]`),
		feature("浦江三号驿站", "330726", 119.91, 29.47, ""),
	)
	for _, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			start := e.countStations(t)
			tb := e.browser(t, sz)
			tb.login("pujiang")
			tb.open("/console/stations/import")
			tb.shot("import")
			tb.do(
				chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{bad}),
				chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)),
				chromedp.WaitReady(chromedp.CSS(`table.import-rows`)),
			)
			page := tb.text("main")
			for _, want := range []string{"有 3 行有错误（共 4 行）", "第 2 行", "站点名称：请填写站点名称", "第 3 行", "纬度和经度是否填反", "第 4 行", "联系电话：请填写手机号"} {
				if !strings.Contains(page, want) {
					t.Errorf("the preview of a bad file does not say %q:\n%s", want, page)
				}
			}
			if strings.Contains(page, "第 1 行") {
				t.Errorf("the preview lists the good row 1 among the errors")
			}
			tb.shot("import-errors")
			if n := e.countStations(t); n != start {
				t.Fatalf("%d stations stored from a previewed bad file", n-start)
			}
			tb.do(
				chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{good}),
				chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)),
				chromedp.WaitReady(chromedp.CSS(`#confirm-import`)),
			)
			if got := tb.text(".flash-ok"); !strings.Contains(got, "3 个站点，全部检查无误") {
				t.Errorf("the preview of a good file says %q", got)
			}
			if n := e.countStations(t); n != start {
				t.Fatalf("%d stations stored before confirming", n-start)
			}
			tb.shot("import-preview")
			before := e.countStations(t)
			if sz.Name != sizes[0].Name {
				// The first size imported these rows: confirming warns of
				// duplicates, and 仍然导入 imports them anyway.
				tb.do(chromedp.Click(chromedp.CSS(`#confirm-import`)), chromedp.WaitReady(chromedp.CSS(`#duplicates`)))
				if got := tb.text("#duplicates"); !strings.Contains(got, "第 1 行") || !strings.Contains(got, "25 米以内") {
					t.Errorf("the duplicates warning says %q", got)
				}
				if n := e.countStations(t); n != before {
					t.Fatalf("%d stations stored despite the duplicates", n-before)
				}
				tb.shot("import-duplicates")
				tb.do(chromedp.Click(chromedp.CSS(`#import-anyway`)), chromedp.WaitReady(chromedp.CSS(`nav.tabs`)))
			} else {
				tb.do(chromedp.Click(chromedp.CSS(`#confirm-import`)), chromedp.WaitReady(chromedp.CSS(`nav.tabs`)))
			}
			if got := tb.text(".flash-ok"); !strings.Contains(got, "已导入 3 个站点") {
				t.Errorf("after confirming: %q", got)
			}
			if n := e.countStations(t); n != before+3 {
				t.Errorf("%d stations after the import, want %d", n, before+3)
			}
		})
	}
}

// TestStationPages opens every station page at both sizes, with a few
// stations, and saves their screenshots; any JavaScript error fails it.
func TestStationPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	st := e.mustStation(t, "浦江县总工会职工服务中心驿站", "330726", 29.4521, 119.892)
	for i, name := range []string{"农业银行浦江支行24小时工会服务站", "浦江火车站爱心驿站", "仙华街道快递小哥驿站", "浦南街道骑手之家", "黄宅镇工会爱心驿站"} {
		e.mustStation(t, name, "330726", 29.44+float64(i)*0.01, 119.88+float64(i)*0.012)
	}
	if _, err := e.Stations.Patch(context.Background(), colleague{}, st.ID, 1, []byte(`{"contact_phone":"0579-84100000","hours":{"always_open":true,"weekly":null}}`)); err != nil {
		t.Fatal(err)
	}
	for _, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			tb := e.browser(t, sz)
			tb.login("admin1")
			tb.open("/console/stations")
			if got := tb.text("tbody"); !strings.Contains(got, "浦江火车站爱心驿站") {
				t.Errorf("the list does not show the stations: %q", got)
			}
			tb.shot("stations")
			tb.open("/console/stations?amenity=wifi")
			if got := tb.text("main"); !strings.Contains(got, "没有符合条件的站点") {
				t.Errorf("filtering on wifi: %q", got)
			}
			tb.open("/console/stations/map")
			tb.do(chromedp.WaitReady(chromedp.CSS(`#map[data-ready="1"]`)))
			if got := tb.text("#map-status"); !strings.Contains(got, "共 6 个站点") {
				t.Errorf("the map's status line says %q", got)
			}
			tb.shot("stations-map")
			tb.open("/console/stations/" + st.ID.String())
			if got := tb.text("main"); !strings.Contains(got, "第 2 版") || !strings.Contains(got, "同事") || !strings.Contains(got, "24 小时开放") {
				t.Errorf("the station page lacks its history: %q", got)
			}
			tb.shot("station-history")
			tb.open("/console/stations/new")
			tb.do(chromedp.WaitReady(chromedp.CSS(`#picker[data-ready="1"]`)), chromedp.Click(chromedp.CSS(`input[name=hours_mode][value=always]`)))
			if hidden, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.getElementById('weekly').offsetParent === null`)); !hidden {
				t.Errorf("choosing 24 小时 leaves the weekly grid showing")
			}
			tb.open("/console/nowhere")
			tb.shot("not-found")
		})
	}
}

// TestBrowserHarnessSeesErrors: the harness notices a JavaScript error, so
// that the other tests' silence means something.
func TestBrowserHarnessSeesErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tb := e.browser(t, desktop)
	tb.open("/console/login")
	if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[any](`setTimeout(() => { throw new Error('boom') }, 0); console.error('broken'); 1`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var errs []string
	for len(errs) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		errs = append(errs, tb.consoleErrors()...)
	}
	if len(errs) < 2 || !strings.Contains(strings.Join(errs, "\n"), "boom") {
		t.Errorf("the harness saw %q, want the exception and the console error", errs)
	}
}

// TestMapWithoutTiles: when the tile server cannot be reached (offline),
// the map falls back to its plain background, says so, and still places
// the point.
func TestMapWithoutTiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *console.Config) {
		c.TileURL = "http://127.0.0.1:9/{z}/{x}/{y}.png" // the discard port: nothing answers
	})
	e.staff(t, "admin1", auth.Admin)
	tb := e.browser(t, desktop)
	tb.login("admin1")
	tb.open("/console/stations/new")
	tb.do(
		chromedp.WaitReady(chromedp.CSS(`#picker.tiles-off`)),
		chromedp.WaitVisible(chromedp.CSS(`#picker-note`)),
		chromedp.ScrollIntoView(chromedp.CSS(`#picker`)),
	)
	box, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById('picker').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.MouseClickXY(box[0]+box[2]/2+40, box[1]+box[3]/2+30))
	if lat, _ := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(`#lat`))); lat == "" {
		t.Errorf("a click on the plain background placed no point")
	}
}

// TestStationListPages: 55 stations make two pages of 50 and 5, linked
// both ways, with the filter kept.
func TestStationListPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	for i := range 55 {
		e.mustStation(t, fmt.Sprintf("驿站%02d", i), "330726", 29.40+float64(i)*0.001, 119.89)
	}
	c := e.signedIn(t, "pujiang")
	first := e.get(t, c, "/console/stations?q=%E9%A9%BF%E7%AB%99")
	if n := strings.Count(first.Body, `<tr>`) - 1; n != 50 {
		t.Errorf("the first page has %d rows, want 50", n)
	}
	m := regexp.MustCompile(`href="(/console/stations\?[^"]*after=[^"]+)"`).FindStringSubmatch(first.Body)
	if m == nil {
		t.Fatalf("the first page has no link to the next")
	}
	next := html.UnescapeString(m[1])
	if !strings.Contains(next, "q=") {
		t.Errorf("the next page's link %q drops the filter", next)
	}
	second := e.get(t, c, next)
	if n := strings.Count(second.Body, `<tr>`) - 1; n != 5 {
		t.Errorf("the second page has %d rows, want 5", n)
	}
	if strings.Contains(second.Body, "after=") || !strings.Contains(second.Body, "第一页") {
		t.Errorf("the last page links onward, or not back to the first")
	}
}
