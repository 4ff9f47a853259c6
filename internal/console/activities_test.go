package console_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"yizhan/internal/activity"
	"yizhan/internal/auth"
	"yizhan/internal/worker"
)

// signedUpWorker signs a worker of the county up for the activity and
// returns the sign-up.
func (e *env) signedUpWorker(t *testing.T, openid, nick, phone string, act uuid.UUID) activity.Signup {
	t.Helper()
	ctx := context.Background()
	in, err := e.Workers.SignInAs(ctx, openid)
	if err != nil {
		t.Fatal(err)
	}
	d := "330726"
	if _, err := e.Workers.UpdateProfile(ctx, in.Worker.ID, worker.ProfilePatch{Nickname: &nick, Phone: &phone, DistrictCode: &d}); err != nil {
		t.Fatal(err)
	}
	s, _, err := e.Activities.SignUp(ctx, in.Worker.ID, act, "key-"+openid)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A district clerk creates a course at a station, is told in Chinese what
// is missing, publishes it, and cancels another.
func TestCreateActivity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.activeStation(t, "浦江县总工会户外劳动者服务站", "330726")

	tb := e.browser(t, desktop)
	tb.login("pujiang")
	tb.open("/console/activities")
	tb.shot("activities-empty")
	tb.open("/console/activities/new")
	// The place shows the station picker, or the address fields once 在其他地址 is picked.
	tb.do(chromedp.WaitVisible(chromedp.CSS(`select[name=station_id]`)), chromedp.WaitNotVisible(chromedp.CSS(`input[name=address]`)),
		chromedp.Click(chromedp.CSS(`input[name=place_kind][value=address]`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name=address]`)), chromedp.WaitNotVisible(chromedp.CSS(`select[name=station_id]`)))
	tb.shot("activity-form-address")
	tb.do(chromedp.Click(chromedp.CSS(`input[name=place_kind][value=station]`)), chromedp.WaitVisible(chromedp.CSS(`select[name=station_id]`)))
	tb.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=title]`), "电动车安全骑行与保养课"),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=description]`), "交警和维修师傅讲解雨天骑行、电池保养，现场免费检测刹车。"),
		clearInput(`input[name=capacity]`),
		chromedp.SendKeys(chromedp.CSS(`input[name=capacity]`), "200000"),
		chromedp.SetValue(chromedp.CSS(`select[name=status]`), "published"),
		chromedp.Click(chromedp.CSS(`form.activity-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.field-error`)),
	)
	if got := tb.text(".field-error"); !strings.Contains(got, "请选择驿站") {
		t.Errorf("no station says %q", got)
	}
	tb.do(chromedp.SetValue(chromedp.CSS(`select[name=station_id]`), st.ID.String()),
		chromedp.Click(chromedp.CSS(`form.activity-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class, "field-error")][contains(., "1 到 100000")]`)))
	tb.shot("activity-form-error")
	tb.do(clearInput(`input[name=capacity]`),
		chromedp.SendKeys(chromedp.CSS(`input[name=capacity]`), "30"),
		chromedp.Click(chromedp.CSS(`form.activity-form button[type=submit]`)),
		waitFlash("已创建活动"))
	list, _, err := e.Activities.List(context.Background(), testAdmin, activity.Filter{Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("activities: %v %v", list, err)
	}
	a := list[0]
	if a.Title != "电动车安全骑行与保养课" || a.Status != activity.Published || a.Capacity != 30 || a.Place.StationID != st.ID ||
		strings.Join(a.Eligibility.DistrictCodes, ",") != "330726" || a.StartsAt.In(time.FixedZone("", 8*3600)).Hour() != 14 {
		t.Errorf("stored activity: %+v", a)
	}
	tb.shot("activity-edit")
	tb.open("/console/activities")
	tb.shot("activities")
	tb.shotPhone(t, e, "pujiang", "/console/activities", "activities")
	tb.shotPhone(t, e, "pujiang", "/console/activities/"+a.ID.String(), "activity-edit")

	tb.open("/console/activities/" + a.ID.String())
	tb.do(chromedp.Click(chromedp.Search(`//button[contains(., "取消活动")]`)), waitFlash("状态已改为：已取消"))
	if got, _ := e.Activities.Get(context.Background(), testAdmin, a.ID); got.Status != activity.Cancelled {
		t.Errorf("after cancelling: %s", got.Status)
	}
}

