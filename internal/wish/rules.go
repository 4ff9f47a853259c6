package wish

import (
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/notify"
	yztext "yizhan/internal/text"
	"yizhan/internal/worker"
)

// Input is a wish as a worker sends it; nil means absent.
type Input struct {
	Title     *string
	Story     *string
	Category  *string
	ValueYuan *int
}

// Actor is who acts on a wish other than its worker: union staff, or a
// donor account; *auth.Principal is one.
type Actor interface {
	// AccountID is the staff or donor account's id.
	AccountID() uuid.UUID
	// IsStaff reports union staff with district powers; IsDonor a caring
	// unit's donor account, which has none.
	IsStaff() bool
	IsDonor() bool
	// CanManageDistrict reports whether the staff member may act in the
	// county; never a donor.
	CanManageDistrict(code string) bool
	// DistrictScope returns the codes the staff member acts in, or all.
	DistrictScope() (codes []string, all bool)
}

// New validates in and makes the wish of the member w at now, pending
// review. Returns NotEligible when w is not a union member, Invalid with
// every offending field, or ContainsPersonalData when the title or the
// story holds a phone or an ID-card number.
func New(in Input, w worker.Worker, now time.Time) (Wish, error) {
	if !w.IsMember() {
		return Wish{}, apperr.New(apperr.NotEligible, "only union members may post a wish; apply to join first")
	}
	var p apperr.Problems
	wish := Wish{WorkerID: w.ID, DistrictCode: w.MemberDistrictCode, Occupation: string(w.Occupation), Status: Pending, CreatedAt: now}
	if wish.Occupation == "" {
		wish.Occupation = string(worker.OtherOccupation)
	}
	wish.Title = yztext.Field(&p, "title", deref(in.Title), yztext.Rule{Max: MaxTitle, Required: true})
	wish.Story = yztext.Field(&p, "story", deref(in.Story), yztext.Rule{Max: MaxStory, Required: true, Multiline: true})
	switch c := Category(deref(in.Category)); {
	case in.Category == nil:
		p.Add("category", "required", "is required")
	case !c.Valid():
		p.Add("category", "unknown", "must be one of daily_goods, study, health, family or other")
	default:
		wish.Category = c
	}
	switch {
	case in.ValueYuan == nil:
		p.Add("value_yuan", "required", "is required")
	case *in.ValueYuan < 1 || *in.ValueYuan > MaxValueYuan:
		p.Add("value_yuan", "range", "must be 1 to %d yuan", MaxValueYuan)
	default:
		wish.ValueYuan = *in.ValueYuan
	}
	if err := p.Err(); err != nil {
		return Wish{}, err
	}
	if err := refusePersonalData(map[string]string{"title": wish.Title, "story": wish.Story}); err != nil {
		return Wish{}, err
	}
	return wish, nil
}

// refusePersonalData answers ContainsPersonalData naming each field that
// holds a phone or ID-card number (never the number itself).
func refusePersonalData(fields map[string]string) error {
	var list []apperr.FieldError
	for _, name := range []string{"title", "story"} {
		switch FindPersonalData(fields[name]) {
		case PhoneNumber:
			list = append(list, fieldError(name, PhoneNumber, "holds a phone number; everyone can read a wish, so leave it out"))
		case IDNumber:
			list = append(list, fieldError(name, IDNumber, "holds an ID-card number; everyone can read a wish, so leave it out"))
		}
	}
	if len(list) == 0 {
		return nil
	}
	err := apperr.New(apperr.ContainsPersonalData, "a wish may not hold a phone number or an ID-card number: it would expose you")
	err.Fields = list
	return err
}

