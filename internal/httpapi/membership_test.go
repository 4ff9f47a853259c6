package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"yizhan/internal/auth"
)

type applicationOut struct {
	ID               string     `json:"id"`
	Status           string     `json:"status"`
	RealName         string     `json:"real_name"`
	Phone            string     `json:"phone"`
	Occupation       string     `json:"occupation"`
	Employer         string     `json:"employer"`
	DistrictCode     string     `json:"district_code"`
	DecidedAt        *time.Time `json:"decided_at"`
	DecidedBy        string     `json:"decided_by"`
	Reason           string     `json:"reason"`
	MembershipNumber string     `json:"membership_number"`
}

func (e *env) apply(token string, body any) response {
	e.t.Helper()
	return e.do(req{Method: "POST", Path: "/v1/me/membership-application", Token: token, Body: body})
}

// The whole life of an application: apply, one open at a time, rejection by
// the district's staff with a reason, a second application, approval.
func TestMembershipApplicationLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	inside := e.staff("pujiang", auth.DistrictStaff, "330726")
	outside := e.staff("lishui", auth.DistrictStaff, "331102")
	tok, workerID := e.worker("oMember")

	if r := e.do(req{Method: "GET", Path: "/v1/me/membership-application", Token: tok}); r.Status != 404 {
		t.Errorf("before applying: %d, want 404", r.Status)
	}
	r := e.apply(tok, validApplication())
	if r.Status != http.StatusCreated {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	var first applicationOut
	r.JSON(t, &first)
	want := applicationOut{ID: first.ID, Status: "pending", RealName: "王小明", Phone: "13800138000", Occupation: "food_delivery", Employer: "美团", DistrictCode: "330726"}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Errorf("the new application (-want +got):\n%s", diff)
	}
	// One open application at a time.
	r = e.apply(tok, validApplication())
	if r.Status != http.StatusConflict || r.Problem(t).Code != "conflict" {
		t.Errorf("second open application: %d %s", r.Status, r.Body)
	}

	// Staff of another district neither see nor decide it.
	var page struct{ Items []applicationOut }
	e.do(req{Method: "GET", Path: "/v1/membership-applications?status=pending", Token: outside}).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("staff of another district see %d applications", len(page.Items))
	}
	for _, action := range []string{"approve", "reject"} {
		r := e.do(req{Method: "POST", Path: "/v1/membership-applications/" + first.ID + "/" + action, Token: outside, Body: map[string]string{"reason": "x"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("%s by staff of another district: %d, want 403", action, r.Status)
		}
	}
	e.do(req{Method: "GET", Path: "/v1/membership-applications?status=pending&district_code=330726", Token: inside}).JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != first.ID {
		t.Fatalf("the district's staff see %+v", page.Items)
	}

	// Rejection needs a reason, and is audited.
	path := "/v1/membership-applications/" + first.ID
	for _, body := range []any{map[string]string{}, map[string]string{"reason": "  "}, map[string]string{"reason": strings.Repeat("x", 201)}} {
		if r := e.do(req{Method: "POST", Path: path + "/reject", Token: inside, Body: body}); r.Status != 400 || r.Problem(t).Errors[0].Field != "reason" {
			t.Errorf("reject with %v: %d %s", body, r.Status, r.Body)
		}
	}
	r = e.do(req{Method: "POST", Path: path + "/reject", Token: inside, Body: map[string]string{"reason": "请补充雇主证明"}})
	var rejected applicationOut
	r.JSON(t, &rejected)
	if r.Status != 200 || rejected.Status != "rejected" || rejected.DecidedBy != e.actor(inside) || rejected.Reason != "请补充雇主证明" ||
		rejected.DecidedAt == nil || !rejected.DecidedAt.Equal(e.clock.Now()) {
		t.Errorf("reject: %d %+v", r.Status, rejected)
	}
	if r := e.do(req{Method: "POST", Path: path + "/approve", Token: inside}); r.Status != http.StatusConflict {
		t.Errorf("approving a rejected application: %d, want 409", r.Status)
	}
	var mine applicationOut
	e.do(req{Method: "GET", Path: "/v1/me/membership-application", Token: tok}).JSON(t, &mine)
	if mine.Status != "rejected" || mine.Reason != "请补充雇主证明" || mine.DecidedBy != "" {
		t.Errorf("the worker sees %+v (the deciding staff member's name is for staff only)", mine)
	}

	// A rejected worker may apply again, and be approved.
	e.clock.Set(e.clock.Now().Add(time.Hour))
	r = e.apply(tok, validApplication())
	var second applicationOut
	r.JSON(t, &second)
	if r.Status != http.StatusCreated || second.ID == first.ID {
		t.Fatalf("reapply: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "POST", Path: "/v1/membership-applications/" + second.ID + "/approve", Token: inside})
	var approved applicationOut
	r.JSON(t, &approved)
	if r.Status != 200 || approved.Status != "approved" || approved.DecidedBy != e.actor(inside) || approved.Reason != "" ||
		!strings.HasPrefix(approved.MembershipNumber, "YZ") {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	var me workerOut
	e.do(req{Method: "GET", Path: "/v1/me", Token: tok}).JSON(t, &me)
	if !me.IsMember || me.MembershipNumber != approved.MembershipNumber || me.MemberSince == nil || !me.MemberSince.Equal(e.clock.Now()) {
		t.Errorf("after approval /v1/me = %+v", me)
	}
	e.do(req{Method: "GET", Path: "/v1/me/membership-application", Token: tok}).JSON(t, &mine)
	if mine.ID != second.ID || mine.Status != "approved" || mine.MembershipNumber != approved.MembershipNumber {
		t.Errorf("the worker's newest application: %+v", mine)
	}
	// Deciding twice, and applying as a member, are conflicts.
	for _, r := range []response{
		e.do(req{Method: "POST", Path: "/v1/membership-applications/" + second.ID + "/approve", Token: inside}),
		e.do(req{Method: "POST", Path: "/v1/membership-applications/" + second.ID + "/reject", Token: inside, Body: map[string]string{"reason": "x"}}),
		e.apply(tok, validApplication()),
	} {
		if r.Status != http.StatusConflict {
			t.Errorf("after approval: %d %s, want 409", r.Status, r.Body)
		}
	}
	// The audit trail in the database.
	rows, err := e.db.Pool.Query(t.Context(), `SELECT status, decided_by, decided_at, coalesce(reason, '') FROM membership_applications
		WHERE worker_id = $1 ORDER BY created_at`, workerID)
	if err != nil {
		t.Fatal(err)
	}
	var audit []string
	for rows.Next() {
		var (
			status, by, reason string
			at                 time.Time
		)
		if err := rows.Scan(&status, &by, &at, &reason); err != nil {
			t.Fatal(err)
		}
		audit = append(audit, fmt.Sprintf("%s by %s at %s: %s", status, by, at.UTC().Format("15:04"), reason))
	}
	by := e.actor(inside)
	if want := []string{"rejected by " + by + " at 10:00: 请补充雇主证明", "approved by " + by + " at 11:00: "}; !cmp.Equal(audit, want) {
		t.Errorf("audit = %q, want %q", audit, want)
	}
}

// Every bad application is refused with every offending field, and stores
// nothing.
func TestBadMembershipApplication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, _ := e.worker("oBad")
	with := func(k string, v any) map[string]any {
		b := validApplication()
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		fields []string
	}{
		{"missing real_name", with("real_name", nil), 400, []string{"real_name"}},
		{"blank real_name", with("real_name", "   "), 400, []string{"real_name"}},
		{"long real_name", with("real_name", strings.Repeat("王", 51)), 400, []string{"real_name"}},
		{"missing phone", with("phone", nil), 400, []string{"phone"}},
		{"invalid phone", with("phone", "1380013800"), 400, []string{"phone"}},
		{"unknown occupation", with("occupation", "astronaut"), 400, []string{"occupation"}},
		{"missing occupation", with("occupation", nil), 400, []string{"occupation"}},
		{"consent false", with("consent", false), 400, []string{"consent"}},
		{"consent missing", with("consent", nil), 400, []string{"consent"}},
		{"consent not a boolean", with("consent", "yes"), 400, []string{"consent"}},
		{"city district", with("district_code", "330700"), 400, []string{"district_code"}},
		{"no such province", with("district_code", "990726"), 400, []string{"district_code"}},
		{"malformed district", with("district_code", "33072x"), 400, []string{"district_code"}},
		{"missing district", with("district_code", nil), 400, []string{"district_code"}},
		{"long employer", with("employer", strings.Repeat("x", 61)), 400, []string{"employer"}},
		{"unknown field", with("id_card", "330726199001011234"), 400, []string{"id_card"}},
		{"everything wrong", map[string]any{"phone": "x", "occupation": "x", "district_code": "x", "consent": false}, 400,
			[]string{"real_name", "phone", "occupation", "district_code", "consent"}},
		{"empty body", "", 400, nil},
	} {
		r := e.apply(tok, tc.body)
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
	var n int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM membership_applications`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("refused applications stored %d rows", n)
	}
	// Without a phone in the profile, and with employer left out, a valid one is accepted.
	if r := e.apply(tok, with("employer", nil)); r.Status != 201 {
		t.Errorf("without employer: %d %s", r.Status, r.Body)
	}
}

// A double tap on "apply" files one application: the others are conflicts.
func TestConcurrentApplicationsFileOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok, workerID := e.worker("oDoubleTap")
	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = e.apply(tok, validApplication()).Status })
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if want := map[int]int{201: 1, 409: n - 1}; !cmp.Equal(count, want) {
		t.Errorf("statuses %v, want %v", count, want)
	}
	var pending int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM membership_applications WHERE worker_id = $1`, workerID).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 1 {
		t.Errorf("%d applications stored, want 1", pending)
	}
}

// Concurrent decisions on one application: exactly one wins, and the worker
// gets one membership number.
func TestConcurrentDecisionsDecideOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	inside := e.staff("pujiang", auth.DistrictStaff, "330726")
	id := e.pendingApplication("oRace", "330726")
	const n = 10
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tok, action := admin, "approve"
			if i%2 == 1 {
				tok, action = inside, "reject"
			}
			statuses[i] = e.do(req{Method: "POST", Path: "/v1/membership-applications/" + id + "/" + action, Token: tok, Body: map[string]string{"reason": "x"}}).Status
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 409:
		default:
			t.Errorf("status %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d decisions succeeded, want 1 (%v)", ok, statuses)
	}
}

func TestListMembershipApplications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	city := e.staff("jinhua", auth.DistrictStaff, "330700") // Pujiang 330726 and Yiwu 330782
	var ids []string
	for i := range 7 {
		district := "330726"
		switch i % 3 {
		case 1:
			district = "330782"
		case 2:
			district = "331102" // Lishui, outside Jinhua
		}
		ids = append(ids, e.pendingApplication(fmt.Sprintf("oList%d", i), district))
	}
	if r := e.do(req{Method: "POST", Path: "/v1/membership-applications/" + ids[0] + "/reject", Token: admin, Body: map[string]string{"reason": "x"}}); r.Status != 200 {
		t.Fatal(r.Status)
	}
	list := func(tok, query string) []string {
		t.Helper()
		var got []string
		cursor := ""
		for {
			var page struct {
				Items      []applicationOut
				NextCursor string `json:"next_cursor"`
			}
			r := e.do(req{Method: "GET", Path: "/v1/membership-applications?limit=2&" + query + "&cursor=" + cursor, Token: tok})
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", query, r.Status, r.Body)
			}
			r.JSON(t, &page)
			for _, a := range page.Items {
				got = append(got, a.ID)
			}
			if page.NextCursor == "" {
				return got
			}
			cursor = page.NextCursor
		}
	}
	for _, tc := range []struct {
		who, tok, query string
		want            []string
	}{
		{"admin", admin, "", ids},
		{"admin", admin, "status=pending", ids[1:]},
		{"admin", admin, "status=rejected", ids[:1]},
		{"admin", admin, "district_code=331100", []string{ids[2], ids[5]}},
		{"city", city, "", []string{ids[0], ids[1], ids[3], ids[4], ids[6]}},
		{"city", city, "district_code=330782", []string{ids[1], ids[4]}},
		{"city", city, "district_code=331102", nil}, // outside: nothing, not someone else's
		{"city", city, "district_code=330000&status=pending", []string{ids[1], ids[3], ids[4], ids[6]}},
	} {
		if got := list(tc.tok, tc.query); !cmp.Equal(got, tc.want) {
			t.Errorf("%s %q: %v, want %v", tc.who, tc.query, got, tc.want)
		}
	}
	for _, tc := range []struct{ query, field string }{
		{"status=open", "status"},
		{"district_code=12", "district_code"},
		{"limit=0", "limit"},
		{"limit=101", "limit"},
		{"cursor=@@", "cursor"},
	} {
		r := e.do(req{Method: "GET", Path: "/v1/membership-applications?" + tc.query, Token: admin})
		if r.Status != 400 || len(r.Problem(t).Errors) != 1 || r.Problem(t).Errors[0].Field != tc.field {
			t.Errorf("%s: %d %s", tc.query, r.Status, r.Body)
		}
	}
	for _, path := range []string{"/v1/membership-applications/not-a-uuid/approve", "/v1/membership-applications/0190f5a8-0000-7000-8000-000000000000/approve"} {
		if r := e.do(req{Method: "POST", Path: path, Token: admin}); r.Status != 404 {
			t.Errorf("%s: %d, want 404", path, r.Status)
		}
	}
}
