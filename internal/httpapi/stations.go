package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/geo"
	"yizhan/internal/standard"
	"yizhan/internal/station"
	"yizhan/internal/text"
)

// maxStaleDays bounds ?stale_days= (ten years).
const maxStaleDays = 3650

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// queryCRS reads ?crs=, defaulting to WGS-84.
func queryCRS(c echo.Context, p *apperr.Problems) geo.CRS {
	crs, err := geo.ParseCRS(c.QueryParam("crs"))
	if err != nil {
		p.Add("crs", "unknown", "must be wgs84, gcj02 or bd09")
		return geo.WGS84
	}
	return crs
}

func pathID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		return uuid.Nil, apperr.New(apperr.NotFound, "station not found")
	}
	return id, nil
}

func (s *server) writeStation(c echo.Context, status int, st *station.Station, crs geo.CRS) error {
	c.Response().Header().Set("ETag", etag(st.Version))
	if status == http.StatusCreated {
		c.Response().Header().Set("Location", "/v1/stations/"+st.ID.String())
	}
	views, err := s.withPhotos(c.Request().Context(), []stationView{toStationJSON(st, crs, s.Stations.Now())})
	if err != nil {
		return err
	}
	return c.JSON(status, views[0])
}

// queryAllowDuplicate reads ?allow_duplicate=, false when absent.
func queryAllowDuplicate(c echo.Context, p *apperr.Problems) bool {
	switch c.QueryParam("allow_duplicate") {
	case "", "false":
		return false
	case "true":
		return true
	}
	p.Add("allow_duplicate", "format", "must be true or false")
	return false
}

func (s *server) createStation(c echo.Context) error {
	var p apperr.Problems
	crs := queryCRS(c, &p)
	allow := queryAllowDuplicate(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	body, err := readBody(c, bodyLimit, echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	doc, err := station.DecodeDocument(body)
	if err != nil {
		return err
	}
	st, err := s.Stations.CreateWith(c.Request().Context(), principal(c), doc, station.Options{AllowDuplicate: allow})
	if err != nil {
		return err
	}
	return s.writeStation(c, http.StatusCreated, st, crs)
}

func (s *server) getStation(c echo.Context) error {
	var p apperr.Problems
	crs := queryCRS(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := s.Stations.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.writeStation(c, http.StatusOK, st, crs)
}

// ifMatch parses If-Match. "*" matches any version and is returned as 0.
func ifMatch(c echo.Context, required bool) (version int64, present bool, err error) {
	h := strings.TrimSpace(c.Request().Header.Get("If-Match"))
	if h == "" {
		if required {
			return 0, false, apperr.New(apperr.PreconditionRequired, "send If-Match with the station's ETag so that concurrent edits are not lost")
		}
		return 0, false, nil
	}
	if h == "*" {
		return 0, true, nil
	}
	// Only the exact spelling etag gives matches: "01" and "+1" name no
	// version the server ever sent.
	quoted := len(h) >= 3 && h[0] == '"' && h[len(h)-1] == '"'
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v < 1 || !quoted || etag(v) != h {
		return 0, true, apperr.New(apperr.Stale, "If-Match %s is not an ETag this server issued", h)
	}
	return v, true, nil
}

func (s *server) patchStation(c echo.Context) error {
	var p apperr.Problems
	crs := queryCRS(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, _, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	body, err := readBody(c, bodyLimit, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if version == 0 { // If-Match: *
		cur, err := s.Stations.Get(ctx, id)
		if err != nil {
			return err
		}
		version = cur.Version
	}
	st, err := s.Stations.Patch(ctx, principal(c), id, version, body)
	if err != nil {
		return err
	}
	return s.writeStation(c, http.StatusOK, st, crs)
}

func (s *server) closeStation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	version, _, err := ifMatch(c, false)
	if err != nil {
		return err
	}
	st, err := s.Stations.Close(c.Request().Context(), principal(c), id, version)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(st.Version))
	return c.NoContent(http.StatusNoContent)
}

type stationPage struct {
	Items      []stationPhotosView `json:"items"`
	NextCursor string              `json:"next_cursor,omitempty"`
	CRS        string              `json:"crs"`
}

func (s *server) listStations(c echo.Context) error {
	var (
		p apperr.Problems
		f station.ListFilter
		q = c.QueryParams()
	)
	crs := queryCRS(c, &p)
	if v := q.Get("district_code"); v != "" {
		district.Check(&p, "district_code", v, false)
		f.DistrictCode = v
	}
	if v := q.Get("status"); v != "" {
		f.Status = station.Status(v)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be active, suspended or closed")
		}
	}
	// amenity is the older name of amenities, kept as an alias; both
	// filters apply when both are given.
	f.Amenities = parseAmenities(&p, "amenities", q.Get("amenities")) | parseAmenities(&p, "amenity", q.Get("amenity"))
	if v := q.Get("q"); v != "" {
		// Searched as names are stored: by the text policy.
		f.Query = text.Field(&p, "q", v, text.Rule{Max: 100})
	}
	switch v := q.Get("needs_review"); v {
	case "":
	case "true", "false":
		flag := v == "true"
		f.NeedsReview = &flag
	default:
		p.Add("needs_review", "format", "must be true or false")
	}
	if v := q.Get("stale_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxStaleDays {
			p.Add("stale_days", "out_of_range", "must be a whole number of days from 1 to %d", maxStaleDays)
		}
		f.StaleBefore = s.Stations.Now().AddDate(0, 0, -n)
	}
	if v := q.Get("not_listed_on"); v != "" {
		if !standard.ValidPlatform(v) {
			p.Add("not_listed_on", "unknown", "must be amap, baidu or tencent")
		}
		f.NotListedOn = v
	}
	f.Limit, f.After = parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	want := f.Limit
	f.Limit++ // one more tells whether another page exists
	list, err := s.Stations.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	page := stationPage{CRS: string(crs)}
	if len(list) > want {
		list = list[:want]
		page.NextCursor = cursorOf(list[want-1].ID)
	}
	now := s.Stations.Now()
	views := make([]stationView, 0, len(list))
	for _, st := range list {
		views = append(views, toStationJSON(st, crs, now))
	}
	if page.Items, err = s.withPhotos(c.Request().Context(), views); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, page)
}

