package console

import (
	"errors"
	"net/http"
	"strings"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

type loginPage struct {
	Username string
	Next     string
	Error    string
	// AskTOTP shows the one-time code field: the account has a second
	// factor (the password is asked again with it).
	AskTOTP bool
}

// loginForm shows the sign-in form; a signed-in browser goes on to the
// console.
func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if s := h.authenticate(r); s != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	h.render(w, r, "login.html", "", loginPage{Next: safeNext(r.URL.Query().Get("next"))})
}

// login signs in through auth.Service.Login, the same accounts and the
// same throttles as POST /v1/auth/staff/login, and keeps the session token
// in an HttpOnly cookie.
func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	username := strings.TrimSpace(r.PostFormValue("username"))
	password := r.PostFormValue("password")
	page := loginPage{Username: username, Next: safeNext(r.PostFormValue("next"))}
	if username == "" || password == "" {
		page.Error = t("login.required")
		h.render(w, r, "login.html", "", page)
		return
	}
	code := strings.TrimSpace(r.PostFormValue("totp"))
	token, _, err := h.Auth.LoginWithTOTP(r.Context(), username, password, code, h.ClientAddr(r))
	if err != nil {
		switch apperr.CodeOf(err) {
		case apperr.Internal:
			h.fail(w, r, err)
			return
		case apperr.RateLimited:
			page.Error = t("login.throttled")
		case apperr.Unavailable:
			page.Error = t("login.busy")
		case apperr.TOTPRequired:
			page.Error, page.AskTOTP = t("login.totp_required"), true
		case apperr.TOTPInvalid:
			page.Error, page.AskTOTP = t("login.totp_invalid"), true
		case apperr.TOTPEnrolmentRequired:
			page.Error = t("login.totp_enrol")
		default:
			page.Error = t("login.bad")
			page.AskTOTP = code != ""
			if errors.Is(err, auth.ErrDisabled) { // the right password of a disabled account
				page.Error, page.AskTOTP = t("login.disabled"), false
			}
		}
		h.render(w, r, "login.html", "", page)
		return
	}
	h.setCookie(w, sessionCookie, token)
	h.clearCookie(w, preCookie)
	h.redirect(w, r, page.Next, "flash.signed_in", strings.ToLower(username))
}

// logout revokes the session and forgets the cookie.
func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.Auth.Logout(r.Context(), sessionOf(r).token); err != nil {
		h.fail(w, r, err)
		return
	}
	h.clearCookie(w, sessionCookie)
	h.redirect(w, r, "/console/login", "flash.signed_out", "")
}
