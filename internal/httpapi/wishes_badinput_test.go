package httpapi_test

import (
	"net/http"
	"testing"

	"yizhan/internal/auth"
)

// Bad input to the wish and aid routes is a 4xx problem with a stable code
// and changes nothing; never a 500.
func TestBadWishAndAidInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	member := e.member(pujiang, "oBad", "330726")
	w := e.publishedWish(member, pujiang)
	for _, c := range []struct {
		name   string
		r      req
		status int
		code   string
	}{
		{"value as a string", req{Method: "POST", Path: "/v1/me/wishes", Token: member, Body: `{"title":"a","story":"b","category":"other","value_yuan":"120"}`}, 400, "invalid"},
		{"value too big for an int", req{Method: "POST", Path: "/v1/me/wishes", Token: member, Body: `{"title":"a","story":"b","category":"other","value_yuan":1e30}`}, 400, "invalid"},
		{"unknown field", req{Method: "POST", Path: "/v1/me/wishes", Token: member, Body: `{"title":"a","story":"b","category":"other","value_yuan":1,"phone":"x"}`}, 400, "invalid"},
		{"a control character", req{Method: "POST", Path: "/v1/me/wishes", Token: member, Body: `{"title":"a\u0007","story":"b","category":"other","value_yuan":1}`}, 400, "invalid"},
		{"a field twice", req{Method: "POST", Path: "/v1/me/wishes", Token: member, Body: `{"title":"a","TITLE":"b","story":"b","category":"other","value_yuan":1}`}, 400, "invalid"},
		{"not JSON", req{Method: "POST", Path: "/v1/me/wishes", Token: member, Body: `{`}, 400, "invalid"},
		{"a bad wish id", req{Method: "GET", Path: "/v1/wishes/not-an-id"}, 404, "not_found"},
		{"an unknown wish", req{Method: "POST", Path: "/v1/wishes/01a23861-e7a4-75cd-9de7-9903b3187372/pledge", Token: pujiang}, 404, "not_found"},
		{"a bad status", req{Method: "GET", Path: "/v1/wishes?status=lost"}, 400, "invalid"},
		{"a bad district", req{Method: "GET", Path: "/v1/wishes?district_code=330799"}, 400, "invalid"},
		{"an unknown parameter", req{Method: "GET", Path: "/v1/wishes?district=330726"}, 400, "unknown_parameter"},
		{"a bad cursor", req{Method: "GET", Path: "/v1/wishes?cursor=%%%"}, 400, "invalid"},
		{"reject without a reason", req{Method: "POST", Path: "/v1/wishes/" + w.ID + "/reject", Token: pujiang, Body: `{}`}, 400, "invalid"},
		{"a bad token on the wall", req{Method: "GET", Path: "/v1/wishes", Token: "yzs_nonsense"}, 401, "unauthorized"},
		{"aid amount negative", req{Method: "POST", Path: "/v1/me/aid-applications", Token: member, Body: `{"category":"illness","amount_requested_yuan":-5,"description":"x","consent":true}`}, 400, "invalid"},
		{"aid consent as a string", req{Method: "POST", Path: "/v1/me/aid-applications", Token: member, Body: `{"category":"illness","amount_requested_yuan":5,"description":"x","consent":"yes"}`}, 400, "invalid"},
		{"aid approve without an amount", req{Method: "POST", Path: "/v1/aid-applications/01a23861-e7a4-75cd-9de7-9903b3187372/approve", Token: pujiang, Body: `{}`}, 400, "invalid"},
		{"aid approve of nothing", req{Method: "POST", Path: "/v1/aid-applications/01a23861-e7a4-75cd-9de7-9903b3187372/approve", Token: pujiang, Body: `{"amount_yuan":5}`}, 404, "not_found"},
		{"aid list bad status", req{Method: "GET", Path: "/v1/aid-applications?status=open", Token: pujiang}, 400, "invalid"},
		{"aid by a worker", req{Method: "GET", Path: "/v1/aid-applications", Token: member}, 403, "forbidden"},
	} {
		r := e.do(c.r)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		if p := r.Problem(t); string(p.Code) != c.code {
			t.Errorf("%s: code %s, want %s", c.name, p.Code, c.code)
		}
	}
	var mine struct{ Items []wishOut }
	e.do(req{Method: "GET", Path: "/v1/me/wishes", Token: member}).JSON(t, &mine)
	if len(mine.Items) != 1 {
		t.Errorf("bad input changed something: %d wishes", len(mine.Items))
	}
	if r := e.do(req{Method: "GET", Path: "/v1/me/aid-applications", Token: member}); r.Status != http.StatusOK || string(r.Body) != "{\"items\":[]}\n" {
		t.Errorf("bad input filed an application: %s", r.Body)
	}
}

// A second wish while one awaits review, and a second aid application while
// one is open, are 409: a retry after a lost answer files nothing twice.
func TestOneOpenWishAndAidApplication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	member := e.member(pujiang, "oTwice", "330726")
	body := wishBody("送餐路上头盔摔裂了，想换一个新的。")
	if r := e.postWish(member, body); r.Status != http.StatusCreated {
		t.Fatalf("first wish: %d %s", r.Status, r.Body)
	}
	if r := e.postWish(member, body); r.Status != http.StatusConflict || r.Problem(t).Code != "conflict" {
		t.Errorf("the same wish again: %d %s", r.Status, r.Body)
	}
	aid := map[string]any{"category": "injury", "amount_requested_yuan": 800, "description": "送餐时摔伤了腿。", "consent": true}
	if r := e.do(req{Method: "POST", Path: "/v1/me/aid-applications", Token: member, Body: aid}); r.Status != http.StatusCreated {
		t.Fatalf("first application: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/me/aid-applications", Token: member, Body: aid}); r.Status != http.StatusConflict {
		t.Errorf("the same application again: %d %s", r.Status, r.Body)
	}
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM wishes) + (SELECT count(*) FROM aid_applications)`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d rows (%v), want 2", n, err)
	}
}
