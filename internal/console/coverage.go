package console

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/coverage"
	"yizhan/internal/geo"
)

// The coverage page (issue 13): demand as coloured cells, the gaps, and
// suggested sites with a CSV of them. The form is a GET, so that a result
// can be bookmarked and sent to a colleague.

// coverageForm is the page's form, as typed.
type coverageForm struct {
	BBox    string // west,south,east,north in BBoxCRS
	BBoxCRS geo.CRS
	Reach   string
	From    string
	To      string
	Hours   string // "" (all day) or "night"
	Source  string
	K       string
}

// coverageRequest reads the form: the box arrives in the map's CRS (the
// script fills it from the map's view) and is converted to WGS-84.
func (h *handler) coverageRequest(r *http.Request) (coverageForm, coverage.Request, int, map[string]string) {
	q := r.URL.Query()
	f := coverageForm{BBox: strings.TrimSpace(q.Get("bbox")), Reach: q.Get("reach"), From: q.Get("from"), To: q.Get("to"),
		Hours: q.Get("hours"), Source: q.Get("source"), K: q.Get("k")}
	f.BBoxCRS = geo.CRS(q.Get("bbox_crs"))
	if !f.BBoxCRS.Valid() {
		f.BBoxCRS = geo.WGS84
	}
	errs := map[string]string{}
	var req coverage.Request
	if f.BBox == "" {
		c := geo.ToWGS84(h.defaultCentre(r), h.Config.TileCRS)
		req.Box = orb.Bound{Min: orb.Point{c[0] - 0.18, c[1] - 0.15}, Max: orb.Point{c[0] + 0.18, c[1] + 0.15}}
		f.BBox, f.BBoxCRS = boxText(req.Box), geo.WGS84
	} else if b, ok := coverage.ParseBox(f.BBox); ok {
		lo, hi := geo.ToWGS84(b.Min, f.BBoxCRS), geo.ToWGS84(b.Max, f.BBoxCRS)
		req.Box = orb.Bound{Min: lo, Max: hi}
	} else {
		errs["bbox"] = t("coverage.error.bbox")
	}
	switch f.Reach {
	case "", "1000":
		req.ReachM, f.Reach = 1000, "1000"
	case "3000":
		req.ReachM = 3000
	default:
		errs["reach"] = t("coverage.error.reach")
	}
	for _, d := range []struct {
		in  string
		dst *coverage.Request
		to  bool
	}{{f.From, &req, false}, {f.To, &req, true}} {
		if d.in == "" {
			continue
		}
		day, ok := coverage.ParseDay(d.in)
		switch {
		case !ok && d.to:
			errs["to"] = t("coverage.error.date")
		case !ok:
			errs["from"] = t("coverage.error.date")
		case d.to:
			req.To = day
		default:
			req.From = day
		}
	}
	switch f.Hours {
	case "":
	case "night":
		req.Hours = coverage.NightHours()
	default:
		errs["hours"] = t("coverage.error.hours")
	}
	switch f.Source {
	case "", "all", "searches", "imported":
		req.Source = coverage.Source(f.Source)
	default:
		errs["source"] = t("coverage.error.source")
	}
	k, err := strconv.Atoi(f.K)
	if f.K == "" {
		k, f.K = 10, "10"
	} else if err != nil || k < 1 || k > coverage.MaxSites {
		errs["k"] = t("coverage.error.k")
	}
	if len(errs) == 0 {
		errs = nil
	}
	return f, req, k, errs
}

func boxText(b orb.Bound) string {
	return fmt.Sprintf("%s,%s,%s,%s", coordText(b.Min[0]), coordText(b.Min[1]), coordText(b.Max[0]), coordText(b.Max[1]))
}

// coveragePage is what the template shows.
type coveragePage struct {
	Form     coverageForm
	Errors   map[string]string
	Ran      bool
	Summary  coverageSummary
	Night    coverageSummary
	Sites    []siteRow
	SitesCRS string // what the sites' coordinates are, in words
	MinCount int64
	Map      mapConfig
	DataURL  string
	CSVURL   string
	Period   string
}

type coverageSummary struct {
	Covered, Uncovered, Stations, Gaps int64
	Share                              string
}

type siteRow struct {
	Rank                     int
	Lat, Lng                 string // in the map's CRS
	NewlyCovered, Cumulative int64
}

func summaryOf(rep *coverage.Report) coverageSummary {
	return coverageSummary{Covered: rep.Totals.Covered, Uncovered: rep.Totals.Uncovered, Stations: int64(rep.Stations),
		Gaps: int64(rep.Totals.CellsUncovered), Share: fmt.Sprintf("%.1f%%", rep.Totals.CoveredShare*100)}
}

