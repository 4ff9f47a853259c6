package httpapi

import (
	"math"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/coverage"
	"yizhan/internal/geo"
)

// Coverage (issue 13): the wire side of internal/coverage.

// countDemand adds a search at the WGS-84 point p to the demand counters:
// the one call the search handlers make (nil Demand: counting is off).
func (s *server) countDemand(p orb.Point) {
	if s.Demand != nil {
		s.Demand.Add(p, s.Stations.Now())
	}
}

// maxUncoveredFeatures bounds the cells listed in one answer (the busiest
// first); the totals count them all.
const maxUncoveredFeatures = 10_000

var errCoverageOff = apperr.New(apperr.Unavailable, "coverage is not set up on this server")

// parseCoverageRequest reads the query parameters that GET /v1/coverage and
// /v1/coverage/suggestions share.
func parseCoverageRequest(p *apperr.Problems, q url.Values) coverage.Request {
	var r coverage.Request
	if v := q.Get("bbox"); v == "" {
		p.Add("bbox", "required", "is required: minLng,minLat,maxLng,maxLat in WGS-84")
	} else if b, ok := coverage.ParseBox(v); !ok {
		p.Add("bbox", "format", "must be minLng,minLat,maxLng,maxLat in WGS-84 decimal degrees")
	} else {
		r.Box = b
	}
	if v, present, ok := queryDecimal(q, "reach_m"); present {
		if !ok || v <= 0 {
			p.Add("reach_m", "out_of_range", "must be from %d to %d metres", coverage.MinReachM, coverage.MaxReachM)
		} else {
			r.ReachM = v
		}
	}
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"from", &r.From}, {"to", &r.To}} {
		if v := q.Get(d.name); v != "" {
			t, ok := coverage.ParseDay(v)
			if !ok {
				p.Add(d.name, "format", "must be a date such as 2026-12-02")
			}
			*d.dst = t
		}
	}
	if v := q.Get("hours"); v != "" {
		h, ok := coverage.ParseHours(v)
		if !ok {
			p.Add("hours", "format", "must be hours of the day such as 22-6 or 7-9,17-19")
		}
		r.Hours = h
	}
	r.Source = coverage.Source(q.Get("source"))
	return r
}

type demandJSON struct {
	Covered      int64   `json:"covered"`
	Uncovered    int64   `json:"uncovered"`
	CoveredShare float64 `json:"covered_share"`
}

type cellCountsJSON struct {
	Covered   int `json:"covered"`
	Uncovered int `json:"uncovered"`
}

type cellFeatureJSON struct {
	Type       string        `json:"type"`
	ID         string        `json:"id"`
	Geometry   polygonJSON   `json:"geometry"`
	Properties cellPropsJSON `json:"properties"`
}

type polygonJSON struct {
	Type        string         `json:"type"`
	Coordinates [][][2]float64 `json:"coordinates"`
}

type cellPropsJSON struct {
	Cell            string   `json:"cell"`
	Count           int64    `json:"count"`
	NearestStationM *float64 `json:"nearest_station_m"`
	StationsInReach int      `json:"stations_in_reach"`
}

type featureCollectionJSON struct {
	Type     string            `json:"type"`
	Features []cellFeatureJSON `json:"features"`
}

type coverageViewJSON struct {
	Hours            *string               `json:"hours"`
	Stations         int                   `json:"stations"`
	Demand           demandJSON            `json:"demand"`
	Cells            cellCountsJSON        `json:"cells"`
	Uncovered        featureCollectionJSON `json:"uncovered"`
	UncoveredOmitted int                   `json:"uncovered_omitted"`
}

type coverageJSON struct {
	BBox        [4]float64 `json:"bbox"`
	ReachM      float64    `json:"reach_m"`
	MinStations int        `json:"min_stations"`
	From        string     `json:"from"`
	To          string     `json:"to"`
	Source      string     `json:"source"`
	MinCount    int64      `json:"min_count"`
	coverageViewJSON
	Night coverageViewJSON `json:"night"`
}

func (s *server) coverageReport(c echo.Context) error {
	if s.Coverage == nil {
		return errCoverageOff
	}
	var p apperr.Problems
	q := c.QueryParams()
	r := parseCoverageRequest(&p, q)
	r.MinStations = queryInt(&p, q, "min_stations", 1, 1, coverage.MaxMinStations)
	if err := p.Err(); err != nil {
		return err
	}
	rep, err := s.Coverage.Coverage(c.Request().Context(), principal(c), r)
	if err != nil {
		return err
	}
	rq := rep.Request
	out := coverageJSON{
		BBox:             [4]float64{rq.Box.Min[0], rq.Box.Min[1], rq.Box.Max[0], rq.Box.Max[1]},
		ReachM:           rq.ReachM,
		MinStations:      rq.MinStations,
		From:             rq.From.Format(time.DateOnly),
		To:               rq.To.Format(time.DateOnly),
		Source:           string(rq.Source),
		MinCount:         rep.MinCount,
		coverageViewJSON: coverageView(rep),
		Night:            coverageView(rep.Night),
	}
	return c.JSON(http.StatusOK, out)
}

