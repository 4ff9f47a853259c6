package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/httpapi"
	"yizhan/internal/postgres"
	"yizhan/internal/search"
	"yizhan/internal/station"
)

// offerBody is a published offer of the given stock in Pujiang, open from a
// day before the test clock for thirty days.
func (e *env) offerBody(title string, stock any) map[string]any {
	now := e.clock.Now()
	return map[string]any{
		"title":            title,
		"description":      "凭码到驿站领取",
		"category":         "gift_pack",
		"total_stock":      stock,
		"per_worker_limit": map[string]any{"count": 1, "period": "once"},
		"window":           map[string]any{"starts_at": now.Add(-24 * time.Hour), "ends_at": now.Add(30 * 24 * time.Hour)},
		"eligibility":      map[string]any{"district_codes": []string{"330726"}},
		"status":           "published",
	}
}

type offerOut struct {
	ID             string `json:"id"`
	Title          string `json:"title"`
	TotalStock     *int   `json:"total_stock"`
	RemainingStock *int   `json:"remaining_stock"`
	Status         string `json:"status"`
	Version        int64  `json:"version"`
}

type claimOut struct {
	ClaimID    string `json:"claim_id"`
	OfferID    string `json:"offer_id"`
	Code       string `json:"code"`
	QRPayload  string `json:"qr_payload"`
	Status     string `json:"status"`
	Welcome    bool   `json:"welcome"`
	ExpiresAt  string `json:"expires_at"`
	RedeemedAt string `json:"redeemed_at"`
}

func (e *env) createOffer(token string, body map[string]any) offerOut {
	e.t.Helper()
	r := e.do(req{Method: "POST", Path: "/v1/benefits", Token: token, Body: body})
	if r.Status != http.StatusCreated {
		e.t.Fatalf("create offer: %d %s", r.Status, r.Body)
	}
	var o offerOut
	r.JSON(e.t, &o)
	return o
}

func (e *env) claim(token, offerID, key string) response {
	e.t.Helper()
	return e.do(req{Method: "POST", Path: "/v1/benefits/" + offerID + "/claims", Token: token, Header: map[string]string{"Idempotency-Key": key}})
}

