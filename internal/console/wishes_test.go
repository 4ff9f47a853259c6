package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"yizhan/internal/aid"
	"yizhan/internal/auth"
	"yizhan/internal/wish"
)

// principalOf is the principal of an account, as a session would give it.
func (e *env) principalOf(t *testing.T, username string) *auth.Principal {
	t.Helper()
	var (
		p    auth.Principal
		role string
	)
	if err := e.DB.Pool.QueryRow(context.Background(), `SELECT id, username, role, districts FROM staff WHERE username = $1`, username).
		Scan(&p.StaffID, &p.Username, &role, &p.Districts); err != nil {
		t.Fatal(err)
	}
	p.Role = auth.Role(role)
	return &p
}

// wishMember makes a worker a member of the county, approved by staff.
func (e *env) wishMember(t *testing.T, openid, staff string) uuid.UUID {
	t.Helper()
	id := e.applicant(t, openid, "王小明", "330726")
	a, err := e.Workers.MyApplication(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Workers.Approve(context.Background(), e.principalOf(t, staff), a.ID); err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) postWish(t *testing.T, workerID uuid.UUID, title, story string) wish.Wish {
	t.Helper()
	cat, v := "daily_goods", 150
	w, err := e.Wishes.Post(context.Background(), workerID, wish.Input{Title: &title, Story: &story, Category: &cat, ValueYuan: &v})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// A clerk approves one wish and rejects another; a donor pledges the
// published one and sees nothing else of the console; the clerk delivers it.
func TestWishReviewPledgeDeliver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	e.staff(t, "aixin", auth.Donor)
	member := e.wishMember(t, "rider-wish", "pujiang")
	helmet := e.postWish(t, member, "一个新的电动车头盔", "送餐路上头盔摔裂了，想换一个新的，冬天骑车更安心。")
	e.postWish(t, e.wishMember(t, "rider-wish-2", "pujiang"), "给孩子的练习册", "孩子上三年级，想要一套数学练习册。")
	ctx := context.Background()

	for _, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			tb := e.browser(t, sz)
			tb.login("pujiang")
			tb.open("/console/wishes")
			if body := tb.text("main"); !strings.Contains(body, "浦江县·外卖骑手") || strings.Contains(body, "王小明") {
				t.Errorf("the queue shows:\n%s", body)
			}
			tb.shot("wishes-review")
			if sz == desktop {
				tb.do(chromedp.Click(chromedp.Search(`//article[contains(., "电动车头盔")]//button[contains(., "通过并公开")]`)),
					waitFlash("已通过并公开"))
				return
			}
			tb.do(chromedp.Click(chromedp.Search(`//article[contains(., "练习册")]//summary`)),
				chromedp.SendKeys(chromedp.Search(`//article[contains(., "练习册")]//input[@name="reason"]`), "请写明孩子的年级和科目"))
			tb.shot("wishes-reject")
			tb.do(chromedp.Click(chromedp.Search(`//article[contains(., "练习册")]//button[contains(., "确认不通过")]`)),
				waitFlash("已退回"))
		})
	}
	if w, err := e.Wishes.Get(ctx, nil, helmet.ID); err != nil || w.Status != wish.Published {
		t.Fatalf("the helmet: %+v %v", w, err)
	}

	for _, sz := range sizes {
		t.Run("donor-"+sz.Name, func(t *testing.T) {
			tb := e.browser(t, sz)
			tb.login("aixin")
			if loc := tb.location(); !strings.HasSuffix(loc, "/console/wishes") {
				t.Errorf("a donor lands on %s", loc)
			}
			header := tb.text("header.top")
			if strings.Contains(header, "站点") || strings.Contains(header, "入会") || !strings.Contains(header, "爱心单位") {
				t.Errorf("a donor's header: %q", header)
			}
			tb.shot("wishes-donor")
			if sz == phone {
				tb.do(chromedp.Click(chromedp.Search(`//article[contains(., "电动车头盔")]//button[contains(., "认领这个心愿")]`)),
					waitFlash("认领成功"))
				tb.shot("wishes-donor-pledged")
			}
			// Its own second factor is open to it.
			tb.open("/console/totp")
			if body := tb.text("main"); strings.Contains(body, "爱心单位账号只能查看和认领微心愿") || !strings.Contains(body, "两步验证") {
				t.Errorf("the donor's 两步验证 page:\n%s", body)
			}
			// Every district page is closed to a donor.
			for _, path := range []string{"/console/stations", "/console/applications", "/console/aid", "/console/aid/" + helmet.ID.String(), "/console/reports", "/console/staff"} {
				tb.open(path)
				if body := tb.text("main"); !strings.Contains(body, "爱心单位账号只能查看和认领微心愿") {
					t.Errorf("%s to a donor:\n%s", path, body)
				}
			}
		})
	}
	w, err := e.Wishes.Get(ctx, nil, helmet.ID)
	if err != nil || w.Status != wish.Pledged || w.PledgedBy.String() != e.staffID(t, "aixin") {
		t.Fatalf("after the pledge: %+v %v", w, err)
	}

	tb := e.browser(t, desktop)
	tb.login("pujiang")
	tb.open("/console/wishes?status=pledged")
	if body := tb.text("main"); !strings.Contains(body, "由 aixin 认领") {
		t.Errorf("the pledged tab:\n%s", body)
	}
	tb.do(chromedp.Click(chromedp.Search(`//article[contains(., "电动车头盔")]//button[contains(., "标记已送达")]`)), waitFlash("已标记送达"))
	tb.shot("wishes-delivered")
	if w, err := e.Wishes.Get(ctx, nil, helmet.ID); err != nil || w.Status != wish.Delivered {
		t.Errorf("after delivery: %+v %v", w, err)
	}
}

