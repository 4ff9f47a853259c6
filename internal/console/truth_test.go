package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
	if res := e.get(t, c, "/console/reports?district=330782"); res.StatusCode != http.StatusForbidden {
		t.Errorf("another county's reports: %d", res.StatusCode)
	}
	if res := e.get(t, c, "/console/stations?stale_days=7"); !strings.Contains(res.Body, "field-error") {
		t.Errorf("stale_days=7 is not a choice: %d", res.StatusCode)
	}
}

var _ = time.Now
var _ = chromedp.Navigate
