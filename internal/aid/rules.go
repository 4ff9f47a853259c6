package aid

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/notify"
	yztext "yizhan/internal/text"
	"yizhan/internal/worker"
)

// Input is an application as the worker sends it; nil means absent.
type Input struct {
	Category            *string
	AmountRequestedYuan *int
	Description         *string
	// Consent is the worker's explicit consent to the processing of
	// sensitive personal data (PIPL art. 29); only true is accepted.
	Consent *bool
}

// Reviewer is union staff deciding applications; *auth.Principal is one.
type Reviewer interface {
	// AccountID is the staff account's id.
	AccountID() uuid.UUID
	// IsStaff reports union staff with district powers (never a donor).
	IsStaff() bool
	// CanManageDistrict reports whether the staff member's scope covers the
	// division code: a county, or a city such as 330700.
	CanManageDistrict(code string) bool
	// DistrictScope returns the codes the staff member acts in, or all.
	DistrictScope() (codes []string, all bool)
}

// New validates in and makes the application of the member w at now.
// Returns NotEligible when w is not a union member, or Invalid with every
// offending field. Problems never repeat what the worker wrote.
func New(in Input, w worker.Worker, now time.Time) (Application, error) {
	if !w.IsMember() {
		return Application{}, apperr.New(apperr.NotEligible, "only union members may apply for hardship aid; apply to join first")
	}
	var p apperr.Problems
	a := Application{WorkerID: w.ID, DistrictCode: w.MemberDistrictCode, Status: Pending, CreatedAt: now, ConsentedAt: now}
	switch c := Category(deref(in.Category)); {
	case in.Category == nil:
		p.Add("category", "required", "is required")
	case !c.Valid():
		p.Add("category", "unknown", "must be one of illness, injury, disaster, family_hardship, education or other")
	default:
		a.Category = c
	}
	switch {
	case in.AmountRequestedYuan == nil:
		p.Add("amount_requested_yuan", "required", "is required")
	case *in.AmountRequestedYuan < 1 || *in.AmountRequestedYuan > MaxAmountYuan:
		p.Add("amount_requested_yuan", "range", "must be 1 to %d yuan", MaxAmountYuan)
	default:
		a.AmountRequested = *in.AmountRequestedYuan
	}
	a.Description = yztext.Field(&p, "description", deref(in.Description), yztext.Rule{Max: MaxDescription, Required: true, Multiline: true})
	switch {
	case in.Consent == nil:
		p.Add("consent", "required", "must be true: the union needs your explicit consent to process health and financial data (PIPL art. 29)")
	case !*in.Consent:
		p.Add("consent", "invalid", "must be true: the union needs your explicit consent to process health and financial data (PIPL art. 29)")
	}
	if err := p.Err(); err != nil {
		return Application{}, err
	}
	return a, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// CityOf is the code of the city a county lies in (330726 → 330700).
func CityOf(county string) string {
	if len(county) != 6 {
		return ""
	}
	return county[:4] + "00"
}

// MayRead reports whether by may see the application: staff whose scope
// covers the applicant's county, and nobody else.
func MayRead(a Application, by Reviewer) bool {
	return by != nil && by.IsStaff() && by.CanManageDistrict(a.DistrictCode)
}

// Reason checks a rejection's reason, which the worker reads.
func Reason(s string) (string, error) {
	var p apperr.Problems
	r := yztext.Field(&p, "reason", s, yztext.Rule{Max: maxReason, Required: true})
	return r, p.Err()
}

// step checks that by may take the application's next decision and
// returns which step it is. The first is for staff of the county; the
// second for a different staff member whose scope covers the county's
// city or province. Returns Forbidden or Conflict.
func step(a *Application, by Reviewer) (int, error) {
	switch a.Status {
	case Pending:
		return 1, nil
	case AwaitingSecondReview:
		if by.AccountID() == a.FirstReviewedBy {
			return 0, apperr.New(apperr.Forbidden, "the second approval must come from a different staff member than the first")
		}
		if !by.CanManageDistrict(CityOf(a.DistrictCode)) {
			return 0, apperr.New(apperr.Forbidden, "the second approval needs staff of the city or province of district %s", district.Label(a.DistrictCode))
		}
		return 2, nil
	}
	return 0, apperr.New(apperr.Conflict, "the application is already %s", apperr.Word(a.Status))
}

// ApproveApplication approves amount yuan of the application, or, above threshold
// at the first step, sends it to a second review. It returns the decision
// to record and, when the application is decided, the worker's
// notification. The amount is at most what was asked for, and a second
// approval grants at most the first's. Returns Forbidden (outside the
// county, or the wrong reviewer for the step), Conflict or Invalid.
func ApproveApplication(a *Application, by Reviewer, amount, threshold int, now time.Time) (Decision, *notify.Event, error) {
	if !MayRead(*a, by) {
		return Decision{}, nil, errOutOfScope(a)
	}
	n, err := step(a, by)
	if err != nil {
		return Decision{}, nil, err
	}
	limit := a.AmountRequested
	if n == 2 {
		limit = a.FirstAmount
	}
	if amount < 1 || amount > limit {
		var p apperr.Problems
		if n == 2 {
			p.Add("amount_yuan", "range", "must be 1 to %d yuan: a second approval grants at most what the first approved", limit)
		} else {
			p.Add("amount_yuan", "range", "must be 1 to %d yuan: at most what the worker asked for", limit)
		}
		return Decision{}, nil, p.Err()
	}
	d := Decision{Step: n, Kind: Approve, StaffID: by.AccountID(), AmountYuan: amount, DecidedAt: now}
	if n == 1 {
		a.FirstReviewedAt, a.FirstReviewedBy, a.FirstAmount = now, d.StaffID, amount
		if amount > threshold {
			a.Status = AwaitingSecondReview
			return d, nil, nil
		}
	} else {
		a.SecondReviewedAt, a.SecondReviewedBy = now, d.StaffID
	}
	a.Status, a.AmountApproved, a.DecidedAt = Approved, amount, now
	return d, decided(a), nil
}

// RejectApplication refuses the application at its current step, with a
// reason the worker reads. Returns Forbidden or Conflict as
// ApproveApplication.
func RejectApplication(a *Application, by Reviewer, reason string, now time.Time) (Decision, *notify.Event, error) {
	if !MayRead(*a, by) {
		return Decision{}, nil, errOutOfScope(a)
	}
	n, err := step(a, by)
	if err != nil {
		return Decision{}, nil, err
	}
	d := Decision{Step: n, Kind: Reject, StaffID: by.AccountID(), Reason: reason, DecidedAt: now}
	if n == 1 {
		a.FirstReviewedAt, a.FirstReviewedBy = now, d.StaffID
	} else {
		a.SecondReviewedAt, a.SecondReviewedBy = now, d.StaffID
	}
	a.Status, a.RejectReason, a.DecidedAt = Rejected, reason, now
	return d, decided(a), nil
}

// errOutOfScope refuses staff outside the applicant's county, as every staff
// route does; they learn nothing of the application but that it is not
// theirs to see.
func errOutOfScope(a *Application) error {
	return apperr.New(apperr.Forbidden, "you may not see aid applications of district %s", a.DistrictCode)
}

// decided is the worker's notification of a decided application: the
// result and the amount, never the narrative.
func decided(a *Application) *notify.Event {
	data := map[string]string{"result": "已批准", "amount_yuan": strconv.Itoa(a.AmountApproved)}
	if a.Status == Rejected {
		data = map[string]string{"result": "未获批准", "reason": a.RejectReason}
	}
	return &notify.Event{WorkerID: a.WorkerID.String(), Name: notify.AidDecided, DedupKey: "aid_decided:" + a.ID.String(), Data: data}
}