// At the door, on a phone: the clerk types each worker's code and reads the
// answer in large type; the roster shows who came, and downloads as CSV.
func TestActivityCheckIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.activeStation(t, "浦江县总工会户外劳动者服务站", "330726")
	ctx := context.Background()
	start := time.Now().Add(time.Hour)
	end, capacity, id := start.Add(2*time.Hour), 2, st.ID.String()
	a, err := e.Activities.Create(ctx, testAdmin, activity.Document{Title: "法律援助咨询日", Category: "legal_aid", StationID: &id,
		StartsAt: &start, EndsAt: &end, Capacity: &capacity, Status: "published",
		Eligibility: &activity.EligibilityDoc{DistrictCodes: []string{"330726"}}})
	if err != nil {
		t.Fatal(err)
	}
	wang := e.signedUpWorker(t, "oWang", "王小明", "13800138000", a.ID)
	li := e.signedUpWorker(t, "oLi", "李四", "13900001234", a.ID)
	zhao := e.signedUpWorker(t, "oZhao", "赵六", "13700005678", a.ID)
	if zhao.Status != activity.SignupWaitlisted {
		t.Fatalf("the third: %s", zhao.Status)
	}
	_ = li

	tb := e.browser(t, phone)
	tb.login("pujiang")
	tb.open("/console/activities/" + a.ID.String() + "/roster")
	tb.shot("activity-roster")
	tb.do(chromedp.SendKeys(chromedp.CSS(`#code`), strings.ToLower(wang.Code)),
		chromedp.Click(chromedp.CSS(`#checkin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.result-ok`)))
	if got := tb.text(".result"); !strings.Contains(got, "签到成功") || !strings.Contains(got, "王*明") || !strings.Contains(got, "138****8000") {
		t.Errorf("check-in says %q", got)
	}
	tb.shot("activity-checkin-ok")
	tb.do(chromedp.SendKeys(chromedp.CSS(`#code`), wang.Code),
		chromedp.Click(chromedp.CSS(`#checkin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.result-checked`)))
	tb.do(chromedp.SendKeys(chromedp.CSS(`#code`), zhao.Code),
		chromedp.Click(chromedp.CSS(`#checkin-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.result-waitlisted`)))
	if got := tb.text(".result"); !strings.Contains(got, "没有名额") || !strings.Contains(got, "候补") {
		t.Errorf("a waitlisted code says %q", got)
	}
	tb.shot("activity-checkin-waitlisted")
	if got := tb.text("table.roster"); !strings.Contains(got, "已签到") || !strings.Contains(got, "候补中 第 1 位") {
		t.Errorf("roster reads %q", got)
	}
	desk := e.browser(t, desktop)
	desk.login("pujiang")
	desk.open("/console/activities/" + a.ID.String() + "/roster")
	desk.shot("activity-roster")

	c := e.signedIn(t, "pujiang")
	res, err := c.Get(e.URL + "/console/activities/" + a.ID.String() + "/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "\uFEFF报名编号,活动名称") || strings.Count(string(body), "\n") != 4 ||
		!strings.Contains(string(body), "已签到") || strings.Contains(string(body), wang.Code) {
		t.Errorf("csv: %d %q", res.StatusCode, body)
	}
	// Another county's clerk sees nothing of it.
	e.staff(t, "lanxi", auth.DistrictStaff, "330781")
	other := e.signedIn(t, "lanxi")
	if res, err := other.Get(e.URL + "/console/activities/" + a.ID.String() + "/roster"); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("another county's clerk: %v %v", res.StatusCode, err)
	}
}
