package httpapi_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"yizhan/internal/auth"
)

// countyOffer is a published offer for the workers of one district, open
// for 90 days.
func (e *env) countyOffer(token, title, district string, membersOnly bool) offerOut {
	e.t.Helper()
	body := e.offerBody(title, 10)
	now := e.clock.Now()
	body["window"] = map[string]any{"starts_at": now.Add(-time.Hour), "ends_at": now.Add(90 * 24 * time.Hour)}
	body["eligibility"] = map[string]any{"members_only": membersOnly, "district_codes": []string{district}}
	return e.createOffer(token, body)
}

func (e *env) patchCounty(token string, county any) response {
	e.t.Helper()
	return e.do(req{Method: "PATCH", Path: "/v1/me", Token: token, ContentType: "application/merge-patch+json",
		Body: map[string]any{"district_code": county}})
}

// The attack of issue 14: a member switches their home county to another
// county's and claims that county's members-only offer. A member's county is
// the one their membership was approved in.
func TestMemberCountyIsTheMembershipsCounty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	yiwu := e.countyOffer(admin, "义乌会员礼包", "330782", true)
	pujiang := e.countyOffer(admin, "浦江会员礼包", "330726", true)

	token, workerID := e.worker("oPujiangMember")
	a, err := e.workers.Apply(t.Context(), workerID, validApplicationInput("330726"))
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/membership-applications/" + a.ID.String() + "/approve", Token: admin}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	e.benefits.WaitGrants()

	// A member's home county changes freely: it no longer decides anything.
	if r := e.patchCounty(token, "330782"); r.Status != 200 {
		t.Fatalf("PATCH district_code: %d %s", r.Status, r.Body)
	}
	if r := e.claim(token, yiwu.ID, "yiwu"); r.Status != http.StatusForbidden || r.Problem(t).Code != "not_eligible" {
		t.Errorf("claim of another county's members-only offer: %d %s, want 403 not_eligible", r.Status, r.Body)
	}
	if got := e.remaining(yiwu.ID); got != 10 {
		t.Errorf("the other county's offer has %d left, want 10", got)
	}
	var avail struct{ Items []struct{ ID string } }
	e.do(req{Method: "GET", Path: "/v1/benefits/available", Token: token}).JSON(t, &avail)
	if len(avail.Items) != 1 || avail.Items[0].ID != pujiang.ID {
		t.Errorf("available = %+v, want only the membership county's offer %s", avail.Items, pujiang.ID)
	}
	e.mustClaim(token, pujiang.ID, "pujiang")
	var me struct {
		DistrictCode           string `json:"district_code"`
		MembershipDistrictCode string `json:"membership_district_code"`
	}
	e.do(req{Method: "GET", Path: "/v1/me", Token: token}).JSON(t, &me)
	if me.DistrictCode != "330782" || me.MembershipDistrictCode != "330726" {
		t.Errorf("GET /v1/me = %+v, want home 330782 and membership 330726", me)
	}
	// The schema keeps a membership's county, whatever code writes the row.
	if _, err := e.db.Pool.Exec(t.Context(), `UPDATE workers SET member_district_code = '330782' WHERE id = $1`, workerID); err == nil {
		t.Error("the database let a membership's county change")
	}
	if _, err := e.db.Pool.Exec(t.Context(), `UPDATE workers SET member_district_code = NULL WHERE id = $1`, workerID); err == nil {
		t.Error("the database let a member lose their membership's county")
	}
}

// A non-member's home county decides their county's benefits, so it may
// change once per 30 days: switch, claim, switch back is refused.
func TestHomeCountyChangesOncePer30Days(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	yiwu := e.countyOffer(admin, "义乌骑手礼包", "330782", false)
	token, workerID := e.worker("oRider")

	if r := e.patchCounty(token, "330726"); r.Status != 200 {
		t.Fatalf("first county: %d %s", r.Status, r.Body)
	}
	e.clock.Set(e.clock.Now().Add(time.Hour))
	r := e.patchCounty(token, "330782")
	if r.Status != http.StatusConflict || r.Problem(t).Code != "too_soon" {
		t.Fatalf("a second change within the hour: %d %s, want 409 too_soon", r.Status, r.Body)
	}
	if r := e.claim(token, yiwu.ID, "yiwu"); r.Status != http.StatusForbidden || r.Problem(t).Code != "not_eligible" {
		t.Errorf("claim after a refused change: %d %s, want 403 not_eligible", r.Status, r.Body)
	}
	for _, county := range []any{nil, ""} {
		if r := e.patchCounty(token, county); r.Status != http.StatusConflict || r.Problem(t).Code != "too_soon" {
			t.Errorf("clearing the county (%v) within the 30 days: %d %s, want 409 too_soon", county, r.Status, r.Body)
		}
	}
	// The same county again is no change, and other fields change freely.
	r = e.do(req{Method: "PATCH", Path: "/v1/me", Token: token, ContentType: "application/merge-patch+json",
		Body: map[string]any{"district_code": "330726", "nickname": "小王"}})
	if r.Status != 200 {
		t.Errorf("PATCH the same county and a nickname: %d %s", r.Status, r.Body)
	}

	// The schema refuses a change that does not record a time 30 days on.
	if _, err := e.db.Pool.Exec(t.Context(), `UPDATE workers SET district_code = '330782' WHERE id = $1`, workerID); err == nil {
		t.Error("the database let the home county change without recording when")
	}
	if _, err := e.db.Pool.Exec(t.Context(), `UPDATE workers SET district_code = '330782', district_changed_at = district_changed_at + interval '29 days'
		WHERE id = $1`, workerID); err == nil {
		t.Error("the database let the home county change 29 days after the last change")
	}

	e.clock.Set(e.clock.Now().Add(30 * 24 * time.Hour))
	token, _ = e.worker("oRider") // the session expired meanwhile
	if r := e.patchCounty(token, "330782"); r.Status != 200 {
		t.Fatalf("a change 30 days on: %d %s", r.Status, r.Body)
	}
	e.mustClaim(token, yiwu.ID, "yiwu")
	e.clock.Set(e.clock.Now().Add(24 * time.Hour))
	if r := e.patchCounty(token, "330726"); r.Status != http.StatusConflict || r.Problem(t).Code != "too_soon" {
		t.Errorf("switching back a day later: %d %s, want 409 too_soon", r.Status, r.Body)
	}
}

