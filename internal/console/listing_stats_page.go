package console

import (
	"bytes"
	"fmt"
	"net/http"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/sheet"
	"yizhan/internal/standard"
	"yizhan/internal/station"
)

// listingStatsView is the 上图 page: each county's share of active stations
// on each map app, and the monthly service report's download form.
type listingStatsView struct {
	DistrictCode string
	Rows         []listingStatsRow
	Total        listingStatsRow
	Month        string
	Error        string
}

type listingStatsRow struct {
	Code, Name string
	Stations   int
	Platforms  []platformShare
}

type platformShare struct {
	Label   string
	Listed  int
	Percent string
	Low     bool // under half: the page marks it
}

func toStatsRow(d standard.DistrictListings, name string) listingStatsRow {
	row := listingStatsRow{Code: d.DistrictCode, Name: name, Stations: d.Stations}
	for _, p := range station.MapPlatforms {
		share := d.Share(p)
		row.Platforms = append(row.Platforms, platformShare{Label: t("platform.short." + p), Listed: d.Listed[p],
			Percent: fmt.Sprintf("%.1f%%", share*100), Low: d.Stations > 0 && share < 0.5})
	}
	return row
}

func (h *handler) listingStatsPage(w http.ResponseWriter, r *http.Request) {
	v := listingStatsView{DistrictCode: r.URL.Query().Get("district_code"), Month: standard.MonthOf(h.Standards.Now()).String()}
	if v.DistrictCode != "" {
		var p apperr.Problems
		if !district.Check(&p, "district_code", v.DistrictCode, false) {
			v.Error = formErrors(p.Err())["district_code"]
			h.renderStatus(w, r, http.StatusUnprocessableEntity, "map_listings.html", "map-listings", v)
			return
		}
	}
	stats, err := h.Standards.ListingStats(r.Context(), principal(r), v.DistrictCode)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	total := standard.DistrictListings{Listed: map[string]int{}}
	for _, d := range stats {
		v.Rows = append(v.Rows, toStatsRow(d, district.Name(d.DistrictCode)))
		total.Stations += d.Stations
		for k, n := range d.Listed {
			total.Listed[k] += n
		}
	}
	v.Total = toStatsRow(total, t("listings.total"))
	h.render(w, r, "map_listings.html", "map-listings", v)
}

// serviceReport downloads the monthly service report, as
// GET /v1/stations/service-report.xlsx does.
func (h *handler) serviceReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code := q.Get("district_code")
	var p apperr.Problems
	if code != "" {
		district.Check(&p, "district_code", code, false)
	}
	m := standard.MonthOf(h.Standards.Now())
	if v := q.Get("month"); v != "" {
		var ok bool
		if m, ok = standard.ParseMonth(v); !ok {
			p.Add("month", "format", "must be a month written YYYY-MM, such as 2026-11")
		}
	}
	if err := p.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	rep, err := h.Standards.ServiceReport(r.Context(), principal(r), code, m)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := sheet.WriteServiceReport(&buf, rep); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="service-report-`+m.String()+`.xlsx"`)
	_, _ = w.Write(buf.Bytes())
}
