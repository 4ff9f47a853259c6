package console

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/activity"
	"yizhan/internal/apperr"
	"yizhan/internal/geo"
	"yizhan/internal/station"
	"yizhan/internal/worker"
)

// activitiesPerPage is the activity list's page size.
const activitiesPerPage = 50

// activityStatuses are the statuses in the order the tabs show them.
var activityStatuses = []activity.Status{activity.Draft, activity.Published, activity.Cancelled, activity.Finished}

type activityRow struct {
	ID, Title, Category, Status, StatusLabel, When, Place string
	Confirmed, Capacity, Waitlisted                       int
}

type activitiesPage struct {
	Status string
	Tabs   []option
	Items  []activityRow
	Pager  Pager
}

// whenText is an activity's time as a clerk reads it: 12月5日 周六 14:00–16:00.
func whenText(a *activity.Activity) string {
	s, e := a.StartsAt.In(shanghai), a.EndsAt.In(shanghai)
	out := s.Format("2006-01-02 ") + t("day."+weekdayKeys[s.Weekday()]) + s.Format(" 15:04") + "–"
	if e.YearDay() != s.YearDay() || e.Year() != s.Year() {
		return out + e.Format("01-02 15:04")
	}
	return out + e.Format("15:04")
}

// weekdayKeys name the weekdays, Sunday first as time.Weekday, as the
// catalogue's day.* keys do.
var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// activityList lists the activities the staff member manages, by status.
func (h *handler) activityList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := activity.Status(q.Get("status"))
	if status != "" && !status.Valid() {
		h.fail(w, r, apperr.New(apperr.NotFound, "no such status"))
		return
	}
	f := activity.Filter{Status: status, Limit: activitiesPerPage}
	if a := q.Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			h.fail(w, r, apperr.New(apperr.NotFound, "bad cursor"))
			return
		}
		f.After = id
	}
	list, next, err := h.Activities.List(r.Context(), principal(r), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := activitiesPage{Status: string(status), Pager: pager(r, "")}
	if next != uuid.Nil {
		page.Pager = pager(r, next.String())
	}
	page.Tabs = append(page.Tabs, option{Value: "", Label: t("common.all"), Selected: status == ""})
	for _, s := range activityStatuses {
		page.Tabs = append(page.Tabs, option{Value: string(s), Label: t("activity.status." + string(s)), Selected: s == status})
	}
	for _, a := range list {
		page.Items = append(page.Items, activityRow{
			ID: a.ID.String(), Title: a.Title, Category: t("activity.category." + string(a.Category)),
			Status: string(a.Status), StatusLabel: t("activity.status." + string(a.Status)), When: whenText(a),
			Place: a.PlaceName(), Confirmed: a.Confirmed, Capacity: a.Capacity, Waitlisted: a.Waitlisted,
		})
	}
	h.render(w, r, "activities.html", "activities", page)
}

// activityForm is the activity form as typed, so that a refused form comes
// back exactly as it was sent.
type activityForm struct {
	ID, Version                  string
	Title, Description, Category string
	PlaceKind                    string // station or address
	StationID                    string
	Address, Lat, Lng            string
	StartsAt, EndsAt             string
	Capacity                     string
	OpensAt, ClosesAt            string
	MembersOnly                  bool
	Occupations                  map[string]bool
	Districts                    string
	Status                       string
	// Counts, shown beside the capacity when editing.
	Confirmed, Waitlisted int
}

type activityFormPage struct {
	Form        activityForm
	Errors      map[string]string
	Categories  []option
	Occupations []option
	Stations    []option
	Statuses    []option
	New         bool
	Stale       bool
}

const formTime = "2006-01-02T15:04"

func formTimeOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(shanghai).Format(formTime)
}

