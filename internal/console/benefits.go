package console

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/benefit"
	"yizhan/internal/station"
	"yizhan/internal/worker"
)

// offersPerPage is the offer list's page size.
const offersPerPage = 50

type offerRow struct {
	ID, Title, Category, Status, StatusLabel, Stock, Window, Weekly string
	Welcome                                                         bool
}

type offersPage struct {
	Status string
	Tabs   []option
	Items  []offerRow
	Pager  Pager
}

// benefitList lists the offers the staff member manages, by status.
func (h *handler) benefitList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	status := benefit.Status(q.Get("status"))
	if status != "" && !status.Valid() {
		h.fail(w, r, apperr.New(apperr.NotFound, "no such status"))
		return
	}
	f := benefit.OfferFilter{Status: status, Limit: offersPerPage}
	if a := q.Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			h.fail(w, r, apperr.New(apperr.NotFound, "bad cursor"))
			return
		}
		f.After = id
	}
	list, next, err := h.Benefits.ListOffers(r.Context(), principal(r), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := offersPage{Status: string(status)}
	if next != uuid.Nil {
		page.Pager = pager(r, next.String())
	} else {
		page.Pager = pager(r, "")
	}
	page.Tabs = append(page.Tabs, option{Value: "", Label: t("common.all"), Selected: status == ""})
	for _, s := range []benefit.Status{benefit.Draft, benefit.Published, benefit.Paused, benefit.Ended} {
		page.Tabs = append(page.Tabs, option{Value: string(s), Label: t("offer.status." + string(s)), Selected: s == status})
	}
	for _, o := range list {
		row := offerRow{
			ID: o.ID.String(), Title: o.Title, Category: t("offer.category." + string(o.Category)),
			Status: string(o.Status), StatusLabel: t("offer.status." + string(o.Status)), Welcome: o.Welcome,
			Window: o.Window.StartsAt.In(shanghai).Format("2006-01-02") + " – " + o.Window.EndsAt.In(shanghai).Format("2006-01-02"),
			Stock:  t("offer.unlimited"),
		}
		if o.Limited() {
			row.Stock = t("offer.stock_of", o.Remaining, *o.TotalStock)
		}
		if wk := o.Window.Weekly; wk != nil {
			row.Weekly = weeklyText(wk)
		}
		page.Items = append(page.Items, row)
	}
	h.render(w, r, "benefits.html", "benefits", page)
}

// weeklyText is a schedule in words: 每周三 09:00–17:00.
func weeklyText(wk *benefit.Weekly) string {
	var days []string
	for _, d := range wk.Days {
		days = append(days, t("day."+benefit.DayNames[d]))
	}
	return t("offer.weekly_text", strings.Join(days, "、"), benefit.FormatClock(wk.From), benefit.FormatClock(wk.To))
}

// offerForm is the offer form as typed: every field a string or a set, so
// that a refused form comes back exactly as it was sent.
type offerForm struct {
	ID, Version                    string
	Title, Description, Category   string
	Stock, LimitCount, LimitPeriod string
	StartsAt, EndsAt               string
	Days                           map[string]bool
	From, To                       string
	MembersOnly, Welcome           bool
	Occupations                    map[string]bool
	Districts                      string
	RedeemAt                       map[string]bool
	Status                         string
}

type offerFormPage struct {
	Form        offerForm
	Errors      map[string]string
	Categories  []option
	Periods     []option
	Days        []option
	Occupations []option
	Stations    []option
	Statuses    []option
	New         bool
	Stale       bool
}

