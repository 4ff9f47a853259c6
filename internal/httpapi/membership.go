package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/worker"
)

type applicationRequest struct {
	RealName     *string `json:"real_name"`
	Phone        *string `json:"phone"`
	Occupation   *string `json:"occupation"`
	Employer     *string `json:"employer"`
	DistrictCode *string `json:"district_code"`
	Consent      *bool   `json:"consent"`
}

type rejectRequest struct {
	Reason *string `json:"reason"`
}

type applicationJSON struct {
	ID               uuid.UUID  `json:"id"`
	Status           string     `json:"status"`
	RealName         string     `json:"real_name"`
	Phone            string     `json:"phone"`
	Occupation       string     `json:"occupation"`
	Employer         string     `json:"employer,omitempty"`
	DistrictCode     string     `json:"district_code"`
	DistrictName     string     `json:"district_name"`
	CreatedAt        time.Time  `json:"created_at"`
	DecidedAt        *time.Time `json:"decided_at,omitempty"`
	DecidedBy        string     `json:"decided_by,omitempty"`
	Reason           string     `json:"reason,omitempty"`
	MembershipNumber string     `json:"membership_number,omitempty"`
}

// toApplicationJSON renders an application; the staff view adds who
// decided it.
func toApplicationJSON(a worker.Application, staffView bool) applicationJSON {
	out := applicationJSON{
		ID: a.ID, Status: string(a.Status), RealName: a.RealName, Phone: a.Phone, Occupation: string(a.Occupation),
		Employer: a.Employer, DistrictCode: a.DistrictCode, DistrictName: district.Name(a.DistrictCode), CreatedAt: wireTime(a.CreatedAt), Reason: a.Reason,
		MembershipNumber: a.MembershipNo,
	}
	if !a.DecidedAt.IsZero() {
		at := wireTime(a.DecidedAt)
		out.DecidedAt = &at
	}
	if staffView {
		out.DecidedBy = a.DecidedBy
	}
	return out
}

type applicationPage struct {
	Items      []applicationJSON `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

func (s *server) applyForMembership(c echo.Context) error {
	var req applicationRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	a, err := s.Workers.Apply(c.Request().Context(), workerID(c), worker.ApplicationInput{
		RealName: req.RealName, Phone: req.Phone, Occupation: req.Occupation, Employer: req.Employer,
		DistrictCode: req.DistrictCode, Consent: req.Consent,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toApplicationJSON(a, false))
}

func (s *server) myMembershipApplication(c echo.Context) error {
	a, err := s.Workers.MyApplication(c.Request().Context(), workerID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toApplicationJSON(a, false))
}

func (s *server) listMembershipApplications(c echo.Context) error {
	var (
		p apperr.Problems
		f worker.ApplicationFilter
		q = c.QueryParams()
	)
	if v := q.Get("status"); v != "" {
		f.Status = worker.Status(v)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be pending, approved, rejected or withdrawn")
		}
	}
	if v := q.Get("district_code"); v != "" {
		district.Check(&p, "district_code", v, false)
		f.DistrictCode = v
	}
	f.Limit, f.After = parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	want := f.Limit
	f.Limit++ // one more tells whether another page exists
	list, err := s.Workers.ListApplications(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	page := applicationPage{Items: make([]applicationJSON, 0, len(list))}
	if len(list) > want {
		list = list[:want]
		page.NextCursor = cursorOf(list[want-1].ID)
	}
	for _, a := range list {
		page.Items = append(page.Items, toApplicationJSON(a, true))
	}
	return c.JSON(http.StatusOK, page)
}

func applicationID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		return uuid.Nil, apperr.New(apperr.NotFound, "membership application not found")
	}
	return id, nil
}

func (s *server) approveMembershipApplication(c echo.Context) error {
	id, err := applicationID(c)
	if err != nil {
		return err
	}
	a, err := s.Workers.Approve(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request().Context(), "membership application approved", "request_id", requestID(c), "application", a, "by", a.DecidedBy)
	return c.JSON(http.StatusOK, toApplicationJSON(a, true))
}

func (s *server) rejectMembershipApplication(c echo.Context) error {
	id, err := applicationID(c)
	if err != nil {
		return err
	}
	var req rejectRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	reason := ""
	if req.Reason != nil {
		reason = *req.Reason
	}
	a, err := s.Workers.Reject(c.Request().Context(), principal(c), id, reason)
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request().Context(), "membership application rejected", "request_id", requestID(c), "application", a, "by", a.DecidedBy)
	return c.JSON(http.StatusOK, toApplicationJSON(a, true))
}
