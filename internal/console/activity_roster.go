package console

import (
	"bufio"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/activity"
	"yizhan/internal/apperr"
)

// rosterLimit bounds the roster page: a long waiting line is in the CSV.
const rosterLimit = 1000

type rosterRow struct {
	Number                        int64
	Status, StatusLabel           string
	Position                      int
	Name, Phone                   string
	SignedUp, Promoted, CheckedIn string
	NoShow                        bool
	WorkerNoShows                 int
}

// checkInResult is the large answer the clerk at the door reads at a
// glance.
type checkInResult struct {
	Kind     string // ok, checked, waitlisted, missing, closed
	Headline string
	Advice   string
	Name     string
	Phone    string
	NoShows  int
}

type rosterPageData struct {
	Activity   activityRow
	Open       bool // check-in is possible now
	Code       string
	Error      string
	Result     *checkInResult
	Items      []rosterRow
	More       bool
	CheckedIn  int
	Cancelled  int
	Waitlisted int
}

// refusalText is a refusal in Chinese: its first field's message, else its
// own.
func refusalText(err error) string {
	e := apperr.Localize(err, apperr.ZhCN)
	if len(e.Fields) > 0 {
		return e.Fields[0].Message
	}
	return e.Message
}

// activityRoster is the door: a large code box on top (made for a phone at
// the counter), the roster below, and the CSV.
func (h *handler) activityRoster(w http.ResponseWriter, r *http.Request) {
	h.renderRoster(w, r, http.StatusOK, "", "", nil)
}

func (h *handler) renderRoster(w http.ResponseWriter, r *http.Request, status int, code, problem string, result *checkInResult) {
	a, ok := h.activityOf(w, r)
	if !ok {
		return
	}
	page := rosterPageData{Code: code, Error: problem, Result: result,
		Activity: activityRow{ID: a.ID.String(), Title: a.Title, Status: string(a.Status), StatusLabel: t("activity.status." + string(a.Status)),
			When: whenText(a), Place: a.PlaceName(), Confirmed: a.Confirmed, Capacity: a.Capacity, Waitlisted: a.Waitlisted}}
	now := h.Activities.Now()
	page.Open = (a.Status == activity.Published || a.Status == activity.Finished) &&
		!now.Before(a.StartsAt.Add(-activity.CheckInEarly)) && now.Before(a.EndsAt.Add(activity.CheckInLate))
	_, err := h.Activities.Roster(r.Context(), principal(r), a.ID, 0, rosterLimit+1, func(e activity.RosterEntry) error {
		s := e.Signup
		switch s.Status {
		case activity.SignupCheckedIn:
			page.CheckedIn++
		case activity.SignupCancelled:
			page.Cancelled++
		}
		if len(page.Items) == rosterLimit {
			page.More = true
			return nil
		}
		page.Items = append(page.Items, rosterRow{Number: s.QueueNo, Status: string(s.Status), StatusLabel: activity.StatusLabel(s.Status),
			Position: s.Position, Name: e.Attendee.Name, Phone: e.Attendee.Phone, SignedUp: s.CreatedAt.In(shanghai).Format("01-02 15:04"),
			Promoted: formTimeShort(s.PromotedAt), CheckedIn: formTimeShort(s.CheckedInAt), NoShow: e.NoShow, WorkerNoShows: e.Attendee.NoShows})
		return nil
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderStatus(w, r, status, "activity_roster.html", "activities", page)
}

func formTimeShort(at time.Time) string {
	if at.IsZero() {
		return ""
	}
	return at.In(shanghai).Format("01-02 15:04")
}

// activityCheckIn checks in the code typed or scanned at the door, and
// answers on the roster page in large type.
func (h *handler) activityCheckIn(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.notFound(w, r)
		return
	}
	code := r.PostFormValue("code")
	if _, ok := activity.ParseCode(code); !ok {
		h.renderRoster(w, r, http.StatusBadRequest, code, t("checkin.error.code"), nil)
		return
	}
	e, err := h.Activities.CheckIn(r.Context(), principal(r), id, code)
	res := &checkInResult{Name: e.Attendee.Name, Phone: e.Attendee.Phone, NoShows: e.Attendee.NoShows}
	status := http.StatusOK
	switch code := apperr.CodeOf(err); {
	case err == nil:
		res.Kind, res.Headline, res.Advice = "ok", t("checkin.ok"), t("checkin.ok_advice")
	case code == apperr.AlreadyCheckedIn:
		res.Kind, res.Headline, res.Advice, status = "checked", t("checkin.already"), refusalText(err), http.StatusConflict
	case code == apperr.NotConfirmed:
		res.Kind, res.Headline, res.Advice, status = "waitlisted", t("checkin.not_confirmed"), refusalText(err), http.StatusConflict
	case code == apperr.NotFound:
		res.Kind, res.Headline, res.Advice, status = "missing", t("checkin.missing"), t("checkin.missing_advice"), http.StatusNotFound
	case code == apperr.NotOpen:
		res.Kind, res.Headline, res.Advice, status = "closed", t("checkin.closed"), refusalText(err), http.StatusUnprocessableEntity
	default:
		h.fail(w, r, err)
		return
	}
	h.renderRoster(w, r, status, "", "", res)
}

// activityCSV downloads the roster, as the API's signups.csv.
func (h *handler) activityCSV(w http.ResponseWriter, r *http.Request) {
	a, ok := h.activityOf(w, r)
	if !ok {
		return
	}
	bw := bufio.NewWriterSize(w, 32<<10)
	cw := csv.NewWriter(bw)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="roster-`+a.ID.String()+`.csv"`)
	w.WriteHeader(http.StatusOK)
	_, _ = bw.WriteString("\uFEFF")
	err := cw.Write(activity.RosterHeader)
	if err == nil {
		_, err = h.Activities.Roster(r.Context(), principal(r), a.ID, 0, 0, func(e activity.RosterEntry) error {
			return cw.Write(e.Record(a.Title))
		})
	}
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil && r.Context().Err() == nil {
		h.log.ErrorContext(r.Context(), "console roster export", "activity", a.ID.String(), "rows_err", strconv.Quote(err.Error()))
	}
}
