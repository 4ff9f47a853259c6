package console

import (
	"net/http"
	"strconv"
	"strings"

	"yizhan/internal/apperr"
	"yizhan/internal/partner"
)

type partnerRow struct {
	Name, KeyPrefix, Created, Revoked string
	PerSecond, Burst                  string
	// Daily, Today and Yesterday are counts grouped by thousands
	// (1,000,000): a clerk misreads a run of zeros.
	Daily, Today, Yesterday string
	// DailyN and TodayN feed the usage bar.
	DailyN, TodayN int64
	// Percent is today's share of the quota; High is where the bar turns
	// to a warning (90%).
	Percent int
	High    int64
}

// partnerForm is the new-key form as typed.
type partnerForm struct {
	Name, PerSecond, Burst, Daily string
}

type partnersPage struct {
	Items  []partnerRow
	Form   partnerForm
	Errors map[string]string
	Open   bool
	// Key is the key just issued, shown this once; Issued names its partner.
	Key, Issued string
}

func defaultPartnerForm() partnerForm {
	return partnerForm{
		PerSecond: strconv.FormatFloat(partner.DefaultRate.PerSecond, 'f', -1, 64),
		Burst:     strconv.Itoa(partner.DefaultRate.Burst),
		Daily:     strconv.FormatInt(partner.DefaultDailyQuota, 10),
	}
}

// partnerList lists every key with today's and yesterday's usage.
func (h *handler) partnerList(w http.ResponseWriter, r *http.Request) {
	h.renderPartners(w, r, http.StatusOK, partnersPage{Form: defaultPartnerForm()})
}

func (h *handler) renderPartners(w http.ResponseWriter, r *http.Request, status int, page partnersPage) {
	list, err := h.Partners.List(r.Context(), principal(r))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, p := range list {
		row := partnerRow{
			Name: p.Name, KeyPrefix: p.KeyPrefix, Created: p.CreatedAt.In(shanghai).Format("2006-01-02"),
			PerSecond: strconv.FormatFloat(p.Rate.PerSecond, 'f', -1, 64), Burst: strconv.Itoa(p.Rate.Burst),
			Daily: grouped(p.DailyQuota), Today: grouped(p.UsedToday), Yesterday: grouped(p.UsedYesterday),
			DailyN: p.DailyQuota, TodayN: p.UsedToday,
			Percent: int(min(100, p.UsedToday*100/max(1, p.DailyQuota))), High: p.DailyQuota * 9 / 10,
		}
		if p.Revoked() {
			row.Revoked = p.RevokedAt.In(shanghai).Format("2006-01-02 15:04")
		}
		page.Items = append(page.Items, row)
	}
	h.renderStatus(w, r, status, "partners.html", "partners", page)
}

// partnerCreate issues a key, as `api partner create` does, and shows it
// on the answer itself: never through a redirect, a cookie or a URL.
func (h *handler) partnerCreate(w http.ResponseWriter, r *http.Request) {
	form := partnerForm{
		Name:      r.PostFormValue("name"),
		PerSecond: strings.TrimSpace(r.PostFormValue("per_second")),
		Burst:     strings.TrimSpace(r.PostFormValue("burst")),
		Daily:     strings.TrimSpace(r.PostFormValue("daily")),
	}
	errs := map[string]string{}
	per, err := strconv.ParseFloat(form.PerSecond, 64)
	if err != nil {
		errs["rate"] = t("partners.error.number")
	}
	burst, err := strconv.Atoi(ungroup(form.Burst))
	if err != nil {
		errs["burst"] = t("partners.error.number")
	}
	daily, err := strconv.ParseInt(ungroup(form.Daily), 10, 64)
	if err != nil {
		errs["daily_quota"] = t("partners.error.number")
	}
	if len(errs) > 0 {
		h.renderPartners(w, r, http.StatusBadRequest, partnersPage{Form: form, Errors: errs, Open: true})
		return
	}
	p, key, err := h.Partners.Create(r.Context(), principal(r), partner.NewPartner{
		Name: form.Name, Rate: partner.Rate{PerSecond: per, Burst: burst}, DailyQuota: daily,
	})
	switch apperr.CodeOf(err) {
	case apperr.Internal:
		if err == nil {
			w.Header().Set("Cache-Control", "no-store")
			h.renderPartners(w, r, http.StatusOK, partnersPage{Form: defaultPartnerForm(), Key: key, Issued: p.Name})
			return
		}
	case apperr.Invalid:
		h.renderPartners(w, r, http.StatusBadRequest, partnersPage{Form: form, Errors: formErrors(err), Open: true})
		return
	case apperr.Conflict:
		h.renderPartners(w, r, http.StatusConflict, partnersPage{Form: form, Errors: map[string]string{"name": t("partners.error.taken")}, Open: true})
		return
	}
	h.fail(w, r, err)
}

// partnerRevoke stops a key at once, as `api partner revoke` does.
func (h *handler) partnerRevoke(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	p, err := h.Partners.Revoke(r.Context(), principal(r), name)
	if apperr.Is(err, apperr.NotFound) {
		h.redirect(w, r, "/console/partners", "flash.error.partners.gone", "")
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/console/partners", "flash.partners.revoked", p.Name)
}

// grouped writes n with a comma every three digits: 1,000,000.
func grouped(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ungroup takes out the separators a clerk may type in a count: 1,000,000,
// 1，000，000 or 1 000 000.
func ungroup(s string) string {
	return strings.NewReplacer(",", "", "，", "", " ", "", "\u3000", "").Replace(s)
}
