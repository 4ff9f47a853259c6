package console

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/wish"
)

// wishesPerPage is the queue's page size.
const wishesPerPage = 50

// wishRow is one wish as the console shows it: never who wished beyond the
// county and the occupation.
type wishRow struct {
	ID, Wisher, Title, Story, Category, Value, Created string
	Status                                             wish.Status
	StatusLabel                                        string
	// What the signed-in account may do with it.
	CanReview, CanPledge, CanDeliver bool
	// Who pledged, and the steps' times, for staff of its county.
	PledgedBy, ReviewedAt, PledgedAt, DeliveredAt, ConfirmedAt, RejectReason string
}

type wishesPage struct {
	Status string
	Tabs   []option
	Items  []wishRow
	Pager  Pager
	Back   string
	// ShowAid shows the link to the aid queue (staff, never donors).
	ShowAid bool
}

// wishList is the wish queue: for staff, the wishes of their districts
// awaiting review (and, tab by tab, those to pledge, deliver and done); for
// a donor account, the published wishes of every county to pledge.
func (h *handler) wishList(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	tabs := []wish.Status{wish.Pending, wish.Published, wish.Pledged, wish.Delivered, wish.Confirmed, wish.Rejected}
	def := wish.Pending
	if p.IsDonor() {
		tabs, def = []wish.Status{wish.Published, wish.Pledged, wish.Delivered}, wish.Published
	}
	status := wish.Status(r.URL.Query().Get("status"))
	if status == "" {
		status = def
	}
	known := false
	for _, s := range tabs {
		known = known || s == status
	}
	if !known {
		h.fail(w, r, apperr.New(apperr.NotFound, "no such status"))
		return
	}
	f := wish.Filter{Status: status, Limit: wishesPerPage + 1}
	if codes, all := p.DistrictScope(); p.IsStaff() && !all {
		f.Districts = codes // staff see their own districts' wishes in every tab
	}
	if a := r.URL.Query().Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			h.fail(w, r, apperr.New(apperr.NotFound, "bad cursor"))
			return
		}
		f.After = id
	}
	list, err := h.Wishes.List(r.Context(), p, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := ""
	if len(list) > wishesPerPage {
		list = list[:wishesPerPage]
		next = list[len(list)-1].ID.String()
	}
	page := wishesPage{Status: string(status), Pager: pager(r, next), Back: r.URL.RequestURI(), ShowAid: p.IsStaff()}
	for _, s := range tabs {
		page.Tabs = append(page.Tabs, option{Value: string(s), Label: t("wishes.tab." + string(s)), Selected: s == status})
	}
	var actors []string
	for _, x := range list {
		if x.PledgedBy != uuid.Nil {
			actors = append(actors, "staff:"+x.PledgedBy.String())
		}
	}
	actorName := h.actorNames(r, actors...)
	for _, x := range list {
		inScope := p.IsStaff() && p.CanManageDistrict(x.DistrictCode)
		row := wishRow{ID: x.ID.String(), Wisher: x.Wisher(), Title: x.Title, Story: x.Story,
			Category: t("wish.category." + string(x.Category)), Value: strconv.Itoa(x.ValueYuan),
			Created: x.CreatedAt.In(shanghai).Format("2006-01-02 15:04"), Status: x.Status, StatusLabel: t("wishes.tab." + string(x.Status)),
			CanReview: inScope && x.Status == wish.Pending, CanPledge: (inScope || p.IsDonor()) && x.Status == wish.Published,
			CanDeliver: inScope && x.Status == wish.Pledged, ReviewedAt: when(x.ReviewedAt), PledgedAt: when(x.PledgedAt),
			DeliveredAt: when(x.DeliveredAt), ConfirmedAt: when(x.ConfirmedAt), RejectReason: x.RejectReason}
		if inScope && x.PledgedBy != uuid.Nil {
			row.PledgedBy = actorName("staff:" + x.PledgedBy.String())
		}
		page.Items = append(page.Items, row)
	}
	h.render(w, r, "wishes.html", "wishes", page)
}

// when is a step's time as the console shows it; empty for a step not
// reached.
func when(ts time.Time) string {
	if ts.IsZero() {
		return ""
	}
	return ts.In(shanghai).Format("2006-01-02 15:04")
}

func (h *handler) approveWish(w http.ResponseWriter, r *http.Request) {
	h.actOnWish(w, r, h.Wishes.Approve, "flash.wishes.approved")
}

func (h *handler) pledgeWish(w http.ResponseWriter, r *http.Request) {
	h.actOnWish(w, r, h.Wishes.Pledge, "flash.wishes.pledged")
}

func (h *handler) deliverWish(w http.ResponseWriter, r *http.Request) {
	h.actOnWish(w, r, h.Wishes.Deliver, "flash.wishes.delivered")
}

func (h *handler) rejectWish(w http.ResponseWriter, r *http.Request) {
	reason := r.PostFormValue("reason")
	h.actOnWish(w, r, func(ctx context.Context, by wish.Actor, id uuid.UUID) (wish.Wish, error) {
		return h.Wishes.Reject(ctx, by, id, reason)
	}, "flash.wishes.rejected")
}

func (h *handler) actOnWish(w http.ResponseWriter, r *http.Request, act func(context.Context, wish.Actor, uuid.UUID) (wish.Wish, error), done string) {
	back := safeNext(r.PostFormValue("back"))
	if back == Prefix {
		back = "/console/wishes"
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "%s not found", apperr.Word("wish")))
		return
	}
	x, err := act(r.Context(), principal(r), id)
	if err == nil {
		h.redirect(w, r, back, done, x.Title)
		return
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		h.redirect(w, r, back, "flash.error.wishes.reason", "")
		return
	case apperr.AlreadyPledged:
		h.redirect(w, r, back, "flash.error.wishes.pledged", "")
		return
	case apperr.Conflict:
		h.redirect(w, r, back, "flash.error.wishes.done", "")
		return
	}
	h.fail(w, r, err)
}
