package console

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/standard"
	"yizhan/internal/station"
)

// tallyView is a station's 服务人次 page, made for a phone at the door.
type tallyView struct {
	ID, Name, District string
	Today              string
	TodayCount         int
	// Key is a fresh Idempotency-Key for the +1 form: a resent form (a
	// double tap, a reload) counts once.
	Key    string
	Days   []standard.Tally
	Date   string
	Count  string
	Errors map[string]string
	Closed bool
}

// tallyDaysShown is how many days the page lists.
const tallyDaysShown = 14

func (h *handler) tallyPage(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderTally(w, r, st, tallyView{}, http.StatusOK)
}

func (h *handler) renderTally(w http.ResponseWriter, r *http.Request, st *station.Station, v tallyView, status int) {
	days, err := h.Standards.ServiceDays(r.Context(), principal(r), st.ID, tallyDaysShown)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.ID, v.Name, v.District, v.Days = st.ID.String(), st.Name, district.Name(st.DistrictCode), days
	v.Today, v.Key, v.Closed = standard.Day(h.Standards.Now()), uuid.NewString(), st.Status == station.Closed
	for _, d := range days {
		if d.Day == v.Today {
			v.TodayCount = d.Count
		}
	}
	if v.Date == "" {
		v.Date = v.Today
	}
	h.renderStatus(w, r, status, "station_tally.html", "stations", v)
}

// tallyAdd counts one service today, as
// POST /v1/stations/{id}/service-tally {"add": 1} does.
func (h *handler) tallyAdd(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	one := 1
	got, _, err := h.Standards.Tally(r.Context(), principal(r), st.ID, standard.TallyInput{Add: &one}, r.PostFormValue("key"))
	if err != nil {
		h.tallyProblem(w, r, st, tallyView{}, err)
		return
	}
	h.redirect(w, r, "/console/stations/"+st.ID.String()+"/tally", "flash.tally.added", strconv.Itoa(got.Count))
}

// tallySet sets a day's count.
func (h *handler) tallySet(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := tallyView{Date: r.PostFormValue("date"), Count: r.PostFormValue("count")}
	n, convErr := strconv.Atoi(v.Count)
	if convErr != nil {
		v.Errors = map[string]string{"count": t("problem.tally.count")}
		h.renderTally(w, r, st, v, http.StatusUnprocessableEntity)
		return
	}
	got, _, err := h.Standards.Tally(r.Context(), principal(r), st.ID, standard.TallyInput{Date: &v.Date, Count: &n}, "")
	if err != nil {
		h.tallyProblem(w, r, st, v, err)
		return
	}
	h.redirect(w, r, "/console/stations/"+st.ID.String()+"/tally", "flash.tally.set", got.Day+" · "+strconv.Itoa(got.Count))
}

func (h *handler) tallyProblem(w http.ResponseWriter, r *http.Request, st *station.Station, v tallyView, err error) {
	if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.Unprocessable && c != apperr.Conflict {
		h.fail(w, r, err)
		return
	}
	v.Errors = formErrors(err)
	h.renderTally(w, r, st, v, http.StatusUnprocessableEntity)
}
