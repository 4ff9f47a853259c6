package console_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yizhan/internal/auth"
	"yizhan/internal/benefit"
)

// A district clerk creates a 赶集日 offer collected at one station, sees a
// mistake explained in Chinese, publishes it, then pauses it.
func TestCreateOffer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.activeStation(t, "浦江县总工会户外劳动者服务站", "330726")
	e.activeStation(t, "浦阳街道大桥路快递驿站", "330726")
	ctx := context.Background()

	tb := e.browser(t, desktop)
	tb.login("pujiang")
	tb.open("/console/benefits")
	tb.shot("benefits-empty")
	tb.open("/console/benefits/new")
	tb.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "赶集日爱心礼包"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=description]`), "每周三赶集日，凭领取码到驿站领取矿泉水、毛巾和防暑药品一份。"),
		chromedp.SendKeys(chromedp.CSS(`input[name=total_stock]`), "500"),
		chromedp.SetValue(chromedp.CSS(`select[name=limit_period]`), "week"),
		chromedp.Click(chromedp.CSS(`input[name=days][value=wed]`)),
		// 17:00 to 09:00 runs past midnight: refused.
		chromedp.SetValue(chromedp.CSS(`input[name=from]`), "17:00"),
		chromedp.SetValue(chromedp.CSS(`input[name=to]`), "09:00"),
		chromedp.Click(chromedp.CSS(`input[name=members_only]`)),
		chromedp.Click(chromedp.CSS(`input[name=redeem_at][value="`+st.ID.String()+`"]`)),
		chromedp.SetValue(chromedp.CSS(`select[name=status]`), "published"),
		chromedp.Click(chromedp.CSS(`form.offer-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	)
	if got := tb.text(".field-error"); !strings.Contains(got, "不能跨过午夜") {
		t.Errorf("an overnight 赶集日 says %q", got)
	}
	tb.shot("benefit-form-error")
	// Another county's offer: refused beside the district codes.
	tb.do(chromedp.SetValue(chromedp.CSS(`input[name=districts]`), "330782"),
		chromedp.SetValue(chromedp.CSS(`input[name=from]`), "09:00"),
		chromedp.SetValue(chromedp.CSS(`input[name=to]`), "17:00"),
		chromedp.Click(chromedp.CSS(`input[name=redeem_at][value="`+st.ID.String()+`"]`)),
		chromedp.Click(chromedp.CSS(`form.offer-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "field-error")][contains(., "您负责的区县")]`)))
	tb.do(chromedp.SetValue(chromedp.CSS(`input[name=districts]`), "330726"),
		chromedp.Click(chromedp.CSS(`input[name=redeem_at][value="`+st.ID.String()+`"]`)))
	tb.do(
		chromedp.SetValue(chromedp.CSS(`input[name=from]`), "09:00"),
		chromedp.SetValue(chromedp.CSS(`input[name=to]`), "17:00"),
		chromedp.Click(chromedp.CSS(`form.offer-form button[type=submit]`)),
		waitFlash("已创建福利"),
	)
	list, _, err := e.Benefits.ListOffers(ctx, testAdmin, benefit.OfferFilter{Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("offers: %v %v", list, err)
	}
	o := list[0]
	wk := o.Window.Weekly
	if o.Title != "赶集日爱心礼包" || o.Status != benefit.Published || o.TotalStock == nil || *o.TotalStock != 500 ||
		o.PerWorker.Period != benefit.Week || !o.Eligibility.MembersOnly || strings.Join(o.Eligibility.DistrictCodes, ",") != "330726" ||
		len(o.RedeemAt) != 1 || o.RedeemAt[0] != st.ID || wk == nil || len(wk.Days) != 1 || wk.Days[0] != time.Wednesday ||
		wk.From != 9*60 || wk.To != 17*60 {
		t.Errorf("stored offer: %+v weekly %+v", o, wk)
	}
	tb.shot("benefit-edit")
	tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "暂停")]`)), waitFlash("状态已改为：已暂停"))
	if o, _ := e.Benefits.GetOffer(ctx, testAdmin, o.ID); o.Status != benefit.Paused {
		t.Errorf("after 暂停 the offer is %s", o.Status)
	}
	// Untick the station and save: the list empties (any station of the county).
	tb.do(chromedp.Click(chromedp.CSS(`input[name=redeem_at][value="`+st.ID.String()+`"]`)),
		chromedp.Click(chromedp.CSS(`form.offer-form button[type=submit]`)), waitFlash("已保存福利"))
	if o, _ := e.Benefits.GetOffer(ctx, testAdmin, o.ID); len(o.RedeemAt) != 0 || o.Status != benefit.Paused || o.Version != 3 {
		t.Errorf("after saving without stations: %+v", o)
	}
	tb.open("/console/benefits")
	if got := tb.text("main"); !strings.Contains(got, "赶集日爱心礼包") || !strings.Contains(got, "每周三 09:00–17:00") || !strings.Contains(got, "剩 500 / 共 500") {
		t.Errorf("the list shows:\n%s", got)
	}
	tb.shot("benefits")
	tb.shotPhone(t, e, "pujiang", "/console/benefits/"+o.ID.String(), "benefit-edit")
}

// A save against an offer someone changed since it was read shows that,
// and keeps both: nothing is overwritten.
func TestOfferStaleEdit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	o := e.publishedOffer(t, "话费 50 元", "330726", 100)
	c := e.signedIn(t, "pujiang")
	token := formToken(t, c, e.URL+"/console/benefits/"+o.ID.String())
	// Someone else pauses it meanwhile.
	if _, err := e.Benefits.PatchOffer(context.Background(), testAdmin, o.ID, 0, []byte(`{"title":"话费 30 元"}`)); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"csrf": {token}, "version": {"1"}, "title": {"话费 80 元"}, "category": {"phone_credit"}, "total_stock": {"100"},
		"limit_count": {"1"}, "limit_period": {"once"}, "starts_at": {time.Now().In(time.FixedZone("", 8*3600)).Format("2006-01-02T15:04")},
		"ends_at": {time.Now().AddDate(0, 1, 0).Format("2006-01-02T15:04")}, "districts": {"330726"}, "status": {"published"}}
	res, err := c.PostForm(e.URL+"/console/benefits/"+o.ID.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(body), "别人刚修改过") {
		t.Errorf("a stale save: %d\n%s", res.StatusCode, body)
	}
	if got, _ := e.Benefits.GetOffer(context.Background(), testAdmin, o.ID); got.Title != "话费 30 元" {
		t.Errorf("the other edit was overwritten: %q", got.Title)
	}
}

// The stats page draws claims per day and per station, and the CSV opens
// in Excel: a BOM, Chinese headers, no codes.
func TestOfferStats(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.activeStation(t, "浦江县总工会户外劳动者服务站", "330726")
	o := e.publishedOffer(t, "赶集日爱心礼包", "330726", 100, st.ID)
	pujiang := &auth.Principal{Username: "pujiang", Role: auth.DistrictStaff, Districts: []string{"330726"}}
	var codes []string
	for _, id := range []string{"a", "b", "c"} {
		codes = append(codes, e.claimCode(t, "rider-"+id, "330726", o.ID))
	}
	for _, code := range codes[:2] {
		if _, err := e.Benefits.Redeem(context.Background(), pujiang, code, st.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, sz := range sizes {
		tb := e.browser(t, sz)
		tb.login("pujiang")
		tb.open("/console/benefits/" + o.ID.String() + "/stats")
		if got := tb.text(".figures"); !strings.Contains(got, "3") || !strings.Contains(got, "已核销") {
			t.Errorf("figures: %q", got)
		}
		var n int
		if err := chromedp.Do(tb.ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			var err error
			n, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("svg.chart rect, ol.station-bars progress").length`))
			return err
		})); err != nil || n != 3 { // one day: claimed and redeemed; one station
			t.Errorf("chart bars: %d (%v), want 3", n, err)
		}
		tb.shot("benefit-stats")
	}
	c := e.signedIn(t, "pujiang")
	res, err := c.Get(e.URL + "/console/benefits/" + o.ID.String() + "/claims.csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	text := string(body)
	if res.StatusCode != 200 || !strings.HasPrefix(text, "\uFEFF领取编号,福利名称,状态") || strings.Count(text, "已核销") != 2 || strings.Count(text, "待核销") != 1 {
		t.Errorf("claims.csv: %d\n%s", res.StatusCode, text)
	}
	for _, code := range codes {
		if strings.Contains(text, code) {
			t.Errorf("claims.csv holds the claim code %s", code)
		}
	}
}