// activityFormOf fills the form from a stored activity; its address point
// is shown in GCJ-02, as the maps clerks copy points from give them.
func activityFormOf(a *activity.Activity) activityForm {
	f := activityForm{
		ID: a.ID.String(), Version: strconv.FormatInt(a.Version, 10), Title: a.Title, Description: a.Description,
		Category: string(a.Category), PlaceKind: "station", StartsAt: formTimeOf(a.StartsAt), EndsAt: formTimeOf(a.EndsAt),
		Capacity: strconv.Itoa(a.Capacity), OpensAt: formTimeOf(a.SignupOpensAt), ClosesAt: formTimeOf(a.SignupClosesAt),
		MembersOnly: a.Eligibility.MembersOnly, Occupations: map[string]bool{}, Districts: strings.Join(a.Eligibility.DistrictCodes, ","),
		Status: string(a.Status), Confirmed: a.Confirmed, Waitlisted: a.Waitlisted,
	}
	if a.Place.AtStation() {
		f.StationID = a.Place.StationID.String()
	} else {
		f.PlaceKind, f.Address = "address", a.Place.Address
		p := geo.FromWGS84(a.Place.Location, geo.GCJ02)
		f.Lat, f.Lng = strconv.FormatFloat(p.Lat(), 'f', 6, 64), strconv.FormatFloat(p.Lon(), 'f', 6, 64)
	}
	for _, o := range a.Eligibility.Occupations {
		f.Occupations[o] = true
	}
	return f
}

// readActivityForm reads the posted form.
func readActivityForm(r *http.Request) activityForm {
	_ = r.ParseForm()
	pf := r.PostForm
	occ := map[string]bool{}
	for _, v := range pf["occupations"] {
		occ[v] = true
	}
	return activityForm{
		ID: r.PathValue("id"), Version: pf.Get("version"), Title: pf.Get("title"), Description: pf.Get("description"),
		Category: pf.Get("category"), PlaceKind: pf.Get("place_kind"), StationID: pf.Get("station_id"),
		Address: pf.Get("address"), Lat: strings.TrimSpace(pf.Get("lat")), Lng: strings.TrimSpace(pf.Get("lng")),
		StartsAt: pf.Get("starts_at"), EndsAt: pf.Get("ends_at"), Capacity: strings.TrimSpace(pf.Get("capacity")),
		OpensAt: pf.Get("signup_opens_at"), ClosesAt: pf.Get("signup_closes_at"), MembersOnly: pf.Get("members_only") == "on",
		Occupations: occ, Districts: pf.Get("districts"), Status: pf.Get("status"),
	}
}

// document turns the form into the activity's JSON document with every
// member explicit, so that as a merge patch it replaces the whole activity.
// Problems the form itself finds (a time that does not parse) are returned
// by field.
func (f activityForm) document() ([]byte, map[string]string) {
	errs := map[string]string{}
	doc := map[string]any{"title": strings.TrimSpace(f.Title), "description": strings.TrimSpace(f.Description), "category": f.Category}
	if f.Status != "" {
		doc["status"] = f.Status
	}
	if f.PlaceKind == "address" {
		doc["station_id"] = nil
		doc["address"] = strings.TrimSpace(f.Address)
		loc := map[string]any{"crs": "gcj02"}
		for key, v := range map[string]string{"lat": f.Lat, "lng": f.Lng} {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs["location"] = t("problem.location.number")
				continue
			}
			loc[key] = n
		}
		doc["location"] = loc
	} else {
		doc["address"], doc["location"] = nil, nil
		if f.StationID == "" {
			errs["station_id"] = t("problem.activity.station.required")
		}
		doc["station_id"] = f.StationID
	}
	for key, v := range map[string]string{"starts_at": f.StartsAt, "ends_at": f.EndsAt, "signup_opens_at": f.OpensAt, "signup_closes_at": f.ClosesAt} {
		if v == "" {
			if key == "starts_at" || key == "ends_at" {
				errs[key] = t("problem.required")
			} else {
				doc[key] = nil
			}
			continue
		}
		at, err := time.ParseInLocation(formTime, v, shanghai)
		if err != nil {
			errs[key] = t("problem.format")
			continue
		}
		doc[key] = at
	}
	if n, err := strconv.Atoi(f.Capacity); err != nil {
		errs["capacity"] = t("problem.number")
	} else {
		doc["capacity"] = n
	}
	occupations := []string{}
	for _, o := range worker.Occupations {
		if f.Occupations[string(o)] {
			occupations = append(occupations, string(o))
		}
	}
	districts := strings.FieldsFunc(f.Districts, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' })
	if districts == nil {
		districts = []string{}
	}
	doc["eligibility"] = map[string]any{"members_only": f.MembersOnly, "occupations": occupations, "district_codes": districts}
	b, _ := json.Marshal(doc)
	return b, errs
}