// formOf fills the form from a stored offer.
func formOf(o *benefit.Offer) offerForm {
	f := offerForm{
		ID: o.ID.String(), Version: strconv.FormatInt(o.Version, 10),
		Title: o.Title, Description: o.Description, Category: string(o.Category),
		LimitCount: strconv.Itoa(o.PerWorker.Count), LimitPeriod: string(o.PerWorker.Period),
		StartsAt: o.Window.StartsAt.In(shanghai).Format("2006-01-02T15:04"), EndsAt: o.Window.EndsAt.In(shanghai).Format("2006-01-02T15:04"),
		Days: map[string]bool{}, MembersOnly: o.Eligibility.MembersOnly, Welcome: o.Welcome,
		Occupations: map[string]bool{}, Districts: strings.Join(o.Eligibility.DistrictCodes, ","),
		RedeemAt: map[string]bool{}, Status: string(o.Status),
	}
	if o.TotalStock != nil {
		f.Stock = strconv.Itoa(*o.TotalStock)
	}
	if wk := o.Window.Weekly; wk != nil {
		for _, d := range wk.Days {
			f.Days[benefit.DayNames[d]] = true
		}
		f.From, f.To = benefit.FormatClock(wk.From), benefit.FormatClock(wk.To)
	}
	for _, oc := range o.Eligibility.Occupations {
		f.Occupations[oc] = true
	}
	for _, id := range o.RedeemAt {
		f.RedeemAt[id.String()] = true
	}
	return f
}

// readOfferForm reads the posted form.
func readOfferForm(r *http.Request) offerForm {
	_ = r.ParseForm()
	pf := r.PostForm
	set := func(key string) map[string]bool {
		m := map[string]bool{}
		for _, v := range pf[key] {
			m[v] = true
		}
		return m
	}
	return offerForm{
		ID: r.PathValue("id"), Version: pf.Get("version"),
		Title: pf.Get("title"), Description: pf.Get("description"), Category: pf.Get("category"),
		Stock: strings.TrimSpace(pf.Get("total_stock")), LimitCount: strings.TrimSpace(pf.Get("limit_count")), LimitPeriod: pf.Get("limit_period"),
		StartsAt: pf.Get("starts_at"), EndsAt: pf.Get("ends_at"),
		Days: set("days"), From: pf.Get("from"), To: pf.Get("to"),
		MembersOnly: pf.Get("members_only") == "on", Welcome: pf.Get("welcome") == "on",
		Occupations: set("occupations"), Districts: pf.Get("districts"), RedeemAt: set("redeem_at"),
		Status: pf.Get("status"),
	}
}

// document turns the form into the offer's JSON document, every member
// explicit, so that as a merge patch it replaces the whole offer (an
// unticked list empties, no schedule removes the schedule). Problems the
// form itself finds (a time that does not parse) are returned by field.
func (f offerForm) document() ([]byte, map[string]string) {
	errs := map[string]string{}
	doc := map[string]any{
		"title": strings.TrimSpace(f.Title), "description": strings.TrimSpace(f.Description), "category": f.Category,
		"welcome": f.Welcome,
	}
	if f.Status != "" {
		doc["status"] = f.Status
	}
	if f.Stock == "" {
		doc["total_stock"] = nil
	} else if n, err := strconv.ParseInt(f.Stock, 10, 64); err != nil {
		errs["total_stock"] = t("problem.number")
	} else {
		doc["total_stock"] = n
	}
	limit := map[string]any{"period": f.LimitPeriod}
	if n, err := strconv.Atoi(f.LimitCount); err != nil {
		errs["per_worker_limit.count"] = t("problem.number")
	} else {
		limit["count"] = n
	}
	doc["per_worker_limit"] = limit
	window := map[string]any{}
	for key, v := range map[string]string{"starts_at": f.StartsAt, "ends_at": f.EndsAt} {
		if v == "" {
			errs["window."+key] = t("problem.required")
			continue
		}
		at, err := time.ParseInLocation("2006-01-02T15:04", v, shanghai)
		if err != nil {
			errs["window."+key] = t("problem.format")
			continue
		}
		window[key] = at
	}
	var days []string
	for _, d := range benefit.DayNames[1:] {
		if f.Days[d] {
			days = append(days, d)
		}
	}
	if f.Days["sun"] {
		days = append(days, "sun")
	}
	switch {
	case len(days) > 0:
		window["weekly"] = map[string]any{"days": days, "from": f.From, "to": f.To}
	case f.From != "" || f.To != "":
		errs["window.weekly.days"] = t("problem.window.weekly.days.required")
	default:
		window["weekly"] = nil
	}
	doc["window"] = window
	occupations := []string{}
	for _, o := range worker.Occupations {
		if f.Occupations[string(o)] {
			occupations = append(occupations, string(o))
		}
	}
	districts := []string{}
	for _, d := range strings.FieldsFunc(f.Districts, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' }) {
		districts = append(districts, d)
	}
	doc["eligibility"] = map[string]any{"members_only": f.MembersOnly, "occupations": occupations, "district_codes": districts}
	stations := []string{}
	for id := range f.RedeemAt {
		stations = append(stations, id)
	}
	doc["redeem_at"] = stations
	b, _ := json.Marshal(doc)
	return b, errs
}