func (h *handler) coveragePage(w http.ResponseWriter, r *http.Request) {
	if h.Coverage == nil {
		h.renderError(w, r, http.StatusServiceUnavailable, "coverage.off")
		return
	}
	f, req, k, errs := h.coverageRequest(r)
	page := coveragePage{Form: f, Errors: errs, MinCount: h.Coverage.Config().MinCount}
	c := geo.FromWGS84(req.Box.Center(), h.Config.TileCRS)
	page.SitesCRS = t("crs." + string(h.Config.TileCRS))
	page.Map = mapConfig{Tiles: h.Config.TileURL, Subdomains: h.Config.TileSubdomains, CRS: string(h.Config.TileCRS), Lat: coordText(c[1]), Lng: coordText(c[0]), Zoom: 11}
	if errs == nil {
		rep, err := h.Coverage.Coverage(r.Context(), principal(r), req)
		if err == nil {
			var plan *coverage.Plan
			if plan, err = h.Coverage.Suggest(r.Context(), principal(r), req, k); err == nil {
				page.Ran = true
				page.Summary, page.Night = summaryOf(rep), summaryOf(rep.Night)
				if req.Hours != nil {
					page.Summary = page.Night
				}
				page.Period = rep.Request.From.Format("2006-01-02") + " — " + rep.Request.To.Format("2006-01-02")
				page.Form.From, page.Form.To = rep.Request.From.Format("2006-01-02"), rep.Request.To.Format("2006-01-02")
				for i, s := range plan.Items {
					p := geo.FromWGS84(s.Point, h.Config.TileCRS)
					page.Sites = append(page.Sites, siteRow{Rank: i + 1, Lat: strconv.FormatFloat(p[1], 'f', 6, 64), Lng: strconv.FormatFloat(p[0], 'f', 6, 64),
						NewlyCovered: s.NewlyCovered, Cumulative: s.CumulativeCovered})
				}
				q := r.URL.Query()
				q.Set("bbox", boxText(req.Box))
				q.Set("bbox_crs", string(geo.WGS84))
				page.DataURL = "/console/coverage/map.json?" + q.Encode()
				page.CSVURL = "/console/coverage/suggestions.csv?" + q.Encode()
			}
		}
		if err != nil {
			if apperr.CodeOf(err) != apperr.Invalid {
				h.fail(w, r, err)
				return
			}
			page.Errors = formErrors(err)
		}
	}
	h.render(w, r, "coverage.html", "coverage", page)
}

// coverageMapData answers the cells and sites for the map script, in the
// tiles' CRS: {"crs":…, "box":[[lat,lng],[lat,lng]], "cells":[[count, covered, lat,lng, lat,lng, lat,lng, lat,lng],…],
// "sites":[[lat,lng,newly],…]}. Only shown cells (at least DEMAND_MIN_COUNT).
func (h *handler) coverageMapData(w http.ResponseWriter, r *http.Request) {
	_, req, k, errs := h.coverageRequest(r)
	if errs != nil || h.Coverage == nil {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	rep, err := h.Coverage.Coverage(r.Context(), principal(r), req)
	var plan *coverage.Plan
	if err == nil {
		plan, err = h.Coverage.Suggest(r.Context(), principal(r), req, k)
	}
	if err != nil {
		http.Error(w, `{"error":"`+string(apperr.CodeOf(err))+`"}`, http.StatusBadRequest)
		return
	}
	view := rep
	if req.Hours != nil {
		view = rep.Night
	}
	crs := h.Config.TileCRS
	num := func(b *bytes.Buffer, v float64) { b.Write(strconv.AppendFloat(nil, v, 'f', 6, 64)) }
	point := func(b *bytes.Buffer, p orb.Point) {
		p = geo.FromWGS84(p, crs)
		num(b, p[1])
		b.WriteByte(',')
		num(b, p[0])
	}
	var b bytes.Buffer
	b.WriteString(`{"crs":`)
	b.Write(strconv.AppendQuote(nil, string(crs)))
	b.WriteString(`,"box":[[`)
	point(&b, req.Box.Min)
	b.WriteString(`],[`)
	point(&b, req.Box.Max)
	b.WriteString(`]],"cells":[`)
	for i, c := range view.Cells {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%d,%t", c.Count, c.Covered)
		for _, v := range c.ID.Polygon()[0][:4] {
			b.WriteByte(',')
			point(&b, v)
		}
		b.WriteByte(']')
	}
	b.WriteString(`],"sites":[`)
	for i, s := range plan.Items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		point(&b, s.Point)
		fmt.Fprintf(&b, ",%d]", s.NewlyCovered)
	}
	b.WriteString(`]}`)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = w.Write(b.Bytes())
}

// coverageCSV is the suggested sites for Excel: UTF-8 with a BOM, Chinese
// headers, coordinates in both the map's CRS and WGS-84.
func (h *handler) coverageCSV(w http.ResponseWriter, r *http.Request) {
	_, req, k, errs := h.coverageRequest(r)
	if errs != nil || h.Coverage == nil {
		h.renderError(w, r, http.StatusBadRequest, "coverage.error.bbox")
		return
	}
	plan, err := h.Coverage.Suggest(r.Context(), principal(r), req, k)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	crs := h.Config.TileCRS
	_ = cw.Write([]string{t("coverage.csv.rank"), t("coverage.csv.lat") + "（" + t("crs.short."+string(crs)) + "）", t("coverage.csv.lng") + "（" + t("crs.short."+string(crs)) + "）",
		t("coverage.csv.lat") + "（WGS-84）", t("coverage.csv.lng") + "（WGS-84）", t("coverage.csv.newly"), t("coverage.csv.cumulative"), t("coverage.csv.cell")})
	for i, s := range plan.Items {
		p := geo.FromWGS84(s.Point, crs)
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
		_ = cw.Write([]string{strconv.Itoa(i + 1), f(p[1]), f(p[0]), f(s.Point[1]), f(s.Point[0]),
			strconv.FormatInt(s.NewlyCovered, 10), strconv.FormatInt(s.CumulativeCovered, 10), s.Cell.Token()})
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment; filename=\"coverage-sites.csv\"; filename*=UTF-8''"+url.PathEscape(t("coverage.csv.filename")))
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = w.Write(b.Bytes())
}
