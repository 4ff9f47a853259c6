package console

import (
	"net/http"
	"strings"
	"time"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
	"yizhan/internal/truth"
)

// truthView is what workers and staff have seen of a station, for its page.
type truthView struct {
	LastConfirmed, VerifiedAt, VerifiedBy string // "" when never
	NeedsReview                           bool
	Amenities                             []amenityState
	Notices                               []noticeView
	Reports                               []reportRow // open ones
	MoreReports                           bool
	Form                                  noticeForm
	Back                                  string
}

// amenityState is one listed amenity and what was last said of it.
type amenityState struct {
	Label string
	State string // confirmed, broken, unavailable (a notice) or unknown
	At    string
}

// noticeView is a notice in words.
type noticeView struct {
	Kind, Amenity, From, Until, Message string
	When                                string // now, later or past
}

// noticeForm is the notice form as typed, with its problems.
type noticeForm struct {
	Open                       bool // open the form: it has problems
	Kind, Amenity, From, Until string
	Message                    string
	Amenities                  []option // the station's own amenities
	Errors                     map[string]string
}

// stationReportsShown is how many open reports the station page lists.
const stationReportsShown = 20

const datetimeLocal = "2006-01-02T15:04"

func (h *handler) truthOf(r *http.Request, st *station.Station, form noticeForm) (truthView, error) {
	now := h.Stations.Now()
	v := truthView{NeedsReview: st.NeedsReview, Form: form, Back: "/console/stations/" + st.ID.String()}
	if !st.LastConfirmedAt.IsZero() {
		v.LastConfirmed = st.LastConfirmedAt.In(shanghai).Format("2006-01-02 15:04")
	}
	unavailable := st.UnavailableAt(now)
	for _, code := range st.Amenities.Codes() {
		a := amenityState{Label: amenityLabel(code), State: "unknown"}
		bit, _ := station.AmenityBit(code)
		c := st.AmenityChecks[code]
		switch {
		case unavailable&bit != 0:
			a.State = "unavailable"
		case !c.ReportedBrokenAt.IsZero() && c.ReportedBrokenAt.After(c.ConfirmedAt):
			a.State, a.At = "broken", c.ReportedBrokenAt.In(shanghai).Format("2006-01-02 15:04")
		case !c.ConfirmedAt.IsZero():
			a.State, a.At = "confirmed", c.ConfirmedAt.In(shanghai).Format("2006-01-02 15:04")
		}
		v.Amenities = append(v.Amenities, a)
	}
	for _, n := range st.Notices {
		nv := noticeView{Kind: t("notice.kind." + string(n.Kind)), From: n.From.In(shanghai).Format("2006-01-02 15:04"),
			Until: n.Until.In(shanghai).Format("2006-01-02 15:04"), Message: n.Message, When: "now"}
		if n.Amenity != 0 {
			nv.Amenity = strings.Join(amenityLabels(n.Amenity), "、")
		}
		switch {
		case !n.Until.After(now):
			nv.When = "past"
		case n.From.After(now):
			nv.When = "later"
		}
		v.Notices = append(v.Notices, nv)
	}
	reports, err := h.Truth.ListReports(r.Context(), principal(r), truth.ReportFilter{Status: truth.Open, StationID: st.ID, Limit: stationReportsShown + 1})
	if err != nil {
		return truthView{}, err
	}
	if len(reports) > stationReportsShown {
		reports, v.MoreReports = reports[:stationReportsShown], true
	}
	v.Reports = h.reportRows(r, reports)
	if v.Form.Kind == "" {
		v.Form.Kind = string(station.TemporarilyClosed)
	}
	for _, code := range st.Amenities.Codes() {
		v.Form.Amenities = append(v.Form.Amenities, option{Value: code, Label: amenityLabel(code), Selected: code == v.Form.Amenity})
	}
	return v, nil
}

// postNotice posts a notice through truth.Service.PostNotice, as
// POST /v1/stations/{id}/notices does. Times are typed in Shanghai time.
func (h *handler) postNotice(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	form := noticeForm{Kind: r.PostFormValue("kind"), Amenity: r.PostFormValue("amenity"), From: r.PostFormValue("from"),
		Until: r.PostFormValue("until"), Message: r.PostFormValue("message"), Errors: map[string]string{}}
	in := truth.NoticeInput{Kind: &form.Kind, Message: &form.Message}
	if form.Kind == string(station.AmenityUnavailable) && form.Amenity != "" {
		in.Amenity = &form.Amenity
	}
	for _, f := range []struct {
		name, value string
		to          **time.Time
	}{{"from", form.From, &in.From}, {"until", form.Until, &in.Until}} {
		if f.value == "" {
			continue
		}
		at, err := time.ParseInLocation(datetimeLocal, f.value, shanghai)
		if err != nil {
			form.Errors[f.name] = t("problem.notice.time")
			continue
		}
		*f.to = &at
	}
	if len(form.Errors) == 0 {
		if _, _, err = h.Truth.PostNotice(r.Context(), principal(r), st.ID, in); err == nil {
			h.redirect(w, r, "/console/stations/"+st.ID.String(), "flash.notice.posted", st.Name)
			return
		}
		if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.Conflict && c != apperr.Unprocessable {
			h.fail(w, r, err)
			return
		}
		for k, v := range formErrors(err) {
			form.Errors[k] = v
		}
	}
	form.Open = true
	h.renderStation(w, r, st, form, http.StatusUnprocessableEntity)
}

// verifyStation records a staff visit now (核实), as
// POST /v1/stations/{id}/verify does.
func (h *handler) verifyStation(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.Truth.Verify(r.Context(), principal(r), st.ID); err != nil {
		if apperr.CodeOf(err) == apperr.Unprocessable {
			h.redirect(w, r, "/console/stations/"+st.ID.String(), "flash.error.verify.closed", "")
			return
		}
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/console/stations/"+st.ID.String(), "flash.verified", st.Name)
}
