package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
	"yizhan/internal/notify"
	"yizhan/internal/postgres"
	"yizhan/internal/wechat"
)

// testTemplates are the notification templates of every test server:
// membership decisions and aid decisions share one.
var testTemplates = notify.Templates{
	notify.MembershipDecided: {TemplateID: "tplMember", Page: "pages/me/index",
		Data: map[string]string{"phrase1": "result", "thing2": "reason", "time3": "decided_at"}},
	notify.AidDecided:     {TemplateID: "tplMember", Data: map[string]string{"phrase1": "result", "amount2": "amount_yuan"}},
	notify.ReportResolved: {TemplateID: "tplReport", Data: map[string]string{"thing1": "station", "thing2": "note"}},
}

type subscriptionOut struct {
	TemplateID string   `json:"template_id"`
	Events     []string `json:"events"`
	Remaining  int      `json:"remaining"`
}

type subscriptionsOut struct {
	Subscriptions []subscriptionOut `json:"subscriptions"`
}

func (e *env) subscribe(token string, ids ...string) response {
	e.t.Helper()
	return e.do(req{Method: "POST", Path: "/v1/me/subscriptions", Token: token, Body: map[string]any{"template_ids": ids}})
}

// Each acceptance counts: the answer shows every configured template, the
// events it sends and how many messages of it the worker has left.
func TestSubscriptionsAreCounted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token, _ := e.worker("oSubs")
	e.subscribe(token, "tplMember")
	r := e.subscribe(token, "tplReport", "tplMember")
	if r.Status != 200 {
		t.Fatalf("subscribe: %d %s", r.Status, r.Body)
	}
	var got subscriptionsOut
	r.JSON(t, &got)
	want := subscriptionsOut{Subscriptions: []subscriptionOut{
		{"tplMember", []string{"aid_decided", "membership_decided"}, 2},
		{"tplReport", []string{"report_resolved"}, 1},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	// Another worker's counts are their own.
	other, _ := e.worker("oSubs2")
	r = e.subscribe(other, "tplReport")
	r.JSON(t, &got)
	if got.Subscriptions[0].Remaining != 0 || got.Subscriptions[1].Remaining != 1 {
		t.Errorf("another worker: %+v", got)
	}
	// At most 100 are kept.
	for range 105 {
		e.subscribe(other, "tplReport")
	}
	r = e.subscribe(other, "tplReport")
	r.JSON(t, &got)
	if got.Subscriptions[1].Remaining != 100 {
		t.Errorf("after 107 acceptances: %d kept, want 100", got.Subscriptions[1].Remaining)
	}
}

// Bad lists are refused with the field named, in Chinese for Chinese
// clients, and record nothing; staff, strangers and servers without WeChat
// are refused too.
func TestSubscriptionsRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token, id := e.worker("oRefused")
	many := make([]string, 21)
	for i := range many {
		many[i] = "tplMember"
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
		zh     string
	}{
		{"no list", map[string]any{}, 400, "template_ids", "为必填项"},
		{"empty list", map[string]any{"template_ids": []string{}}, 400, "template_ids", "至少须有一个模板"},
		{"too many", map[string]any{"template_ids": many}, 400, "template_ids", "最多 20 个模板"},
		{"unknown template", map[string]any{"template_ids": []string{"tplMember", "tplNope"}}, 400, "template_ids[1]", "不是本服务发送的消息模板"},
		{"twice", map[string]any{"template_ids": []string{"tplReport", "tplReport"}}, 400, "template_ids[1]", "与前面的模板重复"},
		{"not strings", map[string]any{"template_ids": []int{1}}, 400, "template_ids[0]", ""},
		{"unknown member", map[string]any{"template_ids": []string{"tplReport"}, "openid": "x"}, 400, "openid", ""},
		{"not JSON", "template_ids=tplReport", 400, "", ""},
	} {
		r := e.do(req{Method: "POST", Path: "/v1/me/subscriptions", Token: token, Body: tc.body,
			Header: map[string]string{"Accept-Language": "zh-CN"}})
		if r.Status != tc.status {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
			continue
		}
		p := r.Problem(t)
		if tc.field == "" {
			continue
		}
		if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || (tc.zh != "" && p.Errors[0].Message != tc.zh) {
			t.Errorf("%s: errors %+v, want %s: %s", tc.name, p.Errors, tc.field, tc.zh)
		}
	}
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM notification_subscriptions WHERE worker_id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("refused requests recorded %d subscriptions", n)
	}
	if r := e.do(req{Method: "POST", Path: "/v1/me/subscriptions", Body: map[string]any{"template_ids": []string{"tplMember"}}}); r.Status != 401 {
		t.Errorf("without a token: %d", r.Status)
	}
	staff := e.staff("subs-admin", auth.Admin)
	if r := e.subscribe(staff, "tplMember"); r.Status != 403 {
		t.Errorf("a staff token: %d", r.Status)
	}
	off := newEnv(t, func(d *httpapi.Deps) { d.Notify = nil })
	offToken, _ := off.worker("oOff")
	r := off.do(req{Method: "POST", Path: "/v1/me/subscriptions", Token: offToken, Body: map[string]any{"template_ids": []string{"tplMember"}}, Expect5xx: true})
	if r.Status != 503 || r.Problem(t).Code != "unavailable" {
		t.Errorf("without WeChat: %d %s", r.Status, r.Body)
	}
}

// From the mini-program to the worker's WeChat: a worker signs in, applies,
// accepts the template; staff approve; a deliverer sends the message
// through the fake WeChat, once, and the acceptance is used.
func TestMembershipApprovalReachesWeChat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var in loginOut
	e.wechatLogin("ok:oJourney").JSON(t, &in)
	if r := e.do(req{Method: "POST", Path: "/v1/me/membership-application", Token: in.Token, Body: validApplication()}); r.Status != 201 {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	var app struct {
		ID string `json:"id"`
	}
	e.do(req{Method: "GET", Path: "/v1/me/membership-application", Token: in.Token}).JSON(t, &app)
	if r := e.subscribe(in.Token, "tplMember"); r.Status != 200 {
		t.Fatalf("subscribe: %d %s", r.Status, r.Body)
	}
	staff := e.staff("journey-admin", auth.Admin)
	if r := e.do(req{Method: "POST", Path: "/v1/membership-applications/" + app.ID + "/approve", Token: staff}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	m, err := wechat.NewMessenger(wechat.Config{BaseURL: e.wechat.srv.URL, AppID: fakeAppID, Secret: fakeSecret}, postgres.NewWeChatTokenStore(e.db), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &notify.Deliverer{Store: postgres.NewNotifyStore(e.db), Sender: m, Templates: testTemplates}
	for range 3 {
		if _, err := d.DeliverOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	sent := e.wechat.msgs.Sent()
	if len(sent) != 1 {
		t.Fatalf("%d messages sent, want 1", len(sent))
	}
	if s := sent[0]; s.ToUser != "oJourney" || s.TemplateID != "tplMember" || s.Data["phrase1"] != "已通过" ||
		s.Data["time3"] != "2026-11-30 18:00" || s.Page != "pages/me/index" {
		t.Errorf("sent %+v", s)
	}
	var got subscriptionsOut
	e.subscribe(in.Token, "tplReport").JSON(t, &got)
	if got.Subscriptions[0].Remaining != 0 {
		t.Errorf("the acceptance was not used: %+v", got)
	}
	if strings.Contains(string(e.do(req{Method: "GET", Path: "/v1/me", Token: in.Token}).Body), "oJourney") {
		t.Error("the openid shows in /v1/me")
	}
}
