package console

import (
	"net/http"
	"strings"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/station"
)

type staffRow struct {
	Username, Role, Districts, Created string
	Disabled, Locked, You, TOTP        bool
	Failures                           int
}

// staffForm is the new-account form as typed.
type staffForm struct {
	Username, Role, Districts string
}

type staffPage struct {
	Items  []staffRow
	Form   staffForm
	Errors map[string]string
	// Open keeps the new-account form open after a refusal.
	Open bool
}

// staffList lists every account with what an admin may do to it.
func (h *handler) staffList(w http.ResponseWriter, r *http.Request) {
	h.renderStaff(w, r, http.StatusOK, staffPage{Form: staffForm{Role: string(auth.DistrictStaff)}})
}

func (h *handler) renderStaff(w http.ResponseWriter, r *http.Request, status int, page staffPage) {
	p := principal(r)
	list, err := h.Auth.ListStaff(r.Context(), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, a := range list {
		var districts []string
		for _, d := range a.Districts {
			districts = append(districts, districtText(d))
		}
		row := staffRow{
			Username: a.Username, Role: t("role.district"), Districts: strings.Join(districts, "、"),
			Created: a.CreatedAt.In(shanghai).Format("2006-01-02"), Disabled: a.Disabled(), Locked: a.Locked,
			Failures: a.Failures, You: a.Username == p.Username, TOTP: a.SecondFactor,
		}
		if a.Role == auth.Admin {
			row.Role, row.Districts = t("role.admin"), t("staff.all_districts")
		}
		if a.Role == auth.Donor {
			row.Role, row.Districts = t("role.donor"), t("staff.no_districts")
		}
		page.Items = append(page.Items, row)
	}
	h.renderStatus(w, r, status, "staff.html", "staff", page)
}

// staffCreate opens an account, as `api staff create` does.
func (h *handler) staffCreate(w http.ResponseWriter, r *http.Request) {
	form := staffForm{
		Username:  strings.TrimSpace(r.PostFormValue("username")),
		Role:      r.PostFormValue("role"),
		Districts: strings.TrimSpace(r.PostFormValue("districts")),
	}
	var codes []string
	for _, d := range strings.FieldsFunc(form.Districts, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' }) {
		codes = append(codes, d)
	}
	st, err := h.Auth.AddStaff(r.Context(), principal(r), form.Username, r.PostFormValue("password"), auth.Role(form.Role), codes, station.ValidDivisionCode)
	switch apperr.CodeOf(err) {
	case apperr.Internal:
		if err == nil {
			h.redirect(w, r, "/console/staff", "flash.staff.created", st.Username)
			return
		}
	case apperr.Invalid:
		h.renderStaff(w, r, http.StatusBadRequest, staffPage{Form: form, Errors: formErrors(err), Open: true})
		return
	case apperr.Conflict:
		h.renderStaff(w, r, http.StatusConflict, staffPage{Form: form, Errors: map[string]string{"username": t("error.staff.taken")}, Open: true})
		return
	}
	h.fail(w, r, err)
}

// staffPassword sets a new password and signs the account out everywhere.
func (h *handler) staffPassword(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("username")
	err := h.Auth.ResetPassword(r.Context(), principal(r), name, r.PostFormValue("password"))
	if apperr.Is(err, apperr.Invalid) {
		h.redirect(w, r, "/console/staff", "flash.error.staff.password", "")
		return
	}
	h.staffDone(w, r, err, "flash.staff.password", name)
}

func (h *handler) staffDisable(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("username")
	err := h.Auth.DisableStaff(r.Context(), principal(r), name)
	if apperr.Is(err, apperr.Conflict) {
		h.redirect(w, r, "/console/staff", "flash.error.staff.self", "")
		return
	}
	h.staffDone(w, r, err, "flash.staff.disabled", name)
}

func (h *handler) staffEnable(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("username")
	h.staffDone(w, r, h.Auth.EnableStaff(r.Context(), principal(r), name), "flash.staff.enabled", name)
}

func (h *handler) staffUnlock(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("username")
	h.staffDone(w, r, h.Auth.UnlockStaff(r.Context(), principal(r), name), "flash.staff.unlocked", name)
}

func (h *handler) staffDone(w http.ResponseWriter, r *http.Request, err error, key, name string) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/console/staff#staff-"+name, key, name)
}

// staffTOTPOff removes an account's second factor (a lost phone), as
// `api staff totp --disable` does.
func (h *handler) staffTOTPOff(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("username")
	h.staffDone(w, r, h.Auth.DisableTOTP(r.Context(), principal(r), name), "flash.staff.totp_off", name)
}
