package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"yizhan/internal/auth"
	"yizhan/internal/worker"
)

// applicant signs a worker in and files a pending application.
func (e *env) applicant(t *testing.T, openid, name, district string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	in, err := e.Workers.SignInAs(ctx, openid)
	if err != nil {
		t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	yes := true
	_, err = e.Workers.Apply(ctx, in.Worker.ID, worker.ApplicationInput{RealName: s(name), Phone: s("13800138000"),
		Occupation: s("food_delivery"), Employer: s("美团"), DistrictCode: s(district), Consent: &yes})
	if err != nil {
		t.Fatal(err)
	}
	return in.Worker.ID
}

// A district clerk approves one application and rejects another with a
// reason, from the queue of their districts only.
func TestApproveApplication(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	ctx := context.Background()
	wang := e.applicant(t, "rider-wang", "王小明", "330726")
	li := e.applicant(t, "rider-li", "李大山", "330726")
	e.applicant(t, "rider-yiwu", "赵义乌", "330782") // another county: not in the queue

	for _, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			tb := e.browser(t, sz)
			tb.login("pujiang")
			tb.open("/console/applications")
			if sz == desktop {
				body := tb.text("main")
				if !strings.Contains(body, "王小明") || !strings.Contains(body, "外卖骑手") || strings.Contains(body, "赵义乌") {
					t.Errorf("the queue shows:\n%s", body)
				}
				tb.shot("applications")
				tb.do(chromedp.Click(chromedp.Search(`//tr[contains(., "王小明")]//button[contains(., "批准入会")]`)),
					waitFlash("已批准 王小明"))
				if got := tb.text(".flash-ok"); !strings.Contains(got, "已批准 王小明") {
					t.Errorf("after approving: %q", got)
				}
				a, err := e.Workers.MyApplication(ctx, wang)
				if err != nil || a.Status != worker.Approved || !strings.HasPrefix(a.DecidedBy, "staff:") {
					t.Errorf("王小明's application: %+v %v", a, err)
				}
				tb.shot("applications-approved")
				return
			}
			// On the phone: reject 李大山 with a reason.
			tb.do(chromedp.Click(chromedp.Search(`//tr[contains(., "李大山")]//summary`)),
				chromedp.SendKeys(chromedp.Search(`//tr[contains(., "李大山")]//input[@name="reason"]`), "请补充雇主证明"))
			tb.shot("applications-reject")
			tb.do(chromedp.Click(chromedp.Search(`//tr[contains(., "李大山")]//button[contains(., "确认拒绝")]`)),
				waitFlash("已拒绝 李大山"))
			a, err := e.Workers.MyApplication(ctx, li)
			if err != nil || a.Status != worker.Rejected || a.Reason != "请补充雇主证明" {
				t.Errorf("李大山's application: %+v %v", a, err)
			}
			tb.open("/console/applications?status=rejected")
			if got := tb.text("main"); !strings.Contains(got, "理由：请补充雇主证明") || !strings.Contains(got, "pujiang 处理") {
				t.Errorf("the rejected tab shows:\n%s", got)
			}
			tb.shot("applications-rejected")
		})
	}
}
