package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/station"
	"yizhan/internal/truth"
)

// Check-ins, reports, notices and visits: the wire side of internal/truth.

type checkinRequest struct {
	Lat     *float64 `json:"lat"`
	Lng     *float64 `json:"lng"`
	CRS     string   `json:"crs"`
	Working []string `json:"working"`
	Broken  []string `json:"broken"`
	Note    *string  `json:"note"`
}

// checkinJSON answers a check-in with what the public now sees of the
// station's confirmations; the point sent is not echoed.
type checkinJSON struct {
	StationID       uuid.UUID                   `json:"station_id"`
	LastConfirmedAt time.Time                   `json:"last_confirmed_at"`
	AmenityStatus   map[string]amenityCheckJSON `json:"amenity_status"`
}

type amenityCheckJSON struct {
	ConfirmedAt      *time.Time `json:"confirmed_at,omitempty"`
	ReportedBrokenAt *time.Time `json:"reported_broken_at,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	w := wireTime(t)
	return &w
}

func (s *server) checkin(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req checkinRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	point, err := station.LocationDoc{Lat: req.Lat, Lng: req.Lng, CRS: req.CRS}.WGS84()
	if err != nil {
		return withoutPoint(err)
	}
	in := truth.CheckinInput{Point: point, Working: req.Working, Broken: req.Broken}
	if req.Note != nil {
		in.Note = *req.Note
	}
	st, err := s.Truth.Checkin(c.Request().Context(), workerID(c), id, in)
	if err != nil {
		return err
	}
	out := checkinJSON{StationID: st.ID, LastConfirmedAt: wireTime(st.LastConfirmedAt), AmenityStatus: map[string]amenityCheckJSON{}}
	for code, ch := range st.AmenityChecks {
		out.AmenityStatus[code] = amenityCheckJSON{optTime(ch.ConfirmedAt), optTime(ch.ReportedBrokenAt)}
	}
	return c.JSON(http.StatusCreated, out)
}

type reportRequest struct {
	Category *string `json:"category"`
	Amenity  *string `json:"amenity"`
	Note     *string `json:"note"`
}

// reportJSON is a report as its worker sees it; the staff view adds who
// decided it. Neither names the worker who filed it.
type reportJSON struct {
	ID           uuid.UUID  `json:"id"`
	StationID    uuid.UUID  `json:"station_id"`
	StationName  string     `json:"station_name"`
	DistrictCode string     `json:"district_code"`
	DistrictName string     `json:"district_name"`
	Category     string     `json:"category"`
	Amenity      string     `json:"amenity,omitempty"`
	Note         string     `json:"note,omitempty"`
	Status       string     `json:"status"`
	CreatedAt    time.Time  `json:"created_at"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	DecisionNote string     `json:"decision_note,omitempty"`
}

func toReportJSON(r truth.Report, staffView bool) reportJSON {
	out := reportJSON{ID: r.ID, StationID: r.StationID, StationName: r.StationName, DistrictCode: r.DistrictCode,
		DistrictName: district.Name(r.DistrictCode),
		Category:     string(r.Category), Amenity: r.Amenity, Note: r.Note, Status: string(r.Status),
		CreatedAt: wireTime(r.CreatedAt), DecidedAt: optTime(r.DecidedAt), DecisionNote: r.DecisionNote}
	if staffView {
		out.DecidedBy = r.DecidedBy
	}
	return out
}

