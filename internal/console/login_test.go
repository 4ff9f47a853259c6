package console_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"yizhan/internal/auth"
)

func TestLoginAndLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	for _, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			tb := e.browser(t, sz)
			tb.open("/console/stations")
			if got := tb.location(); !strings.Contains(got, "/console/login?next=") {
				t.Fatalf("signed out, /console/stations went to %s, want the sign-in form", got)
			}
			tb.shot("login")
			// A wrong password is refused in Chinese.
			tb.do(
				chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "pujiang"),
				chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "wrong password!"),
				chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
				chromedp.WaitReady(chromedp.CSS(`.flash-error`)),
			)
			if got := tb.text(".flash-error"); !strings.Contains(got, "用户名或密码不正确") {
				t.Errorf("wrong password says %q", got)
			}
			tb.shot("login-error")
			tb.login("pujiang")
			if got := tb.location(); !strings.HasSuffix(got, "/console/stations") {
				t.Errorf("after signing in the browser is at %s, want /console/stations", got)
			}
			if got := tb.text(".flash-ok"); !strings.Contains(got, "pujiang") {
				t.Errorf("welcome flash = %q", got)
			}
			if got := tb.text("header.top"); strings.Contains(got, "账号") {
				t.Errorf("a district staff member sees the admins' 账号 link: %q", got)
			}
			tb.shot("stations-empty")
			tb.do(chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitReady(chromedp.CSS(`form[action="/console/login"]`)))
			tb.open("/console/stations")
			if got := tb.location(); !strings.Contains(got, "/console/login") {
				t.Errorf("after logout /console/stations is at %s, want the sign-in form", got)
			}
		})
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestCSRF: every POST without its token is refused with 403 and changes
// nothing, the sign-in form included.
func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	c := e.client(t)

	// The sign-in form without its token: 403, no session cookie.
	res, err := c.PostForm(e.URL+"/console/login", url.Values{"username": {"admin1"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without a CSRF token: %d, want 403", res.StatusCode)
	}
	if hasCookie(res, "yz_session") {
		t.Errorf("sign-in without a CSRF token set a session cookie")
	}
	// With another browser's token: 403 too.
	token := formToken(t, c, e.URL+"/console/login")
	other := e.client(t)
	formToken(t, other, e.URL+"/console/login")
	res, err = other.PostForm(e.URL+"/console/login", url.Values{"username": {"admin1"}, "password": {testPassword}, "csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in with another browser's token: %d, want 403", res.StatusCode)
	}
	// With its own token it works.
	res, err = c.PostForm(e.URL+"/console/login", url.Values{"username": {"admin1"}, "password": {testPassword}, "csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !hasCookie(res, "yz_session") {
		t.Fatalf("sign-in with the token: %d, want 303 and a session", res.StatusCode)
	}
	// Signed in, logout without the token is refused and the session lives.
	res, err = c.PostForm(e.URL+"/console/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("logout without a token: %d, want 403", res.StatusCode)
	}
	res, err = c.Get(e.URL + "/console/stations")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("after a refused logout the session is gone: %d", res.StatusCode)
	}
}

func hasCookie(res *http.Response, name string) bool {
	for _, c := range res.Cookies() {
		if c.Name == name && c.Value != "" && c.MaxAge >= 0 {
			return true
		}
	}
	return false
}

// formToken GETs a page and returns its CSRF field.
func formToken(t testing.TB, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := csrfField.FindSubmatch(body)
	if m == nil {
		t.Fatalf("%s has no CSRF field (status %d)", u, res.StatusCode)
	}
	return string(m[1])
}

// TestHeaders: the console's pages carry its CSP and framing rules.
func TestHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res, err := http.Get(e.URL + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for k, want := range map[string]string{
		"X-Frame-Options": "DENY",
		"Referrer-Policy": "same-origin",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	for _, c := range res.Cookies() {
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Errorf("cookie %s is not HttpOnly and SameSite=Lax", c.Name)
		}
	}
}

// TestIdleExpiry: a session lives 12 hours after its last request, not 12
// hours after sign-in; once idle that long it is gone.
func TestIdleExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	c := e.signedIn(t, "admin1")
	ctx := context.Background()
	// As if signed in 11 hours ago: an hour left.
	if _, err := e.DB.Pool.Exec(ctx, `UPDATE staff_sessions SET created_at = now() - interval '11 hours', expires_at = now() + interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	if res := e.get(t, c, "/console/stations"); res.StatusCode != http.StatusOK {
		t.Fatalf("a live session: %d", res.StatusCode)
	}
	var left time.Duration
	if err := e.DB.Pool.QueryRow(ctx, `SELECT extract(epoch FROM expires_at - now())::bigint * interval '1 second' FROM staff_sessions`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left < 11*time.Hour+50*time.Minute || left > 12*time.Hour+time.Minute {
		t.Errorf("after a request the session has %v left, want 12h", left)
	}
	// Idle past its expiry: signed out.
	if _, err := e.DB.Pool.Exec(ctx, `UPDATE staff_sessions SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if res := e.get(t, c, "/console/stations"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/console/login") {
		t.Errorf("an expired session: %d to %q, want the sign-in form", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestLoginWithSecondFactor: an account with a second factor is asked for
// its one-time code, in Chinese, and signs in with it.
func TestLoginWithSecondFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	ctx := context.Background()
	me := &auth.Principal{Username: "admin1", Role: auth.Admin}
	key, err := e.Auth.BeginTOTPEnrolment(ctx, me, "admin1")
	if err != nil {
		t.Fatal(err)
	}
	now, err := totp.GenerateCode(key.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Auth.ConfirmTOTP(ctx, me, "admin1", now); err != nil {
		t.Fatal(err)
	}
	tb := e.browser(t, phone)
	tb.open("/console/login")
	tb.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "admin1"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`input[name=totp]`)),
	)
	if got := tb.text(".flash-error"); !strings.Contains(got, "两步验证") {
		t.Errorf("without a code the form says %q", got)
	}
	tb.shot("login-totp")
	next, err := totp.GenerateCode(key.Secret, time.Now().Add(30*time.Second)) // the code used to confirm is spent
	if err != nil {
		t.Fatal(err)
	}
	tb.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.SendKeys(chromedp.CSS(`input[name=totp]`), next),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`header.top`)),
	)
}
