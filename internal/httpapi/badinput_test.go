package httpapi_test

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
)

// Bad input gets a 4xx problem naming the field, and changes nothing.
func TestBadStationInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	with := func(k string, v any) map[string]any {
		b := stationBody("x")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name      string
		body      any
		ct        string
		status    int
		code      string
		wantField string
	}{
		{"missing name", with("name", nil), "", 400, "invalid", "name"},
		{"blank name", with("name", "   "), "", 400, "invalid", "name"},
		{"long name", with("name", strings.Repeat("驿", 101)), "", 400, "invalid", "name"},
		{"name not a string", with("name", 42), "", 400, "invalid", "name"},
		{"NUL in name", with("name", "a\x00b"), "", 400, "invalid", "name"},
		{"control character in name", with("name", "a\u0007b"), "", 400, "invalid", "name"},
		{"right-to-left override in address", with("address", "ab\u202ec"), "", 400, "invalid", "address"},
		{"escape sequence in host name", with("host", map[string]any{"type": "shop", "name": "\u001b[31m"}), "", 400, "invalid", "host.name"},
		{"unknown field", with("colour", "red"), "", 400, "invalid", "colour"},
		{"bad district", with("district_code", "33072"), "", 400, "invalid", "district_code"},
		{"city-level district", with("district_code", "330700"), "", 400, "invalid", "district_code"},
		{"no such province", with("district_code", "990726"), "", 400, "invalid", "district_code"},
		{"swapped lat/lng", with("location", map[string]any{"lat": 119.892, "lng": 29.45}), "", 400, "invalid", "location.lat"},
		{"outside China", with("location", map[string]any{"lat": 48.85, "lng": 2.35}), "", 400, "invalid", "location.lat"},
		{"lat out of range", with("location", map[string]any{"lat": 91, "lng": 119}), "", 400, "invalid", "location.lat"},
		{"missing lng", with("location", map[string]any{"lat": 29.4}), "", 400, "invalid", "location.lng"},
		{"unknown crs", with("location", map[string]any{"lat": 29.4, "lng": 119.9, "crs": "epsg:3857"}), "", 400, "invalid", "location.crs"},
		{"unknown host type", with("host", map[string]any{"type": "casino"}), "", 400, "invalid", "host.type"},
		{"unknown amenity", with("amenities", []string{"toilet", "sauna"}), "", 400, "invalid", "amenities[1]"},
		{"duplicate amenity", with("amenities", []string{"toilet", "toilet"}), "", 400, "invalid", "amenities[1]"},
		{"missing hours", with("hours", nil), "", 400, "invalid", "hours"},
		{"bad hours", with("hours", map[string]any{"weekly": map[string]any{"mon": [][]string{{"25:00", "26:00"}}}}), "", 400, "invalid", "hours.weekly.mon[0][0]"},
		{"bad phone", with("contact_phone", "12345"), "", 400, "invalid", "contact_phone"},
		{"bad status", with("status", "open"), "", 400, "invalid", "status"},
		{"not JSON", "{name:", "", 400, "invalid", ""},
		{"array body", "[]", "", 400, "invalid", ""},
		{"trailing data", `{"name":"x"} {}`, "", 400, "invalid", ""},
		{"empty body", "", "application/json", 400, "invalid", ""},
		{"form body", "name=x", "application/x-www-form-urlencoded", 415, "unsupported_media", ""},
		{"too large", `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, "", 413, "too_large", ""},
	}
	for _, tc := range cases {
		r := e.do(req{Method: "POST", Path: "/v1/stations", Token: admin, Body: tc.body, ContentType: tc.ct})
		if r.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.name, r.Status, tc.status, truncate(r.Body))
			continue
		}
		p := r.Problem(t)
		if string(p.Code) != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, p.Code, tc.code)
		}
		if tc.wantField != "" {
			found := false
			for _, f := range p.Errors {
				found = found || f.Field == tc.wantField
			}
			if !found {
				t.Errorf("%s: errors %+v do not name %s", tc.name, p.Errors, tc.wantField)
			}
		}
	}
	// Several wrong types and unknown fields come back together, each with
	// its path, so a client fixes them in one round trip.
	b := stationBody("x")
	b["name"], b["colour"] = 42, "red"
	b["host"] = map[string]any{"type": 7, "nickname": "x"}
	r := e.do(req{Method: "POST", Path: "/v1/stations", Token: admin, Body: b})
	got := map[string]string{}
	for _, f := range r.Problem(t).Errors {
		got[f.Field] = f.Code
	}
	if want := map[string]string{"name": "type", "colour": "unknown", "host.type": "type", "host.nickname": "unknown"}; r.Status != 400 || !maps.Equal(got, want) {
		t.Errorf("four mistakes at once: %d, fields %v, want %v", r.Status, got, want)
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM stations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("refused requests stored %d stations", n)
	}
}

func TestBadReadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		path   string
		status int
		field  string
	}{
		{"/v1/stations/not-a-uuid", 404, ""},
		{"/v1/stations/0190f5a8-0000-7000-8000-000000000000", 404, ""},
		{"/v1/stations/0190f5a8-0000-7000-8000-000000000000?crs=utm", 400, "crs"},
		{"/v1/stations?limit=0", 400, "limit"},
		{"/v1/stations?limit=101", 400, "limit"},
		{"/v1/stations?limit=abc", 400, "limit"},
		{"/v1/stations?cursor=@@@", 400, "cursor"},
		{"/v1/stations?cursor=AAAA", 400, "cursor"},
		{"/v1/stations?status=open", 400, "status"},
		{"/v1/stations?amenity=sauna", 400, "amenity"},
		{"/v1/stations?district_code=12", 400, "district_code"},
		{"/v1/stations?q=" + strings.Repeat("x", 101), 400, "q"},
		{"/v1/nowhere", 404, ""},
		{"/v1/stations?limit=%", 400, ""},
		{"/v1/stations?q=%zz&limit=5", 400, ""},
		{"/v1/stations?limit=5;status=active", 400, ""},
		{"/v1/stations/nearest?lat=29%2E45&lng=119.89", 200, ""},
	} {
		r := e.do(req{Method: "GET", Path: tc.path})
		if r.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.path, r.Status, tc.status, truncate(r.Body))
			continue
		}
		if r.Status < 400 {
			continue
		}
		p := r.Problem(t)
		if tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field) {
			t.Errorf("%s: errors %+v, want one on %s", tc.path, p.Errors, tc.field)
		}
	}
}

// Balancers may check health with HEAD: the answer has the status and
// headers of GET and no body.
func TestHealthChecksAnswerHead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		r := e.do(req{Method: "HEAD", Path: path})
		if r.Status != 200 || len(r.Body) != 0 || r.Header.Get("X-Request-Id") == "" {
			t.Errorf("HEAD %s: %d, %d bytes, headers %v", path, r.Status, len(r.Body), r.Header)
		}
	}
}

// A known path with a method it does not have answers 405 with the methods
// it does have; an unknown path 404. Both are still rate limited under /v1.
func TestWrongMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"PUT", "/v1/stations/nearest", 405, "GET"},
		{"POST", "/v1/amenities", 405, "GET"},
		{"GET", "/v1/auth/logout", 405, "POST"},
		{"PUT", "/v1/stations/0190f5a8-0000-7000-8000-000000000000", 405, "DELETE"},
		{"POST", "/healthz", 405, "GET"},
		{"HEAD", "/v1/amenities", 405, "GET"},
		{"PUT", "/v1/nowhere", 404, ""},
	} {
		r := e.do(req{Method: tc.method, Path: tc.path})
		if r.Status != tc.status || !strings.Contains(r.Header.Get("Allow"), tc.allow) {
			t.Errorf("%s %s: %d, Allow %q; want %d and %s", tc.method, tc.path, r.Status, r.Header.Get("Allow"), tc.status, tc.allow)
			continue
		}
		if tc.method == "HEAD" {
			continue // no body to read
		}
		if want := map[int]string{404: "not_found", 405: "method_not_allowed"}[tc.status]; r.Problem(t).Code != apperr.Code(want) {
			t.Errorf("%s %s: code %s, want %s", tc.method, tc.path, r.Problem(t).Code, want)
		}
	}
}

func TestBadPatchInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	s := e.create(admin, stationBody("A"))
	for _, tc := range []struct {
		name, body, ifMatch string
		status              int
		field               string
	}{
		{"unknown field", `{"colour":"red"}`, `"1"`, 400, "colour"},
		{"unknown field removed", `{"colour":null}`, `"1"`, 400, "colour"},
		{"status removed", `{"status":null}`, `"1"`, 400, "status"},
		{"remove required", `{"name":null}`, `"1"`, 400, "name"},
		{"partial location", `{"location":{"lat":29.5}}`, `"1"`, 400, "location.lng"},
		{"not an object", `[1]`, `"1"`, 400, ""},
		{"bad etag", `{"name":"B"}`, `"abc"`, 412, ""},
		{"weak etag", `{"name":"B"}`, `W/"1"`, 412, ""},
		{"future version", `{"name":"B"}`, `"9"`, 412, ""},
		{"unquoted etag", `{"name":"B"}`, `1`, 412, ""},
		// The version parses, but the server never issued this spelling.
		{"leading zero", `{"name":"B"}`, `"01"`, 412, ""},
		{"plus sign", `{"name":"B"}`, `"+1"`, 412, ""},
		{"spaces inside", `{"name":"B"}`, `" 1"`, 412, ""},
	} {
		r := e.do(req{Method: "PATCH", Path: "/v1/stations/" + s.ID, Token: admin, Body: tc.body,
			ContentType: "application/merge-patch+json", Header: map[string]string{"If-Match": tc.ifMatch}})
		if r.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.name, r.Status, tc.status, truncate(r.Body))
			continue
		}
		p := r.Problem(t)
		if tc.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tc.field) {
			t.Errorf("%s: errors %+v, want %s", tc.name, p.Errors, tc.field)
		}
	}
	var got stationOut
	e.do(req{Method: "GET", Path: "/v1/stations/" + s.ID}).JSON(t, &got)
	if got.Version != 1 || got.Name != "A" {
		t.Errorf("refused patches changed the station: %+v", got)
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff("admin1", auth.Admin)
	login := func(user, pass string) response {
		return e.do(req{Method: "POST", Path: "/v1/auth/staff/login", Body: map[string]string{"username": user, "password": pass}})
	}
	r := login("admin1", "correct horse battery")
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	var tok struct{ Token string }
	r.JSON(t, &tok)
	if !strings.HasPrefix(tok.Token, "yzs_") {
		t.Errorf("token %q", tok.Token)
	}
	var stored int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM staff_sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, tok.Token).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 1 {
		t.Errorf("the session is not stored by the token's SHA-256")
	}

	wrong, unknown := login("admin1", "wrong password!"), login("nobody", "wrong password!")
	if wrong.Status != 401 || unknown.Status != 401 {
		t.Fatalf("wrong password %d, unknown user %d", wrong.Status, unknown.Status)
	}
	if pw, pu := wrong.Problem(t), unknown.Problem(t); pw.Detail != pu.Detail || pw.Code != pu.Code {
		t.Errorf("wrong password and unknown user answer differently: %+v vs %+v", pw, pu)
	}
	// Five failures for admin1 from this address lock it for a while from
	// here, even with the right password…
	for range 4 {
		login("admin1", "wrong password!")
	}
	r = login("admin1", "correct horse battery")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || r.Problem(t).Code != "rate_limited" {
		t.Errorf("after 5 failures: %d Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	// …but not from the colleague's own desk: staff usernames are public
	// (created_by), so a stranger must not be able to lock anyone out.
	if _, _, err := e.auth.Login(t.Context(), "admin1", "correct horse battery", "198.51.100.7"); err != nil {
		t.Errorf("another address is locked out too: %v", err)
	}
	// Guessing spread over many addresses still stops at the username's
	// total, for networks the account has not signed in from.
	for i := range 100 {
		_, _, _ = e.auth.Login(t.Context(), "admin1", "wrong password!", fmt.Sprintf("203.0.113.%d", i))
	}
	if _, _, err := e.auth.Login(t.Context(), "admin1", "correct horse battery", "100.64.0.8"); !apperr.Is(err, apperr.RateLimited) {
		t.Errorf("after 100 failures from 100 addresses: %v, want rate_limited", err)
	}
	// After the window the account can sign in again.
	e.clock.Set(e.clock.Now().Add(16 * 60e9))
	if r := login("admin1", "correct horse battery"); r.Status != 200 {
		t.Errorf("after the window: %d", r.Status)
	}
	// Tokens expire after 12 hours.
	e.clock.Set(e.clock.Now().Add(12*3600e9 + 1e9))
	if r := e.do(req{Method: "POST", Path: "/v1/stations", Token: tok.Token, Body: stationBody("x")}); r.Status != 401 {
		t.Errorf("expired token: %d, want 401", r.Status)
	}
	for _, body := range []string{`{}`, `{"username":"a"}`, `{"username":"a","password":"b","otp":1}`} {
		if r := e.do(req{Method: "POST", Path: "/v1/auth/staff/login", Body: body}); r.Status != 400 {
			t.Errorf("login %s: %d, want 400", body, r.Status)
		}
	}
}

// Concurrent wrong passwords count each other: of 40 at once for one
// username from one address, no more than the limit are checked. (A helper
// hunting races found all 40 checked: each read the count before any was
// recorded.)
func TestConcurrentLoginFailuresCountEachOther(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff("victim", auth.Admin)
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			r := e.do(req{Method: "POST", Path: "/v1/auth/staff/login", Body: map[string]string{"username": "victim", "password": "wrong guess 123"}})
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[401] != testAuthConfig.UserFailures || statuses[429] != 40-testAuthConfig.UserFailures {
		t.Errorf("statuses %v: want %d wrong passwords checked and the rest refused", statuses, testAuthConfig.UserFailures)
	}
	// The right password from another address still works, and the wrong
	// ones did not count against that address.
	if _, _, err := e.auth.Login(t.Context(), "victim", "correct horse battery", "192.0.2.99"); err != nil {
		t.Errorf("the right password from elsewhere: %v", err)
	}
}

// A username that no account could have counts against the address only:
// "victim@192.0.2.1" must not count as the victim failing at 192.0.2.1.
func TestLoginUsernameCannotNameAnotherSubject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff("victim", auth.Admin)
	for range 2 * testAuthConfig.UserFailures {
		r := e.do(req{Method: "POST", Path: "/v1/auth/staff/login", Body: map[string]string{"username": "victim@192.0.2.1", "password": "x"}})
		if r.Status != 401 {
			t.Fatalf("a username with @: %d %s", r.Status, r.Body)
		}
	}
	if _, _, err := e.auth.Login(t.Context(), "victim", "correct horse battery", "192.0.2.1"); err != nil {
		t.Errorf("the victim with the right password from their own address: %v", err)
	}
}

func TestRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *httpapi.Deps) {
		d.Limits = httpapi.RateLimits{Public: httpapi.Rate{PerSecond: 0.001, Burst: 3}, Token: httpapi.Rate{PerSecond: 0.001, Burst: 2}, Login: httpapi.Rate{PerSecond: 0.001, Burst: 1}}
	})
	for i := range 3 {
		if r := e.do(req{Method: "GET", Path: "/v1/amenities"}); r.Status != 200 {
			t.Fatalf("request %d within the burst: %d", i, r.Status)
		}
	}
	r := e.do(req{Method: "GET", Path: "/v1/stations"})
	if r.Status != 429 || r.Header.Get("Retry-After") == "" || r.Problem(t).Code != "rate_limited" {
		t.Fatalf("over the public limit: %d %q", r.Status, r.Header.Get("Retry-After"))
	}
	// A token, real or made up, buys no separate allowance.
	if r := e.do(req{Method: "GET", Path: "/v1/stations", Token: "yzs_made-up-" + strings.Repeat("x", 31)}); r.Status != 429 {
		t.Fatalf("a made-up token walked past the address limit: %d", r.Status)
	}
	// Each token has its own limit on top of the address's.
	e2 := newEnv(t, func(d *httpapi.Deps) {
		d.Limits = httpapi.RateLimits{Public: httpapi.Rate{PerSecond: 1000, Burst: 1000}, Token: httpapi.Rate{PerSecond: 0.001, Burst: 2}}
	})
	tok := e2.staff("admin1", auth.Admin)
	for i := range 2 {
		if r := e2.do(req{Method: "GET", Path: "/v1/stations", Token: tok}); r.Status != 200 {
			t.Fatalf("token request %d: %d", i, r.Status)
		}
	}
	if r := e2.do(req{Method: "GET", Path: "/v1/stations", Token: tok}); r.Status != 429 {
		t.Fatalf("over the token limit: %d", r.Status)
	}
	if r := e2.do(req{Method: "GET", Path: "/v1/stations"}); r.Status != 200 {
		t.Fatalf("another client without that token: %d", r.Status)
	}
	// Health checks are never limited.
	if r := e.do(req{Method: "GET", Path: "/healthz"}); r.Status != 200 {
		t.Fatalf("healthz: %d", r.Status)
	}
}
