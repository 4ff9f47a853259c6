package console

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/standard"
	"yizhan/internal/station"
)

// standardsView is a station's page of 上图, inspections and stars.
type standardsView struct {
	ID, Name, District string
	Stars              int
	StarMarks          string // ★★★☆☆
	LastInspected      string // "" when never
	Due                bool
	MostBeautiful      bool
	CanRecognise       bool
	Closed             bool
	Listings           []listingRow
	Checklist          []checkRow
	Inspections        []inspectionRow
	Rule               string
	Error              string
	Today              string
}

type listingRow struct {
	Platform, Label, Status, StatusLabel, Date, Note, UpdatedAt string
	Statuses                                                    []option
}

type checkRow struct {
	Code, Label, Area string
	Checked           bool
}

type inspectionRow struct {
	At, By, Notes string
	Passed, Stars int
	Failed        string
}

func starMarks(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
}

// stationInScope is the station of the path, when the staff member manages it.
func (h *handler) stationInScope(r *http.Request) (*station.Station, error) {
	return h.managedStation(r)
}

func (h *handler) standardsPage(w http.ResponseWriter, r *http.Request) {
	st, err := h.stationInScope(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderStandards(w, r, st, "", http.StatusOK)
}

func (h *handler) renderStandards(w http.ResponseWriter, r *http.Request, st *station.Station, problem string, status int) {
	p := principal(r)
	now := h.Standards.Now()
	v := standardsView{ID: st.ID.String(), Name: st.Name, District: district.Name(st.DistrictCode), Stars: st.Standing.StarLevel,
		StarMarks: starMarks(st.Standing.StarLevel), MostBeautiful: !st.Standing.MostBeautifulAt.IsZero(),
		CanRecognise: standard.CanRecognise(p, st.DistrictCode), Closed: st.Status == station.Closed, Error: problem,
		Due: standard.InspectionDue(st.Standing.LastInspectedAt, now), Today: standard.Day(now)}
	if !st.Standing.LastInspectedAt.IsZero() {
		v.LastInspected = st.Standing.LastInspectedAt.In(shanghai).Format("2006-01-02")
	}
	rule := h.Standards.Rule()
	v.Rule = t("standards.rule", rule.Thresholds[0], rule.Thresholds[1], rule.Thresholds[2], rule.Thresholds[3], rule.MapPoints, rule.CoreCap)
	listings, err := h.Standards.MapListings(r.Context(), p, st.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, l := range listings {
		row := listingRow{Platform: l.Platform, Label: t("platform." + l.Platform), Status: l.Status, StatusLabel: t("listing." + l.Status),
			Date: l.Date, Note: l.Note}
		if !l.UpdatedAt.IsZero() {
			row.UpdatedAt = l.UpdatedAt.In(shanghai).Format("2006-01-02 15:04")
		}
		for _, s := range standard.ListingStatuses {
			row.Statuses = append(row.Statuses, option{Value: s, Label: t("listing." + s), Selected: s == l.Status})
		}
		v.Listings = append(v.Listings, row)
	}
	inspections, err := h.Standards.Inspections(r.Context(), p, st.ID, uuid.Nil, 5)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var actors []string
	for _, in := range inspections {
		actors = append(actors, in.InspectedBy)
	}
	for _, l := range listings {
		actors = append(actors, l.UpdatedBy)
	}
	actor := h.actorNames(r, actors...)
	for i := range v.Listings {
		if by := listings[i].UpdatedBy; by != "" {
			v.Listings[i].UpdatedAt = t("standards.set_by", actor(by), v.Listings[i].UpdatedAt)
		}
	}
	var latest map[string]bool
	for i, in := range inspections {
		if i == 0 {
			latest = in.Items
		}
		row := inspectionRow{At: in.InspectedAt.In(shanghai).Format("2006-01-02 15:04"), By: actor(in.InspectedBy), Notes: in.Notes,
			Passed: in.Passed(), Stars: in.StarLevel}
		var failed []string
		for _, it := range standard.Checklist {
			if !in.Items[it.Code] {
				failed = append(failed, it.Label)
			}
		}
		row.Failed = strings.Join(failed, "、")
		v.Inspections = append(v.Inspections, row)
	}
	for _, it := range standard.Checklist {
		// The form starts from the latest inspection: a clerk changes what changed.
		v.Checklist = append(v.Checklist, checkRow{Code: it.Code, Label: it.Label, Area: it.Area, Checked: latest[it.Code]})
	}
	h.renderStatus(w, r, status, "station_standards.html", "stations", v)
}

// setListing sets one platform's listing, as
// PUT /v1/stations/{id}/map-listings/{platform} does.
func (h *handler) setListing(w http.ResponseWriter, r *http.Request) {
	st, err := h.stationInScope(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	status, note, date := r.PostFormValue("status"), r.PostFormValue("note"), r.PostFormValue("date")
	in := standard.ListingInput{Status: &status, Note: &note}
	if date != "" {
		in.Date = &date
	}
	platform := r.PathValue("platform")
	if _, _, err := h.Standards.SetMapListing(r.Context(), principal(r), st.ID, platform, in); err != nil {
		h.standardsProblem(w, r, st, err)
		return
	}
	h.redirect(w, r, "/console/stations/"+st.ID.String()+"/standards", "flash.listing.set", t("platform."+platform)+"："+t("listing."+status))
}

// standardsProblem shows a refused change on the page, or fails.
func (h *handler) standardsProblem(w http.ResponseWriter, r *http.Request, st *station.Station, err error) {
	if c := apperr.CodeOf(err); c != apperr.Invalid && c != apperr.Unprocessable {
		h.fail(w, r, err)
		return
	}
	var msgs []string
	for field, m := range formErrors(err) {
		if field != "" {
			m = t("standards.field."+fieldRoot(field)) + "：" + m
		}
		msgs = append(msgs, m)
	}
	h.renderStandards(w, r, st, strings.Join(msgs, "；"), http.StatusUnprocessableEntity)
}

func fieldRoot(f string) string {
	if i := strings.IndexAny(f, ".["); i >= 0 {
		return f[:i]
	}
	return f
}

// recordInspection records an inspection from the checklist form: a ticked
// box passes, an unticked one fails.
func (h *handler) recordInspection(w http.ResponseWriter, r *http.Request) {
	st, err := h.stationInScope(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, "the request has invalid fields"))
		return
	}
	passed := map[string]bool{}
	for _, c := range r.PostForm["pass"] {
		passed[c] = true
	}
	items := map[string]*bool{}
	for _, it := range standard.Checklist {
		ok := passed[it.Code]
		items[it.Code] = &ok
	}
	notes := r.PostFormValue("notes")
	after, _, err := h.Standards.RecordInspection(r.Context(), principal(r), st.ID, standard.InspectionInput{Items: items, Notes: &notes})
	if err != nil {
		h.standardsProblem(w, r, st, err)
		return
	}
	h.redirect(w, r, "/console/stations/"+st.ID.String()+"/standards", "flash.inspection.recorded", starMarks(after.Standing.StarLevel))
}

// setRecognition recognises the station as a 最美站点, or withdraws it.
func (h *handler) setRecognition(w http.ResponseWriter, r *http.Request) {
	st, err := h.stationInScope(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	on := r.PostFormValue("most_beautiful") == "true"
	if _, err := h.Standards.SetMostBeautiful(r.Context(), principal(r), st.ID, on); err != nil {
		h.standardsProblem(w, r, st, err)
		return
	}
	key := "flash.recognition.off"
	if on {
		key = "flash.recognition.on"
	}
	h.redirect(w, r, "/console/stations/"+st.ID.String()+"/standards", key, st.Name)
}
