package console

import (
	"net/http"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/worker"
)

// applicationsPerPage is the queue's page size.
const applicationsPerPage = 50

type applicationRow struct {
	ID, Name, Phone, Occupation, Employer, District, Submitted string
	Status                                                     worker.Status
	DecidedBy, DecidedAt, Reason, MembershipNo                 string
}

type applicationsPage struct {
	Status string // pending, approved or rejected
	Tabs   []option
	Items  []applicationRow
	Pager  Pager
}

// applicationList is the queue of membership applications in the staff
// member's districts: pending ones by default, oldest first, as the API
// lists them.
func (h *handler) applicationList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := worker.Status(q.Get("status"))
	switch status {
	case "":
		status = worker.Pending
	case worker.Pending, worker.Approved, worker.Rejected:
	default:
		h.fail(w, r, apperr.New(apperr.NotFound, "no such status"))
		return
	}
	f := worker.ApplicationFilter{Status: status, Limit: applicationsPerPage + 1}
	if a := q.Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			h.fail(w, r, apperr.New(apperr.NotFound, "bad cursor"))
			return
		}
		f.After = id
	}
	list, err := h.Workers.ListApplications(r.Context(), principal(r), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := ""
	if len(list) > applicationsPerPage {
		list = list[:applicationsPerPage]
		next = list[len(list)-1].ID.String()
	}
	page := applicationsPage{Status: string(status), Pager: pager(r, next)}
	for _, s := range []worker.Status{worker.Pending, worker.Approved, worker.Rejected} {
		page.Tabs = append(page.Tabs, option{Value: string(s), Label: t("apps.tab." + string(s)), Selected: s == status})
	}
	var actors []string
	for _, a := range list {
		actors = append(actors, a.DecidedBy)
	}
	actorName := h.actorNames(r, actors...)
	for _, a := range list {
		row := applicationRow{
			ID: a.ID.String(), Name: a.RealName, Phone: a.Phone, Occupation: t("occupation." + string(a.Occupation)),
			Employer: a.Employer, District: districtText(a.DistrictCode), Submitted: a.CreatedAt.In(shanghai).Format("2006-01-02 15:04"),
			Status: a.Status, DecidedBy: actorName(a.DecidedBy), Reason: a.Reason, MembershipNo: a.MembershipNo,
		}
		if !a.DecidedAt.IsZero() {
			row.DecidedAt = a.DecidedAt.In(shanghai).Format("2006-01-02 15:04")
		}
		page.Items = append(page.Items, row)
	}
	h.render(w, r, "applications.html", "applications", page)
}

// approveApplication approves through worker.Service.Approve, as
// POST /v1/membership-applications/{id}/approve does.
func (h *handler) approveApplication(w http.ResponseWriter, r *http.Request) {
	h.decideApplication(w, r, func(id uuid.UUID) (worker.Application, error) {
		return h.Workers.Approve(r.Context(), principal(r), id)
	}, "flash.apps.approved")
}

// rejectApplication rejects with the reason the worker will read.
func (h *handler) rejectApplication(w http.ResponseWriter, r *http.Request) {
	h.decideApplication(w, r, func(id uuid.UUID) (worker.Application, error) {
		return h.Workers.Reject(r.Context(), principal(r), id, r.PostFormValue("reason"))
	}, "flash.apps.rejected")
}

func (h *handler) decideApplication(w http.ResponseWriter, r *http.Request, decide func(uuid.UUID) (worker.Application, error), done string) {
	back := "/console/applications"
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "membership application not found"))
		return
	}
	a, err := decide(id)
	if err == nil {
		h.redirect(w, r, back, done, a.RealName)
		return
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		h.redirect(w, r, back, "flash.error.apps.reason", "")
		return
	case apperr.Conflict:
		h.redirect(w, r, back, "flash.error.apps.done", "")
		return
	}
	h.fail(w, r, err)
}
