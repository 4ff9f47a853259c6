package console

import (
	"context"
	"net/http"
	"strings"
	"time"

	"yizhan/internal/notify"
)

// NotifyDeps are what the notifications page (消息通知, admins only) shows:
// the outbox's state and the template configuration. Counts only: no
// worker and no message's words ever reach the page.
type NotifyDeps struct {
	// Status reads the outbox: what waits, and the messages written since
	// a moment; nil hides the page's figures.
	Status func(ctx context.Context, since time.Time) (notify.Status, error)
	// Templates are the configured templates (WECHAT_TEMPLATES).
	Templates notify.Templates
	// Sending says this server has WeChat configured and delivers.
	Sending bool
}

// notifyEvents are the events in the order the page lists them.
var notifyEvents = []string{notify.MembershipDecided, notify.WaitlistPromoted, notify.ClaimExpiring,
	notify.WishPledged, notify.WishDelivered, notify.AidDecided, notify.ReportResolved}

// dropReasons are the results of messages not sent, in the page's order.
var dropReasons = []notify.Result{notify.NoAcceptance, notify.Unsubscribed, notify.Erased, notify.Rejected, notify.TooOld, notify.NoTemplate}

type notifyRow struct {
	Event    string // its Chinese name
	Template string // the template id, or ""
	Pending  int
	Sent     int
	Dropped  int
	Reasons  string // e.g. "未订阅 3、超时未送达 1"
}

type notifyPage struct {
	Sending    bool
	Configured int    // events with a template
	Pending    int    // messages waiting
	Waiting    string // how long the oldest has waited, in words; "" when none
	Late       bool   // the oldest has waited more than 10 minutes
	Rows       []notifyRow
	Unknown    bool // Status is nil: the figures are not available
}

// notifications shows an admin whether the workers' WeChat messages go out.
func (h *handler) notifications(w http.ResponseWriter, r *http.Request) {
	n := h.Notify
	page := notifyPage{Sending: n.Sending, Unknown: n.Status == nil}
	var st notify.Status
	if n.Status != nil {
		var err error
		if st, err = n.Status(r.Context(), time.Now().Add(-24*time.Hour)); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	page.Pending = st.Pending
	if !st.Oldest.IsZero() {
		age := time.Since(st.Oldest)
		page.Late = age > 10*time.Minute
		switch {
		case age < time.Minute:
			page.Waiting = t("notify.age.seconds")
		case age < time.Hour:
			page.Waiting = t("notify.age.minutes", int(age.Minutes()))
		default:
			page.Waiting = t("notify.age.hours", int(age.Hours()))
		}
	}
	counts := map[string]notify.EventStatus{}
	for _, ev := range st.Events {
		counts[ev.Event] = ev
	}
	for _, event := range notifyEvents {
		ev := counts[event]
		row := notifyRow{Event: t("notify.event." + event), Template: n.Templates[event].TemplateID, Pending: ev.Pending,
			Sent: ev.Finished[notify.Sent]}
		if row.Template != "" {
			page.Configured++
		}
		var reasons []string
		for _, r := range dropReasons {
			if c := ev.Finished[r]; c > 0 {
				row.Dropped += c
				reasons = append(reasons, t("notify.reason."+string(r), c))
			}
		}
		row.Reasons = strings.Join(reasons, "、")
		page.Rows = append(page.Rows, row)
	}
	h.render(w, r, "notifications.html", "notifications", page)
}
