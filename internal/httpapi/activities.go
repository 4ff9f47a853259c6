package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"yizhan/internal/activity"
	"yizhan/internal/apperr"
	"yizhan/internal/geo"
)

// Activities and courses (issue 12 §1). GET /v1/activities and
// GET /v1/activities/{id} answer by who asks: staff get the activities they
// manage, in full; workers the published ones they may sign up for.

type pointJSON struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

func toPointJSON(p orb.Point, crs geo.CRS) pointJSON {
	q := geo.FromWGS84(p, crs)
	return pointJSON{Lat: round7(q.Lat()), Lng: round7(q.Lon())}
}

type signupWindowJSON struct {
	OpensAt  *time.Time `json:"opens_at"`
	ClosesAt time.Time  `json:"closes_at"`
}

// activityJSON is an activity as staff see it.
type activityJSON struct {
	ID             string           `json:"id"`
	Title          string           `json:"title"`
	Description    string           `json:"description"`
	Category       string           `json:"category"`
	StationID      *string          `json:"station_id"`
	StationName    *string          `json:"station_name"`
	Address        *string          `json:"address"`
	Location       pointJSON        `json:"location"`
	StartsAt       time.Time        `json:"starts_at"`
	EndsAt         time.Time        `json:"ends_at"`
	Capacity       int              `json:"capacity"`
	Confirmed      int              `json:"confirmed"`
	Waitlisted     int              `json:"waitlisted"`
	PlacesLeft     int              `json:"places_left"`
	SignupOpensAt  *time.Time       `json:"signup_opens_at"`
	SignupClosesAt *time.Time       `json:"signup_closes_at"`
	SignupWindow   signupWindowJSON `json:"signup_window"`
	Eligibility    eligibilityJSON  `json:"eligibility"`
	Status         string           `json:"status"`
	PublishedAt    *time.Time       `json:"published_at"`
	Version        int64            `json:"version"`
	CreatedAt      time.Time        `json:"created_at"`
	CreatedBy      string           `json:"created_by"`
	UpdatedAt      time.Time        `json:"updated_at"`
	UpdatedBy      string           `json:"updated_by"`
}

func wireTimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	w := wireTime(t)
	return &w
}

// placeJSON fills the place's fields.
func placeJSON(a *activity.Activity) (stationID, stationName, address *string) {
	if a.Place.AtStation() {
		id, name := a.Place.StationID.String(), a.StationName
		return &id, &name, nil
	}
	addr := a.Place.Address
	return nil, nil, &addr
}

func signupWindow(a *activity.Activity) signupWindowJSON {
	opens, closes := a.SignupWindow()
	return signupWindowJSON{OpensAt: wireTimePtr(opens), ClosesAt: wireTime(closes)}
}

func toActivityJSON(a *activity.Activity) activityJSON {
	out := activityJSON{
		ID: a.ID.String(), Title: a.Title, Description: a.Description, Category: string(a.Category),
		Location: toPointJSON(a.Location(), geo.WGS84), StartsAt: wireTime(a.StartsAt), EndsAt: wireTime(a.EndsAt),
		Capacity: a.Capacity, Confirmed: a.Confirmed, Waitlisted: a.Waitlisted, PlacesLeft: a.PlacesLeft(),
		SignupOpensAt: wireTimePtr(a.SignupOpensAt), SignupClosesAt: wireTimePtr(a.SignupClosesAt), SignupWindow: signupWindow(a),
		Eligibility: eligibilityJSON{MembersOnly: a.Eligibility.MembersOnly, Occupations: nonNil(a.Eligibility.Occupations),
			DistrictCodes: nonNil(a.Eligibility.DistrictCodes), DistrictNames: districtNames(a.Eligibility.DistrictCodes)},
		Status: string(a.Status), PublishedAt: wireTimePtr(a.PublishedAt), Version: a.Version,
		CreatedAt: wireTime(a.CreatedAt), CreatedBy: a.CreatedBy, UpdatedAt: wireTime(a.UpdatedAt), UpdatedBy: a.UpdatedBy,
	}
	out.StationID, out.StationName, out.Address = placeJSON(a)
	return out
}