func (e *env) mustClaim(token, offerID, key string) claimOut {
	e.t.Helper()
	r := e.claim(token, offerID, key)
	if r.Status != http.StatusCreated {
		e.t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	var c claimOut
	r.JSON(e.t, &c)
	return c
}

func (e *env) remaining(offerID string) int {
	e.t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT sum(remaining) FROM benefit_stock WHERE offer_id = $1`, offerID).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// A benefit from its definition to its collection at a station, and the
// figures staff see afterwards.
func TestBenefitClaimRedeemReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	st := e.create(admin, stationBody("浦阳驿站"))
	o := e.createOffer(pujiang, e.offerBody("冬季暖心礼包", 2))
	if o.TotalStock == nil || *o.TotalStock != 2 || o.RemainingStock == nil || *o.RemainingStock != 2 {
		t.Fatalf("created offer = %+v", o)
	}
	token, _ := e.worker("oRider1")
	if r := e.do(req{Method: "PATCH", Path: "/v1/me", Token: token, ContentType: "application/merge-patch+json",
		Body: map[string]any{"district_code": "330726"}}); r.Status != 200 {
		t.Fatalf("set home county: %d %s", r.Status, r.Body)
	}

	r := e.do(req{Method: "GET", Path: "/v1/benefits/available?lat=29.4521&lng=119.892", Token: token})
	var avail struct {
		Items []struct {
			ID             string
			Allowance      int
			RemainingStock *int `json:"remaining_stock"`
			NearestStation *struct {
				Station   struct{ ID string }
				DistanceM float64 `json:"distance_m"`
			} `json:"nearest_station"`
		}
	}
	r.JSON(t, &avail)
	if r.Status != 200 || len(avail.Items) != 1 || avail.Items[0].Allowance != 1 || avail.Items[0].NearestStation == nil ||
		avail.Items[0].NearestStation.Station.ID != st.ID || avail.Items[0].NearestStation.DistanceM > 1 {
		t.Fatalf("available: %d %s", r.Status, r.Body)
	}

	first := e.mustClaim(token, o.ID, "tap-1")
	if len(first.Code) != 8 || first.QRPayload != "yizhan:claim:"+first.Code || first.Status != "claimed" {
		t.Errorf("claim = %+v", first)
	}
	// A retry with the same key on a flaky network: the same answer, nothing more claimed.
	r = e.claim(token, o.ID, "tap-1")
	var again claimOut
	r.JSON(t, &again)
	if r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "true" || again != first {
		t.Errorf("retry: %d %s (replayed %q), want the first answer %+v", r.Status, r.Body, r.Header.Get("Idempotent-Replayed"), first)
	}
	if got := e.remaining(o.ID); got != 1 {
		t.Errorf("remaining = %d, want 1", got)
	}
	r = e.do(req{Method: "GET", Path: "/v1/benefits/available", Token: token})
	r.JSON(t, &avail)
	if len(avail.Items) != 1 || avail.Items[0].Allowance != 0 || *avail.Items[0].RemainingStock != 1 || avail.Items[0].NearestStation != nil {
		t.Errorf("available after the claim: %s", r.Body)
	}

	redeem := func(code, station string) response {
		return e.do(req{Method: "POST", Path: "/v1/claims/redeem", Token: pujiang, Body: map[string]string{"code": code, "station_id": station}})
	}
	if r := redeem(first.Code, st.ID); r.Status != 200 {
		t.Fatalf("redeem: %d %s", r.Status, r.Body)
	}
	if r := redeem(first.Code, st.ID); r.Status != http.StatusConflict || r.Problem(t).Code != "already_redeemed" {
		t.Errorf("second redemption: %d %s", r.Status, r.Body)
	}
	var mine struct{ Items []claimOut }
	e.do(req{Method: "GET", Path: "/v1/me/claims", Token: token}).JSON(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Status != "redeemed" || mine.Items[0].RedeemedAt == "" {
		t.Errorf("my claims = %+v", mine.Items)
	}

	var stats struct {
		Claimed, Redeemed, Expired, Open int
		Remaining                        *int `json:"remaining_stock"`
		ByStation                        []struct {
			StationID string `json:"station_id"`
			Redeemed  int
		} `json:"by_station"`
		ByDay []struct {
			Date              string
			Claimed, Redeemed int
		} `json:"by_day"`
	}
	r = e.do(req{Method: "GET", Path: "/v1/benefits/" + o.ID + "/stats", Token: pujiang})
	r.JSON(t, &stats)
	if stats.Claimed != 1 || stats.Redeemed != 1 || stats.Open != 0 || *stats.Remaining != 1 || len(stats.ByStation) != 1 ||
		stats.ByStation[0].StationID != st.ID || len(stats.ByDay) != 1 || stats.ByDay[0].Date != "2026-11-30" {
		t.Errorf("stats = %s", r.Body)
	}

	r = e.do(req{Method: "GET", Path: "/v1/benefits/" + o.ID + "/claims.csv", Token: pujiang})
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBF")) {
		t.Fatalf("export: %d %q %q", r.Status, r.Header.Get("Content-Type"), truncate(r.Body))
	}
	rows, err := csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"领取编号", "福利名称", "状态", "入会礼", "领取时间", "有效期至", "核销时间", "核销驿站编号", "核销驿站", "核销人", "过期时间"}
	if len(rows) != 2 || !slices.Equal(rows[0], wantHeader) || rows[1][0] != first.ClaimID || rows[1][1] != "冬季暖心礼包" || rows[1][2] != "已核销" ||
		rows[1][3] != "否" || rows[1][8] != "浦阳驿站" || rows[1][9] != "pujiang" {
		t.Errorf("csv = %q", rows)
	}
	if bytes.Contains(r.Body, []byte(first.Code)) {
		t.Errorf("the export holds the claim code")
	}
}

func TestClaimRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	token, _ := e.worker("oRider")
	e.do(req{Method: "PATCH", Path: "/v1/me", Token: token, ContentType: "application/merge-patch+json", Body: map[string]any{"district_code": "330726"}})

	open := e.createOffer(admin, e.offerBody("open", 5))
	draft := e.offerBody("draft", 5)
	draft["status"] = "draft"
	members := e.offerBody("members", 5)
	members["eligibility"] = map[string]any{"members_only": true}
	elsewhere := e.offerBody("elsewhere", 5)
	elsewhere["eligibility"] = map[string]any{"district_codes": []string{"331102"}}
	wednesday := e.offerBody("赶集日", nil) // the test clock is a Monday
	wednesday["window"].(map[string]any)["weekly"] = map[string]any{"days": []string{"wed"}, "from": "09:00", "to": "17:00"}

	for _, tc := range []struct {
		name       string
		offer      string
		key        string
		wantStatus int
		wantCode   string
	}{
		{"no Idempotency-Key", open.ID, "", 400, "invalid"},
		{"a key with spaces", open.ID, "a key", 400, "invalid"},
		{"a key the service keeps for itself", open.ID, "welcome:" + open.ID, 400, "invalid"},
		{"no such offer", uuid.NewString(), "k1", 404, "not_found"},
		{"a draft", e.createOffer(admin, draft).ID, "k2", 422, "not_open"},
		{"outside the weekly hours", e.createOffer(admin, wednesday).ID, "k3", 422, "not_open"},
		{"members only", e.createOffer(admin, members).ID, "k4", 403, "not_eligible"},
		{"another district", e.createOffer(admin, elsewhere).ID, "k5", 403, "not_eligible"},
		{"sold out", e.createOffer(admin, e.offerBody("none left", 0)).ID, "k6", 409, "sold_out"},
		{"first claim", open.ID, "k7", 201, ""},
		{"second claim, new key", open.ID, "k8", 409, "limit_reached"},
		{"the first key on another offer", e.createOffer(admin, e.offerBody("other", 5)).ID, "k7", 409, "conflict"},
	} {
		r := e.claim(token, tc.offer, tc.key)
		if r.Status != tc.wantStatus {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.wantStatus)
			continue
		}
		if tc.wantCode != "" {
			p := r.Problem(t)
			if string(p.Code) != tc.wantCode {
				t.Errorf("%s: code %q, want %q", tc.name, p.Code, tc.wantCode)
			}
			if tc.wantCode == "invalid" && (len(p.Errors) != 1 || p.Errors[0].Field != "Idempotency-Key") {
				t.Errorf("%s: errors %+v", tc.name, p.Errors)
			}
		}
	}
	// Staff tokens cannot claim.
	if r := e.claim(admin, open.ID, "staff"); r.Status != 403 {
		t.Errorf("staff claim: %d", r.Status)
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM benefit_claims`).Scan(&n); err != nil || n != 1 {
		t.Errorf("claims stored = %d (%v), want 1", n, err)
	}
}

func TestRedeemWrongStationAndExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	lishui := e.staff("lishui", auth.DistrictStaff, "331102")
	a := e.create(admin, stationBody("A"))
	b := e.create(admin, stationBody("B"))
	far := stationBody("丽水驿站")
	far["district_code"] = "331102"
	c := e.create(admin, far)
	body := e.offerBody("only at A", 3)
	body["redeem_at"] = []string{a.ID}
	o := e.createOffer(admin, body)
	token, _ := e.worker("oRider")
	e.do(req{Method: "PATCH", Path: "/v1/me", Token: token, ContentType: "application/merge-patch+json", Body: map[string]any{"district_code": "330726"}})
	cl := e.mustClaim(token, o.ID, "k")

	redeem := func(tok, code, station string) response {
		return e.do(req{Method: "POST", Path: "/v1/claims/redeem", Token: tok, Body: map[string]string{"code": code, "station_id": station}})
	}
	for _, tc := range []struct {
		name, token, code, station string
		want                       int
		wantCode                   string
	}{
		{"malformed", admin, "abc", "x", 400, "invalid"},
		{"unknown code", admin, "ZZZZZZZZ", a.ID, 404, "not_found"},
		{"another station", admin, cl.Code, b.ID, 422, "wrong_station"},
		{"no such station", admin, cl.Code, uuid.NewString(), 422, "wrong_station"},
		{"staff of another district", lishui, cl.Code, c.ID, 422, "wrong_station"},
		{"staff of another district at A", lishui, cl.Code, a.ID, 403, "forbidden"},
	} {
		r := redeem(tc.token, tc.code, tc.station)
		if r.Status != tc.want || string(r.Problem(t).Code) != tc.wantCode {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, r.Body, tc.want, tc.wantCode)
		}
	}
	if got := e.remaining(o.ID); got != 2 {
		t.Fatalf("remaining = %d, want 2", got)
	}
	// A named station that is suspended refuses redemptions until it is
	// active again.
	suspend := func(status string, version int) {
		t.Helper()
		r := e.do(req{Method: "PATCH", Path: "/v1/stations/" + a.ID, Token: admin, ContentType: "application/merge-patch+json",
			Header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version)}, Body: map[string]string{"status": status}})
		if r.Status != 200 {
			t.Fatalf("station %s: %d %s", status, r.Status, r.Body)
		}
	}
	suspend("suspended", 1)
	if r := redeem(admin, cl.Code, a.ID); r.Status != 422 || r.Problem(t).Code != "wrong_station" {
		t.Errorf("at the suspended named station: %d %s", r.Status, r.Body)
	}
	suspend("active", 2)
	// A week and a day later the claim is past its expiry: refused, and its item is back.
	e.clock.Set(e.clock.Now().Add(8 * 24 * time.Hour))
	admin, _, err := e.auth.Login(t.Context(), "admin1", "correct horse battery", "192.0.2.1") // staff tokens last 12 hours
	if err != nil {
		t.Fatal(err)
	}
	if r := redeem(admin, cl.Code, a.ID); r.Status != http.StatusGone || r.Problem(t).Code != "expired" {
		t.Errorf("expired: %d %s", r.Status, r.Body)
	}
	if r := redeem(admin, cl.Code, a.ID); r.Status != http.StatusGone {
		t.Errorf("expired again: %d %s", r.Status, r.Body)
	}
	if got := e.remaining(o.ID); got != 3 {
		t.Errorf("remaining after expiry = %d, want 3", got)
	}
	if n, err := e.benefits.ExpireDue(t.Context()); err != nil || n != 0 {
		t.Errorf("a sweep after the redemption's expiry expired %d (%v), want 0", n, err)
	}
}

