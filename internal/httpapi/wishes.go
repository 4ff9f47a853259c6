package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/district"
	"yizhan/internal/wish"
)

// Micro-wishes (微心愿): the wire side of internal/wish.

type wishRequest struct {
	Title     *string `json:"title"`
	Story     *string `json:"story"`
	Category  *string `json:"category"`
	ValueYuan *int    `json:"value_yuan"`
}

// wishJSON is a wish. The public never learns who wished beyond wisher
// (浦江县·外卖骑手); the worker also sees why a wish was rejected; staff
// also see which accounts reviewed, pledged and delivered it.
type wishJSON struct {
	ID           uuid.UUID  `json:"id"`
	Title        string     `json:"title,omitempty"`
	Story        string     `json:"story,omitempty"`
	Category     string     `json:"category"`
	ValueYuan    int        `json:"value_yuan"`
	Status       string     `json:"status"`
	DistrictCode string     `json:"district_code"`
	DistrictName string     `json:"district_name"`
	Occupation   string     `json:"occupation"`
	Wisher       string     `json:"wisher"`
	CreatedAt    time.Time  `json:"created_at"`
	ReviewedAt   *time.Time `json:"reviewed_at,omitempty"`
	RejectReason string     `json:"reject_reason,omitempty"`
	PledgedAt    *time.Time `json:"pledged_at,omitempty"`
	DeliveredAt  *time.Time `json:"delivered_at,omitempty"`
	ConfirmedAt  *time.Time `json:"confirmed_at,omitempty"`
	WithdrawnAt  *time.Time `json:"withdrawn_at,omitempty"`
	ReviewedBy   string     `json:"reviewed_by,omitempty"`
	PledgedBy    string     `json:"pledged_by,omitempty"`
	DeliveredBy  string     `json:"delivered_by,omitempty"`
	Erased       bool       `json:"erased,omitempty"`
}

// wishView is who reads a wish.
type wishView int

const (
	publicView wishView = iota
	ownerView
	staffView
)

func toWishJSON(w wish.Wish, view wishView) wishJSON {
	out := wishJSON{ID: w.ID, Title: w.Title, Story: w.Story, Category: string(w.Category), ValueYuan: w.ValueYuan,
		Status: string(w.Status), DistrictCode: w.DistrictCode, DistrictName: district.Name(w.DistrictCode),
		Occupation: w.Occupation, Wisher: w.Wisher(), CreatedAt: wireTime(w.CreatedAt), ReviewedAt: optTime(w.ReviewedAt),
		PledgedAt: optTime(w.PledgedAt), DeliveredAt: optTime(w.DeliveredAt), ConfirmedAt: optTime(w.ConfirmedAt),
		WithdrawnAt: optTime(w.WithdrawnAt), Erased: w.Erased}
	if view != publicView {
		out.RejectReason = w.RejectReason
	}
	if view == staffView {
		out.ReviewedBy, out.PledgedBy, out.DeliveredBy = accountName(w.ReviewedBy), accountName(w.PledgedBy), accountName(w.DeliveredBy)
	}
	return out
}

// accountName names a staff or donor account as audit records do.
func accountName(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return "staff:" + id.String()
}

