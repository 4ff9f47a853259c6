package notify

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Fields are the names of the Data values each event carries: the contract
// between the code that writes an event and the template configuration that
// maps WeChat's fields (thing1, time2, …) onto them. A configuration that maps
// a field onto a name its event does not carry is refused at start-up.
//
// Every value is already in the words the worker reads (zh-CN), and times are
// written with FormatTime. Only what the message itself must say goes in:
// never a precise location, and of health or finances no more than the
// message needs (an aid decision's amount, never its narrative).
var Fields = map[string][]string{
	// result: 已通过 or 未通过; reason: the staff's reason when rejected
	// (empty when approved); decided_at; membership_no when approved.
	MembershipDecided: {"result", "reason", "decided_at", "membership_no"},
	// title: the activity's title; starts_at; place: the station's name or
	// the address; position: the position the worker held (e.g. "1");
	// result: the words of the promotion (候补成功，已为您保留名额).
	WaitlistPromoted: {"title", "starts_at", "place", "position", "result"},
	// title: the benefit's title; expires_at: when the claim expires; code:
	// the 8-character code staff ask for.
	ClaimExpiring: {"title", "expires_at", "code"},
	// title: the wish's title; donor: the caring unit's name (or 工会);
	// pledged_at; status: the wish's state in words (已有爱心单位认领).
	WishPledged: {"title", "donor", "pledged_at", "status"},
	// title: the wish's title; delivered_at; status: what the worker
	// should do next, in words.
	WishDelivered: {"title", "delivered_at", "status"},
	// result: 已批准 or 未批准; amount_yuan: the amount approved ("1500");
	// reason: the staff's reason when rejected; decided_at.
	AidDecided: {"result", "amount_yuan", "reason", "decided_at"},
	// station: the station's name; result: 已处理; note: the staff's note
	// (may be empty); decided_at.
	ReportResolved: {"station", "result", "note", "decided_at"},
}

// shanghai is the time zone every message speaks in.
var shanghai = time.FixedZone("CST", 8*3600)

// FormatTime writes t as a message shows it: Beijing time to the minute,
// "2026-11-30 18:00", which WeChat's time fields accept.
func FormatTime(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04") }

// Status is the outbox as an administrator sees it: counts only, never a
// worker or a message's words.
type Status struct {
	// Pending is how many messages wait; Oldest is when the oldest of them
	// was written (zero when none waits).
	Pending int
	Oldest  time.Time
	// Events counts, per event, the messages written since a moment.
	Events []EventStatus
}

// EventStatus counts one event's messages by where they stand.
type EventStatus struct {
	Event   string
	Pending int
	// Finished counts the finished messages by result (Sent, or a reason
	// they were dropped).
	Finished map[Result]int
}

// Check reports an event its writer got wrong: an unknown name, a dedup key
// that does not start with the name and a colon, no worker, or a data value
// the event does not carry (see Fields). The outbox refuses such an event,
// and with it the change that wrote it, as a schema constraint would: a
// mistake here is the writer's, and its tests find it.
func (ev Event) Check() error {
	names, ok := Fields[ev.Name]
	if !ok {
		return fmt.Errorf("notification %q is not an event (see notify.Fields)", ev.Name)
	}
	if !strings.HasPrefix(ev.DedupKey, ev.Name+":") || len(ev.DedupKey) == len(ev.Name)+1 {
		return fmt.Errorf("notification %s: the dedup key %q must be %s:<id of what changed>", ev.Name, ev.DedupKey, ev.Name)
	}
	if ev.WorkerID == "" {
		return fmt.Errorf("notification %s: no worker", ev.Name)
	}
	for k := range ev.Data {
		if !slices.Contains(names, k) {
			return fmt.Errorf("notification %s: data %q is not a value the event carries (%s)", ev.Name, k, strings.Join(names, ", "))
		}
	}
	return nil
}