// member signs a new worker in, has their application in county approved
// by staff, and returns their token once the welcome grant is done.
func (e *env) member(staff, openid, county string) string {
	e.t.Helper()
	token, id := e.worker(openid)
	a, err := e.workers.Apply(e.t.Context(), id, validApplicationInput(county))
	if err != nil {
		e.t.Fatal(err)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/membership-applications/" + a.ID.String() + "/approve", Token: staff}); r.Status != 200 {
		e.t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	e.benefits.WaitGrants()
	return token
}

// One published welcome offer per district scope, and a new member gets the
// most specific one covering their county: county, then city, then
// province.
func TestWelcomeOfferPerScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	yiwuStaff := e.staff("yiwu", auth.DistrictStaff, "330782")
	welcome := func(title string, districts ...string) map[string]any {
		body := e.offerBody(title, 10)
		body["welcome"] = true
		body["eligibility"] = map[string]any{"members_only": true, "district_codes": districts}
		return body
	}
	province := e.createOffer(admin, welcome("浙江省入会礼", "330000"))
	city := e.createOffer(admin, welcome("金华市入会礼", "330700"))
	county := e.createOffer(admin, welcome("浦江县入会礼", "330726"))
	// A county's union publishes its own, beside the province's and city's.
	yiwu := e.createOffer(yiwuStaff, welcome("义乌市入会礼", "330782"))
	if r := e.do(req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: welcome("浦江县第二个入会礼", "330726")}); r.Status != http.StatusConflict {
		t.Errorf("a second welcome offer for one scope: %d %s, want 409", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: welcome("两县入会礼", "330781", "330783")}); r.Status != http.StatusBadRequest {
		t.Errorf("a welcome offer of two districts: %d %s, want 400", r.Status, r.Body)
	}
	// The schema holds both rules, whatever code writes the rows.
	if _, err := e.db.Pool.Exec(t.Context(), `UPDATE benefit_offers SET district_codes = '{330781,330783}' WHERE id = $1`, province.ID); err == nil {
		t.Error("the database let a welcome offer name two districts")
	}
	if _, err := e.db.Pool.Exec(t.Context(), `UPDATE benefit_offers SET district_codes = '{330726}' WHERE id = $1`, city.ID); err == nil {
		t.Error("the database let two published welcome offers share a scope")
	}
	// A draft for a taken scope is fine; publishing it is not.
	draft := welcome("浦江县草稿", "330726")
	draft["status"] = "draft"
	d := e.createOffer(admin, draft)
	if r := e.do(req{Method: "PATCH", Path: "/v1/benefits/" + d.ID, Token: admin, ContentType: "application/merge-patch+json",
		Body: map[string]any{"status": "published"}}); r.Status != http.StatusConflict {
		t.Errorf("publishing a second welcome offer for one scope: %d %s, want 409", r.Status, r.Body)
	}

	for _, tc := range []struct {
		openid, county string
		want           string // offer id, "" for none
	}{
		{"oPujiang", "330726", county.ID},    // the county's own
		{"oLanxi", "330781", city.ID},        // Lanxi: Jinhua's
		{"oYiwu", "330782", yiwu.ID},         // Yiwu: its own, not Jinhua's
		{"oHangzhou", "330102", province.ID}, // Hangzhou: the province's
		{"oBeijing", "110101", ""},           // no welcome offer covers Beijing
		{"oDongguan", "441900", ""},          // nor Dongguan, a city that is its own county
	} {
		token := e.member(admin, tc.openid, tc.county)
		var mine struct{ Items []claimOut }
		e.do(req{Method: "GET", Path: "/v1/me/claims", Token: token}).JSON(t, &mine)
		var got []string
		for _, c := range mine.Items {
			got = append(got, c.OfferID)
			if !c.Welcome {
				t.Errorf("%s: claim %+v is not a welcome claim", tc.county, c)
			}
		}
		want := []string{tc.want}
		if tc.want == "" {
			want = nil
		}
		if !slices.Equal(got, want) {
			t.Errorf("member of %s got offers %v, want %v", tc.county, got, want)
		}
	}
	for _, o := range []struct {
		offer offerOut
		want  int
	}{{province, 9}, {city, 9}, {county, 9}, {yiwu, 9}} {
		if got := e.remaining(o.offer.ID); got != o.want {
			t.Errorf("%s: %d left, want %d", o.offer.Title, got, o.want)
		}
	}

	// When the county's offer has ended, its new members get the city's.
	if r := e.do(req{Method: "PATCH", Path: "/v1/benefits/" + county.ID, Token: admin, ContentType: "application/merge-patch+json",
		Body: map[string]any{"status": "ended"}}); r.Status != 200 {
		t.Fatalf("end the county's welcome offer: %d %s", r.Status, r.Body)
	}
	token := e.member(admin, "oPujiang2", "330726")
	var mine struct{ Items []claimOut }
	e.do(req{Method: "GET", Path: "/v1/me/claims", Token: token}).JSON(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].OfferID != city.ID {
		t.Errorf("a Pujiang member after the county's offer ended got %+v, want the city's %s", mine.Items, city.ID)
	}
}
