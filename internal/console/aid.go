package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"yizhan/internal/aid"
	"yizhan/internal/apperr"
)

// aidPerPage is the aid queue's page size.
const aidPerPage = 50

// aidRow is an application in the queue: never its narrative, which only
// its own page shows.
type aidRow struct {
	ID, Short, Category, Requested, FirstAmount, Approved, District, Submitted string
	Status                                                                     aid.Status
	StatusLabel                                                                string
}

type aidListPage struct {
	Status    string
	Tabs      []option
	Items     []aidRow
	Pager     Pager
	Threshold int
}

// aidList is the queue of hardship-aid applications of the reviewer's
// districts; city and province staff find the second reviews here.
func (h *handler) aidList(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	status := aid.Status(r.URL.Query().Get("status"))
	if status == "" {
		status = aid.Pending
	}
	if !status.Valid() {
		h.fail(w, r, apperr.New(apperr.NotFound, "no such status"))
		return
	}
	f := aid.Filter{Status: status, Limit: aidPerPage + 1}
	if a := r.URL.Query().Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			h.fail(w, r, apperr.New(apperr.NotFound, "bad cursor"))
			return
		}
		f.After = id
	}
	list, err := h.Aid.List(r.Context(), p, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	next := ""
	if len(list) > aidPerPage {
		list = list[:aidPerPage]
		next = list[len(list)-1].ID.String()
	}
	page := aidListPage{Status: string(status), Pager: pager(r, next), Threshold: h.Aid.SecondReviewYuan()}
	for _, s := range aid.Statuses {
		page.Tabs = append(page.Tabs, option{Value: string(s), Label: t("aid.status." + string(s)), Selected: s == status})
	}
	for _, a := range list {
		page.Items = append(page.Items, aidRow{ID: a.ID.String(), Short: strings.ToUpper(a.ID.String()[len(a.ID.String())-8:]),
			Category: t("aid.category." + string(a.Category)), Requested: yuan(a.AmountRequested), FirstAmount: yuan(a.FirstAmount),
			Approved: yuan(a.AmountApproved), District: districtText(a.DistrictCode), Submitted: when(a.CreatedAt),
			Status: a.Status, StatusLabel: t("aid.status." + string(a.Status))})
	}
	h.render(w, r, "aid.html", "wishes", page)
}

// yuan writes an amount for a clerk: "3,000 元"; empty for zero.
func yuan(n int) string {
	if n == 0 {
		return ""
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + " 元"
}

type aidDecisionRow struct {
	Step, Decision, By, Amount, Reason, At string
}

type aidDetailPage struct {
	aidRow
	Description, Consented, DecidedAt, RejectReason string
	Erased                                          bool
	// Applicant is whom the reviewer would pay (empty once erased).
	Applicant aid.Applicant
	Decisions []aidDecisionRow
	// What the reviewer may do now, and why not.
	CanDecide, SecondStep bool
	Blocked               string // a catalogue key, when the reviewer may not decide
	Threshold             int
	AmountDefault         int
	Errors                map[string]string
}

// aidDetail is one application with its narrative, for reviewers whose
// scope covers the applicant's county (aid.Service.Get refuses anyone else
// with not found), and the form of the decision due.
func (h *handler) aidDetail(w http.ResponseWriter, r *http.Request) {
	h.renderAid(w, r, http.StatusOK, nil)
}

func (h *handler) renderAid(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) {
	p := principal(r)
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "%s not found", apperr.Word("aid application")))
		return
	}
	a, err := h.Aid.Get(r.Context(), p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var actors []string
	for _, d := range a.Decisions {
		if d.StaffID != uuid.Nil {
			actors = append(actors, "staff:"+d.StaffID.String())
		}
	}
	actorName := h.actorNames(r, actors...)
	page := aidDetailPage{
		aidRow: aidRow{ID: a.ID.String(), Short: strings.ToUpper(a.ID.String()[len(a.ID.String())-8:]),
			Category: t("aid.category." + string(a.Category)), Requested: yuan(a.AmountRequested), FirstAmount: yuan(a.FirstAmount),
			Approved: yuan(a.AmountApproved), District: districtText(a.DistrictCode), Submitted: when(a.CreatedAt),
			Status: a.Status, StatusLabel: t("aid.status." + string(a.Status))},
		Description: a.Description, Consented: when(a.ConsentedAt), DecidedAt: when(a.DecidedAt), RejectReason: a.RejectReason,
		Erased: a.Erased, Threshold: h.Aid.SecondReviewYuan(), AmountDefault: a.AmountRequested, Errors: errs,
		Applicant: a.Applicant,
	}
	for _, d := range a.Decisions {
		row := aidDecisionRow{Step: t("aid.step." + strconv.Itoa(d.Step)), Decision: t("aid.decision." + string(d.Kind)),
			Amount: yuan(d.AmountYuan), Reason: d.Reason, At: when(d.DecidedAt)}
		if d.StaffID != uuid.Nil {
			row.By = actorName("staff:" + d.StaffID.String())
		}
		page.Decisions = append(page.Decisions, row)
	}
	switch a.Status {
	case aid.Pending:
		page.CanDecide = true
	case aid.AwaitingSecondReview:
		page.SecondStep, page.AmountDefault = true, a.FirstAmount
		switch {
		case a.FirstReviewedBy == p.AccountID():
			page.Blocked = "aid.blocked.same"
		case !p.CanManageDistrict(aid.CityOf(a.DistrictCode)):
			page.Blocked = "aid.blocked.county"
		default:
			page.CanDecide = true
		}
	}
	h.renderStatus(w, r, status, "aid_detail.html", "wishes", page)
}

func (h *handler) approveAid(w http.ResponseWriter, r *http.Request) {
	amount, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.PostFormValue("amount_yuan")), "元")))
	if err != nil {
		h.renderAid(w, r, http.StatusBadRequest, map[string]string{"amount_yuan": t("aid.error.amount")})
		return
	}
	h.decideAid(w, r, func(id uuid.UUID) (aid.Application, error) {
		return h.Aid.Approve(r.Context(), principal(r), id, amount)
	}, "flash.aid.approved")
}

func (h *handler) rejectAid(w http.ResponseWriter, r *http.Request) {
	h.decideAid(w, r, func(id uuid.UUID) (aid.Application, error) {
		return h.Aid.Reject(r.Context(), principal(r), id, r.PostFormValue("reason"))
	}, "flash.aid.rejected")
}

func (h *handler) decideAid(w http.ResponseWriter, r *http.Request, decide func(uuid.UUID) (aid.Application, error), done string) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "%s not found", apperr.Word("aid application")))
		return
	}
	a, err := decide(id)
	switch {
	case err == nil:
		key := done
		if a.Status == aid.AwaitingSecondReview {
			key = "flash.aid.second"
		}
		h.redirect(w, r, "/console/aid/"+id.String(), key, yuan(a.FirstAmount))
	case apperr.Is(err, apperr.Invalid):
		h.renderAid(w, r, http.StatusBadRequest, formErrors(err))
	case apperr.Is(err, apperr.Conflict):
		h.redirect(w, r, "/console/aid/"+id.String(), "flash.error.aid.done", "")
	default:
		h.fail(w, r, err)
	}
}