// listingJSON is an activity as a worker sees it.
type listingJSON struct {
	ID           string           `json:"id"`
	Title        string           `json:"title"`
	Description  string           `json:"description"`
	Category     string           `json:"category"`
	StationID    *string          `json:"station_id"`
	StationName  *string          `json:"station_name"`
	Address      *string          `json:"address"`
	Location     pointJSON        `json:"location"`
	DistanceM    *float64         `json:"distance_m"`
	StartsAt     time.Time        `json:"starts_at"`
	EndsAt       time.Time        `json:"ends_at"`
	Capacity     int              `json:"capacity"`
	PlacesLeft   int              `json:"places_left"`
	Waitlisted   int              `json:"waitlisted"`
	SignupWindow signupWindowJSON `json:"signup_window"`
	MembersOnly  bool             `json:"members_only"`
	Status       string           `json:"status"`
}

func toListingJSON(a *activity.Activity, distance float64, crs geo.CRS) listingJSON {
	out := listingJSON{ID: a.ID.String(), Title: a.Title, Description: a.Description, Category: string(a.Category),
		Location: toPointJSON(a.Location(), crs), StartsAt: wireTime(a.StartsAt), EndsAt: wireTime(a.EndsAt),
		Capacity: a.Capacity, PlacesLeft: a.PlacesLeft(), Waitlisted: a.Waitlisted, SignupWindow: signupWindow(a),
		MembersOnly: a.Eligibility.MembersOnly, Status: string(a.Status)}
	out.StationID, out.StationName, out.Address = placeJSON(a)
	if distance >= 0 {
		d := round2(distance)
		out.DistanceM = &d
	}
	return out
}

func activityID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		return uuid.Nil, apperr.New(apperr.NotFound, "%s not found", apperr.Word("activity"))
	}
	return id, nil
}

