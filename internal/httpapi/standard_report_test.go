package httpapi_test

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"yizhan/internal/auth"
	"yizhan/internal/sheet"
)

// TestServiceReportReadsBackAsCounted counts services, check-ins, reports
// and inspections through the API, keeps its own tally of what it did, and
// compares the month's workbook, read back, with that tally.
func TestServiceReportReadsBackAsCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	county := e.staff("pujiang", auth.DistrictStaff, "330726")
	type want struct {
		district                          string
		tallied, checkins, reports, stars int
		due                               bool
	}
	expect := map[string]*want{}
	ids := map[string]string{}
	mk := func(name, code string) string {
		body := stationBody(name)
		body["district_code"] = code
		s := e.create(admin, body)
		ids[name] = s.ID
		expect[name] = &want{district: code, due: true}
		return s.ID
	}
	a, b, c := mk("甲站", "330726"), mk("乙站", "330726"), mk("丙站", "330702")
	closedQuiet, closedBusy := mk("丁站", "330726"), mk("戊站", "330726")
	delete(expect, "丁站") // closed, nothing counted: not in the report

	tally := func(id string, body map[string]any) {
		t.Helper()
		if r := e.do(req{Method: "POST", Path: "/v1/stations/" + id + "/service-tally", Token: admin, Body: body}); r.Status != 200 {
			t.Fatalf("tally: %d %s", r.Status, r.Body)
		}
	}
	tally(a, map[string]any{"date": "2026-11-01", "count": 10})
	tally(a, map[string]any{"date": "2026-10-31", "count": 99}) // October
	for range 3 {
		tally(a, map[string]any{"add": 1})
	}
	expect["甲站"].tallied = 13
	tally(b, map[string]any{"date": "2026-11-15", "count": 5})
	expect["乙站"].tallied = 5
	tally(c, map[string]any{"date": "2026-11-29", "count": 7})
	expect["丙站"].tallied = 7
	tally(closedBusy, map[string]any{"date": "2026-11-02", "count": 4})
	expect["戊站"].tallied = 4
	for _, id := range []string{closedQuiet, closedBusy} {
		if r := e.do(req{Method: "DELETE", Path: "/v1/stations/" + id, Token: admin}); r.Status != 204 {
			t.Fatalf("close: %d", r.Status)
		}
	}

	// An inspection of 甲站 now: it is not due; the others are.
	if r := e.do(req{Method: "POST", Path: "/v1/stations/" + a + "/inspections", Token: county, Body: map[string]any{"items": allPass()}}); r.Status != 201 {
		t.Fatalf("inspection: %d %s", r.Status, r.Body)
	}
	expect["甲站"].stars, expect["甲站"].due = 4, false // 10 items, no map: 10 points

	// Reports at 乙站.
	reporter, _ := e.worker("oReporter")
	for _, cat := range []string{"dirty", "unsafe"} {
		if r := e.do(req{Method: "POST", Path: "/v1/stations/" + b + "/reports", Token: reporter, Body: map[string]any{"category": cat}}); r.Status != 201 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
	}
	expect["乙站"].reports = 2

	// Check-ins, one an hour from 18:00 to 00:00 Shanghai time: six in
	// November at 甲站, and the seventh on 1 December, outside the month.
	rider, _ := e.worker("oRider")
	other, _ := e.worker("oRider2")
	checkin := func(token, id string) {
		t.Helper()
		if r := e.do(req{Method: "POST", Path: "/v1/stations/" + id + "/checkins", Token: token, Body: map[string]any{"lat": 29.4521, "lng": 119.892}}); r.Status != 201 {
			t.Fatalf("check-in: %d %s", r.Status, r.Body)
		}
	}
	checkin(other, c)
	expect["丙站"].checkins = 1
	start := e.clock.Now()
	for h := range 7 {
		e.clock.Set(start.Add(time.Duration(h) * time.Hour))
		checkin(rider, a)
	}
	expect["甲站"].checkins = 6

	r := e.do(req{Method: "GET", Path: "/v1/stations/service-report.xlsx?month=2026-11", Token: admin})
	if r.Status != 200 || r.Header.Get("Content-Type") != mimeXLSX || r.Header.Get("Content-Disposition") != `attachment; filename="service-report-2026-11.xlsx"` {
		t.Fatalf("report: %d %v", r.Status, r.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(sheet.ReportStationSheet)
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	if len(rows)-1 != len(expect) {
		t.Errorf("%d station rows, want %d: %v", len(rows)-1, len(expect), rows)
	}
	itoa := strconv.Itoa
	yes := map[bool]string{true: "是", false: "否"}
	for _, row := range rows[1:] {
		name := row[col["站点"]]
		w, ok := expect[name]
		if !ok {
			t.Errorf("unexpected row %v", row)
			continue
		}
		stars := ""
		if w.stars > 0 {
			stars = itoa(w.stars)
		}
		got := []string{row[col["区县代码"]], row[col["站点编号"]], row[col["服务人次（登记）"]], row[col["签到人次"]], row[col["服务人次合计"]],
			row[col["报告数"]], row[col["星级"]], row[col["需检查"]]}
		wantRow := []string{w.district, ids[name], itoa(w.tallied), itoa(w.checkins), itoa(w.tallied + w.checkins), itoa(w.reports), stars, yes[w.due]}
		for i := range got {
			if got[i] != wantRow[i] {
				t.Errorf("%s: %v, want %v", name, got, wantRow)
				break
			}
		}
	}

	// The counties, summed here from the expected stations.
	sums := map[string][]int{} // stations, tallied, checkins, services, reports, starred, due
	for _, w := range expect {
		s := sums[w.district]
		if s == nil {
			s = make([]int, 7)
			sums[w.district] = s
		}
		starred, due := 0, 0
		if w.stars > 0 {
			starred = 1
		}
		if w.due {
			due = 1
		}
		for i, v := range []int{1, w.tallied, w.checkins, w.tallied + w.checkins, w.reports, starred, due} {
			s[i] += v
		}
	}
	drows, err := f.GetRows(sheet.ReportDistrictSheet)
	if err != nil {
		t.Fatal(err)
	}
	dcol := map[string]int{}
	for i, h := range drows[0] {
		dcol[h] = i
	}
	if len(drows) != len(sums)+2 || drows[len(drows)-1][1] != "合计" {
		t.Fatalf("district rows: %v", drows)
	}
	for _, row := range drows[1 : len(drows)-1] {
		s := sums[row[0]]
		got := []string{row[dcol["站点数"]], row[dcol["服务人次（登记）"]], row[dcol["签到人次"]], row[dcol["服务人次合计"]], row[dcol["报告数"]],
			row[dcol["星级站点数"]], row[dcol["需检查站点数"]]}
		for i := range got {
			if s == nil || got[i] != itoa(s[i]) {
				t.Errorf("district %s: %v, want %v", row[0], got, s)
				break
			}
		}
	}
	if total := drows[len(drows)-1]; total[dcol["服务人次合计"]] != itoa(13+6+5+2*0+7+1+4) {
		t.Errorf("total: %v", total)
	}

	// County staff get their county; another county is refused.
	r = e.do(req{Method: "GET", Path: "/v1/stations/service-report.xlsx?month=2026-11", Token: county})
	if f, err = excelize.OpenReader(bytes.NewReader(r.Body)); err != nil {
		t.Fatal(err)
	}
	if rows, _ = f.GetRows(sheet.ReportStationSheet); len(rows) != 1+3 {
		t.Errorf("county staff see %d rows: %v", len(rows)-1, rows)
	}
	for _, c := range []struct {
		path   string
		token  string
		status int
	}{
		{"?district_code=330702", county, 403},
		{"?month=2026-13", admin, 400},
		{"?month=202611", admin, 400},
		{"?month=9999-12", admin, 400},
		{"?month=2027-01", admin, 400}, // the clock stands in late 2026
		{"?district_code=33072", admin, 400},
		{"", "", 401},
	} {
		if r := e.do(req{Method: "GET", Path: "/v1/stations/service-report.xlsx" + c.path, Token: c.token}); r.Status != c.status {
			t.Errorf("%s: %d %s", c.path, r.Status, r.Body)
		}
	}
}
