package httpapi_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"golang.org/x/text/encoding/simplifiedchinese"

	"yizhan/internal/auth"
	"yizhan/internal/sheet"
)

const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func init() {
	openapi3filter.RegisterBodyDecoder(mimeXLSX, openapi3filter.FileBodyDecoder)
}

// A sheet as union staff keep it: Chinese headers in their own order, GBK,
// labels, hours phrases, gcj02 coordinates on one row.
const unionSheet = "名称,地址,纬度,经度,区县代码,开放时间,主办类型,设施,坐标系,联系电话,主办单位\r\n" +
	"浦阳驿站,浦江县人民东路1号,29.4517,119.8921,330726,24小时,工会,饮用水、手机充电,,0579-84123456,浦江县总工会\r\n" +
	"\r\n" +
	"仙华驿站,浦江县仙华路8号,29.4612,119.9003,330726,周一至周五 08:00-20:00；周六 09:00-17:00,银行,\"wifi,热水\",gcj02,,\r\n" +
	"夜班驿站,浦江县江滨路2号,29.4420,119.8800,330726,22:00-次日06:00,,,,13800001111,\r\n"

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sortedRows are the data rows of an exported CSV, sorted (ids differ
// between databases, and the export is in id order).
func sortedRows(t *testing.T, csv []byte) []string {
	t.Helper()
	text, ok := bytes.CutPrefix(csv, []byte("\uFEFF"))
	if !ok {
		t.Fatalf("export.csv has no byte order mark: %q", truncateStr(string(csv)))
	}
	lines := strings.Split(strings.TrimSuffix(string(text), "\r\n"), "\r\n")
	if lines[0] != strings.Join(sheet.Header(), ",") {
		t.Errorf("export header %q", lines[0])
	}
	rows := lines[1:]
	slices.Sort(rows)
	return rows
}

func truncateStr(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

func TestSheetImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	r := e.do(req{Method: "POST", Path: "/v1/stations/import", Token: admin, Body: gbk(t, unionSheet), ContentType: "text/csv"})
	if r.Status != 201 {
		t.Fatalf("GBK import: %d %s", r.Status, r.Body)
	}
	var res struct{ Created int }
	r.JSON(t, &res)
	if res.Created != 3 {
		t.Fatalf("created %d", res.Created)
	}
	csv := e.do(req{Method: "GET", Path: "/v1/stations/export.csv", Token: admin})
	if csv.Status != 200 || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export.csv: %d %s", csv.Status, csv.Header)
	}
	want := sortedRows(t, csv.Body)
	if len(want) != 3 || !strings.Contains(strings.Join(want, "\n"), "周一至周五 08:00-20:00；周六 09:00-17:00") {
		t.Errorf("exported rows: %q", want)
	}
	xlsx := e.do(req{Method: "GET", Path: "/v1/stations/export.xlsx", Token: admin})
	if xlsx.Status != 200 || xlsx.Header.Get("Content-Type") != mimeXLSX {
		t.Fatalf("export.xlsx: %d %s", xlsx.Status, xlsx.Header)
	}
	// Each export imports back, into an empty database, to the same rows.
	for name, body := range map[string]req{
		"csv":  {Body: csv.Body, ContentType: "text/csv"},
		"xlsx": {Body: xlsx.Body, ContentType: mimeXLSX},
	} {
		e2 := newEnv(t)
		admin2 := e2.staff("admin1", auth.Admin)
		body.Method, body.Path, body.Token = "POST", "/v1/stations/import", admin2
		if r := e2.do(body); r.Status != 201 {
			t.Fatalf("%s import of an export: %d %s", name, r.Status, r.Body)
		}
		got := sortedRows(t, e2.do(req{Method: "GET", Path: "/v1/stations/export.csv", Token: admin2}).Body)
		if !slices.Equal(got, want) {
			t.Errorf("%s round trip:\n got %q\nwant %q", name, got, want)
		}
	}
	// The template is a workbook whose example row imports.
	tpl := e.do(req{Method: "GET", Path: "/v1/stations/import-template.xlsx", Token: admin})
	if tpl.Status != 200 {
		t.Fatalf("template: %d", tpl.Status)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/stations/import", Token: admin, Body: tpl.Body, ContentType: mimeXLSX}); r.Status != 201 {
		t.Errorf("template import: %d %s", r.Status, r.Body)
	}
}

func TestSheetExportKeepsToDistricts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	other := strings.Replace(unionSheet, "夜班驿站,浦江县江滨路2号,29.4420,119.8800,330726", "义乌驿站,义乌市稠城街道1号,29.3060,120.0750,330782", 1)
	if r := e.do(req{Method: "POST", Path: "/v1/stations/import", Token: admin, Body: other, ContentType: "text/csv; charset=utf-8"}); r.Status != 201 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	county := e.staff("pujiang", auth.DistrictStaff, "330726")
	rows := sortedRows(t, e.do(req{Method: "GET", Path: "/v1/stations/export.csv", Token: county}).Body)
	if len(rows) != 2 || strings.Contains(strings.Join(rows, ""), "义乌") {
		t.Errorf("a county's export: %q", rows)
	}
}

func TestSheetImportNamesRowAndColumn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	bad := strings.Replace(unionSheet, "29.4612", "北纬29度", 1)
	bad = strings.Replace(bad, "22:00-次日06:00", "晚上十点到早上六点", 1)
	bad = strings.Replace(bad, "饮用水、手机充电", "饮用水、按摩椅", 1)
	r := e.do(req{Method: "POST", Path: "/v1/stations/import", Token: admin, Body: bad, ContentType: "text/csv"})
	if r.Status != 400 {
		t.Fatalf("bad sheet: %d %s", r.Status, r.Body)
	}
	got := map[string]string{}
	for _, f := range r.Problem(t).Errors {
		got[f.Field] = f.Message
	}
	for _, field := range []string{"rows[2].设施[1]", "rows[4].纬度", "rows[5].开放时间"} {
		if _, ok := got[field]; !ok {
			t.Errorf("no problem at %s: %v", field, got)
		}
	}
	if !strings.Contains(got["rows[5].开放时间"], "每天 07:00-21:00") {
		t.Errorf("the hours refusal gives no example: %q", got["rows[5].开放时间"])
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM stations`).Scan(&n); err != nil || n != 0 {
		t.Errorf("a refused sheet stored %d stations (%v)", n, err)
	}
	// A GBK file forced to UTF-8, an unknown charset, an unknown column.
	for name, q := range map[string]req{
		"forced":  {Path: "/v1/stations/import?charset=utf-8", Body: gbk(t, unionSheet)},
		"charset": {Path: "/v1/stations/import?charset=latin1", Body: unionSheet},
		"column":  {Path: "/v1/stations/import", Body: "名称,颜色\n甲,红\n"},
		"xlsx":    {Path: "/v1/stations/import", Body: "not a zip", ContentType: mimeXLSX},
	} {
		q.Method, q.Token = "POST", admin
		if q.ContentType == "" {
			q.ContentType = "text/csv"
		}
		if r := e.do(q); r.Status != 400 {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
}