type historyJSON struct {
	Items []changeJSON `json:"items"`
}

type changeJSON struct {
	Version   int64                          `json:"version"`
	Action    string                         `json:"action"`
	ChangedAt time.Time                      `json:"changed_at"`
	ChangedBy string                         `json:"changed_by"`
	Changes   map[string]station.FieldChange `json:"changes"`
}

func (s *server) stationHistory(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	changes, err := s.Stations.History(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	out := historyJSON{Items: make([]changeJSON, 0, len(changes))}
	for _, ch := range changes {
		out.Items = append(out.Items, changeJSON{ch.Version, ch.Action, wireTime(ch.ChangedAt), ch.ChangedBy, ch.Fields})
	}
	return c.JSON(http.StatusOK, out)
}

type importResult struct {
	Created int           `json:"created"`
	Items   []stationView `json:"items"`
	CRS     string        `json:"crs"`
}

func (s *server) importStations(c echo.Context) error {
	var p apperr.Problems
	crs := queryCRS(c, &p)
	allow := queryAllowDuplicate(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	body, err := readBody(c, importLimit, "application/geo+json", echo.MIMEApplicationJSON, mimeCSV, mimeXLSX)
	if err != nil {
		return err
	}
	var created []*station.Station
	if mt := mediaType(c); mt == mimeCSV || mt == mimeXLSX {
		created, err = s.importSheet(c, mt, body, station.Options{AllowDuplicate: allow})
	} else {
		var items []station.ImportItem
		if items, err = station.DecodeFeatureCollection(body, crs); err == nil {
			created, err = s.Stations.ImportWith(c.Request().Context(), principal(c), items, station.Options{AllowDuplicate: allow})
		}
	}
	if err != nil {
		return err
	}
	out := importResult{Created: len(created), Items: make([]stationView, 0, len(created)), CRS: string(crs)}
	now := s.Stations.Now()
	for _, st := range created {
		out.Items = append(out.Items, toStationJSON(st, crs, now))
	}
	return c.JSON(http.StatusCreated, out)
}

// importItem decodes one GeoJSON feature (station.ImportFeature; the fuzz
// target keeps its name here).
func importItem(raw json.RawMessage, crs geo.CRS) station.ImportItem {
	return station.ImportFeature(raw, crs)
}
