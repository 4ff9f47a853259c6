package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/aid"
	"yizhan/internal/apperr"
	"yizhan/internal/district"
)

// Hardship aid (困难帮扶): the wire side of internal/aid. The narrative is
// sensitive: it goes to the worker who wrote it and to reviewers in scope
// (GET /v1/aid-applications/{id}), never into a list, a log line or a
// metric.

type aidRequest struct {
	Category            *string `json:"category"`
	AmountRequestedYuan *int    `json:"amount_requested_yuan"`
	Description         *string `json:"description"`
	Consent             *bool   `json:"consent"`
}

type aidDecisionJSON struct {
	Step       int       `json:"step"`
	Decision   string    `json:"decision"`
	DecidedBy  string    `json:"decided_by,omitempty"`
	AmountYuan int       `json:"amount_yuan,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	DecidedAt  time.Time `json:"decided_at"`
}

// aidApplicantJSON is who applied, for the reviewers' page only.
type aidApplicantJSON struct {
	Name         string `json:"name"`
	Phone        string `json:"phone"`
	MembershipNo string `json:"membership_no"`
}

type aidJSON struct {
	ID                  uuid.UUID         `json:"id"`
	Category            string            `json:"category"`
	AmountRequestedYuan int               `json:"amount_requested_yuan"`
	Description         string            `json:"description,omitempty"`
	Status              string            `json:"status"`
	DistrictCode        string            `json:"district_code"`
	DistrictName        string            `json:"district_name"`
	ConsentedAt         time.Time         `json:"consented_at"`
	CreatedAt           time.Time         `json:"created_at"`
	AmountApprovedYuan  int               `json:"amount_approved_yuan,omitempty"`
	DecidedAt           *time.Time        `json:"decided_at,omitempty"`
	RejectReason        string            `json:"reject_reason,omitempty"`
	FirstAmountYuan     int               `json:"first_amount_yuan,omitempty"`
	Decisions           []aidDecisionJSON `json:"decisions,omitempty"`
	Applicant           *aidApplicantJSON `json:"applicant,omitempty"`
	Erased              bool              `json:"erased,omitempty"`
}

// aidView is who reads an application and how much of it.
type aidView int

const (
	aidOwner  aidView = iota // the worker: their words and the outcome
	aidQueue                 // a reviewer's list: no narrative
	aidDetail                // a reviewer's page: everything, with the decisions
)

func toAidJSON(a aid.Application, view aidView) aidJSON {
	out := aidJSON{ID: a.ID, Category: string(a.Category), AmountRequestedYuan: a.AmountRequested, Status: string(a.Status),
		DistrictCode: a.DistrictCode, DistrictName: district.Name(a.DistrictCode), ConsentedAt: wireTime(a.ConsentedAt),
		CreatedAt: wireTime(a.CreatedAt), AmountApprovedYuan: a.AmountApproved, DecidedAt: optTime(a.DecidedAt),
		RejectReason: a.RejectReason, Erased: a.Erased}
	if view != aidQueue {
		out.Description = a.Description
	}
	if view != aidOwner {
		out.FirstAmountYuan = a.FirstAmount
	}
	if view == aidDetail {
		if a.Applicant != (aid.Applicant{}) {
			out.Applicant = &aidApplicantJSON{Name: a.Applicant.Name, Phone: a.Applicant.Phone, MembershipNo: a.Applicant.MembershipNo}
		}
		out.Decisions = make([]aidDecisionJSON, 0, len(a.Decisions))
		for _, d := range a.Decisions {
			out.Decisions = append(out.Decisions, aidDecisionJSON{Step: d.Step, Decision: string(d.Kind), DecidedBy: accountName(d.StaffID),
				AmountYuan: d.AmountYuan, Reason: d.Reason, DecidedAt: wireTime(d.DecidedAt)})
		}
	}
	return out
}

type aidPage struct {
	Items      []aidJSON `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func pageOfAid(list []aid.Application, limit int, view aidView) aidPage {
	page := aidPage{Items: make([]aidJSON, 0, min(len(list), limit))}
	if len(list) > limit {
		list = list[:limit]
		page.NextCursor = cursorOf(list[limit-1].ID)
	}
	for _, a := range list {
		page.Items = append(page.Items, toAidJSON(a, view))
	}
	return page
}

func aidID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		return uuid.Nil, apperr.New(apperr.NotFound, "%s not found", apperr.Word("aid application"))
	}
	return id, nil
}

func (s *server) applyForAid(c echo.Context) error {
	var req aidRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	a, err := s.Aid.Apply(c.Request().Context(), workerID(c), aid.Input{Category: req.Category,
		AmountRequestedYuan: req.AmountRequestedYuan, Description: req.Description, Consent: req.Consent})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAidJSON(a, aidOwner))
}

func (s *server) myAidApplications(c echo.Context) error {
	var p apperr.Problems
	limit, before := parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	list, err := s.Aid.Mine(c.Request().Context(), workerID(c), before, limit+1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOfAid(list, limit, aidOwner))
}

func (s *server) listAidApplications(c echo.Context) error {
	var (
		p apperr.Problems
		f aid.Filter
	)
	if v := c.QueryParam("status"); v != "" {
		f.Status = aid.Status(v)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be pending, awaiting_second_review, approved or rejected")
		}
	}
	limit, after := parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	f.Limit, f.After = limit+1, after
	list, err := s.Aid.List(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOfAid(list, limit, aidQueue))
}

func (s *server) getAidApplication(c echo.Context) error {
	id, err := aidID(c)
	if err != nil {
		return err
	}
	a, err := s.Aid.Get(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAidJSON(a, aidDetail))
}

type aidApproveRequest struct {
	AmountYuan *int `json:"amount_yuan"`
}

func (s *server) approveAidApplication(c echo.Context) error {
	id, err := aidID(c)
	if err != nil {
		return err
	}
	var req aidApproveRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	if req.AmountYuan == nil {
		var p apperr.Problems
		p.Add("amount_yuan", "required", "is required")
		return p.Err()
	}
	a, err := s.Aid.Approve(c.Request().Context(), principal(c), id, *req.AmountYuan)
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request().Context(), "aid application approved", "request_id", requestID(c), "application", a)
	return c.JSON(http.StatusOK, toAidJSON(a, aidDetail))
}

func (s *server) rejectAidApplication(c echo.Context) error {
	id, err := aidID(c)
	if err != nil {
		return err
	}
	var req wishRejectRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	reason := ""
	if req.Reason != nil {
		reason = *req.Reason
	}
	a, err := s.Aid.Reject(c.Request().Context(), principal(c), id, reason)
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request().Context(), "aid application rejected", "request_id", requestID(c), "application", a)
	return c.JSON(http.StatusOK, toAidJSON(a, aidDetail))
}
