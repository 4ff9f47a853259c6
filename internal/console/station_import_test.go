package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"yizhan/internal/auth"
)

// TestImportSheet: a CSV saved by Excel on Chinese Windows (GBK) is
// previewed with the rows numbered as the spreadsheet numbers them; fixed,
// it is stored on confirmation. The page links the template.
func TestImportSheet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	dir := t.TempDir()
	const head = "名称,地址,纬度,经度,区县代码,开放时间,主办类型,设施\r\n"
	write := func(name, text string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bad := write("bad.csv", head+
		"浦阳驿站,浦江县人民东路1号,29.4517,119.8921,330726,24小时,工会,饮用水\r\n"+
		"\r\n"+
		"仙华驿站,浦江县仙华路8号,29.4612,119.9003,330726,早八晚八,银行,\r\n")
	good := write("good.csv", head+
		"浦阳驿站,浦江县人民东路1号,29.4517,119.8921,330726,24小时,工会,饮用水\r\n"+
		"\r\n"+
		"仙华驿站,浦江县仙华路8号,29.4612,119.9003,330726,周一至周五 08:00-20:00；周六 09:00-17:00,银行,\r\n")
	start := e.countStations(t)
	tb := e.browser(t, sizes[0])
	tb.login("pujiang")
	tb.open("/console/stations/import")
	if got := tb.text("#import-template"); !strings.Contains(got, "Excel 导入模板") {
		t.Errorf("template link %q", got)
	}
	tb.do(
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{bad}),
		chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`table.import-rows`)),
	)
	page := tb.text("main")
	for _, want := range []string{"第 4 行", "仙华驿站", "每天 07:00-21:00"} {
		if !strings.Contains(page, want) {
			t.Errorf("the preview of a bad sheet does not say %q:\n%s", want, page)
		}
	}
	tb.shot("import-sheet-errors")
	tb.do(
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{good}),
		chromedp.Click(chromedp.CSS(`form[enctype] button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`#confirm-import`)),
	)
	if n := e.countStations(t); n != start {
		t.Fatalf("%d stations stored before confirming", n-start)
	}
	tb.do(chromedp.Click(chromedp.CSS(`#confirm-import`)), chromedp.WaitReady(chromedp.CSS(`nav.tabs`)))
	if got := tb.text(".flash-ok"); !strings.Contains(got, "已导入 2 个站点") {
		t.Errorf("after confirming: %q", got)
	}
	if n := e.countStations(t); n != start+2 {
		t.Errorf("%d stations after the import, want %d", n, start+2)
	}
}