func coverageView(rep *coverage.Report) coverageViewJSON {
	v := coverageViewJSON{
		Stations:  rep.Stations,
		Demand:    demandOf(rep.Totals),
		Cells:     cellCountsJSON{rep.Totals.CellsCovered, rep.Totals.CellsUncovered},
		Uncovered: featureCollectionJSON{Type: "FeatureCollection", Features: []cellFeatureJSON{}},
	}
	if rep.Request.Hours != nil {
		h := coverage.FormatHours(rep.Request.Hours)
		v.Hours = &h
	}
	var gaps []coverage.Assessed
	for _, a := range rep.Cells {
		if !a.Covered {
			gaps = append(gaps, a)
		}
	}
	// The busiest gaps first; ties by cell id.
	slices.SortStableFunc(gaps, func(a, b coverage.Assessed) int {
		switch {
		case a.Count > b.Count:
			return -1
		case a.Count < b.Count:
			return 1
		}
		return 0
	})
	if len(gaps) > maxUncoveredFeatures {
		v.UncoveredOmitted = len(gaps) - maxUncoveredFeatures
		gaps = gaps[:maxUncoveredFeatures]
	}
	for _, a := range gaps {
		v.Uncovered.Features = append(v.Uncovered.Features, cellFeature(a))
	}
	return v
}

func demandOf(t coverage.Totals) demandJSON {
	return demandJSON{Covered: t.Covered, Uncovered: t.Uncovered, CoveredShare: math.Round(t.CoveredShare*10000) / 10000}
}

func cellFeature(a coverage.Assessed) cellFeatureJSON {
	ring := a.ID.Polygon()[0]
	coords := make([][2]float64, len(ring))
	for i, pt := range ring {
		coords[i] = [2]float64{round6(pt[0]), round6(pt[1])}
	}
	f := cellFeatureJSON{
		Type:       "Feature",
		ID:         a.ID.Token(),
		Geometry:   polygonJSON{Type: "Polygon", Coordinates: [][][2]float64{coords}},
		Properties: cellPropsJSON{Cell: a.ID.Token(), Count: a.Count, StationsInReach: a.InReach},
	}
	if !math.IsNaN(a.NearestM) {
		d := math.Round(a.NearestM)
		f.Properties.NearestStationM = &d
	}
	return f
}

func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

type suggestionJSON struct {
	Location          locationJSON `json:"location"`
	Cell              string       `json:"cell"`
	NewlyCovered      int64        `json:"newly_covered"`
	CumulativeCovered int64        `json:"cumulative_covered"`
}

type locationJSON struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
	CRS geo.CRS `json:"crs"`
}

type suggestionsJSON struct {
	Items    []suggestionJSON `json:"items"`
	K        int              `json:"k"`
	ReachM   float64          `json:"reach_m"`
	From     string           `json:"from"`
	To       string           `json:"to"`
	Source   string           `json:"source"`
	MinCount int64            `json:"min_count"`
	Demand   demandJSON       `json:"demand"`
	CRS      geo.CRS          `json:"crs"`
}

func (s *server) coverageSuggestions(c echo.Context) error {
	if s.Coverage == nil {
		return errCoverageOff
	}
	var p apperr.Problems
	q := c.QueryParams()
	r := parseCoverageRequest(&p, q)
	k := queryInt(&p, q, "k", 10, 1, coverage.MaxSites)
	crs, err := geo.ParseCRS(q.Get("crs"))
	if err != nil {
		p.Add("crs", "unknown", "must be wgs84, gcj02 or bd09")
	}
	if err := p.Err(); err != nil {
		return err
	}
	plan, err := s.Coverage.Suggest(c.Request().Context(), principal(c), r, k)
	if err != nil {
		return err
	}
	out := suggestionsJSON{Items: []suggestionJSON{}, K: plan.K, ReachM: plan.Request.ReachM, From: plan.Request.From.Format(time.DateOnly),
		To: plan.Request.To.Format(time.DateOnly), Source: string(plan.Request.Source), MinCount: s.Coverage.Config().MinCount,
		Demand: demandOf(plan.Before), CRS: crs}
	for _, it := range plan.Items {
		pt := geo.FromWGS84(it.Point, crs)
		out.Items = append(out.Items, suggestionJSON{
			Location: locationJSON{Lat: round6(pt[1]), Lng: round6(pt[0]), CRS: crs},
			Cell:     it.Cell.Token(), NewlyCovered: it.NewlyCovered, CumulativeCovered: it.CumulativeCovered,
		})
	}
	return c.JSON(http.StatusOK, out)
}

type demandImportJSON struct {
	ImportID   string    `json:"import_id"`
	Rows       int       `json:"rows"`
	Cells      int       `json:"cells"`
	Total      int64     `json:"total"`
	ImportedAt time.Time `json:"imported_at"`
}

func (s *server) importDemand(c echo.Context) error {
	if s.Coverage == nil {
		return errCoverageOff
	}
	crs, err := geo.ParseCRS(c.QueryParam("crs"))
	if err != nil {
		var p apperr.Problems
		p.Add("crs", "unknown", "must be wgs84, gcj02 or bd09")
		return p.Err()
	}
	body, err := readBody(c, coverage.MaxImportBytes, mimeCSV)
	if err != nil {
		return err
	}
	imp, err := s.Coverage.Import(c.Request().Context(), principal(c), body, crs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, demandImportJSON{ImportID: imp.ID.String(), Rows: imp.Rows, Cells: len(imp.Cells), Total: imp.Total,
		ImportedAt: wireTime(imp.ImportedAt)})
}