// Bad offers are refused with every offending field, and nothing is stored.
func TestOfferBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	far := stationBody("丽水驿站")
	far["district_code"] = "331102"
	c := e.create(admin, far)

	body := e.offerBody("", -1)
	body["category"] = "cash"
	body["window"] = map[string]any{"starts_at": "2026-12-10T00:00:00+08:00", "ends_at": "2026-12-01T00:00:00+08:00"}
	r := e.do(req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: body})
	p := r.Problem(t)
	var fields []string
	for _, f := range p.Errors {
		fields = append(fields, f.Field)
	}
	if r.Status != 400 || !slices.Equal(fields, []string{"title", "category", "total_stock", "window.ends_at"}) {
		t.Errorf("bad offer: %d fields %v", r.Status, fields)
	}

	farOff := e.offerBody("far off", 5)
	farOff["window"] = map[string]any{"starts_at": "2026-12-10T00:00:00+08:00", "ends_at": "9999-12-31T23:59:59-14:00"}
	if r := e.do(req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: farOff}); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"window.ends_at"`) {
		t.Errorf("a window past year 9999: %d %s", r.Status, r.Body)
	}

	outside := e.offerBody("outside", 5)
	outside["redeem_at"] = []string{c.ID, uuid.NewString()}
	r = e.do(req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: outside})
	p = r.Problem(t)
	if r.Status != 400 || len(p.Errors) != 2 || p.Errors[0].Field != "redeem_at[0]" || p.Errors[1].Field != "redeem_at[1]" {
		t.Errorf("redeem_at outside: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name  string
		token string
		body  any
		want  int
	}{
		{"not JSON", admin, "{", 400},
		{"unknown field", admin, `{"title":"x","colour":"red"}`, 400},
		{"missing total_stock", admin, map[string]any{"title": "x", "category": "meal", "window": body["window"]}, 400},
		{"everywhere, by district staff", pujiang, func() map[string]any { b := e.offerBody("x", 1); delete(b, "eligibility"); return b }(), 403},
	} {
		if r := e.do(req{Method: "POST", Path: "/v1/benefits", Token: tc.token, Body: tc.body}); r.Status != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Body, tc.want)
		}
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM benefit_offers`).Scan(&n); err != nil || n != 0 {
		t.Errorf("offers stored = %d (%v), want 0", n, err)
	}

	// A patch cannot take the stock below what is claimed, and a refused patch changes nothing.
	o := e.createOffer(pujiang, e.offerBody("礼包", 2))
	token, _ := e.worker("oRider")
	e.do(req{Method: "PATCH", Path: "/v1/me", Token: token, ContentType: "application/merge-patch+json", Body: map[string]any{"district_code": "330726"}})
	e.mustClaim(token, o.ID, "k")
	patch := func(body string) response {
		return e.do(req{Method: "PATCH", Path: "/v1/benefits/" + o.ID, Token: pujiang, Body: body, ContentType: "application/merge-patch+json"})
	}
	if r := patch(`{"total_stock": 0, "title": "新"}`); r.Status != 400 || r.Problem(t).Errors[0].Field != "total_stock" {
		t.Errorf("stock below claims: %d %s", r.Status, r.Body)
	}
	var got offerOut
	r = patch(`{"total_stock": 10}`)
	r.JSON(t, &got)
	if r.Status != 200 || *got.RemainingStock != 9 || got.Title != "礼包" || got.Version != 2 {
		t.Errorf("stock raised: %d %s", r.Status, r.Body)
	}
	if r := patch(`{"eligibility": {"district_codes": ["331102"]}}`); r.Status != 403 {
		t.Errorf("moving the offer out of one's districts: %d %s", r.Status, r.Body)
	}
	// The offer's version is its ETag; If-Match refuses a patch made
	// against an older version and changes nothing.
	if r := e.do(req{Method: "GET", Path: "/v1/benefits/" + o.ID, Token: pujiang}); r.Header.Get("ETag") != `"2"` {
		t.Errorf("GET offer ETag = %q, want \"2\"", r.Header.Get("ETag"))
	}
	patchIf := func(tag, body string) response {
		return e.do(req{Method: "PATCH", Path: "/v1/benefits/" + o.ID, Token: pujiang, Body: body,
			ContentType: "application/merge-patch+json", Header: map[string]string{"If-Match": tag}})
	}
	for _, tag := range []string{`"1"`, `"x"`, `2`} {
		if r := patchIf(tag, `{"title": "旧"}`); r.Status != 412 || r.Problem(t).Code != "stale" {
			t.Errorf("If-Match %s: %d %s", tag, r.Status, r.Body)
		}
	}
	if r := patchIf(`"2"`, `{"title": "新礼包"}`); r.Status != 200 || r.Header.Get("ETag") != `"3"` || !bytes.Contains(r.Body, []byte("新礼包")) {
		t.Errorf("If-Match at the current version: %d %s (ETag %q)", r.Status, r.Body, r.Header.Get("ETag"))
	}
	if r := e.do(req{Method: "GET", Path: "/v1/benefits?status=published", Token: pujiang}); r.Status != 200 || !bytes.Contains(r.Body, []byte(o.ID)) {
		t.Errorf("list: %d %s", r.Status, r.Body)
	}
	lishui := e.staff("lishui", auth.DistrictStaff, "331102")
	if r := e.do(req{Method: "GET", Path: "/v1/benefits/" + o.ID + "/stats", Token: lishui}); r.Status != 403 {
		t.Errorf("stats by another district: %d", r.Status)
	}
}

