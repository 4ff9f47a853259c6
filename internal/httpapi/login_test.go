package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
	"yizhan/internal/postgres"
)

// Public answers name no staff username: a stranger who read one could aim
// failed logins at it.
func TestPublicAnswersNameNoStaffUsername(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.staff("wangfang", auth.Admin)
	s := e.create(tok, stationBody("浦江县总工会驿站"))
	for _, path := range []string{
		"/v1/stations/" + s.ID,
		"/v1/stations?district_code=330726",
		"/v1/stations/nearest?lat=29.4521&lng=119.892",
	} {
		r := e.do(req{Method: "GET", Path: path})
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), "wangfang") {
			t.Errorf("GET %s names the staff member: %s", path, r.Body)
		}
		if !strings.Contains(string(r.Body), `"created_by":"`+e.actor(tok)+`"`) {
			t.Errorf("GET %s does not name the creator by account id %s: %s", path, e.actor(tok), r.Body)
		}
	}
}

// Failed logins from everywhere cannot lock the owner out of an address
// they signed in from within 30 days (an IPv6 address by its /64);
// elsewhere, their neighbours' addresses included, the username's total
// still stops guessing.
func TestOwnerNotLockedOutFromKnownNetwork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff("owner", auth.Admin) // signs in from 192.0.2.1
	ctx := t.Context()
	const password = "correct horse battery"
	for _, addr := range []string{"198.51.100.7", "2001:db8:5:6::1"} {
		if _, _, err := e.auth.Login(ctx, "owner", password, addr); err != nil {
			t.Fatal(err)
		}
	}
	attack := func() {
		for i := range testAuthConfig.UserAnyFailures {
			_, _, _ = e.auth.Login(ctx, "owner", "wrong password!", fmt.Sprintf("203.0.%d.%d", 113+i/200, i%200))
		}
	}
	attack()
	// Another address of the same /24 (a carrier's NAT pool, a shared
	// office) is not known: an attacker there would guess unlimited.
	if _, _, err := e.auth.Login(ctx, "owner", password, "198.51.100.9"); !apperr.Is(err, apperr.RateLimited) {
		t.Errorf("the owner's password from a neighbour of a known address under attack: %v, want rate_limited", err)
	}
	for _, addr := range []string{"198.51.100.7", "2001:db8:5:6::2", "192.0.2.1"} {
		if _, _, err := e.auth.Login(ctx, "owner", password, addr); err != nil {
			t.Errorf("the owner from %s, an address they signed in from: %v", addr, err)
		}
	}
	attack() // the owner's success took back the username's failures
	if _, _, err := e.auth.Login(ctx, "owner", password, "100.64.0.8"); !apperr.Is(err, apperr.RateLimited) {
		t.Errorf("the owner's password from a new network under attack: %v, want rate_limited", err)
	}
	// Networks are remembered for 30 days from the last success.
	e.clock.Set(e.clock.Now().Add(31 * 24 * time.Hour))
	attack()
	if _, _, err := e.auth.Login(ctx, "owner", password, "198.51.100.7"); !apperr.Is(err, apperr.RateLimited) {
		t.Errorf("an address last used 31 days ago: %v, want rate_limited", err)
	}
	// They are stored hashed, not as addresses.
	var n int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM staff_known_networks WHERE length(network_hash) = 32`).Scan(&n); err != nil || n == 0 {
		t.Errorf("known networks: %d rows, %v", n, err)
	}
}

func TestStaffTOTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	const password = "correct horse battery"
	tok := e.staff("admin2", auth.Admin)
	me, err := e.auth.Authenticate(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.auth.Authenticate(ctx, e.staff("clerk", auth.DistrictStaff, "330726"))
	if err != nil {
		t.Fatal(err)
	}
	login := func(code string) response {
		body := map[string]string{"username": "admin2", "password": password}
		if code != "" {
			body["totp"] = code
		}
		return e.do(req{Method: "POST", Path: "/v1/auth/staff/login", Body: body})
	}
	wantProblem := func(what string, r response, status int, code string) {
		t.Helper()
		if r.Status != status || r.Problem(t).Code != apperr.Code(code) {
			t.Errorf("%s: %d %s, want %d %s", what, r.Status, r.Body, status, code)
		}
	}

	if _, err := e.auth.BeginTOTPEnrolment(ctx, other, "admin2"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a colleague enrols my second factor: %v, want forbidden", err)
	}
	key, err := e.auth.BeginTOTPEnrolment(ctx, me, "admin2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key.URI, "otpauth://totp/Yizhan:admin2?") || !strings.Contains(key.URI, "secret="+key.Secret) {
		t.Errorf("URI %q, secret %q", key.URI, key.Secret)
	}
	// Pending until confirmed: the password alone still signs in.
	if r := login(""); r.Status != 200 {
		t.Errorf("login while the enrolment is pending: %d %s", r.Status, r.Body)
	}
	if err := e.auth.ConfirmTOTP(ctx, me, "admin2", "000000"); !apperr.Is(err, apperr.TOTPInvalid) {
		t.Errorf("confirm with a wrong code: %v", err)
	}
	code := func() string {
		c, err := totp.GenerateCode(key.Secret, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := e.auth.ConfirmTOTP(ctx, me, "admin2", code()); err != nil {
		t.Fatalf("confirm: %v", err)
	}

	wantProblem("no code", login(""), 401, "totp_required")
	wantProblem("a wrong code", login("123456x"), 401, "totp_invalid")
	wantProblem("the code used to confirm", login(code()), 401, "totp_invalid")
	e.clock.Set(e.clock.Now().Add(30 * time.Second))
	c := code()
	if r := login(c); r.Status != 200 {
		t.Errorf("the next step's code: %d %s", r.Status, r.Body)
	}
	wantProblem("the same code again", login(c), 401, "totp_invalid")
	// A wrong password with the right code is still a wrong password.
	e.clock.Set(e.clock.Now().Add(30 * time.Second))
	r := e.do(req{Method: "POST", Path: "/v1/auth/staff/login", Body: map[string]string{"username": "admin2", "password": "wrong password!", "totp": code()}})
	wantProblem("a wrong password", r, 401, "unauthorized")

	// STAFF_TOTP_REQUIRED=admins: an administrator without a second factor
	// cannot sign in; district staff can.
	cfg := testAuthConfig
	cfg.TOTPRequired = auth.TOTPAdmins
	strict, err := auth.NewService(postgres.NewAuthStore(e.db), cfg, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := strict.LoginWithTOTP(ctx, "admin2", password, code(), "192.0.2.5"); err != nil {
		t.Errorf("an administrator with a second factor: %v", err)
	}
	if _, _, err := strict.Login(ctx, "clerk", password, "192.0.2.5"); err != nil {
		t.Errorf("district staff without a second factor: %v", err)
	}
	if err := e.auth.DisableTOTP(ctx, other, "admin2"); !apperr.Is(err, apperr.Forbidden) {
		t.Errorf("a colleague removes my second factor: %v, want forbidden", err)
	}
	if err := e.auth.DisableTOTP(ctx, me, "admin2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := strict.Login(ctx, "admin2", password, "192.0.2.5"); !apperr.Is(err, apperr.TOTPEnrolmentRequired) {
		t.Errorf("an administrator without a second factor: %v, want totp_enrolment_required", err)
	}
	if r := login(""); r.Status != 200 {
		t.Errorf("without STAFF_TOTP_REQUIRED, after removing the factor: %d %s", r.Status, r.Body)
	}
	// The secret is the server's; no answer carries it.
	if strings.Contains(string(login("").Body), key.Secret) {
		t.Error("a login answer carries the secret")
	}
}

// An IPv6 client counts by its /64, which it picks addresses from at will:
// counted by the full address, each of its 2^64 addresses got a fresh
// allowance of the per-address limits.
func TestLoginThrottleCountsIPv6ByItsSlash64(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *httpapi.Deps) {
		d.TrustedProxies = []string{"127.0.0.1/32"} // X-Forwarded-For names the client
	})
	e.staff("target", auth.DistrictStaff, "330726")
	for i := range testAuthConfig.UserFailures + 1 {
		r := e.do(req{Method: "POST", Path: "/v1/auth/staff/login",
			Body:   map[string]string{"username": "target", "password": "wrong password!"},
			Header: map[string]string{"X-Forwarded-For": fmt.Sprintf("2001:db8:77:1:%x::1", i+1)}})
		want := 401
		if i == testAuthConfig.UserFailures {
			want = 429
		}
		if r.Status != want {
			t.Errorf("guess %d from another address of one /64: %d %s, want %d", i+1, r.Status, r.Body, want)
		}
	}
}

// Once the password is known, the one-time code is all that stands: wrong
// codes are limited per account from everywhere, known addresses included,
// to 10 a day. Held only to the username's 100 per 15 minutes, a guesser
// spreading over addresses would expect a right code within weeks.
func TestTOTPGuessesAreLimitedPerAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	const password = "correct horse battery"
	me, err := e.auth.Authenticate(ctx, e.staff("guarded", auth.Admin)) // signed in from 192.0.2.1
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.auth.BeginTOTPEnrolment(ctx, me, "guarded")
	if err != nil {
		t.Fatal(err)
	}
	code := func() string {
		c, err := totp.GenerateCode(key.Secret, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if err := e.auth.ConfirmTOTP(ctx, me, "guarded", code()); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(e.clock.Now().Add(30 * time.Second))
	wrong := "000000"
	if wrong == code() {
		wrong = "000001"
	}
	for i := range testAuthConfig.TOTPFailures {
		if _, _, err := e.auth.LoginWithTOTP(ctx, "guarded", password, wrong, fmt.Sprintf("203.0.113.%d", i+1)); !apperr.Is(err, apperr.TOTPInvalid) {
			t.Fatalf("wrong code %d: %v, want totp_invalid", i+1, err)
		}
	}
	if _, _, err := e.auth.LoginWithTOTP(ctx, "guarded", password, code(), "192.0.2.1"); !apperr.Is(err, apperr.RateLimited) {
		t.Errorf("the right code after %d wrong ones: %v, want rate_limited", testAuthConfig.TOTPFailures, err)
	}
	e.clock.Set(e.clock.Now().Add(24*time.Hour + time.Minute))
	if _, _, err := e.auth.LoginWithTOTP(ctx, "guarded", password, code(), "192.0.2.1"); err != nil {
		t.Errorf("the right code a day later: %v", err)
	}
}
