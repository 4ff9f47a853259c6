package aid

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/notify"
	"yizhan/internal/worker"
)

var now = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func member() worker.Worker {
	return worker.Worker{ID: uuid.New(), MembershipNo: "YZ0000000001", MemberDistrictCode: "330726", DistrictCode: "330782"}
}

func staff(role auth.Role, districts ...string) *auth.Principal {
	return &auth.Principal{StaffID: uuid.New(), Username: "s", Role: role, Districts: districts}
}

func validInput(amount int) Input {
	return Input{Category: ptr("illness"), AmountRequestedYuan: ptr(amount), Description: ptr("母亲住院，需要手术费。"), Consent: ptr(true)}
}

func application(t *testing.T, amount int) Application {
	t.Helper()
	a, err := New(validInput(amount), member(), now)
	if err != nil {
		t.Fatal(err)
	}
	a.ID = uuid.New()
	return a
}

func TestNewApplication(t *testing.T) {
	a := application(t, 3000)
	if a.DistrictCode != "330726" || a.Status != Pending || !a.ConsentedAt.Equal(now) {
		t.Errorf("got %+v", a)
	}
	nonMember := member()
	nonMember.MembershipNo = ""
	if _, err := New(validInput(100), nonMember, now); apperr.CodeOf(err) != apperr.NotEligible {
		t.Errorf("a non-member: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*Input)
		field  string
	}{
		{"no consent", func(in *Input) { in.Consent = nil }, "consent"},
		{"consent false", func(in *Input) { in.Consent = ptr(false) }, "consent"},
		{"unknown category", func(in *Input) { in.Category = ptr("lottery") }, "category"},
		{"no amount", func(in *Input) { in.AmountRequestedYuan = nil }, "amount_requested_yuan"},
		{"amount 0", func(in *Input) { in.AmountRequestedYuan = ptr(0) }, "amount_requested_yuan"},
		{"no description", func(in *Input) { in.Description = ptr(" ") }, "description"},
		{"description too long", func(in *Input) { in.Description = ptr(strings.Repeat("病", 2001)) }, "description"},
	} {
		in := validInput(100)
		tc.change(&in)
		_, err := New(in, member(), now)
		e, ok := err.(*apperr.Error)
		if !ok || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != tc.field {
			t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
		}
		if ok && strings.Contains(e.Error(), "母亲") {
			t.Errorf("%s: the problem repeats the narrative", tc.name)
		}
	}
}

func TestSmallAmountIsDecidedByOneReviewer(t *testing.T) {
	a := application(t, 1500)
	county := staff(auth.DistrictStaff, "330726")
	if _, _, err := ApproveApplication(&a, staff(auth.DistrictStaff, "330782"), 1000, 2000, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another county: %v", err)
	}
	if _, _, err := ApproveApplication(&a, staff(auth.Donor), 1000, 2000, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a donor: %v", err)
	}
	if _, _, err := ApproveApplication(&a, county, 1501, 2000, now); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("more than asked: %v", err)
	}
	d, ev, err := ApproveApplication(&a, county, 1200, 2000, now)
	if err != nil || a.Status != Approved || a.AmountApproved != 1200 || d.Step != 1 || d.StaffID != county.StaffID || d.AmountYuan != 1200 {
		t.Fatalf("approve: %v %+v %+v", err, a, d)
	}
	if ev == nil || ev.Name != notify.AidDecided || ev.Data["amount_yuan"] != "1200" || strings.Contains(strings.Join(mapValues(ev.Data), ""), "母亲") {
		t.Errorf("event %+v", ev)
	}
	if _, _, err := RejectApplication(&a, county, "no", now); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("decide twice: %v", err)
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// The threshold itself needs one approval; above it, a second from a
// different reviewer of the city or province.
func TestSecondReview(t *testing.T) {
	a := application(t, 5000)
	county := staff(auth.DistrictStaff, "330726")
	if _, ev, err := ApproveApplication(&a, county, 2000, 2000, now); err != nil || a.Status != Approved || ev == nil {
		t.Fatalf("2000 at the threshold: %v %+v", err, a)
	}
	a = application(t, 5000)
	city := staff(auth.DistrictStaff, "330700", "330726")
	d, ev, err := ApproveApplication(&a, city, 3000, 2000, now)
	if err != nil || a.Status != AwaitingSecondReview || ev != nil || d.Step != 1 || a.FirstAmount != 3000 || a.AmountApproved != 0 {
		t.Fatalf("first approval of 3000: %v %+v %+v", err, a, ev)
	}
	if _, _, err := ApproveApplication(&a, city, 3000, 2000, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("the first reviewer again: %v", err)
	}
	if _, _, err := ApproveApplication(&a, county, 3000, 2000, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("another county reviewer for the second step: %v", err)
	}
	province := staff(auth.DistrictStaff, "330000")
	if _, _, err := ApproveApplication(&a, province, 3001, 2000, now); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("more than the first approved: %v", err)
	}
	later := now.Add(time.Hour)
	d, ev, err = ApproveApplication(&a, province, 2800, 2000, later)
	if err != nil || a.Status != Approved || a.AmountApproved != 2800 || d.Step != 2 || a.SecondReviewedBy != province.StaffID || !a.DecidedAt.Equal(later) || ev == nil {
		t.Fatalf("second approval: %v %+v", err, a)
	}
}

func TestSecondReviewerRejects(t *testing.T) {
	a := application(t, 5000)
	if _, _, err := ApproveApplication(&a, staff(auth.DistrictStaff, "330726"), 4000, 2000, now); err != nil {
		t.Fatal(err)
	}
	admin := staff(auth.Admin)
	d, ev, err := RejectApplication(&a, admin, "材料不全", now)
	if err != nil || a.Status != Rejected || d.Step != 2 || d.Kind != Reject || ev == nil || ev.Data["result"] != "未获批准" {
		t.Fatalf("reject: %v %+v %+v", err, a, ev)
	}
}

func TestCityOf(t *testing.T) {
	if got := CityOf("330726"); got != "330700" {
		t.Errorf("CityOf = %s", got)
	}
}
