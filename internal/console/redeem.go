package console

import (
	"net/http"
	"sort"
	"strings"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/benefit"
	"yizhan/internal/station"
)

// stationCookie remembers the counter's station between claims.
const stationCookie = "yz_station"

// maxCounterStations bounds the station choice of the redeem page.
const maxCounterStations = 500

type redeemPage struct {
	Stations  []option
	StationID string
	Code      string
	Error     string
	Result    *redeemResult
}

// redeemResult is the large answer a clerk reads at a glance.
type redeemResult struct {
	Kind     string // ok, ready, redeemed, expired, wrong, forbidden, missing
	Headline string
	Advice   string
	Offer    string
	Holder   string
	Phone    string
	Member   bool
	Claimed  string
	Expires  string
	Redeemed string
	Where    string // where it is collected, when this is the wrong station
	Code     string
	// Confirm offers the button that hands the item over.
	Confirm bool
}

// redeemForm is the counter: pick the station once, then type or scan each
// worker's code.
func (h *handler) redeemForm(w http.ResponseWriter, r *http.Request) {
	page, err := h.redeemBase(r, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, "redeem.html", "redeem", page)
}

// redeemBase is the form with the staff member's active stations and the
// one chosen (the form's, else the remembered one).
func (h *handler) redeemBase(r *http.Request, chosen string) (redeemPage, error) {
	p := principal(r)
	f := station.ListFilter{Status: station.Active, Limit: maxCounterStations}
	if codes, all := p.DistrictScope(); !all {
		f.Within = append([]string{}, codes...)
	}
	list, err := h.Stations.List(r.Context(), f)
	if err != nil {
		return redeemPage{}, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	if chosen == "" {
		if c, err := r.Cookie(stationCookie); err == nil {
			chosen = c.Value
		}
	}
	page := redeemPage{StationID: chosen}
	for _, st := range list {
		page.Stations = append(page.Stations, option{Value: st.ID.String(), Label: st.Name, Selected: st.ID.String() == chosen})
	}
	if len(list) == 1 {
		page.Stations[0].Selected, page.StationID = true, list[0].ID.String()
	}
	return page, nil
}

// claimCode normalises what a clerk typed or the camera read: the QR
// payload's prefix, spaces, dashes and lower case are forgiven.
func claimCode(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "yizhan:claim:"), "YIZHAN:CLAIM:")
	s = strings.NewReplacer(" ", "", "-", "", "　", "").Replace(s)
	return strings.ToUpper(s)
}

// readRedeemForm reads the station and the code; a problem is shown on the
// form.
func (h *handler) readRedeemForm(w http.ResponseWriter, r *http.Request) (redeemPage, uuid.UUID, bool) {
	page, err := h.redeemBase(r, r.PostFormValue("station"))
	if err != nil {
		h.fail(w, r, err)
		return page, uuid.Nil, false
	}
	page.Code = claimCode(r.PostFormValue("code"))
	id, err := uuid.Parse(page.StationID)
	switch {
	case err != nil:
		page.Error = t("redeem.error.station")
	case !benefit.ValidCode(page.Code):
		page.Error = t("redeem.error.code")
	default:
		h.setCookie(w, stationCookie, id.String())
		return page, id, true
	}
	h.renderStatus(w, r, http.StatusBadRequest, "redeem.html", "redeem", page)
	return page, uuid.Nil, false
}

// redeemCheck shows what the code collects, and whom it belongs to, before
// anything is handed over.
func (h *handler) redeemCheck(w http.ResponseWriter, r *http.Request) {
	page, stationID, ok := h.readRedeemForm(w, r)
	if !ok {
		return
	}
	page.Result = h.preview(r, page.Code, stationID, nil)
	page.Code = ""
	h.render(w, r, "redeem.html", "redeem", page)
}

// redeem hands the item over through benefit.Service.Redeem, as
// POST /v1/claims/redeem does, and shows the outcome in large.
func (h *handler) redeem(w http.ResponseWriter, r *http.Request) {
	page, stationID, ok := h.readRedeemForm(w, r)
	if !ok {
		return
	}
	c, err := h.Benefits.Redeem(r.Context(), principal(r), page.Code, stationID)
	if err != nil && apperr.CodeOf(err) == apperr.Internal {
		h.fail(w, r, err)
		return
	}
	res := h.preview(r, page.Code, stationID, err)
	if err == nil {
		res.Kind, res.Headline, res.Advice, res.Confirm = "ok", t("redeem.ok"), t("redeem.ok.advice", c.OfferTitle), false
	}
	page.Result, page.Code = res, ""
	h.render(w, r, "redeem.html", "redeem", page)
}

// preview describes the claim with the code at the station; refusal, when
// set, is the answer of a redemption just refused.
func (h *handler) preview(r *http.Request, code string, stationID uuid.UUID, refusal error) *redeemResult {
	res := &redeemResult{Code: code}
	pv, err := h.Benefits.Preview(r.Context(), principal(r), code, stationID)
	if err != nil {
		res.Kind, res.Headline, res.Advice = "missing", t("redeem.missing"), t("redeem.missing.advice")
		return res
	}
	c := pv.Claim
	res.Offer, res.Holder, res.Phone, res.Member = c.OfferTitle, pv.Holder.Name, pv.Holder.Phone, pv.Holder.Member
	res.Claimed = c.ClaimedAt.In(shanghai).Format("2006-01-02 15:04")
	res.Expires = c.ExpiresAt.In(shanghai).Format("2006-01-02 15:04")
	if !c.RedeemedAt.IsZero() {
		res.Redeemed = c.RedeemedAt.In(shanghai).Format("2006-01-02 15:04")
		if st, err := h.Stations.Get(r.Context(), c.RedeemedStation); err == nil {
			res.Redeemed += " · " + st.Name
		}
	}
	if refusal == nil {
		refusal = pv.Refusal
	}
	if refusal == nil { // it may be handed over
		res.Kind, res.Headline, res.Advice, res.Confirm = "ready", t("redeem.ready"), t("redeem.ready.advice"), true
		return res
	}
	// Anything but a known refusal (an unexpected error among them) is never
	// shown as ready to hand over.
	switch apperr.CodeOf(refusal) {
	case apperr.AlreadyRedeemed:
		res.Kind, res.Headline, res.Advice = "redeemed", t("redeem.redeemed"), t("redeem.redeemed.advice")
	case apperr.Expired:
		res.Kind, res.Headline, res.Advice = "expired", t("redeem.expired"), t("redeem.expired.advice")
	case apperr.WrongStation:
		res.Kind, res.Headline, res.Advice = "wrong", t("redeem.wrong"), t("redeem.wrong.advice")
		res.Where = h.stationNames(r, pv.Offer.RedeemAt)
	case apperr.Forbidden:
		res.Kind, res.Headline, res.Advice = "wrong", t("redeem.forbidden"), t("redeem.forbidden.advice")
	default:
		res.Kind, res.Headline, res.Advice = "missing", t("redeem.missing"), t("redeem.missing.advice")
	}
	return res
}

// stationNames names the first few of an offer's stations, for a clerk to
// send the worker on.
func (h *handler) stationNames(r *http.Request, ids []uuid.UUID) string {
	var names []string
	for i, id := range ids {
		if i == 5 {
			names = append(names, "…")
			break
		}
		if st, err := h.Stations.Get(r.Context(), id); err == nil {
			names = append(names, st.Name)
		}
	}
	return strings.Join(names, "、")
}