func (s *server) createActivity(c echo.Context) error {
	body, err := readBody(c, bodyLimit, echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	doc, err := activity.DecodeDocument(body)
	if err != nil {
		return err
	}
	a, err := s.Activities.Create(c.Request().Context(), principal(c), doc)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", "/v1/activities/"+a.ID.String())
	return writeActivity(c, http.StatusCreated, a)
}

// writeActivity answers with the activity and its version as the ETag, for
// If-Match on a later PATCH.
func writeActivity(c echo.Context, status int, a *activity.Activity) error {
	c.Response().Header().Set("ETag", etag(a.Version))
	return c.JSON(status, toActivityJSON(a))
}

func (s *server) getActivity(c echo.Context) error {
	if principal(c).IsDonor() {
		// A caring unit's account pledges wishes and nothing else.
		return apperr.New(apperr.Forbidden, "this endpoint is for workers signed in from the mini-program")
	}
	id, err := activityID(c)
	if err != nil {
		return err
	}
	var p apperr.Problems
	crs := queryCRS(c, &p)
	if principal(c).IsStaff() && c.QueryParams().Has("crs") {
		p.Add("crs", "unknown", "staff read activities in WGS-84; crs is for workers")
	}
	if err := p.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if principal(c).IsStaff() {
		a, err := s.Activities.Get(ctx, principal(c), id)
		if err != nil {
			return err
		}
		return writeActivity(c, http.StatusOK, a)
	}
	a, err := s.Activities.Published(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toListingJSON(a, -1, crs))
}

func (s *server) patchActivity(c echo.Context) error {
	id, err := activityID(c)
	if err != nil {
		return err
	}
	version, _, err := ifMatch(c, false)
	if err != nil {
		return err
	}
	body, err := readBody(c, bodyLimit, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	a, err := s.Activities.Patch(c.Request().Context(), principal(c), id, version, body)
	if err != nil {
		return err
	}
	return writeActivity(c, http.StatusOK, a)
}

type activityPage struct {
	Items      []activityJSON `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

type listingPage struct {
	Items []listingJSON `json:"items"`
	CRS   string        `json:"crs"`
}

// staffOnlyParams and workerOnlyParams are the query parameters of one
// kind of GET /v1/activities; the other kind refuses them.
var (
	staffOnlyParams  = []string{"status", "cursor"}
	workerOnlyParams = []string{"lat", "lng", "crs", "from", "to"}
)

func (s *server) listActivities(c echo.Context) error {
	if principal(c).IsDonor() {
		// A caring unit's account pledges wishes and nothing else.
		return apperr.New(apperr.Forbidden, "this endpoint is for workers signed in from the mini-program")
	}
	var p apperr.Problems
	q := c.QueryParams()
	staff := principal(c).IsStaff()
	refused := workerOnlyParams
	if !staff {
		refused = staffOnlyParams
	}
	first := ""
	for _, name := range refused {
		if q.Has(name) {
			if staff {
				p.Add(name, "unknown", "is a parameter of the workers' listing; staff list with status, limit and cursor")
			} else {
				p.Add(name, "unknown", "is a parameter of the staff's listing; workers list with lat, lng, crs, from, to and limit")
			}
			if first == "" {
				first = name
			}
		}
	}
	if err := p.Err(); err != nil {
		e := apperr.New(apperr.UnknownParameter, "query parameter %q is not one this listing reads for your account", first)
		e.Fields = err.(*apperr.Error).Fields
		return e
	}
	if staff {
		return s.staffActivities(c)
	}
	return s.upcomingActivities(c)
}

func (s *server) staffActivities(c echo.Context) error {
	var (
		p apperr.Problems
		f activity.Filter
	)
	if v := c.QueryParam("status"); v != "" {
		f.Status = activity.Status(v)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be draft, published, cancelled or finished")
		}
	}
	f.Limit, f.After = parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	list, next, err := s.Activities.List(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	page := activityPage{Items: make([]activityJSON, 0, len(list))}
	for _, a := range list {
		page.Items = append(page.Items, toActivityJSON(a))
	}
	if next != uuid.Nil {
		page.NextCursor = cursorOf(next)
	}
	return c.JSON(http.StatusOK, page)
}

// queryWhen reads a time parameter: an RFC 3339 time, or a date
// (YYYY-MM-DD) meaning its midnight in Shanghai.
func queryWhen(p *apperr.Problems, c echo.Context, name string) time.Time {
	v := c.QueryParam(name)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.ParseInLocation("2006-01-02", v, shanghai); err == nil {
		return t.UTC()
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		p.Add(name, "format", "must be a date such as 2026-12-05 or an RFC 3339 time such as 2026-12-05T09:00:00%%2B08:00")
		return time.Time{}
	}
	return t.UTC()
}

func (s *server) upcomingActivities(c echo.Context) error {
	var (
		p   apperr.Problems
		aq  activity.UpcomingQuery
		lat float64
		lng float64
	)
	q := c.QueryParams()
	crs := queryCRS(c, &p)
	if q.Has("lat") || q.Has("lng") {
		lat = parseCoord(&p, q, "lat", 90)
		lng = parseCoord(&p, q, "lng", 180)
	}
	aq.From, aq.To = queryWhen(&p, c, "from"), queryWhen(&p, c, "to")
	now := s.Activities.Now()
	from := aq.From
	if from.IsZero() {
		from = now
	}
	switch {
	case aq.To.IsZero():
	case !aq.To.After(from):
		p.Add("to", "out_of_range", "must be after from (by default now)")
	case aq.To.Sub(from) > activity.MaxListingSpan:
		p.Add("to", "out_of_range", "must be at most 366 days after from")
	}
	aq.Limit = queryInt(&p, q, "limit", 50, 1, 200)
	if err := p.Err(); err != nil {
		return err
	}
	if q.Has("lat") {
		pt := geo.ToWGS84(orb.Point{lng, lat}, crs)
		aq.At = &pt
	}
	list, err := s.Activities.Upcoming(c.Request().Context(), workerID(c), aq)
	if err != nil {
		return err
	}
	page := listingPage{Items: make([]listingJSON, 0, len(list)), CRS: string(crs)}
	for _, l := range list {
		page.Items = append(page.Items, toListingJSON(l.Activity, l.DistanceM, crs))
	}
	return c.JSON(http.StatusOK, page)
}
