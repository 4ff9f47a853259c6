package console

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/truth"
)

// reportsPerPage is the queue's page size.
const reportsPerPage = 50

// reportRow is one worker report as staff see it: never the worker.
type reportRow struct {
	ID, StationID, Station, District  string
	Category, Amenity, Note, Created  string
	Status                            truth.ReportStatus
	StatusLabel                       string
	DecidedBy, DecidedAt, DecidedNote string
}

type reportsPage struct {
	Status    string // open, resolved or dismissed
	District  string
	Tabs      []option
	Districts []option // a district staff member's own divisions
	Items     []reportRow
	Pager     Pager
	Back      string // where resolving returns to
}

// reportList is the queue of workers' reports about the stations of the
// staff member's districts: open ones by default, oldest first, as
// GET /v1/reports lists them.
func (h *handler) reportList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := truth.ReportStatus(q.Get("status"))
	if status == "" {
		status = truth.Open
	}
	if !status.Valid() {
		h.fail(w, r, apperr.New(apperr.NotFound, "no such status"))
		return
	}
	p := principal(r)
	f := truth.ReportFilter{Status: status, Limit: reportsPerPage + 1}
	if d := q.Get("district"); d != "" {
		var probs apperr.Problems
		if !district.Check(&probs, "district", d, false) {
			h.fail(w, r, probs.Err())
			return
		}
		if !p.CanManageDistrict(d) {
			h.fail(w, r, apperr.New(apperr.Forbidden, "you may not manage stations of district %s", d))
			return
		}
		f.DistrictCode = d
	}
	if a := q.Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			h.fail(w, r, apperr.New(apperr.NotFound, "bad cursor"))
			return
		}
		f.After = id
	}
	list, err := h.Truth.ListReports(r.Context(), p, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := ""
	if len(list) > reportsPerPage {
		list = list[:reportsPerPage]
		next = list[len(list)-1].ID.String()
	}
	page := reportsPage{Status: string(status), District: f.DistrictCode, Pager: pager(r, next),
		Districts: districtOptions(p, f.DistrictCode), Back: r.URL.RequestURI()}
	for _, s := range []truth.ReportStatus{truth.Open, truth.Resolved, truth.Dismissed} {
		link := "/console/reports?status=" + string(s)
		if f.DistrictCode != "" {
			link += "&district=" + f.DistrictCode
		}
		page.Tabs = append(page.Tabs, option{Value: link, Label: t("reports.tab." + string(s)), Selected: s == status})
	}
	page.Items = h.reportRows(r, list)
	h.render(w, r, "reports.html", "reports", page)
}

// reportRows shows reports in words, deciders by username.
func (h *handler) reportRows(r *http.Request, list []truth.Report) []reportRow {
	var actors []string
	for _, rp := range list {
		actors = append(actors, rp.DecidedBy)
	}
	actorName := h.actorNames(r, actors...)
	out := make([]reportRow, 0, len(list))
	for _, rp := range list {
		row := reportRow{
			ID: rp.ID.String(), StationID: rp.StationID.String(), Station: rp.StationName, District: districtText(rp.DistrictCode),
			Category: t("report.category." + string(rp.Category)), Note: rp.Note,
			Created: rp.CreatedAt.In(shanghai).Format("2006-01-02 15:04"),
			Status:  rp.Status, StatusLabel: t("reports.tab." + string(rp.Status)), DecidedNote: rp.DecisionNote,
		}
		if rp.Amenity != "" {
			row.Amenity = amenityLabel(rp.Amenity)
		}
		if !rp.DecidedAt.IsZero() {
			row.DecidedBy, row.DecidedAt = actorName(rp.DecidedBy), rp.DecidedAt.In(shanghai).Format("2006-01-02 15:04")
		}
		out = append(out, row)
	}
	return out
}

// resolveReport closes a report as dealt with, through truth.Service.Resolve
// (POST /v1/reports/{id}/resolve).
func (h *handler) resolveReport(w http.ResponseWriter, r *http.Request) {
	h.decideReport(w, r, h.Truth.Resolve, "flash.reports.resolved")
}

// dismissReport closes a report as unfounded.
func (h *handler) dismissReport(w http.ResponseWriter, r *http.Request) {
	h.decideReport(w, r, h.Truth.Dismiss, "flash.reports.dismissed")
}

type decideFunc func(context.Context, truth.Staff, uuid.UUID, string) (truth.Report, error)

func (h *handler) decideReport(w http.ResponseWriter, r *http.Request, decide decideFunc, done string) {
	back := safeNext(r.PostFormValue("back"))
	if back == Prefix {
		back = "/console/reports"
	}
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "report not found"))
		return
	}
	rp, err := decide(r.Context(), principal(r), id, r.PostFormValue("note"))
	if err == nil {
		h.redirect(w, r, back, done, rp.StationName)
		return
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		h.redirect(w, r, back, "flash.error.reports.note", "")
		return
	case apperr.Conflict:
		h.redirect(w, r, back, "flash.error.reports.done", "")
		return
	}
	h.fail(w, r, err)
}