// offerFormPage builds the offer form's choices around the form.
func (h *handler) offerFormPage(r *http.Request, f offerForm, errs map[string]string) (offerFormPage, error) {
	page := offerFormPage{Form: f, Errors: errs, New: f.ID == ""}
	for _, c := range benefit.Categories {
		page.Categories = append(page.Categories, option{Value: string(c), Label: t("offer.category." + string(c)), Selected: f.Category == string(c)})
	}
	for _, p := range []benefit.Period{benefit.Once, benefit.Day, benefit.Week, benefit.Month} {
		page.Periods = append(page.Periods, option{Value: string(p), Label: t("offer.period." + string(p)), Selected: f.LimitPeriod == string(p)})
	}
	for _, d := range append(benefit.DayNames[1:], "sun") {
		page.Days = append(page.Days, option{Value: d, Label: t("day." + d), Selected: f.Days[d]})
	}
	for _, o := range worker.Occupations {
		page.Occupations = append(page.Occupations, option{Value: string(o), Label: t("occupation." + string(o)), Selected: f.Occupations[string(o)]})
	}
	for _, s := range []benefit.Status{benefit.Draft, benefit.Published, benefit.Paused, benefit.Ended} {
		page.Statuses = append(page.Statuses, option{Value: string(s), Label: t("offer.status." + string(s)), Selected: f.Status == string(s)})
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
		page.Stations = append(page.Stations, option{Value: st.ID.String(), Label: st.Name + " · " + districtText(st.DistrictCode), Selected: f.RedeemAt[st.ID.String()]})
	}
	return page, nil
}

func (h *handler) renderOfferForm(w http.ResponseWriter, r *http.Request, status int, f offerForm, errs map[string]string, stale bool) {
	page, err := h.offerFormPage(r, f, errs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page.Stale = stale
	h.renderStatus(w, r, status, "benefit_form.html", "benefits", page)
}

// benefitNew is the empty form: a week from now, one per worker, the staff
// member's own districts.
func (h *handler) benefitNew(w http.ResponseWriter, r *http.Request) {
	now := time.Now().In(shanghai)
	start := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, shanghai)
	f := offerForm{
		Category: "gift_pack", LimitCount: "1", LimitPeriod: "once", Status: string(benefit.Draft),
		StartsAt: start.Format("2006-01-02T15:04"), EndsAt: start.AddDate(0, 1, 0).Format("2006-01-02T15:04"),
		Days: map[string]bool{}, Occupations: map[string]bool{}, RedeemAt: map[string]bool{},
	}
	if codes, all := principal(r).DistrictScope(); !all {
		f.Districts = strings.Join(codes, ",")
	}
	h.renderOfferForm(w, r, http.StatusOK, f, nil, false)
}

// benefitCreate creates the offer through benefit.Service.CreateOffer.
func (h *handler) benefitCreate(w http.ResponseWriter, r *http.Request) {
	f := readOfferForm(r)
	f.ID = ""
	body, errs := f.document()
	if len(errs) > 0 {
		h.renderOfferForm(w, r, http.StatusBadRequest, f, errs, false)
		return
	}
	doc, err := benefit.DecodeDocument(body)
	var o *benefit.Offer
	if err == nil {
		o, err = h.Benefits.CreateOffer(r.Context(), principal(r), doc)
	}
	if err != nil {
		h.offerRefused(w, r, f, err)
		return
	}
	h.redirect(w, r, "/console/benefits/"+o.ID.String(), "flash.offer.created", o.Title)
}

