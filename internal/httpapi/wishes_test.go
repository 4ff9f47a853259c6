package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"yizhan/internal/aid"
	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
	"yizhan/internal/postgres"
	"yizhan/internal/wish"
)

type wishOut struct {
	ID           string  `json:"id"`
	Title        string  `json:"title"`
	Status       string  `json:"status"`
	Wisher       string  `json:"wisher"`
	RejectReason string  `json:"reject_reason"`
	ReviewedAt   *string `json:"reviewed_at"`
	PledgedAt    *string `json:"pledged_at"`
	DeliveredAt  *string `json:"delivered_at"`
	ConfirmedAt  *string `json:"confirmed_at"`
	PledgedBy    string  `json:"pledged_by"`
}

func wishBody(story string) map[string]any {
	return map[string]any{"title": "一个新的电动车头盔", "story": story, "category": "daily_goods", "value_yuan": 120}
}

func (e *env) postWish(token string, body any) response {
	e.t.Helper()
	return e.do(req{Method: "POST", Path: "/v1/me/wishes", Token: token, Body: body})
}

func (e *env) publishedWish(worker, staff string) wishOut {
	e.t.Helper()
	r := e.postWish(worker, wishBody("送餐路上头盔摔裂了，想换一个新的。"))
	if r.Status != http.StatusCreated {
		e.t.Fatalf("post wish: %d %s", r.Status, r.Body)
	}
	var w wishOut
	r.JSON(e.t, &w)
	if r := e.do(req{Method: "POST", Path: "/v1/wishes/" + w.ID + "/approve", Token: staff}); r.Status != http.StatusOK {
		e.t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	return w
}

func TestWishFromPostToConfirmation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	yiwu := e.staff("yiwu", auth.DistrictStaff, "330782")
	donor := e.staff("aixin", auth.Donor)
	otherDonor := e.staff("aixin2", auth.Donor)
	member := e.member(pujiang, "oWisher", "330726")
	nonMember, _ := e.worker("oNobody")

	if r := e.postWish(nonMember, wishBody("想要一个头盔")); r.Status != http.StatusForbidden || r.Problem(t).Code != "not_eligible" {
		t.Errorf("a non-member's wish: %d %s", r.Status, r.Body)
	}
	for _, story := range []string{"有事请打 138-0013-8000", "身份证 11010519491231002X", "座机 0579 8412 3456"} {
		r := e.postWish(member, wishBody(story))
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("%q: %d %s, want 422", story, r.Status, r.Body)
			continue
		}
		if p := r.Problem(t); p.Code != "contains_personal_data" || len(p.Errors) != 1 || p.Errors[0].Field != "story" || strings.Contains(string(r.Body), "8000") {
			t.Errorf("%q: %s", story, r.Body)
		}
	}
	if r := e.postWish(member, map[string]any{"title": strings.Repeat("盔", 41), "story": "x", "category": "car", "value_yuan": 501}); r.Status != http.StatusBadRequest || len(r.Problem(t).Errors) != 3 {
		t.Errorf("bad fields: %d %s", r.Status, r.Body)
	}

	r := e.postWish(member, wishBody("送餐路上头盔摔裂了，想换一个新的。"))
	var w wishOut
	r.JSON(t, &w)
	if r.Status != http.StatusCreated || w.Status != "pending" || w.Wisher != "浦江县·外卖骑手" {
		t.Fatalf("post: %d %s", r.Status, r.Body)
	}
	path := "/v1/wishes/" + w.ID
	if r := e.do(req{Method: "GET", Path: path}); r.Status != http.StatusNotFound {
		t.Errorf("a pending wish in public: %d", r.Status)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/wishes?status=pending"}); r.Status != http.StatusForbidden {
		t.Errorf("the review queue without a token: %d", r.Status)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/wishes?status=pending", Token: donor}); r.Status != http.StatusForbidden {
		t.Errorf("the review queue to a donor: %d", r.Status)
	}
	var queue struct{ Items []wishOut }
	e.do(req{Method: "GET", Path: "/v1/wishes?status=pending", Token: yiwu}).JSON(t, &queue)
	if len(queue.Items) != 0 {
		t.Errorf("another county's queue holds %d", len(queue.Items))
	}
	e.do(req{Method: "GET", Path: "/v1/wishes?status=pending", Token: pujiang}).JSON(t, &queue)
	if len(queue.Items) != 1 {
		t.Errorf("the county's queue holds %d", len(queue.Items))
	}
	if r := e.do(req{Method: "POST", Path: path + "/approve", Token: yiwu}); r.Status != http.StatusForbidden {
		t.Errorf("another county approves: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: path + "/approve", Token: pujiang}); r.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}

	// The public wall: the wish, and nothing of who wished but the county and the occupation.
	r = e.do(req{Method: "GET", Path: "/v1/wishes?district_code=330700"})
	var wall struct{ Items []map[string]any }
	r.JSON(t, &wall)
	if len(wall.Items) != 1 || wall.Items[0]["wisher"] != "浦江县·外卖骑手" {
		t.Fatalf("the wall: %s", r.Body)
	}
	for k := range wall.Items[0] {
		switch k {
		case "id", "title", "story", "category", "value_yuan", "status", "district_code", "district_name", "occupation", "wisher", "created_at", "reviewed_at":
		default:
			t.Errorf("the public wall shows %q", k)
		}
	}
	if r := e.do(req{Method: "POST", Path: path + "/pledge", Token: member}); r.Status != http.StatusForbidden {
		t.Errorf("a worker pledges: %d", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: path + "/pledge", Token: yiwu}); r.Status != http.StatusForbidden {
		t.Errorf("staff of another county pledge: %d", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: path + "/pledge", Token: donor}); r.Status != http.StatusOK {
		t.Fatalf("pledge: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: path + "/pledge", Token: donor}); r.Status != http.StatusOK {
		t.Errorf("the winner's retry: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: path + "/pledge", Token: otherDonor}); r.Status != http.StatusConflict || r.Problem(t).Code != "already_pledged" {
		t.Errorf("a second donor: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: path + "/deliver", Token: donor}); r.Status != http.StatusForbidden {
		t.Errorf("a donor delivers: %d", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/me/wishes/" + w.ID + "/confirm", Token: member}); r.Status != http.StatusConflict {
		t.Errorf("confirm before delivery: %d", r.Status)
	}
	if r := e.do(req{Method: "POST", Path: path + "/deliver", Token: pujiang}); r.Status != http.StatusOK {
		t.Fatalf("deliver: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "POST", Path: "/v1/me/wishes/" + w.ID + "/confirm", Token: member})
	r.JSON(t, &w)
	if r.Status != http.StatusOK || w.Status != "confirmed" || w.ReviewedAt == nil || w.PledgedAt == nil || w.DeliveredAt == nil || w.ConfirmedAt == nil {
		t.Errorf("confirm: %d %s", r.Status, r.Body)
	}
	var staffView wishOut
	e.do(req{Method: "GET", Path: path, Token: pujiang}).JSON(t, &staffView)
	if staffView.PledgedBy != e.actor(donor) {
		t.Errorf("staff see pledged_by %q, want %q", staffView.PledgedBy, e.actor(donor))
	}
	var outbox int
	if err := e.db.Pool.QueryRow(t.Context(), `SELECT count(*) FROM notification_outbox WHERE event IN ('wish_pledged', 'wish_delivered')`).Scan(&outbox); err != nil || outbox != 2 {
		t.Errorf("%d wish events (%v), want 2", outbox, err)
	}

	// A rejection's reason reaches the worker.
	r = e.postWish(member, wishBody("想给孩子买一套练习册。"))
	r.JSON(t, &w)
	if r := e.do(req{Method: "POST", Path: "/v1/wishes/" + w.ID + "/reject", Token: pujiang, Body: map[string]string{"reason": "请写明孩子的年级"}}); r.Status != http.StatusOK {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	var mine struct{ Items []wishOut }
	e.do(req{Method: "GET", Path: "/v1/me/wishes", Token: member}).JSON(t, &mine)
	if len(mine.Items) != 2 || mine.Items[0].Status != "rejected" || mine.Items[0].RejectReason != "请写明孩子的年级" {
		t.Errorf("my wishes: %+v", mine.Items)
	}
}

// Pledges sent at once over HTTP: exactly one 200, the rest 409 already_pledged.
func TestPledgeRaceOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	w := e.publishedWish(e.member(pujiang, "oWisher", "330726"), pujiang)
	const n = 12
	donors := make([]string, n)
	for i := range donors {
		donors[i] = e.staff("donor"+string(rune('a'+i)), auth.Donor)
	}
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			hr, _ := http.NewRequest("POST", e.srv.URL+"/v1/wishes/"+w.ID+"/pledge", nil)
			hr.Header.Set("Authorization", "Bearer "+donors[i])
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Errorf("statuses %v, want one 200 and %d 409", count, n-1)
	}
}

// A donor account has no district powers: every staff route refuses it
// with 403, whatever the route. Only the public routes, logout and the
// pledge let it through.
func TestDonorCannotActAsDistrictStaff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	donor := e.staff("aixin", auth.Donor)
	open := map[string]bool{
		"GET /v1/amenities": true, "POST /v1/auth/staff/login": true, "POST /v1/auth/wechat/login": true, "POST /v1/auth/logout": true,
		"GET /v1/stations": true, "GET /v1/stations/nearest": true, "GET /v1/stations/changes": true, "POST /v1/stations/along-route": true,
		"GET /v1/stations/:id": true, "GET /v1/wishes": true, "GET /v1/wishes/:id": true, "POST /v1/wishes/:id/pledge": true,
		// Public reads: a station's photos, their files, the inspection checklist.
		"GET /v1/stations/:id/photos": true, "GET /v1/photos/:file": true, "HEAD /v1/photos/:file": true, "GET /v1/inspection-checklist": true,
	}
	checked := 0
	for route := range httpapi.QueryParams() {
		method, path, _ := strings.Cut(route, " ")
		if !strings.HasPrefix(path, "/v1/") || open[route] {
			continue
		}
		path = strings.ReplaceAll(path, ":id", uuid.NewString())
		var body any
		if method == "POST" || method == "PATCH" {
			body = json.RawMessage(`{}`)
		}
		ct := ""
		if method == "PATCH" {
			ct = "application/merge-patch+json"
		}
		r := e.do(req{Method: method, Path: path, Token: donor, Body: body, ContentType: ct})
		if r.Status != http.StatusForbidden {
			t.Errorf("%s %s with a donor's token: %d %s, want 403", method, path, r.Status, r.Body)
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("only %d routes checked", checked)
	}
}

// principalOf is the principal behind a staff token.
func (e *env) principalOf(token string) *auth.Principal {
	e.t.Helper()
	p, err := e.auth.Authenticate(e.t.Context(), token)
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// makeMember makes the worker a member of Pujiang directly in the database,
// without an application, so that tests counting applications (the
// authorization matrix) count only their own.
func (e *env) makeMember(workerID uuid.UUID, _ *auth.Principal) {
	e.t.Helper()
	_, err := e.db.Pool.Exec(e.t.Context(), `UPDATE workers
		SET membership_no = 'YZ' || lpad(nextval('membership_no_seq')::text, 10, '0'), member_since = now(),
			member_district_code = '330726', occupation = coalesce(occupation, 'food_delivery')
		WHERE id = $1 AND membership_no IS NULL`, workerID)
	if err != nil {
		e.t.Fatal(err)
	}
}

// wishAt makes a wish titled title of the member (a fresh one of Pujiang
// when workerID is zero) and takes it, as staff, to the status: pending,
// published, pledged or delivered. It returns the wish's id.
func (e *env) wishAt(staff *auth.Principal, workerID uuid.UUID, title string, status wish.Status) string {
	e.t.Helper()
	ctx := e.t.Context()
	if workerID == uuid.Nil {
		_, workerID = e.worker("oWishAt-" + uuid.NewString())
		e.makeMember(workerID, staff)
	}
	svc := wish.NewService(postgres.NewWishStore(e.db), e.clock.Now)
	story, cat, v := "matrix", "other", 10
	w, err := svc.Post(ctx, workerID, wish.Input{Title: &title, Story: &story, Category: &cat, ValueYuan: &v})
	for _, step := range []struct {
		to  wish.Status
		act func(context.Context, wish.Actor, uuid.UUID) (wish.Wish, error)
	}{{wish.Published, svc.Approve}, {wish.Pledged, svc.Pledge}, {wish.Delivered, svc.Deliver}} {
		if err != nil || w.Status == status {
			break
		}
		w, err = step.act(ctx, staff, w.ID)
	}
	if err != nil || w.Status != status {
		e.t.Fatalf("wish at %s: %v %+v", status, err, w)
	}
	return w.ID.String()
}

// aidPending files a pending aid application of a fresh member of Pujiang.
func (e *env) aidPending(staff *auth.Principal) string {
	e.t.Helper()
	_, workerID := e.worker("oAidAt-" + uuid.NewString())
	e.makeMember(workerID, staff)
	svc := aid.NewService(postgres.NewAidStore(e.db), aid.DefaultConfig, e.clock.Now)
	cat, amount, text, yes := "other", 100, "matrix", true
	a, err := svc.Apply(e.t.Context(), workerID, aid.Input{Category: &cat, AmountRequestedYuan: &amount, Description: &text, Consent: &yes})
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ID.String()
}
