// Package notify holds the events that reach a worker as a WeChat subscribe message, and the
// rules of their delivery.
//
// A change that notifies writes an Event into the outbox in its own transaction (see
// postgres.enqueueNotification), so that the event exists exactly when the change committed.
package notify

// The events that notify a worker. Each maps, through configuration, to a subscribe-message
// template and the mapping of its fields.
const (
	MembershipDecided = "membership_decided" // a membership application approved or rejected
	WaitlistPromoted  = "waitlist_promoted"  // a waitlisted sign-up got a place
	ClaimExpiring     = "claim_expiring"     // a benefit claim expires within 24 hours
	WishPledged       = "wish_pledged"       // a micro-wish found a donor
	WishDelivered     = "wish_delivered"     // a micro-wish was delivered
	AidDecided        = "aid_decided"        // a hardship-aid application approved or rejected
	ReportResolved    = "report_resolved"    // a problem the worker reported at a station was resolved
)

// Event is one notification to one worker.
type Event struct {
	WorkerID string
	Name     string // one of the constants above
	// DedupKey identifies the change, so that doing it again writes no second event, e.g.
	// "waitlist_promoted:<signup id>". Unique across all events.
	DedupKey string
	// Data holds the values a template's fields are filled from, by name (e.g. "title",
	// "starts_at", "result", "reason"), already in the words the worker reads.
	Data map[string]string
}
