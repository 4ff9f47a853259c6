package wish

import (
	"slices"
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

func member() worker.Worker {
	return worker.Worker{ID: uuid.New(), MembershipNo: "YZ0000000001", MemberDistrictCode: "330726", DistrictCode: "330782", Occupation: worker.FoodDelivery}
}

func ptr[T any](v T) *T { return &v }

func validInput() Input {
	return Input{Title: ptr("一个电动车头盔"), Story: ptr("送餐路上头盔摔坏了，想换一个新的。"), Category: ptr("daily_goods"), ValueYuan: ptr(120)}
}

func staff(role auth.Role, districts ...string) *auth.Principal {
	return &auth.Principal{StaffID: uuid.New(), Username: "s", Role: role, Districts: districts}
}

func TestNewWish(t *testing.T) {
	w, err := New(validInput(), member(), now)
	if err != nil {
		t.Fatal(err)
	}
	// The membership's county, not the home county; the occupation for the wall.
	if w.DistrictCode != "330726" || w.Wisher() != "浦江县·外卖骑手" || w.Status != Pending || !w.CreatedAt.Equal(now) {
		t.Errorf("got %+v (wisher %s)", w, w.Wisher())
	}
	nonMember := member()
	nonMember.MembershipNo = ""
	if _, err := New(validInput(), nonMember, now); apperr.CodeOf(err) != apperr.NotEligible {
		t.Errorf("a non-member's wish: %v, want not_eligible", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*Input)
		code   apperr.Code
		fields []string
	}{
		{"title too long", func(in *Input) { in.Title = ptr(strings.Repeat("盔", 41)) }, apperr.Invalid, []string{"title"}},
		{"story too long", func(in *Input) { in.Story = ptr(strings.Repeat("故", 301)) }, apperr.Invalid, []string{"story"}},
		{"no title, bad category", func(in *Input) { in.Title, in.Category = nil, ptr("car") }, apperr.Invalid, []string{"title", "category"}},
		{"value 501", func(in *Input) { in.ValueYuan = ptr(501) }, apperr.Invalid, []string{"value_yuan"}},
		{"value 0", func(in *Input) { in.ValueYuan = ptr(0) }, apperr.Invalid, []string{"value_yuan"}},
		{"a phone in the story", func(in *Input) { in.Story = ptr("有事打 138 0013 8000") }, apperr.ContainsPersonalData, []string{"story"}},
		{"an ID number in the title", func(in *Input) { in.Title = ptr("11010519491231002X") }, apperr.ContainsPersonalData, []string{"title"}},
	} {
		in := validInput()
		tc.change(&in)
		_, err := New(in, member(), now)
		var e *apperr.Error
		if apperr.CodeOf(err) != tc.code || !asError(err, &e) {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			continue
		}
		var got []string
		for _, f := range e.Fields {
			got = append(got, f.Field)
		}
		if !slices.Equal(got, tc.fields) {
			t.Errorf("%s: fields %v, want %v", tc.name, got, tc.fields)
		}
		if strings.Contains(e.Error(), "138") || strings.Contains(e.Error(), "110105") {
			t.Errorf("%s: the problem repeats the number: %v", tc.name, e)
		}
	}
}

func asError(err error, e **apperr.Error) bool {
	x, ok := err.(*apperr.Error)
	*e = x
	return ok
}

func TestWishLifecycle(t *testing.T) {
	w, _ := New(validInput(), member(), now)
	w.ID = uuid.New()
	pujiang := staff(auth.DistrictStaff, "330726")
	yiwu := staff(auth.DistrictStaff, "330782")
	donor := staff(auth.Donor)
	if Visible(w, nil) || Visible(w, donor) || Visible(w, yiwu) || !Visible(w, pujiang) {
		t.Error("a pending wish is seen by staff of its county only")
	}
	if err := Approve(&w, yiwu, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("approve by another county: %v", err)
	}
	if err := Approve(&w, donor, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("approve by a donor: %v", err)
	}
	if _, err := Pledge(&w, donor, now); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("pledge of a pending wish: %v", err)
	}
	if err := Approve(&w, pujiang, now.Add(time.Hour)); err != nil || w.Status != Published || w.ReviewedBy != pujiang.StaffID {
		t.Fatalf("approve: %v %+v", err, w)
	}
	if err := Approve(&w, pujiang, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("approve twice: %v", err)
	}
	if _, err := Pledge(&w, yiwu, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("pledge by staff of another county: %v", err)
	}
	if _, err := Deliver(&w, pujiang, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("deliver before a pledge: %v", err)
	}
	ev, err := Pledge(&w, donor, now.Add(2*time.Hour))
	if err != nil || w.Status != Pledged || w.PledgedBy != donor.StaffID {
		t.Fatalf("pledge: %v %+v", err, w)
	}
	if ev.Name != notify.WishPledged || ev.WorkerID != w.WorkerID.String() || ev.DedupKey != "wish_pledged:"+w.ID.String() || ev.Data["title"] != w.Title {
		t.Errorf("pledge event %+v", ev)
	}
	if _, err := Pledge(&w, staff(auth.Admin), now); apperr.CodeOf(err) != apperr.AlreadyPledged {
		t.Errorf("a second pledge: %v", err)
	}
	if _, err := Deliver(&w, donor, now); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("a donor delivers: %v", err)
	}
	if err := Confirm(&w, w.WorkerID, now); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("confirm before delivery: %v", err)
	}
	ev, err = Deliver(&w, pujiang, now.Add(3*time.Hour))
	if err != nil || w.Status != Delivered || ev.Name != notify.WishDelivered || ev.DedupKey != "wish_delivered:"+w.ID.String() {
		t.Fatalf("deliver: %v %+v %+v", err, w, ev)
	}
	if err := Confirm(&w, uuid.New(), now); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("confirm by someone else: %v", err)
	}
	if err := Confirm(&w, w.WorkerID, now.Add(4*time.Hour)); err != nil || w.Status != Confirmed || !w.ConfirmedAt.Equal(now.Add(4*time.Hour)) {
		t.Errorf("confirm: %v %+v", err, w)
	}
	for _, ts := range []time.Time{w.CreatedAt, w.ReviewedAt, w.PledgedAt, w.DeliveredAt, w.ConfirmedAt} {
		if ts.IsZero() {
			t.Errorf("a step without its time: %+v", w)
		}
	}
}

func TestReject(t *testing.T) {
	w, _ := New(validInput(), member(), now)
	if _, err := Reason("  "); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("an empty reason: %v", err)
	}
	if err := Reject(&w, staff(auth.DistrictStaff, "330700"), "请写得更具体一些", now); err != nil || w.Status != Rejected || w.RejectReason == "" {
		t.Errorf("city staff reject: %v %+v", err, w)
	}
	if Visible(w, nil) {
		t.Error("a rejected wish is public")
	}
}