type wishPage struct {
	Items      []wishJSON `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func pageOfWishes(list []wish.Wish, limit int, view func(wish.Wish) wishView) wishPage {
	page := wishPage{Items: make([]wishJSON, 0, min(len(list), limit))}
	if len(list) > limit {
		list = list[:limit]
		page.NextCursor = cursorOf(list[limit-1].ID)
	}
	for _, w := range list {
		page.Items = append(page.Items, toWishJSON(w, view(w)))
	}
	return page
}

func wishID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil || len(c.Param("id")) != 36 {
		return uuid.Nil, apperr.New(apperr.NotFound, "%s not found", apperr.Word("wish"))
	}
	return id, nil
}

// optionalAuth authenticates a bearer token when one is sent, so that a
// public route can show staff more; without one the caller is anonymous.
func (s *server) optionalAuth(next echo.HandlerFunc) echo.HandlerFunc {
	authed := s.authenticate(nil, next)
	return func(c echo.Context) error {
		if c.Request().Header.Get(echo.HeaderAuthorization) == "" {
			return next(c)
		}
		return authed(c)
	}
}

// requirePledger lets union staff and donor accounts through.
func (s *server) requirePledger(next echo.HandlerFunc) echo.HandlerFunc {
	return s.authenticate(func(p *auth.Principal) error {
		if !p.IsStaff() && !p.IsDonor() {
			return apperr.New(apperr.Forbidden, "this endpoint is for union staff and donor accounts")
		}
		return nil
	}, next)
}

// viewerOf is how the caller sees a wish: staff of its county as staff.
func viewerOf(p *auth.Principal) func(wish.Wish) wishView {
	return func(w wish.Wish) wishView {
		if p.IsStaff() && p.CanManageDistrict(w.DistrictCode) {
			return staffView
		}
		return publicView
	}
}

func (s *server) postWish(c echo.Context) error {
	var req wishRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	w, err := s.Wishes.Post(c.Request().Context(), workerID(c), wish.Input{Title: req.Title, Story: req.Story, Category: req.Category, ValueYuan: req.ValueYuan})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toWishJSON(w, ownerView))
}

func (s *server) myWishes(c echo.Context) error {
	var p apperr.Problems
	limit, before := parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	list, err := s.Wishes.Mine(c.Request().Context(), workerID(c), before, limit+1)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOfWishes(list, limit, func(wish.Wish) wishView { return ownerView }))
}

func (s *server) listWishes(c echo.Context) error {
	var (
		p apperr.Problems
		f = wish.Filter{Status: wish.Published}
		q = c.QueryParams()
	)
	if v := q.Get("status"); v != "" {
		f.Status = wish.Status(v)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be pending, rejected, published, pledged, delivered, confirmed or withdrawn")
		}
	}
	if v := q.Get("district_code"); v != "" {
		district.Check(&p, "district_code", v, false)
		f.DistrictCode = v
	}
	limit, after := parsePage(c, &p)
	if err := p.Err(); err != nil {
		return err
	}
	f.Limit, f.After = limit+1, after
	by := principal(c)
	list, err := s.Wishes.List(c.Request().Context(), by, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOfWishes(list, limit, viewerOf(by)))
}

func (s *server) getWish(c echo.Context) error {
	id, err := wishID(c)
	if err != nil {
		return err
	}
	by := principal(c)
	w, err := s.Wishes.Get(c.Request().Context(), by, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWishJSON(w, viewerOf(by)(w)))
}

func (s *server) approveWish(c echo.Context) error {
	return s.actOnWish(c, s.Wishes.Approve)
}

func (s *server) pledgeWish(c echo.Context) error {
	return s.actOnWish(c, s.Wishes.Pledge)
}

func (s *server) deliverWish(c echo.Context) error {
	return s.actOnWish(c, s.Wishes.Deliver)
}

func (s *server) actOnWish(c echo.Context, act func(context.Context, wish.Actor, uuid.UUID) (wish.Wish, error)) error {
	id, err := wishID(c)
	if err != nil {
		return err
	}
	by := principal(c)
	w, err := act(c.Request().Context(), by, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWishJSON(w, viewerOf(by)(w)))
}

type wishRejectRequest struct {
	Reason *string `json:"reason"`
}

func (s *server) rejectWish(c echo.Context) error {
	id, err := wishID(c)
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
	by := principal(c)
	w, err := s.Wishes.Reject(c.Request().Context(), by, id, reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWishJSON(w, staffView))
}

func (s *server) confirmWish(c echo.Context) error {
	id, err := wishID(c)
	if err != nil {
		return err
	}
	w, err := s.Wishes.Confirm(c.Request().Context(), workerID(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWishJSON(w, ownerView))
}