// offerRefused shows the form again with the service's problems, or fails.
func (h *handler) offerRefused(w http.ResponseWriter, r *http.Request, f offerForm, err error) {
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		h.renderOfferForm(w, r, http.StatusBadRequest, f, offerErrors(err), false)
	case apperr.Conflict:
		h.renderOfferForm(w, r, http.StatusConflict, f, map[string]string{"welcome": t("problem.welcome.conflict")}, false)
	case apperr.Stale:
		h.renderOfferForm(w, r, http.StatusConflict, f, map[string]string{"": t("offer.stale")}, true)
	case apperr.Forbidden:
		// Outside the staff member's districts, or none given: say where.
		h.renderOfferForm(w, r, http.StatusForbidden, f, map[string]string{"eligibility.district_codes": t("problem.offer.districts.forbidden")}, false)
	default:
		h.fail(w, r, err)
	}
}

// offerFields are the fields the form shows a message beside; any other
// problem goes to the banner.
var offerFields = map[string]bool{"title": true, "description": true, "category": true, "total_stock": true,
	"per_worker_limit.count": true, "per_worker_limit.period": true, "window.starts_at": true, "window.ends_at": true,
	"window.weekly.days": true, "window.weekly.from": true, "window.weekly.to": true, "eligibility.occupations": true,
	"eligibility.district_codes": true, "redeem_at": true, "status": true, "welcome": true}

// offerErrors maps the service's problems to the form's fields, list
// indexes dropped ("redeem_at[2]" is shown beside the stations).
func offerErrors(err error) map[string]string {
	out := map[string]string{}
	for field, msg := range formErrors(err) {
		key := indexRe.ReplaceAllString(field, "")
		if !offerFields[key] {
			key = ""
		}
		if _, seen := out[key]; !seen {
			out[key] = msg
		}
	}
	return out
}

func (h *handler) offerOf(w http.ResponseWriter, r *http.Request) (*benefit.Offer, bool) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "offer not found"))
		return nil, false
	}
	o, err := h.Benefits.GetOffer(r.Context(), principal(r), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return o, true
}

// benefitEdit is the form of a stored offer.
func (h *handler) benefitEdit(w http.ResponseWriter, r *http.Request) {
	o, ok := h.offerOf(w, r)
	if !ok {
		return
	}
	h.renderOfferForm(w, r, http.StatusOK, formOf(o), nil, false)
}

// benefitUpdate saves the whole form as a merge patch against the version
// it was read at: a change by someone else in between is shown, never
// overwritten.
func (h *handler) benefitUpdate(w http.ResponseWriter, r *http.Request) {
	f := readOfferForm(r)
	id, err := uuid.Parse(f.ID)
	if err != nil {
		h.fail(w, r, apperr.New(apperr.NotFound, "offer not found"))
		return
	}
	version, _ := strconv.ParseInt(f.Version, 10, 64)
	body, errs := f.document()
	if len(errs) > 0 {
		h.renderOfferForm(w, r, http.StatusBadRequest, f, errs, false)
		return
	}
	o, err := h.Benefits.PatchOffer(r.Context(), principal(r), id, version, body)
	if err != nil {
		h.offerRefused(w, r, f, err)
		return
	}
	h.redirect(w, r, "/console/benefits/"+o.ID.String(), "flash.offer.saved", o.Title)
}

// benefitStatus moves the offer to another status.
func (h *handler) benefitStatus(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	to := benefit.Status(r.PostFormValue("status"))
	if err != nil || !to.Valid() {
		h.fail(w, r, apperr.New(apperr.NotFound, "offer not found"))
		return
	}
	patch, _ := json.Marshal(map[string]string{"status": string(to)})
	o, err := h.Benefits.PatchOffer(r.Context(), principal(r), id, 0, patch)
	if err == nil {
		h.redirect(w, r, "/console/benefits/"+o.ID.String(), "flash.offer.status", t("offer.status."+string(to)))
		return
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid, apperr.Conflict:
		h.redirect(w, r, "/console/benefits/"+id.String(), "flash.error.offer.status", "")
		return
	}
	h.fail(w, r, err)
}
