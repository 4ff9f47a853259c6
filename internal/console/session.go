package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

// The cookies. Both are HttpOnly and SameSite=Lax, scoped to the console,
// and Secure when Config.SecureCookie is set. No token is ever readable by
// script, and none goes to localStorage.
const (
	// sessionCookie holds the staff session token that auth.Service.Login
	// issued, the same kind the API's bearer tokens are.
	sessionCookie = "yz_session"
	// preCookie holds a random secret for a browser not yet signed in: the
	// sign-in form's CSRF token is derived from it.
	preCookie = "yz_pre"
)

// Body limits: an import may upload a large GeoJSON file; every other form
// is small.
const (
	formLimit   = 1 << 20
	uploadLimit = 20 << 20
)

type ctxKey int

const (
	ctxSession ctxKey = iota
	ctxLogNote
)

// logNote is what a request's log line learns on the way through the
// handlers: the staff member, once a page has found their session.
type logNote struct{ staffID string }

// noteStaff records the signed-in staff member for the request's log line.
func noteStaff(r *http.Request, s *session) {
	if n, ok := r.Context().Value(ctxLogNote).(*logNote); ok && s != nil {
		n.staffID = s.Principal.StaffID.String()
	}
}

// session is the signed-in staff member of a request.
type session struct {
	Principal *auth.Principal
	token     string
}

func sessionOf(r *http.Request) *session {
	s, _ := r.Context().Value(ctxSession).(*session)
	return s
}

// principal returns the signed-in staff member, or nil.
func principal(r *http.Request) *auth.Principal {
	if s := sessionOf(r); s != nil {
		return s.Principal
	}
	return nil
}

// authenticate returns the session of the request's cookie, or nil. A valid
// session's idle expiry moves 12 hours on.
func (h *handler) authenticate(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	p, err := h.Auth.Authenticate(r.Context(), c.Value)
	if err != nil || !p.MaySignIn() {
		if err != nil && apperr.CodeOf(err) == apperr.Internal {
			h.log.ErrorContext(r.Context(), "console session", "err", err)
		}
		return nil
	}
	if err := h.Auth.Touch(r.Context(), c.Value); err != nil {
		h.log.ErrorContext(r.Context(), "console session touch", "err", err)
	}
	return &session{Principal: p, token: c.Value}
}

// page wraps a handler of a signed-in staff member's page: without a
// session the browser is sent to the sign-in form, and back afterwards.
func (h *handler) page(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := sessionOf(r)
		if s == nil {
			s = h.authenticate(r)
		}
		if s == nil {
			h.clearCookie(w, sessionCookie)
			target := "/console/login"
			if r.Method == http.MethodGet && r.URL.Path != "/console/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		noteStaff(r, s)
		r = r.WithContext(context.WithValue(r.Context(), ctxSession, s))
		if s.Principal.IsDonor() && !donorPages[r.Pattern] {
			h.donorOnly(w, r)
			return
		}
		next(w, r)
	}
}

// admin wraps a page only admins may see; district staff get 403.
func (h *handler) admin(next http.HandlerFunc) http.HandlerFunc {
	return h.page(func(w http.ResponseWriter, r *http.Request) {
		if principal(r).Role != auth.Admin {
			h.fail(w, r, apperr.New(apperr.Forbidden, "this page is for admins"))
			return
		}
		next(w, r)
	})
}

func (h *handler) setCookie(w http.ResponseWriter, name, value string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.Config.SecureCookie})
}

func (h *handler) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: h.Config.SecureCookie})
}

// csrfToken is the token every form of this browser carries: an HMAC of a
// secret only the server and the HttpOnly cookie know, so another site can
// neither read nor compute it. Signed in, the secret is the session token
// (the token changes at every sign-in); before, the pre-session cookie.
func csrfToken(secret string) string {
	if secret == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("yizhan console csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfFor returns the CSRF token of the request's page, setting the
// pre-session cookie when a signed-out browser has none.
func (h *handler) csrfFor(w http.ResponseWriter, r *http.Request) string {
	if s := sessionOf(r); s != nil {
		return csrfToken(s.token)
	}
	if c, err := r.Cookie(preCookie); err == nil && len(c.Value) >= 32 {
		return csrfToken(c.Value)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	h.setCookie(w, preCookie, v)
	return csrfToken(v)
}

// checkCSRF reports whether a state-changing request carries the token of
// its browser, in the form field "csrf" or the X-CSRF-Token header. The
// sign-in form is checked against the pre-session cookie, everything else
// against the session cookie. The body is limited here, before the form is
// parsed; a body over its limit is reported as such.
func (h *handler) checkCSRF(r *http.Request) (ok bool, tooLarge bool) {
	name := sessionCookie
	if r.URL.Path == "/console/login" {
		name = preCookie
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		v, err := formValue(r, "csrf")
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return false, true
		}
		got = v
	}
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return false, false
	}
	want := csrfToken(c.Value)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1, false
}

// formValue parses the body once, within its limit, and returns a field.
func formValue(r *http.Request, key string) (string, error) {
	if r.Form == nil {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var err error
		if mt == "multipart/form-data" {
			r.Body = http.MaxBytesReader(nil, r.Body, uploadLimit)
			err = r.ParseMultipartForm(uploadLimit)
		} else {
			r.Body = http.MaxBytesReader(nil, r.Body, formLimit)
			err = r.ParseForm()
		}
		if err != nil {
			return "", err
		}
	}
	return r.PostFormValue(key), nil
}

// refuse answers a request refused before routing (no CSRF token, a body
// too large) with an error page, the header shown when signed in.
func (h *handler) refuse(w http.ResponseWriter, r *http.Request, status int, key string) {
	if s := h.authenticate(r); s != nil {
		r = r.WithContext(context.WithValue(r.Context(), ctxSession, s))
	}
	h.renderError(w, r, status, key)
}

// safeNext returns where to go after signing in: a console path, never
// another site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return Prefix
	}
	return next
}
