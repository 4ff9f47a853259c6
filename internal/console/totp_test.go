package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"yizhan/internal/auth"
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