// activityFormPage builds the form's choices around it.
func (h *handler) activityFormPage(r *http.Request, f activityForm, errs map[string]string) (activityFormPage, error) {
	page := activityFormPage{Form: f, Errors: errs, New: f.ID == ""}
	for _, c := range activity.Categories {
		page.Categories = append(page.Categories, option{Value: string(c), Label: t("activity.category." + string(c)), Selected: f.Category == string(c)})
	}
	for _, o := range worker.Occupations {
		page.Occupations = append(page.Occupations, option{Value: string(o), Label: t("occupation." + string(o)), Selected: f.Occupations[string(o)]})
	}
	for _, s := range []activity.Status{activity.Draft, activity.Published} {
		page.Statuses = append(page.Statuses, option{Value: string(s), Label: t("activity.status." + string(s)), Selected: f.Status == string(s)})
	}
	lf := station.ListFilter{Status: station.Active, Limit: maxCounterStations}
	if codes, all := principal(r).DistrictScope(); !all {
		lf.Within = append([]string{}, codes...)
	}
	list, err := h.Stations.List(r.Context(), lf)
	if err != nil {
		return page, err
	}
	for _, st := range list {
		page.Stations = append(page.Stations, option{Value: st.ID.String(), Label: st.Name + " · " + districtText(st.DistrictCode), Selected: f.StationID == st.ID.String()})
	}
	return page, nil
}

func (h *handler) renderActivityForm(w http.ResponseWriter, r *http.Request, status int, f activityForm, errs map[string]string, stale bool) {
	page, err := h.activityFormPage(r, f, errs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page.Stale = stale
	h.renderStatus(w, r, status, "activity_form.html", "activities", page)
}

// activityNew is the empty form: next week, at a station, for the staff
// member's own districts.
func (h *handler) activityNew(w http.ResponseWriter, r *http.Request) {
	now := time.Now().In(shanghai)
	start := time.Date(now.Year(), now.Month(), now.Day()+7, 14, 0, 0, 0, shanghai)
	f := activityForm{Category: "course", PlaceKind: "station", Capacity: "30", Status: string(activity.Draft),
		StartsAt: start.Format(formTime), EndsAt: start.Add(2 * time.Hour).Format(formTime), Occupations: map[string]bool{}}
	if codes, all := principal(r).DistrictScope(); !all {
		f.Districts = strings.Join(codes, ",")
	}
	h.renderActivityForm(w, r, http.StatusOK, f, nil, false)
}

// activityCreate creates the activity through activity.Service.Create.
func (h *handler) activityCreate(w http.ResponseWriter, r *http.Request) {
	f := readActivityForm(r)
	f.ID = ""
	body, errs := f.document()
	if len(errs) > 0 {
		h.renderActivityForm(w, r, http.StatusBadRequest, f, errs, false)
		return
	}
	doc, err := activity.DecodeDocument(body)
	var a *activity.Activity
	if err == nil {
		a, err = h.Activities.Create(r.Context(), principal(r), doc)
	}
	if err != nil {
		h.activityRefused(w, r, f, err)
		return
	}
	h.redirect(w, r, "/console/activities/"+a.ID.String(), "flash.activity.created", a.Title)
}

// activityRefused shows the form again with the service's problems, or
// fails.
func (h *handler) activityRefused(w http.ResponseWriter, r *http.Request, f activityForm, err error) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		h.renderActivityForm(w, r, http.StatusBadRequest, f, activityErrors(err), false)
	case apperr.Stale:
		h.renderActivityForm(w, r, http.StatusConflict, f, map[string]string{"": t("activity.stale")}, true)
	case apperr.Forbidden:
		h.renderActivityForm(w, r, http.StatusForbidden, f, map[string]string{"eligibility.district_codes": t("problem.activity.districts.forbidden")}, false)
	case apperr.Unprocessable:
		h.renderActivityForm(w, r, http.StatusUnprocessableEntity, f, map[string]string{"": apperr.Localize(err, apperr.ZhCN).Message}, false)
	default:
		h.fail(w, r, err)
	}
}