type reportPage struct {
	Items      []reportJSON `json:"items"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

func (s *server) fileReport(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req reportRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	r, err := s.Truth.FileReport(c.Request().Context(), workerID(c), id, truth.ReportInput{Category: req.Category, Amenity: req.Amenity, Note: req.Note})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toReportJSON(r, false))
}

func (s *server) myReports(c echo.Context) error {
	var p apperr.Problems
	limit, before := parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	list, err := s.Truth.MyReports(c.Request().Context(), workerID(c), before, limit+1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOfReports(list, limit, false))
}

func pageOfReports(list []truth.Report, limit int, staffView bool) reportPage {
	page := reportPage{Items: make([]reportJSON, 0, min(len(list), limit))}
	if len(list) > limit {
		list = list[:limit]
		page.NextCursor = cursorOf(list[limit-1].ID)
	}
	for _, r := range list {
		page.Items = append(page.Items, toReportJSON(r, staffView))
	}
	return page
}

func (s *server) listReports(c echo.Context) error {
	var (
		p apperr.Problems
		f truth.ReportFilter
		q = c.QueryParams()
	)
	if v := q.Get("status"); v != "" {
		f.Status = truth.ReportStatus(v)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be open, resolved or dismissed")
		}
	}
	if v := q.Get("district_code"); v != "" {
		district.Check(&p, "district_code", v, false)
		f.DistrictCode = v
	}
	if v := q.Get("station_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil || len(v) != 36 {
			p.Add("station_id", "format", "must be a station id")
		}
		f.StationID = id
	}
	limit, after := parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	f.Limit, f.After = limit+1, after
	list, err := s.Truth.ListReports(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOfReports(list, limit, true))
}

type decisionRequest struct {
	Note *string `json:"note"`
}

func reportID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		return uuid.Nil, apperr.New(apperr.NotFound, "%s not found", apperr.Word("report"))
	}
	return id, nil
}

func (s *server) resolveReport(c echo.Context) error { return s.decideReport(c, s.Truth.Resolve) }
func (s *server) dismissReport(c echo.Context) error { return s.decideReport(c, s.Truth.Dismiss) }

func (s *server) decideReport(c echo.Context, decide func(ctx context.Context, staff truth.Staff, id uuid.UUID, note string) (truth.Report, error)) error {
	id, err := reportID(c)
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	note := ""
	if req.Note != nil {
		note = *req.Note
	}
	r, err := decide(c.Request().Context(), principal(c), id, note)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toReportJSON(r, true))
}

type noticeRequest struct {
	Kind    *string `json:"kind"`
	Amenity *string `json:"amenity"`
	From    *string `json:"from"`
	Until   *string `json:"until"`
	Message *string `json:"message"`
}

// noticeJSON is a notice as its poster sees it: created_by is staff-only.
type noticeJSON struct {
	ID        uuid.UUID `json:"id"`
	StationID uuid.UUID `json:"station_id"`
	Kind      string    `json:"kind"`
	Amenity   string    `json:"amenity,omitempty"`
	From      time.Time `json:"from"`
	Until     time.Time `json:"until"`
	Message   string    `json:"message"`
	InForce   bool      `json:"in_force"`
	CreatedBy string    `json:"created_by"`
}

func parseTimeField(p *apperr.Problems, field string, v *string) *time.Time {
	if v == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		p.Add(field, "format", "must be an RFC 3339 time, such as \"2026-12-02T09:00:00+08:00\"")
		return nil
	}
	return &t
}

func (s *server) postNotice(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req noticeRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	var p apperr.Problems
	from, until := parseTimeField(&p, "from", req.From), parseTimeField(&p, "until", req.Until)
	if err := p.Err(); err != nil {
		return err
	}
	staff := principal(c)
	st, n, err := s.Truth.PostNotice(c.Request().Context(), staff, id, truth.NoticeInput{
		Kind: req.Kind, Amenity: req.Amenity, From: from, Until: until, Message: req.Message})
	if err != nil {
		return err
	}
	out := noticeJSON{ID: n.ID, StationID: st.ID, Kind: string(n.Kind), From: wireTime(n.From), Until: wireTime(n.Until),
		Message: n.Message, InForce: n.InForce(s.Truth.Now()), CreatedBy: staff.ActorName()}
	if codes := n.Amenity.Codes(); len(codes) == 1 {
		out.Amenity = codes[0]
	}
	return c.JSON(http.StatusCreated, out)
}

// visitJSON answers a visit; verified_by is staff-only, and never on the
// public station.
type visitJSON struct {
	StationID  uuid.UUID `json:"station_id"`
	VerifiedAt time.Time `json:"verified_at"`
	VerifiedBy string    `json:"verified_by"`
}

func (s *server) verifyStation(c echo.Context) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := s.Truth.Verify(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, visitJSON{StationID: st.ID, VerifiedAt: wireTime(st.VerifiedAt), VerifiedBy: st.VerifiedBy})
}

// withoutPoint rewrites the problems of a check-in's point so that none
// repeats it: a station's may ("the point (…) is outside China"), a
// worker's position may not even be sent back.
func withoutPoint(err error) error {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return err
	}
	var p apperr.Problems
	for _, f := range e.Fields {
		if f.Code == "out_of_range" && f.Format != "must be a number between %g and %g" { // that one tells only the limits
			p.Add(f.Field, f.Code, "must be a position in mainland China")
			continue
		}
		p.AddField(f)
	}
	return p.Err()
}
