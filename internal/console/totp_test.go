package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"yizhan/internal/auth"
	"yizhan/internal/console"
	"yizhan/internal/postgres"
)

// A staff member turns on two-step verification from the console: reads
// the secret off the page, answers a wrong code and then the right one
// (computed here, as an authenticator app would), signs out, signs in with
// a code, and turns it off again.
func TestEnrolTOTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	accounts := map[string]string{desktop.Name: "chief", phone.Name: "pujiang"}
	e.staff(t, "chief", auth.Admin)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	for _, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			user := accounts[sz.Name]
			me := &auth.Principal{Username: user, Role: auth.DistrictStaff}
			tb := e.browser(t, sz)
			tb.login(user)
			tb.do(chromedp.Click(chromedp.Search(`//header//a[contains(., "两步验证")]`)), chromedp.WaitReady(chromedp.Search(`//button[contains(., "开始设置")]`)))
			if got := tb.text("main"); !strings.Contains(got, "未开启") {
				t.Errorf("before: %s", got)
			}
			tb.shot("totp-off")
			tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "开始设置")]`)), chromedp.WaitVisible(chromedp.CSS(`#totp-secret`)),
				chromedp.WaitVisible(chromedp.CSS(`svg.qr`)))
			secret := strings.ReplaceAll(tb.text("#totp-secret"), " ", "")
			if len(secret) < 16 {
				t.Fatalf("the secret on the page: %q", secret)
			}
			tb.shot("totp-enrol")
			code, err := totp.GenerateCode(secret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			tb.do(chromedp.SendKeys(chromedp.CSS(`input[name=code]`), wrong), chromedp.Click(chromedp.Search(`//button[contains(., "确认开启")]`)),
				chromedp.WaitVisible(chromedp.Search(`//div[contains(@class, "flash-error")][contains(., "数字不对")]`)))
			tb.shot("totp-wrong")
			tb.do(chromedp.SendKeys(chromedp.CSS(`input[name=code]`), code), chromedp.Click(chromedp.Search(`//button[contains(., "确认开启")]`)),
				waitFlash("两步验证已开启"))
			if on, err := e.Auth.HasTOTP(context.Background(), me, user); err != nil || !on {
				t.Fatalf("after confirming: %v %v", on, err)
			}
			tb.shot("totp-on")

			// Signing in now asks for the code; the one used to confirm is spent.
			tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "退出")]`)), waitFlash("退出"))
			tb.open("/console/login")
			tb.do(chromedp.SendKeys(chromedp.CSS(`input[name=username]`), user),
				chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
				chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
				chromedp.WaitReady(chromedp.CSS(`input[name=totp]`)))
			next, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			tb.do(chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
				chromedp.SendKeys(chromedp.CSS(`input[name=totp]`), next),
				chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
				chromedp.WaitReady(chromedp.CSS(`header.top`)))

			tb.open("/console/totp")
			tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "关闭两步验证")]`)), waitFlash("两步验证已关闭"))
			if on, err := e.Auth.HasTOTP(context.Background(), me, user); err != nil || on {
				t.Errorf("after turning it off: %v %v", on, err)
			}
		})
	}
}

// Under STAFF_TOTP_REQUIRED=admins an administrator without a second factor
// is refused at sign-in and told, in Chinese, how to enrol: from the
// command line, since the console cannot let a password alone enrol.
func TestLoginTellsAdminsToEnrol(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "chief", auth.Admin)
	cfg := testAuthConfig
	cfg.TOTPRequired = auth.TOTPAdmins
	strict, err := auth.NewService(postgres.NewAuthStore(e.DB), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Deps{Auth: strict, Stations: e.Stations, Search: e.Search, Workers: e.Workers, Benefits: e.Benefits, Truth: e.Truth, Config: e.Config})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	other := &env{URL: srv.URL}
	cl := other.client(t)
	token := formToken(t, cl, srv.URL+"/console/login")
	res := other.postRaw(t, cl, "/console/login", url.Values{"username": {"chief"}, "password": {testPassword}, "csrf": {token}})
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "api staff totp --username") || !strings.Contains(res.Body, "两步验证") {
		t.Errorf("%d:\n%.2000s", res.StatusCode, res.Body)
	}
}