// activityFields are the fields the form shows a message beside; any other
// problem goes to the banner.
var activityFields = map[string]bool{"title": true, "description": true, "category": true, "station_id": true, "address": true,
	"location": true, "starts_at": true, "ends_at": true, "capacity": true, "signup_opens_at": true, "signup_closes_at": true,
	"eligibility.occupations": true, "eligibility.district_codes": true, "status": true}

// activityErrors maps the service's problems to the form's fields.
func activityErrors(err error) map[string]string {
	out := map[string]string{}
	for field, msg := range formErrors(err) {
		key := indexRe.ReplaceAllString(field, "")
		if strings.HasPrefix(key, "location.") {
			key = "location"
		}
		if !activityFields[key] {
			key = ""
		}
		if _, seen := out[key]; !seen {
			out[key] = msg
		}
	}
	return out
}

func (h *handler) activityOf(w http.ResponseWriter, r *http.Request) (*activity.Activity, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "%s not found", apperr.Word("activity")))
		return nil, false
	}
	a, err := h.Activities.Get(r.Context(), principal(r), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return a, true
}

// activityEdit is the form of a stored activity.
func (h *handler) activityEdit(w http.ResponseWriter, r *http.Request) {
	a, ok := h.activityOf(w, r)
	if !ok {
		return
	}
	h.renderActivityForm(w, r, http.StatusOK, activityFormOf(a), nil, false)
}

// activityUpdate saves the whole form as a merge patch against the version
// it was read at.
func (h *handler) activityUpdate(w http.ResponseWriter, r *http.Request) {
	f := readActivityForm(r)
	id, err := uuid.Parse(f.ID)
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "%s not found", apperr.Word("activity")))
		return
	}
	version, _ := strconv.ParseInt(f.Version, 10, 64)
	body, errs := f.document()
	if len(errs) > 0 {
		h.renderActivityForm(w, r, http.StatusBadRequest, f, errs, false)
		return
	}
	a, err := h.Activities.Patch(r.Context(), principal(r), id, version, body)
	if err != nil {
		if cur, gerr := h.Activities.Get(r.Context(), principal(r), id); gerr == nil {
			f.Confirmed, f.Waitlisted = cur.Confirmed, cur.Waitlisted
		}
		h.activityRefused(w, r, f, err)
		return
	}
	h.redirect(w, r, "/console/activities/"+a.ID.String(), "flash.activity.saved", a.Title)
}

// activityStatus publishes, cancels or finishes the activity.
func (h *handler) activityStatus(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	to := activity.Status(r.PostFormValue("status"))
	if err != nil || !to.Valid() {
		h.fail(w, r, apperr.New(apperr.NotFound, "%s not found", apperr.Word("activity")))
		return
	}
	patch, _ := json.Marshal(map[string]string{"status": string(to)})
	a, err := h.Activities.Patch(r.Context(), principal(r), id, 0, patch)
	if err == nil {
		h.redirect(w, r, "/console/activities/"+a.ID.String(), "flash.activity.status", t("activity.status."+string(to)))
		return
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Unprocessable, apperr.Conflict:
		h.redirect(w, r, "/console/activities/"+id.String(), "flash.error.activity.status", apperr.Localize(err, apperr.ZhCN).Message)
		return
	}
	h.fail(w, r, err)
}