// The aid queue: a county clerk approves 3,000 yuan of 5,000 (above the
// threshold), cannot do the second review, and a city reviewer approves it.
// Another county's clerk never sees the narrative.
func TestAidFirstAndSecondReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	e.staff(t, "jinhua", auth.DistrictStaff, "330700")
	e.staff(t, "yiwu", auth.DistrictStaff, "330782")
	member := e.wishMember(t, "rider-aid", "pujiang")
	ctx := context.Background()
	cat, amount, text, yes := "illness", 5000, "母亲突发脑梗住院，手术和住院费用约三万元，医保报销后仍差五千元。", true
	a, err := e.Aid.Apply(ctx, member, aid.Input{Category: &cat, AmountRequestedYuan: &amount, Description: &text, Consent: &yes})
	if err != nil {
		t.Fatal(err)
	}
	path := "/console/aid/" + a.ID.String()

	for _, sz := range sizes {
		t.Run(sz.Name, func(t *testing.T) {
			tb := e.browser(t, sz)
			tb.login("pujiang")
			// The desktop run approves first; the phone finds it awaiting the second review.
			if sz == desktop {
				tb.open("/console/aid")
			} else {
				tb.open("/console/aid?status=awaiting_second_review")
			}
			if body := tb.text("main"); !strings.Contains(body, "疾病") || !strings.Contains(body, "5,000 元") || strings.Contains(body, "脑梗") {
				t.Errorf("the queue (no narrative) shows:\n%s", body)
			}
			tb.shot("aid-queue")
			tb.open(path)
			if body := tb.text("main"); !strings.Contains(body, "脑梗") || !strings.Contains(body, "申请人") || !strings.Contains(body, "王小明") {
				t.Errorf("the application page (its narrative and whom it would pay):\n%s", body)
			}
			tb.shot("aid-first")
			if sz == desktop {
				tb.do(clearInput(`input[name=amount_yuan]`), chromedp.SendKeys(chromedp.CSS(`input[name=amount_yuan]`), "3000"),
					chromedp.Click(chromedp.Search(`//button[contains(., "批准")]`)), waitFlash("已转市级、省级复审"))
				if body := tb.text("main"); !strings.Contains(body, "您已做过初审") {
					t.Errorf("after the first review:\n%s", body)
				}
				tb.shot("aid-awaiting")
			}
		})
	}

	yiwu := e.browser(t, desktop)
	yiwu.login("yiwu")
	yiwu.open(path)
	if body := yiwu.text("main"); strings.Contains(body, "脑梗") {
		t.Errorf("another county's clerk sees the narrative:\n%s", body)
	}

	for _, sz := range sizes {
		t.Run("second-"+sz.Name, func(t *testing.T) {
			tb := e.browser(t, sz)
			tb.login("jinhua")
			tb.open("/console/aid?status=awaiting_second_review")
			tb.shot("aid-second-queue")
			tb.open(path)
			if body := tb.text("main"); !strings.Contains(body, "初审已批准 3,000 元") || !strings.Contains(body, "pujiang") {
				t.Errorf("the second review page:\n%s", body)
			}
			tb.shot("aid-second")
			if sz == phone {
				tb.do(clearInput(`input[name=amount_yuan]`), chromedp.SendKeys(chromedp.CSS(`input[name=amount_yuan]`), "2800"),
					chromedp.Click(chromedp.Search(`//button[contains(., "批准")]`)), waitFlash("已批准"))
				tb.shot("aid-approved")
			}
		})
	}
	got, err := e.Aid.Get(ctx, e.principalOf(t, "jinhua"), a.ID)
	if err != nil || got.Status != aid.Approved || got.AmountApproved != 2800 || len(got.Decisions) != 2 {
		t.Errorf("after the second review: %+v %v", got, err)
	}
}

// An admin opens a caring unit's donor account on the staff page: no
// district codes, and the list says what it may do.
func TestAdminOpensDonorAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "root", auth.Admin)
	tb := e.browser(t, phone)
	tb.login("root")
	tb.open("/console/staff")
	tb.do(chromedp.Click(chromedp.CSS(`details.new-staff summary`)),
		chromedp.SendKeys(chromedp.CSS(`details.new-staff input[name=username]`), "aixin.unit"),
		chromedp.SendKeys(chromedp.CSS(`details.new-staff input[name=password]`), "a long enough password"),
		chromedp.SetValue(chromedp.CSS(`details.new-staff select[name=role]`), "donor"),
		chromedp.Click(chromedp.CSS(`details.new-staff button[type=submit]`)),
		waitFlash("已开设账号 aixin.unit"))
	if body := tb.text("main"); !strings.Contains(body, "爱心单位") || !strings.Contains(body, "只能认领心愿") {
		t.Errorf("the staff list:\n%s", body)
	}
	tb.shot("staff-donor")
	if p := e.principalOf(t, "aixin.unit"); p.Role != auth.Donor || len(p.Districts) != 0 {
		t.Errorf("the account: %+v", p)
	}
}
