package postgres

import (
	"yizhan/internal/notify"
	"yizhan/internal/truth"
	"yizhan/internal/worker"
)

// The events this package's own changes write into the outbox, each in the
// transaction of its change (see notify.Fields for the names of their data).

// membershipDecidedEvent tells the worker of the decision on their
// membership application.
func membershipDecidedEvent(a worker.Application) notify.Event {
	data := map[string]string{"decided_at": notify.FormatTime(a.DecidedAt)}
	if a.Status == worker.Approved {
		data["result"] = "已通过"
		data["membership_no"] = a.MembershipNo
	} else {
		data["result"] = "未通过"
		data["reason"] = a.Reason
	}
	return notify.Event{WorkerID: a.WorkerID.String(), Name: notify.MembershipDecided,
		DedupKey: notify.MembershipDecided + ":" + a.ID.String(), Data: data}
}

// reportResolvedEvent tells the worker that the problem they reported at a
// station was dealt with. A dismissed report sends nothing.
func reportResolvedEvent(r truth.Report) notify.Event {
	return notify.Event{WorkerID: r.WorkerID.String(), Name: notify.ReportResolved,
		DedupKey: notify.ReportResolved + ":" + r.ID.String(),
		Data: map[string]string{"station": r.StationName, "result": "已处理", "note": r.DecisionNote,
			"decided_at": notify.FormatTime(r.DecidedAt)}}
}
