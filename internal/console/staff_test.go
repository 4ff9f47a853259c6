package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

// account returns the account from the admins' list.
func (e *env) account(t *testing.T, username string) auth.Account {
	t.Helper()
	list, err := e.Auth.ListStaff(context.Background(), auth.CommandLine)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Username == username {
			return a
		}
	}
	t.Fatalf("no account %s", username)
	return auth.Account{}
}

// An admin opens an account, disables it (its session ends at once),
// enables it, resets its password and clears its login lock, all from the
// 账号 page; district staff cannot reach the page.
func TestStaffAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "root", auth.Admin)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	ctx := context.Background()

	tb := e.browser(t, desktop)
	tb.login("root")
	tb.open("/console/staff")
	tb.do(chromedp.Click(chromedp.CSS(`details.new-staff summary`)),
		chromedp.SendKeys(chromedp.CSS(`details.new-staff input[name=username]`), "Bad Name"),
		chromedp.SendKeys(chromedp.CSS(`details.new-staff input[name=password]`), "a long enough password"),
		chromedp.Click(chromedp.CSS(`details.new-staff button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`.field-error`)))
	if got := tb.text(".field-error"); !strings.Contains(got, "用户名需") {
		t.Errorf("a bad username says %q", got)
	}
	tb.shot("staff-new-error")
	tb.do(chromedp.SetValue(chromedp.CSS(`details.new-staff input[name=username]`), "pujiang.wang"),
		chromedp.SendKeys(chromedp.CSS(`details.new-staff input[name=password]`), "a long enough password"),
		chromedp.SetValue(chromedp.CSS(`details.new-staff input[name=districts]`), "330726"),
		chromedp.Click(chromedp.CSS(`details.new-staff button[type=submit]`)),
		waitFlash("已开设账号 pujiang.wang"))
	if a := e.account(t, "pujiang.wang"); a.Role != auth.DistrictStaff || strings.Join(a.Districts, ",") != "330726" {
		t.Errorf("created %+v", a)
	}

	// pujiang is signed in elsewhere; disabling ends that session at once.
	other := e.browser(t, phone)
	other.login("pujiang")
	row := func(name string) string { return `//tr[@id="staff-` + name + `"]` }
	tb.do(chromedp.Click(chromedp.Search(row("pujiang")+`//button[contains(., "停用")]`)), waitFlash("已停用 pujiang"))
	if !e.account(t, "pujiang").Disabled() {
		t.Errorf("pujiang is not disabled")
	}
	tb.shot("staff-disabled")
	other.open("/console/applications")
	if got := other.location(); !strings.Contains(got, "/console/login") {
		t.Errorf("a disabled account's open session still reaches %s", got)
	}
	other.do(chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "pujiang"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-error`)))
	if got := other.text(".flash-error"); !strings.Contains(got, "账号已停用") {
		t.Errorf("signing in to a disabled account says %q", got)
	}
	tb.do(chromedp.Click(chromedp.Search(row("pujiang")+`//button[contains(., "重新启用")]`)), waitFlash("已重新启用 pujiang"))
	if e.account(t, "pujiang").Disabled() {
		t.Errorf("pujiang is still disabled")
	}

	// Reset the password.
	tb.do(chromedp.Click(chromedp.Search(row("pujiang")+`//summary[contains(., "重设密码")]`)),
		chromedp.SendKeys(chromedp.Search(row("pujiang")+`//input[@name="password"]`), "a brand new password"),
		chromedp.Click(chromedp.Search(row("pujiang")+`//button[contains(., "确认重设")]`)), waitFlash("已重设 pujiang 的密码"))
	if _, _, err := e.Auth.Login(ctx, "pujiang", "a brand new password", "10.1.1.1"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}

	// Five wrong passwords lock pujiang out; the page shows it and clears it.
	for range 5 {
		_, _, _ = e.Auth.Login(ctx, "pujiang", "wrong password!", "10.9.9.9")
	}
	if _, _, err := e.Auth.Login(ctx, "pujiang", "a brand new password", "10.9.9.9"); !apperr.Is(err, apperr.RateLimited) {
		t.Fatalf("after five failures: %v, want rate_limited", err)
	}
	tb.open("/console/staff")
	if got := tb.text("#staff-pujiang"); !strings.Contains(got, "已锁定") {
		t.Errorf("the locked account's row: %q", got)
	}
	tb.shot("staff")
	tb.do(chromedp.Click(chromedp.Search(row("pujiang")+`//button[contains(., "解除锁定")]`)), waitFlash("已解除 pujiang 的登录锁定"))
	if _, _, err := e.Auth.Login(ctx, "pujiang", "a brand new password", "10.9.9.9"); err != nil {
		t.Errorf("after unlocking: %v", err)
	}
	// A lost phone: the admin turns pujiang's second factor off.
	key, err := e.Auth.BeginTOTPEnrolment(ctx, auth.CommandLine, "pujiang")
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(key.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Auth.ConfirmTOTP(ctx, auth.CommandLine, "pujiang", code); err != nil {
		t.Fatal(err)
	}
	tb.open("/console/staff")
	if got := tb.text("#staff-pujiang"); !strings.Contains(got, "已开启二次验证") {
		t.Errorf("the row of an account with a second factor: %q", got)
	}
	tb.do(chromedp.Click(chromedp.Search(row("pujiang")+`//button[contains(., "关闭二次验证")]`)), waitFlash("已关闭 pujiang 的二次验证"))
	if e.account(t, "pujiang").SecondFactor {
		t.Errorf("pujiang still has a second factor")
	}
	// The admin cannot disable themself: there is no button.
	if got := tb.text("#staff-root"); strings.Contains(got, "停用") {
		t.Errorf("the admin's own row offers 停用: %q", got)
	}
	tb.shotPhone(t, e, "root", "/console/staff", "staff")
}

// District staff get 403 on the admins' page and its actions.
func TestStaffAdminOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	e.staff(t, "root", auth.Admin)
	c := e.client(t)
	token := formToken(t, c, e.URL+"/console/login")
	res, err := c.PostForm(e.URL+"/console/login", url.Values{"username": {"pujiang"}, "password": {testPassword}, "csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = c.Get(e.URL + "/console/staff")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("district staff GET /console/staff: %d, want 403", res.StatusCode)
	}
	token = formToken(t, c, e.URL+"/console/applications")
	res, err = c.PostForm(e.URL+"/console/staff/root/disable", url.Values{"csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || e.account(t, "root").Disabled() {
		t.Errorf("district staff disabling root: %d", res.StatusCode)
	}

	// An admin's state-changing requests without the CSRF token change
	// nothing either, on every page of this half of the console.
	admin := e.signedIn(t, "root")
	o := e.publishedOffer(t, "话费 50 元", "330726", 10)
	for _, path := range []string{"/console/staff/pujiang/disable", "/console/staff", "/console/benefits/" + o.ID.String() + "/status",
		"/console/applications/" + uuid.NewString() + "/approve", "/console/redeem", "/console/benefits"} {
		res, err := admin.PostForm(e.URL+path, url.Values{"status": {"ended"}, "username": {"sneaky"}, "password": {"a long enough password"}, "role": {"admin"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a CSRF token: %d, want 403", path, res.StatusCode)
		}
	}
	if e.account(t, "pujiang").Disabled() || len(mustList(t, e)) != 2 {
		t.Errorf("a request without its CSRF token changed the accounts")
	}
	if got, _ := e.Benefits.GetOffer(context.Background(), testAdmin, o.ID); got.Status != "published" {
		t.Errorf("a request without its CSRF token changed the offer to %s", got.Status)
	}
}

func mustList(t *testing.T, e *env) []auth.Account {
	t.Helper()
	list, err := e.Auth.ListStaff(context.Background(), auth.CommandLine)
	if err != nil {
		t.Fatal(err)
	}
	return list
}
