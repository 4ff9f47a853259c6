package httpapi

import (
	"bytes"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/sheet"
	"yizhan/internal/standard"
	"yizhan/internal/station"
)

// Map listings (上图), inspections, stars, the 最美站点 recognition and
// service tallies: the wire side of internal/standard (issue 15 §2, §4).

type checklistItemJSON struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Area  string `json:"area"`
}

type checklistJSON struct {
	Items    []checklistItemJSON `json:"items"`
	StarRule standard.Rule       `json:"star_rule"`
}

func (s *server) inspectionChecklist(c echo.Context) error {
	out := checklistJSON{Items: make([]checklistItemJSON, 0, len(standard.Checklist)), StarRule: s.Standards.Rule()}
	for _, it := range standard.Checklist {
		out.Items = append(out.Items, checklistItemJSON(it))
	}
	if out.StarRule.Core == nil {
		out.StarRule.Core = []string{}
	}
	return c.JSON(http.StatusOK, out)
}

type mapListingJSON struct {
	Platform  string     `json:"platform"`
	Status    string     `json:"status"`
	Date      string     `json:"date,omitempty"`
	Note      string     `json:"note,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	UpdatedBy string     `json:"updated_by,omitempty"`
}

type listingsJSON struct {
	StationID uuid.UUID        `json:"station_id"`
	StarLevel *int             `json:"star_level"`
	Items     []mapListingJSON `json:"items"`
}

func optStars(st *station.Station) *int {
	if st.Standing.StarLevel == 0 {
		return nil
	}
	n := st.Standing.StarLevel
	return &n
}

func toMapListingJSON(l standard.Listing) mapListingJSON {
	return mapListingJSON{Platform: l.Platform, Status: l.Status, Date: l.Date, Note: l.Note, UpdatedAt: optTime(l.UpdatedAt), UpdatedBy: l.UpdatedBy}
}

type listingRequest struct {
	Status *string `json:"status"`
	Note   *string `json:"note"`
	Date   *string `json:"date"`
}

func (s *server) putMapListing(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req listingRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	st, _, err := s.Standards.SetMapListing(ctx, principal(c), id, c.Param("platform"),
		standard.ListingInput{Status: req.Status, Note: req.Note, Date: req.Date})
	if err != nil {
		return err
	}
	return s.writeListings(c, st)
}

func (s *server) getMapListings(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := s.Stations.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.writeListings(c, st)
}

func (s *server) writeListings(c echo.Context, st *station.Station) error {
	list, err := s.Standards.MapListings(c.Request().Context(), principal(c), st.ID)
	if err != nil {
		return err
	}
	out := listingsJSON{StationID: st.ID, StarLevel: optStars(st), Items: make([]mapListingJSON, 0, len(list))}
	for _, l := range list {
		out.Items = append(out.Items, toMapListingJSON(l))
	}
	return c.JSON(http.StatusOK, out)
}

type platformShareJSON struct {
	Listed int     `json:"listed"`
	Share  float64 `json:"share"`
}

type districtListingsJSON struct {
	DistrictCode string                       `json:"district_code,omitempty"`
	DistrictName string                       `json:"district_name,omitempty"`
	Stations     int                          `json:"stations"`
	Platforms    map[string]platformShareJSON `json:"platforms"`
}

type listingStatsJSON struct {
	Districts []districtListingsJSON `json:"districts"`
	Total     districtListingsJSON   `json:"total"`
}

// round4 keeps a share to four decimals (a hundredth of a per cent).
func round4(v float64) float64 { return float64(int64(v*1e4+0.5)) / 1e4 }

func toDistrictListings(d standard.DistrictListings) districtListingsJSON {
	out := districtListingsJSON{DistrictCode: d.DistrictCode, Stations: d.Stations, Platforms: map[string]platformShareJSON{}}
	if d.DistrictCode != "" {
		out.DistrictName = district.Name(d.DistrictCode)
	}
	for _, p := range station.MapPlatforms {
		out.Platforms[p] = platformShareJSON{Listed: d.Listed[p], Share: round4(d.Share(p))}
	}
	return out
}

func (s *server) mapListingStats(c echo.Context) error {
	var p apperr.Problems
	code := c.QueryParam("district_code")
	if code != "" {
		district.Check(&p, "district_code", code, false)
	}
	if err := p.Err(); err != nil {
		return err
	}
	stats, err := s.Standards.ListingStats(c.Request().Context(), principal(c), code)
	if err != nil {
		return err
	}
	out := listingStatsJSON{Districts: make([]districtListingsJSON, 0, len(stats))}
	total := standard.DistrictListings{Listed: map[string]int{}}
	for _, d := range stats {
		out.Districts = append(out.Districts, toDistrictListings(d))
		total.Stations += d.Stations
		for k, v := range d.Listed {
			total.Listed[k] += v
		}
	}
	out.Total = toDistrictListings(total)
	return c.JSON(http.StatusOK, out)
}

type inspectionRequest struct {
	Items    map[string]*bool `json:"items"`
	Notes    *string          `json:"notes"`
	PhotoIDs []string         `json:"photo_ids"`
}

type inspectionJSON struct {
	ID          uuid.UUID       `json:"id"`
	StationID   uuid.UUID       `json:"station_id"`
	InspectedAt time.Time       `json:"inspected_at"`
	InspectedBy string          `json:"inspected_by"`
	Items       map[string]bool `json:"items"`
	Passed      int             `json:"passed"`
	Notes       string          `json:"notes,omitempty"`
	PhotoIDs    []uuid.UUID     `json:"photo_ids"`
	StarLevel   int             `json:"star_level"`
}

func toInspectionJSON(in *standard.Inspection) inspectionJSON {
	photos := in.PhotoIDs
	if photos == nil {
		photos = []uuid.UUID{}
	}
	return inspectionJSON{ID: in.ID, StationID: in.StationID, InspectedAt: wireTime(in.InspectedAt), InspectedBy: in.InspectedBy,
		Items: in.Items, Passed: in.Passed(), Notes: in.Notes, PhotoIDs: photos, StarLevel: in.StarLevel}
}

// recordedInspectionJSON answers a new inspection with the station's star
// level after it (which the map listings count towards too).
type recordedInspectionJSON struct {
	inspectionJSON
	StationStarLevel int `json:"station_star_level"`
}

func (s *server) recordInspection(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req inspectionRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	st, in, err := s.Standards.RecordInspection(c.Request().Context(), principal(c), id,
		standard.InspectionInput{Items: req.Items, Notes: req.Notes, PhotoIDs: req.PhotoIDs})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, recordedInspectionJSON{toInspectionJSON(in), st.Standing.StarLevel})
}

type inspectionPage struct {
	Items      []inspectionJSON `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

func (s *server) listInspections(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var p apperr.Problems
	limit, before := parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	list, err := s.Standards.Inspections(c.Request().Context(), principal(c), id, before, limit+1)
	if err != nil {
		return err
	}
	page := inspectionPage{Items: make([]inspectionJSON, 0, min(len(list), limit))}
	if len(list) > limit {
		list = list[:limit]
		page.NextCursor = cursorOf(list[limit-1].ID)
	}
	for i := range list {
		page.Items = append(page.Items, toInspectionJSON(&list[i]))
	}
	return c.JSON(http.StatusOK, page)
}

type recognitionRequest struct {
	MostBeautiful *bool `json:"most_beautiful"`
}

type recognitionJSON struct {
	StationID     uuid.UUID  `json:"station_id"`
	MostBeautiful bool       `json:"most_beautiful"`
	Since         *time.Time `json:"since,omitempty"`
}

func (s *server) putRecognition(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req recognitionRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	if req.MostBeautiful == nil {
		var p apperr.Problems
		p.Add("most_beautiful", "required", "is required")
		return p.Err()
	}
	st, err := s.Standards.SetMostBeautiful(c.Request().Context(), principal(c), id, *req.MostBeautiful)
	if err != nil {
		return err
	}
	at := st.Standing.MostBeautifulAt
	return c.JSON(http.StatusOK, recognitionJSON{StationID: st.ID, MostBeautiful: !at.IsZero(), Since: optTime(at)})
}

type tallyRequest struct {
	Add   *int    `json:"add"`
	Date  *string `json:"date"`
	Count *int    `json:"count"`
}

type tallyJSON struct {
	StationID uuid.UUID `json:"station_id"`
	Date      string    `json:"date"`
	Count     int       `json:"count"`
}

func (s *server) serviceTally(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req tallyRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	t, replay, err := s.Standards.Tally(c.Request().Context(), principal(c), id,
		standard.TallyInput{Add: req.Add, Date: req.Date, Count: req.Count}, c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if replay {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusOK, tallyJSON{StationID: t.StationID, Date: t.Day, Count: t.Count})
}

type tallyDaysJSON struct {
	StationID uuid.UUID   `json:"station_id"`
	Items     []tallyJSON `json:"items"`
}

func (s *server) serviceTallyDays(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var p apperr.Problems
	days := queryInt(&p, c.QueryParams(), "days", 31, 1, standard.TallyPastDays)
	if err := p.Err(); err != nil {
		return err
	}
	list, err := s.Standards.ServiceDays(c.Request().Context(), principal(c), id, days)
	if err != nil {
		return err
	}
	out := tallyDaysJSON{StationID: id, Items: make([]tallyJSON, 0, len(list))}
	for _, t := range list {
		out.Items = append(out.Items, tallyJSON{StationID: id, Date: t.Day, Count: t.Count})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *server) serviceReportXLSX(c echo.Context) error {
	var p apperr.Problems
	q := c.QueryParams()
	code := q.Get("district_code")
	if code != "" {
		district.Check(&p, "district_code", code, false)
	}
	m := standard.MonthOf(s.Standards.Now())
	if v := q.Get("month"); v != "" {
		var ok bool
		if m, ok = standard.ParseMonth(v); !ok {
			p.Add("month", "format", "must be a month written YYYY-MM, such as 2026-11")
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	r, err := s.Standards.ServiceReport(c.Request().Context(), principal(c), code, m)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := sheet.WriteServiceReport(&buf, r); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="service-report-`+m.String()+`.xlsx"`)
	return c.Blob(http.StatusOK, mimeXLSX, buf.Bytes())
}
