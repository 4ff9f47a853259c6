package console_test

import (
	"context"
	"strings"
	"testing"

	"yizhan/internal/auth"
	"yizhan/internal/notify"
)

// testNotifyTemplates give two events a template; the others have none.
var testNotifyTemplates = notify.Templates{
	notify.MembershipDecided: {TemplateID: "lBtlrsiQFGAbZ4Ng_VsBMyOi2NrKwTN4RK9Q-bwyVwM",
		Data: map[string]string{"phrase1": "result", "time2": "decided_at"}},
	notify.ReportResolved: {TemplateID: "xQ3k9TQ0uJ2oZcM8nY4Wv1eRbA7sLdF5gH6jK2pN0qE",
		Data: map[string]string{"thing1": "station", "thing2": "note"}},
}

// An admin sees whether notifications go out: what waits and for how long,
// and per event what was sent and why the rest was not, without a worker's
// name or a message's words; district staff cannot open the page.
func TestNotificationsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "root", auth.Admin)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	ctx := context.Background()
	_, err := e.DB.Pool.Exec(ctx, `
		INSERT INTO workers (id, openid, created_at, updated_at) VALUES ('0193a2c4-7e15-7b2a-8f40-5d1c2e3f4a51', 'oPageRider', now(), now());
		INSERT INTO notification_outbox (worker_id, event, dedup_key, data, created_at, status, result, delivered_at)
		SELECT '0193a2c4-7e15-7b2a-8f40-5d1c2e3f4a51', e, e || ':' || r || ':' || i, '{}', now() - interval '1 hour', s, r, now()
		FROM (VALUES ('membership_decided', 'sent', 'sent', 12), ('membership_decided', 'dropped', 'no_acceptance', 3),
			('membership_decided', 'dropped', 'unsubscribed', 1), ('report_resolved', 'sent', 'sent', 4),
			('aid_decided', 'dropped', 'no_template', 2)) v (e, s, r, n), generate_series(1, n) i;
		INSERT INTO notification_outbox (worker_id, event, dedup_key, data, created_at)
		VALUES ('0193a2c4-7e15-7b2a-8f40-5d1c2e3f4a51', 'report_resolved', 'waiting', '{"note": "热水器已修好"}', now() - interval '25 minutes')`)
	if err != nil {
		t.Fatal(err)
	}
	for _, sz := range sizes {
		tb := e.browser(t, sz)
		tb.login("root")
		tb.open("/console/notifications")
		body := tb.text("main")
		for _, want := range []string{"正常发送中", "已为 2 种事件设置了消息模板", "待发送 1 条", "最早的一条已等了 25 分钟", "消息积压",
			"入会审核结果", "没有订阅次数 3、拒收 1", "未设置模板 2", "未设置（不发送）"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q:\n%s", sz.Name, want, body)
			}
		}
		for _, secret := range []string{"热水器", "oPageRider", "0193a2c4"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s: the page shows %q", sz.Name, secret)
			}
		}
		tb.shot("notifications")
	}
	c := e.signedIn(t, "pujiang")
	if r := e.get(t, c, "/console/notifications"); r.StatusCode != 403 {
		t.Errorf("district staff: %d", r.StatusCode)
	}
}