func fieldError(field, code, format string) apperr.FieldError {
	return apperr.FieldError{Field: field, Code: code, Message: format, Format: format}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Reason checks a rejection's reason, which the worker reads.
func Reason(s string) (string, error) {
	var p apperr.Problems
	r := yztext.Field(&p, "reason", s, yztext.Rule{Max: maxReason, Required: true})
	return r, p.Err()
}

func mayReview(by Actor, w *Wish) error {
	if !by.IsStaff() || !by.CanManageDistrict(w.DistrictCode) {
		return apperr.New(apperr.Forbidden, "you may not act on wishes of district %s", w.DistrictCode)
	}
	return nil
}

// Approve publishes a pending wish. Returns Forbidden (not staff of the
// wish's county) or Conflict (not pending).
func Approve(w *Wish, by Actor, now time.Time) error {
	if err := mayReview(by, w); err != nil {
		return err
	}
	if w.Status != Pending {
		return apperr.New(apperr.Conflict, "the wish is %s, not pending review", apperr.Word(w.Status))
	}
	w.Status, w.ReviewedAt, w.ReviewedBy = Published, now, by.AccountID()
	return nil
}

// Reject refuses a pending wish with a reason the worker reads. Returns
// Forbidden or Conflict as Approve; the reason is checked by Reason.
func Reject(w *Wish, by Actor, reason string, now time.Time) error {
	if err := mayReview(by, w); err != nil {
		return err
	}
	if w.Status != Pending {
		return apperr.New(apperr.Conflict, "the wish is %s, not pending review", apperr.Word(w.Status))
	}
	w.Status, w.ReviewedAt, w.ReviewedBy, w.RejectReason = Rejected, now, by.AccountID(), reason
	return nil
}

// Pledge records that by will fulfil a published wish, and returns the
// worker's notification. A donor account pledges any wish; union staff
// those of their districts. The same account pledging again changes
// nothing and returns no event (Name empty). Returns Forbidden, NotFound
// (the wish is not public), or AlreadyPledged.
func Pledge(w *Wish, by Actor, now time.Time) (notify.Event, error) {
	switch {
	case by.IsDonor():
	case by.IsStaff() && by.CanManageDistrict(w.DistrictCode):
	default:
		return notify.Event{}, apperr.New(apperr.Forbidden, "you may not pledge wishes of district %s", w.DistrictCode)
	}
	switch w.Status {
	case Published:
	case Pledged, Delivered, Confirmed:
		if w.Status == Pledged && w.PledgedBy == by.AccountID() {
			return notify.Event{}, nil // the pledger's retry: nothing changes, nothing is written
		}
		return notify.Event{}, errAlreadyPledged
	default:
		return notify.Event{}, apperr.New(apperr.NotFound, "%s not found", apperr.Word("wish"))
	}
	w.Status, w.PledgedAt, w.PledgedBy = Pledged, now, by.AccountID()
	return notify.Event{WorkerID: w.WorkerID.String(), Name: notify.WishPledged, DedupKey: "wish_pledged:" + w.ID.String(),
		Data: map[string]string{"title": w.Title, "status": "已有爱心单位认领", "pledged_at": shanghaiTime(now)}}, nil
}

var errAlreadyPledged = apperr.New(apperr.AlreadyPledged, "someone else has pledged this wish already")

// Deliver records that staff of the wish's county handed over what was
// wished, and returns the worker's notification. Returns Forbidden or
// Conflict (not pledged).
func Deliver(w *Wish, by Actor, now time.Time) (notify.Event, error) {
	if err := mayReview(by, w); err != nil {
		return notify.Event{}, err
	}
	if w.Status != Pledged {
		return notify.Event{}, apperr.New(apperr.Conflict, "the wish is %s; only a pledged wish is delivered", apperr.Word(w.Status))
	}
	w.Status, w.DeliveredAt, w.DeliveredBy = Delivered, now, by.AccountID()
	return notify.Event{WorkerID: w.WorkerID.String(), Name: notify.WishDelivered, DedupKey: "wish_delivered:" + w.ID.String(),
		Data: map[string]string{"title": w.Title, "status": "已送达，请在小程序中确认收到", "delivered_at": shanghaiTime(now)}}, nil
}

// Confirm records that the worker received what they wished. Returns
// NotFound (not the worker's wish) or Conflict (not delivered).
func Confirm(w *Wish, workerID uuid.UUID, now time.Time) error {
	if w.WorkerID != workerID {
		return apperr.New(apperr.NotFound, "%s not found", apperr.Word("wish"))
	}
	if w.Status != Delivered {
		return apperr.New(apperr.Conflict, "the wish is %s; only a delivered wish is confirmed", apperr.Word(w.Status))
	}
	w.Status, w.ConfirmedAt = Confirmed, now
	return nil
}

// Visible reports whether by may read the wish: anyone a public one, staff
// of its county any.
func Visible(w Wish, by Actor) bool {
	if w.Status.Public() {
		return true
	}
	return by != nil && by.IsStaff() && by.CanManageDistrict(w.DistrictCode)
}

var shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

func shanghaiTime(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04") }
