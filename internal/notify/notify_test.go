package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

const goodConfig = `{
  "membership_decided": {"template_id": "tplMember_1", "page": "pages/me/index",
    "data": {"phrase1": "result", "thing2": "reason", "time3": "decided_at"}},
  "report_resolved": {"template_id": "tplReport-2", "data": {"thing1": "station", "thing2": "note"}},
  "aid_decided": {"template_id": "tplMember_1", "data": {"phrase1": "result", "amount2": "amount_yuan"}}
}`

func TestParseTemplates(t *testing.T) {
	t.Parallel()
	got, err := ParseTemplates([]byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	if got[MembershipDecided].Data["thing2"] != "reason" || got[ReportResolved].TemplateID != "tplReport-2" {
		t.Errorf("parsed %+v", got)
	}
	if diff := cmp.Diff([]string{"tplMember_1", "tplReport-2"}, got.TemplateIDs()); diff != "" {
		t.Errorf("TemplateIDs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{AidDecided, MembershipDecided}, got.EventsOf("tplMember_1")); diff != "" {
		t.Errorf("EventsOf (-want +got):\n%s", diff)
	}
	if empty, err := ParseTemplates([]byte("  ")); err != nil || len(empty) != 0 {
		t.Errorf("empty config: %v %v", empty, err)
	}
	for _, tc := range []struct{ name, json, want string }{
		{"unknown event", `{"membership_decide": {"template_id": "a", "data": {"thing1": "result"}}}`, `"membership_decide" is not an event`},
		{"bad template id", `{"membership_decided": {"template_id": "a b", "data": {"thing1": "result"}}}`, "template_id"},
		{"no data", `{"membership_decided": {"template_id": "a", "data": {}}}`, "maps no template field"},
		{"bad field", `{"membership_decided": {"template_id": "a", "data": {"text1": "result"}}}`, `"text1" is not a template field`},
		{"unknown name", `{"membership_decided": {"template_id": "a", "data": {"thing1": "title"}}}`, `names "title", which the event does not carry`},
		{"unknown member", `{"membership_decided": {"template_id": "a", "data": {"thing1": "result"}, "url": "x"}}`, "unknown field"},
		{"page URL", `{"membership_decided": {"template_id": "a", "page": "https://x", "data": {"thing1": "result"}}}`, "page"},
		{"not an object", `[1]`, "not a JSON object"},
		{"trailing", `{} {}`, "data after"},
	} {
		_, err := ParseTemplates([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.want)
		}
	}
}

// Every event has its fields, and every field name is one a template may
// map; the events are those the issue lists.
func TestFieldsCoverEveryEvent(t *testing.T) {
	t.Parallel()
	for _, e := range []string{MembershipDecided, WaitlistPromoted, ClaimExpiring, WishPledged, WishDelivered, AidDecided, ReportResolved} {
		if len(Fields[e]) == 0 {
			t.Errorf("%s has no fields", e)
		}
	}
	if len(Fields) != 7 {
		t.Errorf("%d events with fields, want 7", len(Fields))
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	tpl := Template{TemplateID: "T", Page: "pages/x", Data: map[string]string{
		"thing1": "title", "phrase2": "result", "time3": "decided_at", "thing4": "reason", "character_string5": "code", "number6": "missing",
	}}
	long := strings.Repeat("浦", 30)
	m := Render(tpl, "oX", map[string]string{"title": long, "result": "未通过审核结果", "decided_at": "2026-11-30 18:00",
		"reason": "  两行\n原因  ", "code": strings.Repeat("A", 40)})
	want := map[string]string{
		"thing1":            strings.Repeat("浦", 19) + "…",
		"phrase2":           "未通过审…",
		"time3":             "2026-11-30 18:00",
		"thing4":            "两行 原因",
		"character_string5": strings.Repeat("A", 32),
		"number6":           "-",
	}
	if diff := cmp.Diff(want, m.Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if m.OpenID != "oX" || m.TemplateID != "T" || m.Page != "pages/x" {
		t.Errorf("message %+v", m)
	}
	if utf8.RuneCountInString(m.Data["thing1"]) != 20 {
		t.Errorf("thing1 has %d characters, want 20", utf8.RuneCountInString(m.Data["thing1"]))
	}
	if empty := Render(Template{Data: map[string]string{"thing1": "x"}}, "o", nil); empty.Data["thing1"] != "无" {
		t.Errorf("an empty thing = %q, want 无", empty.Data["thing1"])
	}
	// What may reach a log says neither the data nor the openid.
	if s := m.String(); strings.Contains(s, "浦") || strings.Contains(s, "oX") {
		t.Errorf("String shows personal data: %s", s)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err   error
		want  Result
		pause bool
	}{
		{nil, Sent, false},
		{&SendError{Errcode: 43101}, Unsubscribed, false},
		{&SendError{Errcode: 47003}, Rejected, false},
		{&SendError{Errcode: 40037}, Rejected, false},
		{&SendError{Errcode: 40003}, Rejected, false},
		{&SendError{Errcode: 45009}, Retry, true},
		{&SendError{Errcode: -1}, Retry, true},
		{&SendError{Errcode: 40001}, Retry, false},
		{&SendError{Errcode: 42001}, Retry, false},
		{&SendError{Errcode: 99999}, Retry, false},
		{errors.New("connection refused"), Retry, true},
		{errors.Join(errors.New("stable_token"), &SendError{Errcode: -1}), Retry, true},
	} {
		got, pause := Classify(tc.err)
		if got != tc.want || pause != tc.pause {
			t.Errorf("Classify(%v) = %s, %v; want %s, %v", tc.err, got, pause, tc.want, tc.pause)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	base, max := 30*time.Second, 30*time.Minute
	for _, tc := range []struct {
		attempt int
		r       float64
		want    time.Duration
	}{
		{1, 0.5, 30 * time.Second},
		{2, 0.5, time.Minute},
		{3, 0.5, 2 * time.Minute},
		{7, 0.5, 30 * time.Minute},
		{100, 0.5, 30 * time.Minute},
		{1, 0, 24 * time.Second},
		{1, 0.999999, 36 * time.Second},
	} {
		got := Backoff(tc.attempt, base, max, tc.r)
		if d := got - tc.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("Backoff(%d, r=%v) = %v, want %v", tc.attempt, tc.r, got, tc.want)
		}
	}
}

// acceptStore records what Accept was asked to store.
type acceptStore struct {
	accept func(ids, all []string) ([]Subscription, error)
}

func (s acceptStore) Accept(_ context.Context, _ uuid.UUID, ids, all []string, _ time.Time) ([]Subscription, error) {
	return s.accept(ids, all)
}

func TestAcceptRefusesBadTemplateLists(t *testing.T) {
	t.Parallel()
	tpls, err := ParseTemplates([]byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	stored := 0
	svc := &Service{Templates: tpls, Store: acceptStore{accept: func(ids, all []string) ([]Subscription, error) {
		stored++
		if diff := cmp.Diff([]string{"tplMember_1", "tplReport-2"}, all); diff != "" {
			t.Errorf("all (-want +got):\n%s", diff)
		}
		return nil, nil
	}}}
	many := make([]string, 21)
	for i := range many {
		many[i] = "tplMember_1"
	}
	for _, tc := range []struct {
		name   string
		ids    []string
		fields []string
	}{
		{"missing", nil, []string{"template_ids"}},
		{"empty", []string{}, []string{"template_ids"}},
		{"too many", many, []string{"template_ids"}},
		{"unknown and duplicate", []string{"tplMember_1", "nope", "tplMember_1"}, []string{"template_ids[1]", "template_ids[2]"}},
	} {
		_, err := svc.Accept(context.Background(), uuid.New(), tc.ids)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
			t.Fatalf("%s: err = %v, want invalid", tc.name, err)
		}
		var fields []string
		for _, f := range ae.Fields {
			fields = append(fields, f.Field)
		}
		if diff := cmp.Diff(tc.fields, fields); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tc.name, diff)
		}
	}
	if stored != 0 {
		t.Errorf("a refused request stored %d times", stored)
	}
	if _, err := svc.Accept(context.Background(), uuid.New(), []string{"tplReport-2", "tplMember_1"}); err != nil || stored != 1 {
		t.Errorf("a good request: %v, stored %d", err, stored)
	}
}

func TestEventCheck(t *testing.T) {
	t.Parallel()
	good := Event{WorkerID: "w", Name: WaitlistPromoted, DedupKey: "waitlist_promoted:s1",
		Data: map[string]string{"title": "手机维修课", "starts_at": "2026-12-05 14:00", "place": "浦阳驿站", "position": "1"}}
	if err := good.Check(); err != nil {
		t.Errorf("a good event: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(*Event)
		want string
	}{
		{"unknown event", func(e *Event) { e.Name = "waitlist_freed" }, "not an event"},
		{"key without the name", func(e *Event) { e.DedupKey = "s1" }, "dedup key"},
		{"key without an id", func(e *Event) { e.DedupKey = "waitlist_promoted:" }, "dedup key"},
		{"no worker", func(e *Event) { e.WorkerID = "" }, "no worker"},
		{"unknown data", func(e *Event) { e.Data = map[string]string{"activity_title": "x"} }, `data "activity_title"`},
	} {
		ev := good
		tc.edit(&ev)
		if err := ev.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.want)
		}
	}
}

// fakeStore is an outbox in memory, as a struct of function fields would
// be: what the Deliverer asked of it is recorded.
type fakeStore struct {
	pending  []Pending
	reserve  bool
	finished map[int64]Outcome
	released []int64
}

func (s *fakeStore) Lease(_ context.Context, _, _ time.Time, limit int) ([]Pending, error) {
	out := s.pending[:min(limit, len(s.pending))]
	s.pending = s.pending[len(out):]
	return out, nil
}
func (s *fakeStore) Reserve(context.Context, int64, string, string, time.Time) (bool, error) {
	return s.reserve, nil
}
func (s *fakeStore) Finish(_ context.Context, id int64, o Outcome) error {
	s.finished[id] = o
	return nil
}
func (s *fakeStore) Release(_ context.Context, ids []int64, _ time.Time) error {
	s.released = append(s.released, ids...)
	return nil
}
func (s *fakeStore) EnqueueExpiringClaims(context.Context, time.Time, time.Duration) (int, error) {
	return 0, nil
}
func (s *fakeStore) Tidy(context.Context, time.Time, time.Time, time.Time) (int, int, error) {
	return 0, 0, nil
}

type senderFunc func(Message) error

func (f senderFunc) Send(_ context.Context, m Message) error { return f(m) }

// When WeChat is busy, the rest of the batch is handed back unsent and
// nothing is leased until the pause ends; a message without an acceptance
// is dropped unsent; success ends the pause's growth.
func TestDelivererPausesWhenWeChatIsBusy(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	tpls := Templates{ReportResolved: {TemplateID: "T", Data: map[string]string{"thing1": "station"}}}
	store := &fakeStore{reserve: true, finished: map[int64]Outcome{}}
	for i := range 3 {
		store.pending = append(store.pending, Pending{ID: int64(i + 1), WorkerID: "w", Event: ReportResolved, OpenID: "o", CreatedAt: now})
	}
	sends := 0
	d := &Deliverer{Store: store, Templates: tpls, Concurrency: 1, Now: func() time.Time { return now }, Rand: func() float64 { return 0.5 },
		Sender: senderFunc(func(Message) error { sends++; return &SendError{Errcode: -1} })}
	if n, err := d.DeliverOnce(context.Background()); n != 3 || err != nil {
		t.Fatalf("DeliverOnce = %d, %v", n, err)
	}
	if sends != 1 || len(store.finished) != 1 || store.finished[1].Result != Retry || store.finished[1].NextAttemptAt != now.Add(30*time.Second) {
		t.Errorf("sends %d, finished %+v", sends, store.finished)
	}
	if diff := cmp.Diff([]int64{2, 3}, store.released); diff != "" {
		t.Errorf("released (-want +got):\n%s", diff)
	}
	store.pending = []Pending{{ID: 4, WorkerID: "w", Event: ReportResolved, OpenID: "o", CreatedAt: now}}
	if n, _ := d.DeliverOnce(context.Background()); n != 0 || sends != 1 {
		t.Errorf("during the pause: leased %d, sends %d", n, sends)
	}
	now = now.Add(31 * time.Second)
	store.reserve = false
	if n, _ := d.DeliverOnce(context.Background()); n != 1 || sends != 1 || store.finished[4].Result != NoAcceptance || store.finished[4].Attempted {
		t.Errorf("after the pause, without an acceptance: leased %d, sends %d, outcome %+v", n, sends, store.finished[4])
	}
}
