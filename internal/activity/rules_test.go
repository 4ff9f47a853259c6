package activity

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

var t0 = time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC) // Saturday 14:00 in Shanghai

func published() *Activity {
	return &Activity{Status: Published, PublishedAt: t0.Add(-48 * time.Hour), StartsAt: t0, EndsAt: t0.Add(2 * time.Hour), Capacity: 30}
}

func TestSignupWindow(t *testing.T) {
	custom := published()
	custom.SignupOpensAt, custom.SignupClosesAt = t0.Add(-24*time.Hour), t0.Add(-time.Hour)
	draft := published()
	draft.Status = Draft
	tests := []struct {
		name string
		a    *Activity
		at   time.Time
		want apperr.Code // "" for open
	}{
		{"at publication", published(), t0.Add(-48 * time.Hour), ""},
		{"before publication", published(), t0.Add(-49 * time.Hour), apperr.NotOpen},
		{"just before the start", published(), t0.Add(-time.Microsecond), ""},
		{"at the start", published(), t0, apperr.NotOpen},
		{"own window, before it opens", custom, t0.Add(-25 * time.Hour), apperr.NotOpen},
		{"own window, open", custom, t0.Add(-2 * time.Hour), ""},
		{"own window, closed an hour before the start", custom, t0.Add(-30 * time.Minute), apperr.NotOpen},
		{"a draft", draft, t0.Add(-time.Hour), apperr.NotOpen},
	}
	for _, tt := range tests {
		err := tt.a.checkSignup(tt.at)
		if got := apperr.CodeOf(err); err != nil && got != tt.want || err == nil && tt.want != "" {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestEligibility(t *testing.T) {
	e := Eligibility{MembersOnly: true, Occupations: []string{"food_delivery"}, DistrictCodes: []string{"330700"}}
	tests := []struct {
		name string
		w    Participant
		ok   bool
	}{
		{"a member rider of a county of the city", Participant{Member: true, Occupation: "food_delivery", DistrictCode: "330726"}, true},
		{"not a member", Participant{Occupation: "food_delivery", DistrictCode: "330726"}, false},
		{"another occupation", Participant{Member: true, Occupation: "sanitation", DistrictCode: "330726"}, false},
		{"another city", Participant{Member: true, Occupation: "food_delivery", DistrictCode: "330110"}, false},
		{"no county given", Participant{Member: true, Occupation: "food_delivery"}, false},
	}
	for _, tt := range tests {
		if err := e.Eligible(tt.w); (err == nil) != tt.ok || err != nil && !apperr.Is(err, apperr.NotEligible) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	if err := (Eligibility{}).Eligible(Participant{}); err != nil {
		t.Errorf("an activity open to all refuses a worker who gave nothing: %v", err)
	}
}

func TestTransitions(t *testing.T) {
	tests := []struct {
		from, to Status
		at       time.Time
		ok       bool
	}{
		{Draft, Published, t0.Add(-time.Hour), true},
		{Draft, Cancelled, t0.Add(-time.Hour), true},
		{Draft, Finished, t0.Add(time.Hour), false},
		{Published, Cancelled, t0.Add(-time.Hour), true},
		{Published, Finished, t0.Add(-time.Hour), false}, // not started yet
		{Published, Finished, t0.Add(3 * time.Hour), true},
		{Published, Draft, t0.Add(-time.Hour), false},
		{Cancelled, Published, t0.Add(-time.Hour), false},
		{Finished, Published, t0.Add(-time.Hour), false},
		{Published, Published, t0.Add(-time.Hour), true},
	}
	for _, tt := range tests {
		a := published()
		a.Status = tt.from
		if err := checkTransition(a, tt.to, tt.at); (err == nil) != tt.ok {
			t.Errorf("%s → %s at %s: %v, want ok %v", tt.from, tt.to, tt.at, err, tt.ok)
		}
	}
}

func TestCheckInAndCancelRules(t *testing.T) {
	a := published()
	conf := Signup{Status: SignupConfirmed}
	tests := []struct {
		name string
		err  error
		want apperr.Code
	}{
		{"check in two hours before", a.checkCheckIn(conf, t0.Add(-CheckInEarly)), ""},
		{"check in earlier", a.checkCheckIn(conf, t0.Add(-CheckInEarly-time.Minute)), apperr.NotOpen},
		{"check in the day after", a.checkCheckIn(conf, a.EndsAt.Add(23*time.Hour)), ""},
		{"check in two days after", a.checkCheckIn(conf, a.EndsAt.Add(CheckInLate)), apperr.NotOpen},
		{"check in twice", a.checkCheckIn(Signup{Status: SignupCheckedIn}, t0), apperr.AlreadyCheckedIn},
		{"check in from the waiting list", a.checkCheckIn(Signup{Status: SignupWaitlisted, Position: 3}, t0), apperr.NotConfirmed},
		{"check in a cancelled sign-up", a.checkCheckIn(Signup{Status: SignupCancelled}, t0), apperr.NotConfirmed},
		{"cancel before the start", a.checkCancel(conf, t0.Add(-time.Minute)), ""},
		{"cancel at the start", a.checkCancel(conf, t0), apperr.NotOpen},
		{"cancel after checking in", a.checkCancel(Signup{Status: SignupCheckedIn}, t0.Add(-time.Hour)), apperr.AlreadyCheckedIn},
	}
	for _, tt := range tests {
		if got := apperr.CodeOf(tt.err); tt.err != nil && got != tt.want || tt.err == nil && tt.want != "" {
			t.Errorf("%s: %v, want %q", tt.name, tt.err, tt.want)
		}
	}
	cancelled := published()
	cancelled.Status = Cancelled
	if err := cancelled.checkCheckIn(conf, t0); !apperr.Is(err, apperr.NotOpen) {
		t.Errorf("check in at a cancelled activity: %v", err)
	}
}

func TestNoShow(t *testing.T) {
	a := published()
	if NoShow(a, Signup{Status: SignupConfirmed}, a.EndsAt.Add(-time.Minute)) {
		t.Error("a no-show before the end")
	}
	if !NoShow(a, Signup{Status: SignupConfirmed}, a.EndsAt) {
		t.Error("a confirmed sign-up never checked in is no no-show after the end")
	}
	for _, s := range []SignupStatus{SignupCheckedIn, SignupWaitlisted, SignupCancelled} {
		if NoShow(a, Signup{Status: s}, a.EndsAt) {
			t.Errorf("%s counted as a no-show", s)
		}
	}
	a.Status = Cancelled
	if NoShow(a, Signup{Status: SignupConfirmed}, a.EndsAt) {
		t.Error("a no-show at a cancelled activity")
	}
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ABCD2345", "ABCD2345", true},
		{" abcd2345 ", "ABCD2345", true},
		{"yizhan:activity:ABCD2345", "ABCD2345", true},
		{"YIZHAN:ACTIVITY:abcd2345", "ABCD2345", true},
		{"yizhan:claim:ABCD2345", "", false}, // a benefit claim's QR code
		{"ABCD0345", "", false},              // 0 is not in the alphabet
		{"ABCD234", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseCode(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("ParseCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for range 100 {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := ParseCode(Signup{Code: c}.QRPayload()); !ok || got != c {
			t.Fatalf("a new code %q does not parse back from its QR payload", c)
		}
	}
}

func doc() Document {
	start, end, capacity := t0, t0.Add(2*time.Hour), 30
	station := uuid.New().String()
	return Document{Title: "  电动车安全骑行课 ", Category: "course", StationID: &station, StartsAt: &start, EndsAt: &end, Capacity: &capacity}
}

func TestValidate(t *testing.T) {
	f, err := doc().Validate()
	if err != nil || f.Title != "电动车安全骑行课" || f.Status != Draft || !f.Place.AtStation() {
		t.Fatalf("a good document: %+v %v", f, err)
	}
	addr, lat, lng := "浦江县大桥路 18 号", 29.4521, 119.892
	tests := []struct {
		name   string
		change func(d *Document)
		fields []string
	}{
		{"no title, category or capacity", func(d *Document) { d.Title, d.Category, d.Capacity = "", "", nil }, []string{"title", "category", "capacity"}},
		{"unknown category", func(d *Document) { d.Category = "party" }, []string{"category"}},
		{"station and address", func(d *Document) { d.Address = &addr }, []string{"station_id"}},
		{"no place", func(d *Document) { d.StationID = nil }, []string{"station_id"}},
		{"address without location", func(d *Document) { d.StationID, d.Address = nil, &addr }, []string{"location"}},
		{"location swapped", func(d *Document) {
			d.StationID, d.Address, d.Location = nil, &addr, &LocationDoc{Lat: &lng, Lng: &lat}
		}, []string{"location.lat"}},
		{"ends before it starts", func(d *Document) { e := t0.Add(-time.Hour); d.EndsAt = &e }, []string{"ends_at"}},
		{"runs for two months", func(d *Document) { e := t0.Add(60 * 24 * time.Hour); d.EndsAt = &e }, []string{"ends_at"}},
		{"capacity 0", func(d *Document) { n := 0; d.Capacity = &n }, []string{"capacity"}},
		{"sign-ups close after the start", func(d *Document) { c := t0.Add(time.Minute); d.SignupClosesAt = &c }, []string{"signup_closes_at"}},
		{"sign-ups open after they close", func(d *Document) { o := t0.Add(time.Minute); d.SignupOpensAt = &o }, []string{"signup_opens_at"}},
		{"bad eligibility", func(d *Document) {
			d.Eligibility = &EligibilityDoc{Occupations: []string{"pilot"}, DistrictCodes: []string{"330799", "330726", "330726"}}
		}, []string{"eligibility.occupations[0]", "eligibility.district_codes[0]", "eligibility.district_codes[2]"}},
		{"unknown status", func(d *Document) { d.Status = "open" }, []string{"status"}},
		{"a control character in the title", func(d *Document) { d.Title = "课\u202e程" }, []string{"title"}},
	}
	for _, tt := range tests {
		d := doc()
		tt.change(&d)
		_, err := d.Validate()
		var fields []string
		if e, ok := err.(*apperr.Error); ok {
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
		}
		if strings.Join(fields, ",") != strings.Join(tt.fields, ",") {
			t.Errorf("%s: fields %v, want %v (%v)", tt.name, fields, tt.fields, err)
		}
	}
}

func TestApplyMergePatch(t *testing.T) {
	f, err := doc().Validate()
	if err != nil {
		t.Fatal(err)
	}
	a := &Activity{Status: Draft}
	a.setFields(f)
	// Moving from a station to an address takes both in one patch.
	got, err := ApplyMergePatch(a, []byte(`{"station_id": null, "address": "浦江县大桥路 18 号", "location": {"lat": 29.4521, "lng": 119.892}}`))
	if err != nil || got.Place.AtStation() || got.Place.Address != "浦江县大桥路 18 号" || got.Place.Location.Lat() != 29.4521 {
		t.Fatalf("to an address: %+v %v", got.Place, err)
	}
	a.setFields(got)
	// And back: a station replaces the address.
	id := uuid.New()
	got, err = ApplyMergePatch(a, []byte(`{"station_id": "`+id.String()+`"}`))
	if err != nil || got.Place.StationID != id || got.Place.Address != "" {
		t.Fatalf("back to a station: %+v %v", got.Place, err)
	}
	for _, bad := range []string{`{"capacity": null}`, `{"seats": 3}`, `{"title": null}`, `[]`} {
		if _, err := ApplyMergePatch(a, []byte(bad)); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("patch %s: %v, want invalid", bad, err)
		}
	}
	got, err = ApplyMergePatch(a, []byte(`{"status": "published", "capacity": 40}`))
	if err != nil || got.Status != Published || got.Capacity != 40 || got.Title != a.Title {
		t.Errorf("publish with more places: %+v %v", got, err)
	}
}

func TestWaitlistPromotedEvent(t *testing.T) {
	a := published()
	a.Title, a.StationName, a.Place.StationID = "法律咨询日", "浦阳驿站", uuid.New()
	s := Signup{ID: uuid.New(), WorkerID: uuid.New()}
	ev := WaitlistPromotedEvent(a, s)
	if ev.DedupKey != "waitlist_promoted:"+s.ID.String() || ev.WorkerID != s.WorkerID.String() || ev.Name != "waitlist_promoted" ||
		ev.Data["title"] != "法律咨询日" || ev.Data["starts_at"] != "12月5日 14:00" || ev.Data["place"] != "浦阳驿站" {
		t.Errorf("event = %+v", ev)
	}
}
