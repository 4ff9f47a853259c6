package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"yizhan/internal/auth"
)

// At a 390×844 phone, a clerk types a claim code in lower case, sees what
// it collects and whose it is (masked), hands it over, and is told in
// large letters; the same code again says 已核销过, a made-up one 查无此码.
func TestRedeemOnPhone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.activeStation(t, "浦江县总工会户外劳动者服务站", "330726")
	other := e.activeStation(t, "浦阳街道大桥路快递驿站", "330726")
	offer := e.publishedOffer(t, "赶集日爱心礼包", "330726", 100, st.ID)
	code := e.claimCode(t, "rider-wang", "330726", offer.ID)

	tb := e.browser(t, phone)
	tb.login("pujiang")
	tb.open("/console/redeem")
	tb.shot("redeem")
	check := func(station, code string) {
		t.Helper()
		tb.open("/console/redeem") // no result on the page until the answer comes
		tb.do(chromedp.SetValue(chromedp.CSS(`select[name=station]`), station),
			clearInput("#code"),
			chromedp.SendKeys(chromedp.CSS(`#code`), code),
			chromedp.Click(chromedp.Search(`//form[@id="redeem-form"]//button[@type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.result`)))
	}

	// At the wrong station first: refused, nothing handed over.
	check(other.ID.String(), strings.ToLower(code))
	if got := tb.text(".result-headline"); !strings.Contains(got, "不是本站点") {
		t.Errorf("at another station: %q", got)
	}
	if got := tb.text(".result"); !strings.Contains(got, "可领取站点") || !strings.Contains(got, "浦江县总工会户外劳动者服务站") {
		t.Errorf("the wrong station's answer does not say where to go:\n%s", got)
	}
	tb.shot("redeem-wrong-station")

	check(st.ID.String(), strings.ToLower(code))
	res := tb.text(".result")
	for _, want := range []string{"可以发放", "赶集日爱心礼包", "王*明", "138****8000", code} {
		if !strings.Contains(res, want) {
			t.Errorf("the preview lacks %q:\n%s", want, res)
		}
	}
	if strings.Contains(res, "王小明") || strings.Contains(res, "13800138000") {
		t.Errorf("the preview shows the worker unmasked:\n%s", res)
	}
	tb.shot("redeem-preview")
	tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "确认发放")]`)),
		chromedp.WaitVisible(chromedp.CSS(`.result-ok`)))
	if got := tb.text(".result-headline"); !strings.Contains(got, "成功") {
		t.Errorf("after handing over: %q", got)
	}
	tb.shot("redeem-success")
	if _, stats, err := e.Benefits.Stats(context.Background(), testAdmin, offer.ID); err != nil || stats.Redeemed != 1 {
		t.Errorf("redeemed %d (%v), want 1", stats.Redeemed, err)
	}

	// The same code again.
	check(st.ID.String(), code)
	if got := tb.text(".result-headline"); !strings.Contains(got, "已核销过") {
		t.Errorf("a second time: %q", got)
	}
	if got := tb.text(".result"); !strings.Contains(got, "浦江县总工会户外劳动者服务站") {
		t.Errorf("the second attempt does not say where it was redeemed:\n%s", got)
	}
	tb.shot("redeem-again")
	check(st.ID.String(), "ZZZZ2222")
	if got := tb.text(".result-headline"); !strings.Contains(got, "查无此码") {
		t.Errorf("a made-up code: %q", got)
	}
	// A malformed code stays on the form with a sentence.
	tb.open("/console/redeem")
	tb.do(clearInput("#code"), chromedp.SendKeys(chromedp.CSS(`#code`), "12"),
		chromedp.Click(chromedp.Search(`//form[@id="redeem-form"]//button[@type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#redeem-form .flash-error`)))
	if got := tb.text("#redeem-form .flash-error"); !strings.Contains(got, "8 位") {
		t.Errorf("a short code: %q", got)
	}
}
