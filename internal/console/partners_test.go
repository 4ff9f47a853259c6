package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yizhan/internal/auth"
	"yizhan/internal/partner"
	"yizhan/internal/postgres"
)

// An admin issues a key from the 合作平台 page (a wrong number is refused in
// Chinese; the key is shown once, on the answer itself), sees each key's
// usage today, and revokes it; district staff cannot reach the page.
func TestPartnersPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "root", auth.Admin)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	ctx := context.Background()
	// 饿了么 holds a key already and has used most of today's quota.
	if _, _, err := e.Partners.Create(ctx, auth.CommandLine, partner.NewPartner{Name: "饿了么", Rate: partner.Rate{PerSecond: 20, Burst: 40}, DailyQuota: 50000}); err != nil {
		t.Fatal(err)
	}
	st := postgres.NewPartnerStore(e.DB)
	keyed, err := st.KeyedPartners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	today := partner.DayOf(time.Now())
	if _, err := st.Reserve(ctx, keyed[0].ID, today, func(int64, int64) int64 { return 46321 }); err != nil {
		t.Fatal(err)
	}
	if err := st.Settle(ctx, keyed[0].ID, today, 46321, 0); err != nil {
		t.Fatal(err)
	}

	tb := e.browser(t, desktop)
	tb.login("root")
	tb.open("/console/partners")
	if got := tb.text("table.partners"); !strings.Contains(got, "饿了么") || !strings.Contains(got, "46,321") || !strings.Contains(got, "每天 50,000 次") || !strings.Contains(got, "已用 92%") {
		t.Errorf("the list does not show 饿了么's usage: %q", got)
	}
	tb.do(chromedp.Click(chromedp.CSS(`details.new-staff summary`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "美团"),
		chromedp.SetValue(chromedp.CSS(`input[name=daily]`), "一百万"),
		chromedp.Click(chromedp.CSS(`details.new-staff button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`.field-error`)))
	if got := tb.text(".field-error"); got != "请填写数字" {
		t.Errorf("a quota in words says %q", got)
	}
	tb.shot("partners-new-error")
	tb.do(chromedp.SetValue(chromedp.CSS(`input[name=daily]`), "1,000,000"),
		chromedp.Click(chromedp.CSS(`details.new-staff button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#partner-key`)))
	key := strings.TrimSpace(tb.text("#partner-key"))
	if !partner.WellFormedKey(key) {
		t.Fatalf("the page shows %q, not a key", key)
	}
	if got := tb.text("#key-issued"); !strings.Contains(got, "只显示这一次") || !strings.Contains(got, "美团") {
		t.Errorf("the key's box says %q", got)
	}
	tb.shot("partners-key-issued")
	// The key works, and is never shown again.
	g := partner.NewGate(st, nil, nil)
	if err := g.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err := g.Admit(ctx, key); err != nil || p.Name != "美团" || p.DailyQuota != 1_000_000 {
		t.Fatalf("the key shown: %+v %v", p, err)
	}
	tb.open("/console/partners")
	if strings.Contains(tb.text("main"), key) {
		t.Error("the list shows the key again")
	}

	tb.shot("partners-list")
	ph := e.browser(t, phone)
	ph.login("root")
	ph.open("/console/partners")
	ph.do(chromedp.Click(chromedp.CSS(`details.new-staff summary`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "滴滴"),
		chromedp.Click(chromedp.CSS(`details.new-staff button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#partner-key`)))
	ph.shot("partners-key-issued")
	ph.open("/console/partners")
	ph.shot("partners-list")
	ph.do(chromedp.Click(chromedp.Search(`//tr[contains(., "美团")]//summary[contains(., "吊销")]`)))
	ph.shot("partners-revoke-confirm")
	ph.do(chromedp.Click(chromedp.Search(`//tr[contains(., "美团")]//button[contains(., "确认吊销")]`)),
		waitFlash("已吊销「美团」的密钥"))
	ph.shot("partners-revoked")
	if err := g.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Admit(ctx, key); err != partner.ErrRevokedKey {
		t.Errorf("the revoked key: %v", err)
	}

	// District staff: no link, and the page is refused.
	c := e.signedIn(t, "pujiang")
	if r := e.get(t, c, "/console/partners"); r.StatusCode != http.StatusForbidden {
		t.Errorf("district staff GET /console/partners: %d", r.StatusCode)
	}
	if r := e.post(t, c, "/console/partners", url.Values{"name": {"x"}, "per_second": {"1"}, "burst": {"1"}, "daily": {"1"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("district staff POST /console/partners: %d", r.StatusCode)
	}
	if r := e.get(t, c, "/console/stations"); strings.Contains(r.Body, "/console/partners") {
		t.Error("district staff see the 合作平台 link")
	}
}