// A membership approval grants the welcome offer, once.
func TestWelcomeBenefitOnApproval(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	body := e.offerBody("入会礼包", 10)
	body["welcome"] = true
	// For the members of one county: the worker below never set a home
	// county in their profile, and approval fills it from the application.
	body["eligibility"] = map[string]any{"members_only": true, "district_codes": []string{"330726"}}
	o := e.createOffer(admin, body)
	second := e.offerBody("another welcome", 10)
	second["welcome"] = true
	if r := e.do(req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: second}); r.Status != 409 {
		t.Errorf("second welcome offer: %d %s", r.Status, r.Body)
	}

	token, workerID := e.worker("oNewMember")
	a, err := e.workers.Apply(t.Context(), workerID, validApplicationInput("330726"))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/membership-applications/" + a.ID.String() + "/approve", Token: admin}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	e.benefits.WaitGrants()
	var due int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM welcome_due`).Scan(&due); err != nil || due != 0 {
		t.Errorf("the approval's grant left %d welcome debts (%v)", due, err)
	}
	if err := e.benefits.GrantWelcome(t.Context(), workerID); err != nil { // a second grant changes nothing
		t.Fatal(err)
	}
	var mine struct{ Items []claimOut }
	e.do(req{Method: "GET", Path: "/v1/me/claims", Token: token}).JSON(t, &mine)
	if len(mine.Items) != 1 || !mine.Items[0].Welcome || mine.Items[0].OfferID != o.ID {
		t.Errorf("claims after approval = %+v", mine.Items)
	}
	if got := e.remaining(o.ID); got != 9 {
		t.Errorf("remaining = %d, want 9", got)
	}
	var me struct {
		DistrictCode string `json:"district_code"`
		Occupation   string `json:"occupation"`
	}
	e.do(req{Method: "GET", Path: "/v1/me", Token: token}).JSON(t, &me)
	if me.DistrictCode != "330726" || me.Occupation != "food_delivery" {
		t.Errorf("after approval the profile says %+v, want the application's county and occupation", me)
	}
	// A member whose profile names another county keeps it, and the gift
	// for 330726's members is theirs all the same: a member's county is the
	// one their membership was approved in.
	otherToken, otherID := e.worker("oYiwuRider")
	e.do(req{Method: "PATCH", Path: "/v1/me", Token: otherToken, ContentType: "application/merge-patch+json", Body: map[string]any{"district_code": "330782"}})
	a2, err := e.workers.Apply(t.Context(), otherID, validApplicationInput("330726"))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/membership-applications/" + a2.ID.String() + "/approve", Token: admin}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	e.benefits.WaitGrants()
	e.do(req{Method: "GET", Path: "/v1/me", Token: otherToken}).JSON(t, &me)
	if me.DistrictCode != "330782" || e.remaining(o.ID) != 8 {
		t.Errorf("a member of 330726 living in another county: profile %+v, %d left (want 330782 and 8)", me, e.remaining(o.ID))
	}
	// The welcome offer is granted, not claimed: it is not listed as
	// available and a claim by hand is refused, member or not.
	var avail struct{ Items []struct{ ID string } }
	e.do(req{Method: "GET", Path: "/v1/benefits/available", Token: otherToken}).JSON(t, &avail)
	for _, it := range avail.Items {
		if it.ID == o.ID {
			t.Errorf("the welcome offer is listed as available")
		}
	}
	r := e.do(req{Method: "POST", Path: "/v1/benefits/" + o.ID + "/claims", Token: otherToken, Header: map[string]string{"Idempotency-Key": "by-hand"}})
	if r.Status != 422 || r.Problem(t).Code != "not_open" || e.remaining(o.ID) != 8 {
		t.Errorf("a welcome claim by hand: %d %s, %d left", r.Status, r.Body, e.remaining(o.ID))
	}
	// A worker who is not approved gets nothing.
	_, other := e.worker("oNotYet")
	if err := e.benefits.GrantWelcome(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	if got := e.remaining(o.ID); got != 8 {
		t.Errorf("remaining after a grant to a non-member = %d, want 8", got)
	}
}

// Two API processes on one database: workers tapping through either never
// get more than the stock between them.
func TestClaimsAcrossTwoServers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	body := e.offerBody("两台服务器", 7)
	delete(body, "eligibility")
	o := e.createOffer(admin, body)
	// A second server on the same database, with services of its own.
	other, err := httpapi.New(httpapi.Deps{
		Auth:     e.auth,
		Stations: station.NewService(e.store, e.clock.Now, nil),
		Search:   search.NewEngine(),
		Workers:  e.workers,
		Benefits: benefit.NewService(postgres.NewBenefitStore(e.db), benefit.DefaultConfig, e.clock.Now),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(other)
	t.Cleanup(srv2.Close)

	const workers = 30
	tokens := make([]string, workers)
	for i := range tokens {
		tokens[i], _ = e.worker(fmt.Sprintf("oTwo%d", i))
	}
	statuses := make([]int, workers)
	var wg sync.WaitGroup
	for i, tok := range tokens {
		wg.Go(func() {
			base := e.srv.URL
			if i%2 == 1 {
				base = srv2.URL
			}
			hr, _ := http.NewRequest("POST", base+"/v1/benefits/"+o.ID+"/claims", nil)
			hr.Header.Set("Authorization", "Bearer "+tok)
			hr.Header.Set("Idempotency-Key", "tap")
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	got := map[int]int{}
	for _, s := range statuses {
		got[s]++
	}
	if got[201] != 7 || got[409] != workers-7 {
		t.Errorf("answers = %v, want 7 × 201 and %d × 409", got, workers-7)
	}
	if n := e.remaining(o.ID); n != 0 {
		t.Errorf("remaining = %d, want 0", n)
	}
}

// Bad query strings on the benefit endpoints are 400s naming each parameter.
func TestBenefitBadQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	token, _ := e.worker("oRider")
	for _, tc := range []struct {
		path, token string
		fields      []string
	}{
		{"/v1/benefits/available?lat=91&lng=x&crs=mars", token, []string{"crs", "lat", "lng"}},
		{"/v1/benefits/available?lat=29.4", token, []string{"lng"}},
		{"/v1/me/claims?limit=0&cursor=%25", token, []string{"limit", "cursor"}},
		{"/v1/benefits?status=live&limit=101", admin, []string{"status", "limit"}},
	} {
		r := e.do(req{Method: "GET", Path: tc.path, Token: tc.token})
		var got []string
		for _, f := range r.Problem(t).Errors {
			got = append(got, f.Field)
		}
		if r.Status != 400 || !slices.Equal(got, tc.fields) {
			t.Errorf("%s: %d fields %v, want 400 %v", tc.path, r.Status, got, tc.fields)
		}
	}
	if r := e.do(req{Method: "POST", Path: "/v1/claims/redeem", Token: admin, Body: map[string]string{"code": "abc", "station_id": "x"}}); r.Status != 400 || len(r.Problem(t).Errors) != 2 {
		t.Errorf("bad redeem: %d %s", r.Status, r.Body)
	}
}
