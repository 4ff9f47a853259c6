package httpapi_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
)

type workerOut struct {
	ID               string     `json:"id"`
	Nickname         string     `json:"nickname"`
	Phone            string     `json:"phone"`
	Occupation       string     `json:"occupation"`
	Employer         string     `json:"employer"`
	DistrictCode     string     `json:"district_code"`
	IsMember         bool       `json:"is_member"`
	MembershipNumber string     `json:"membership_number"`
	MemberSince      *time.Time `json:"member_since"`
}

type loginOut struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	IsNew     bool      `json:"is_new"`
	Worker    workerOut `json:"worker"`
}

func (e *env) wechatLogin(code string) response {
	e.t.Helper()
	return e.do(req{Method: "POST", Path: "/v1/auth/wechat/login", Body: map[string]string{"code": code}})
}

func TestWechatLogin(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	e := newEnv(t, func(d *httpapi.Deps) { d.Log = slog.New(slog.NewJSONHandler(logs, nil)) })

	r := e.wechatLogin("ok:oRider1:uUnion1")
	if r.Status != 200 {
		t.Fatalf("first login: %d %s", r.Status, r.Body)
	}
	var first loginOut
	r.JSON(t, &first)
	if !first.IsNew || !strings.HasPrefix(first.Token, "yzw_") || first.Worker.IsMember {
		t.Errorf("first login = %+v", first)
	}
	if want := e.clock.Now().Add(30 * 24 * time.Hour); !first.ExpiresAt.Equal(want) {
		t.Errorf("expires_at = %v, want %v (30 days)", first.ExpiresAt, want)
	}
	for _, secret := range []string{fakeSessionKey, fakeSecret, "oRider1", "uUnion1"} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("the login answer contains %q: %s", secret, r.Body)
		}
	}

	// The same WeChat user again: the same worker, not new; a login without
	// unionid keeps the stored one.
	r = e.wechatLogin("ok:oRider1")
	var second loginOut
	r.JSON(t, &second)
	if r.Status != 200 || second.IsNew || second.Worker.ID != first.Worker.ID || second.Token == first.Token {
		t.Errorf("second login: %d %+v", r.Status, second)
	}
	var unionid string
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT unionid FROM workers WHERE openid = 'oRider1'`).Scan(&unionid); err != nil {
		t.Fatal(err)
	}
	if unionid != "uUnion1" {
		t.Errorf("unionid = %q after a login without one, want uUnion1 kept", unionid)
	}

	// Both tokens work, and are stored only as SHA-256.
	for _, tok := range []string{first.Token, second.Token} {
		var got workerOut
		r := e.do(req{Method: "GET", Path: "/v1/me", Token: tok})
		r.JSON(t, &got)
		if r.Status != 200 || got.ID != first.Worker.ID {
			t.Errorf("GET /v1/me: %d %+v", r.Status, got)
		}
		var n int
		if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM worker_sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, tok).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("the session is not stored by the token's SHA-256")
		}
	}

	// Another WeChat user is another worker.
	var other loginOut
	e.wechatLogin("ok:oRider2").JSON(t, &other)
	if !other.IsNew || other.Worker.ID == first.Worker.ID {
		t.Errorf("another openid: %+v", other)
	}

	// Tokens last 30 days.
	e.clock.Set(e.clock.Now().Add(30*24*time.Hour + time.Second))
	if r := e.do(req{Method: "GET", Path: "/v1/me", Token: first.Token}); r.Status != 401 {
		t.Errorf("a 30-day-old token: %d, want 401", r.Status)
	}

	// Logout revokes a worker's token too.
	e.clock.Set(e.clock.Now().Add(-time.Hour))
	if r := e.do(req{Method: "POST", Path: "/v1/auth/logout", Token: second.Token}); r.Status != 204 {
		t.Errorf("worker logout: %d", r.Status)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/me", Token: second.Token}); r.Status != 401 {
		t.Errorf("a revoked worker token: %d, want 401", r.Status)
	}
	for _, secret := range []string{fakeSessionKey, fakeSecret, first.Token, second.Token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
}

// Every answer of code2Session, through the real client and a fake WeChat on
// loopback, maps to one status; nothing is stored on a refused login.
func TestWechatLoginErrors(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	e := newEnv(t, func(d *httpapi.Deps) { d.Log = slog.New(slog.NewJSONHandler(logs, nil)) })
	for _, tc := range []struct {
		name       string
		body       any
		status     int
		code       string
		retryAfter bool
		field      string
	}{
		{"bad code 40029", map[string]string{"code": "err:40029"}, 401, "unauthorized", false, ""},
		{"used code 40163", map[string]string{"code": "err:40163"}, 401, "unauthorized", false, ""},
		{"rate limit 45011", map[string]string{"code": "err:45011"}, 429, "rate_limited", true, ""},
		{"high-risk user 40226", map[string]string{"code": "err:40226"}, 403, "forbidden", false, ""},
		{"busy -1", map[string]string{"code": "err:-1"}, 503, "unavailable", true, ""},
		{"other errcode", map[string]string{"code": "err:40013"}, 503, "unavailable", true, ""},
		{"timeout", map[string]string{"code": "slow"}, 503, "unavailable", true, ""},
		{"HTTP 502", map[string]string{"code": "http:502"}, 503, "unavailable", true, ""},
		{"not JSON", map[string]string{"code": "garbage"}, 503, "unavailable", true, ""},
		{"no openid", map[string]string{"code": "ok:"}, 503, "unavailable", true, ""},
		{"missing code", map[string]string{}, 400, "invalid", false, "code"},
		{"empty code", map[string]string{"code": ""}, 400, "invalid", false, "code"},
		{"code with a space", map[string]string{"code": "a b"}, 400, "invalid", false, "code"},
		{"overlong code", map[string]string{"code": strings.Repeat("x", 129)}, 400, "invalid", false, "code"},
		{"code not a string", map[string]any{"code": 42}, 400, "invalid", false, "code"},
		{"unknown field", map[string]string{"code": "ok:x", "session_key": "k"}, 400, "invalid", false, "session_key"},
	} {
		start := time.Now()
		r := e.do(req{Method: "POST", Path: "/v1/auth/wechat/login", Body: tc.body, Expect5xx: tc.status >= 500})
		if tc.name == "timeout" {
			if d := time.Since(start); d > 3*fakeTimeout {
				t.Errorf("timeout: answered after %v; the client's timeout is %v", d, fakeTimeout)
			}
		}
		if r.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.name, r.Status, tc.status, r.Body)
			continue
		}
		p := r.Problem(t)
		if string(p.Code) != tc.code {
			t.Errorf("%s: code %q, want %q", tc.name, p.Code, tc.code)
		}
		if got := r.Header.Get("Retry-After") != ""; got != tc.retryAfter {
			t.Errorf("%s: Retry-After %q, want present=%v", tc.name, r.Header.Get("Retry-After"), tc.retryAfter)
		}
		if tc.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tc.field) {
			t.Errorf("%s: errors %+v, want one on %s", tc.name, p.Errors, tc.field)
		}
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM workers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("refused logins stored %d workers", n)
	}
	if strings.Contains(logs.String(), fakeSecret) || strings.Contains(logs.String(), fakeSessionKey) {
		t.Errorf("the logs contain the secret or a session key:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "errcode 40013") {
		t.Errorf("an unexpected errcode is not logged for the operator:\n%s", logs.String())
	}
}

// Logins are limited per client address, before WeChat is asked.
func TestWechatLoginThrottledPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range testWorkerConfig.LoginsPerAddr {
		code := "err:40029" // failures and successes count alike
		if i%2 == 0 {
			code = "ok:oThrottled"
		}
		if r := e.wechatLogin(code); r.Status != 200 && r.Status != 401 {
			t.Fatalf("login %d: %d %s", i, r.Status, r.Body)
		}
	}
	calls := e.wechat.calls.Load()
	r := e.wechatLogin("ok:oThrottled")
	if r.Status != 429 || r.Problem(t).Code != "rate_limited" || r.Header.Get("Retry-After") != "600" {
		t.Errorf("login over the limit: %d Retry-After %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if e.wechat.calls.Load() != calls {
		t.Errorf("a throttled login still called WeChat")
	}
	// After the window, the address may log in again.
	e.clock.Set(e.clock.Now().Add(testWorkerConfig.LoginWindow + time.Second))
	if r := e.wechatLogin("ok:oThrottled"); r.Status != 200 {
		t.Errorf("after the window: %d %s", r.Status, r.Body)
	}
}

func TestProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, _ := e.worker("oProfile")
	var got workerOut
	r := e.do(req{Method: "GET", Path: "/v1/me", Token: tok})
	r.JSON(t, &got)
	if r.Status != 200 || got.Nickname != "" || got.Phone != "" || got.IsMember {
		t.Fatalf("a new worker's profile: %d %s", r.Status, r.Body)
	}
	patch := func(body any, ct string) response {
		return e.do(req{Method: "PATCH", Path: "/v1/me", Token: tok, Body: body, ContentType: ct})
	}
	r = patch(map[string]any{"nickname": "👨\u200d👩\u200d👧 小王", "employer": "顺丰\u3000速运"}, "")
	if r.Status != 200 {
		t.Errorf("an emoji nickname and a full-width space: %d %s", r.Status, r.Body)
	}
	r = patch(map[string]any{"nickname": " 小王 ", "phone": "+86 138 0013 8000", "occupation": "express_courier",
		"employer": "顺丰", "district_code": "330726"}, "application/merge-patch+json")
	if r.Status != 200 {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &got)
	want := workerOut{ID: got.ID, Nickname: "小王", Phone: "13800138000", Occupation: "express_courier", Employer: "顺丰", DistrictCode: "330726"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patched profile (-want +got):\n%s", diff)
	}
	// null and "" clear; absent members stay.
	r = patch(`{"nickname": null, "employer": ""}`, "application/json")
	got = workerOut{}
	r.JSON(t, &got)
	want.Nickname, want.Employer = "", ""
	if diff := cmp.Diff(want, got); r.Status != 200 || diff != "" {
		t.Errorf("clearing (-want +got) %d:\n%s", r.Status, diff)
	}

	for _, tc := range []struct {
		name   string
		body   any
		ct     string
		status int
		fields []string
	}{
		{"invalid phone", map[string]any{"phone": "12345678901"}, "", 400, []string{"phone"}},
		{"landline phone", map[string]any{"phone": "0579-84100000"}, "", 400, []string{"phone"}},
		{"unknown occupation", map[string]any{"occupation": "astronaut"}, "", 400, []string{"occupation"}},
		{"city district", map[string]any{"district_code": "330700"}, "", 400, []string{"district_code"}},
		{"malformed district", map[string]any{"district_code": "33072"}, "", 400, []string{"district_code"}},
		{"long nickname", map[string]any{"nickname": strings.Repeat("王", 41)}, "", 400, []string{"nickname"}},
		{"control character", map[string]any{"nickname": "a\u0007b"}, "", 400, []string{"nickname"}},
		{"newline", map[string]any{"employer": "a\nb"}, "", 400, []string{"employer"}},
		{"long employer", map[string]any{"employer": strings.Repeat("x", 61)}, "", 400, []string{"employer"}},
		{"every field at once", map[string]any{"phone": "1", "occupation": "x", "district_code": "1", "nickname": strings.Repeat("x", 41)}, "", 400,
			[]string{"nickname", "phone", "occupation", "district_code"}},
		{"not a string", map[string]any{"phone": 13800138000}, "", 400, []string{"phone"}},
		{"unknown field", map[string]any{"openid": "x"}, "", 400, []string{"openid"}},
		{"location refused", map[string]any{"location": map[string]float64{"lat": 29.4, "lng": 119.9}}, "", 400, []string{"location"}},
		{"form body", "nickname=x", "application/x-www-form-urlencoded", 415, nil},
		{"not JSON", "{", "", 400, nil},
	} {
		r := patch(tc.body, tc.ct)
		if r.Status != tc.status {
			t.Errorf("%s: %d, want %d (%s)", tc.name, r.Status, tc.status, r.Body)
			continue
		}
		var fields []string
		for _, f := range r.Problem(t).Errors {
			fields = append(fields, f.Field)
		}
		if !cmp.Equal(fields, tc.fields) {
			t.Errorf("%s: errors name %v, want %v", tc.name, fields, tc.fields)
		}
	}
	got = workerOut{}
	e.do(req{Method: "GET", Path: "/v1/me", Token: tok}).JSON(t, &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("refused patches changed the profile (-want +got):\n%s", diff)
	}
}

// DELETE /v1/me erases the worker's personal data and revokes every token,
// keeping an anonymous row.
func TestDeleteMeErasesAndRevokes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	var in loginOut
	e.wechatLogin("ok:oErase:uErase").JSON(t, &in)
	tok2, _ := e.worker("oErase")
	r := e.do(req{Method: "PATCH", Path: "/v1/me", Token: in.Token, Body: map[string]any{"nickname": "小王", "phone": "13800138000", "occupation": "sanitation", "employer": "环卫所", "district_code": "330726"}})
	if r.Status != 200 {
		t.Fatal(r.Status)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/me/membership-application", Token: in.Token, Body: validApplication()}); r.Status != 201 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}

	if r := e.do(req{Method: "DELETE", Path: "/v1/me", Token: in.Token}); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	for i, tok := range []string{in.Token, tok2} {
		if r := e.do(req{Method: "GET", Path: "/v1/me", Token: tok}); r.Status != 401 {
			t.Errorf("token %d after DELETE /v1/me: %d, want 401", i, r.Status)
		}
	}
	var (
		personal   int
		deleted    bool
		district   string
		appStatus  string
		appPersona int
		live       int
	)
	err := e.db.Pool.QueryRow(t.Context(), `SELECT num_nonnulls(openid, unionid, nickname, phone, employer, membership_no),
		deleted_at IS NOT NULL, district_code FROM workers WHERE id = $1`, in.Worker.ID).Scan(&personal, &deleted, &district)
	if err != nil {
		t.Fatal(err)
	}
	if personal != 0 || !deleted || district != "330726" {
		t.Errorf("erased row: %d personal fields, deleted %v, district %q", personal, deleted, district)
	}
	err = e.db.Pool.QueryRow(t.Context(), `SELECT status, num_nonnulls(real_name, phone, employer) FROM membership_applications WHERE worker_id = $1`,
		in.Worker.ID).Scan(&appStatus, &appPersona)
	if err != nil {
		t.Fatal(err)
	}
	if appStatus != "withdrawn" || appPersona != 0 {
		t.Errorf("the application after erasure: %s with %d personal fields", appStatus, appPersona)
	}
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM worker_sessions WHERE worker_id = $1 AND revoked_at IS NULL`, in.Worker.ID).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 0 {
		t.Errorf("%d sessions survive erasure", live)
	}
	// Staff no longer see the application.
	var page struct{ Items []applicationOut }
	e.do(req{Method: "GET", Path: "/v1/membership-applications", Token: admin}).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("staff still see %d applications of an erased worker", len(page.Items))
	}
	// The same WeChat user signing in again is a new worker.
	var again loginOut
	e.wechatLogin("ok:oErase").JSON(t, &again)
	if !again.IsNew || again.Worker.ID == in.Worker.ID || again.Worker.Phone != "" {
		t.Errorf("login after erasure: %+v", again)
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM workers`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d worker rows, want 2 (the anonymous one kept for counts)", n)
	}
	if err := e.workers.Erase(context.Background(), uuid.MustParse(in.Worker.ID)); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("erasing twice: %v, want not_found", err)
	}
}
