// Package aid is hardship aid (困难帮扶): a union member whom illness, an
// accident or a disaster has hit applies for help; reviewers of their
// county decide, and an amount above the second-review threshold needs a
// second approval from a different reviewer of the county's city or
// province. Every decision is recorded: who, when, the amount.
//
// Applications hold health and financial data, sensitive personal
// information under PIPL (art. 28): the worker's separate consent (art. 29)
// is required, only reviewers whose scope covers the applicant's county
// ever see one, its text never reaches a log (Application.LogValue), and an
// erased worker's narrative is deleted while the category, the amounts and
// the dates stay for the union's accounts.
package aid

import (
	"log/slog"
	"time"

	"github.com/google/uuid"
)

// Category is what hit the applicant.
type Category string

// The categories.
const (
	Illness        Category = "illness"
	Injury         Category = "injury"
	Disaster       Category = "disaster"
	FamilyHardship Category = "family_hardship"
	Education      Category = "education"
	Other          Category = "other"
)

// Categories lists every category, in display order.
var Categories = []Category{Illness, Injury, Disaster, FamilyHardship, Education, Other}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// Status is where an application stands.
type Status string

// The statuses.
const (
	Pending              Status = "pending"
	AwaitingSecondReview Status = "awaiting_second_review"
	Approved             Status = "approved"
	Rejected             Status = "rejected"
)

// Statuses lists every status.
var Statuses = []Status{Pending, AwaitingSecondReview, Approved, Rejected}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Limits of an application.
const (
	MaxAmountYuan  = 1_000_000
	MaxDescription = 2000
	maxReason      = 200
)

// DefaultSecondReviewYuan is the amount above which an approval needs a
// second one (AID_SECOND_REVIEW_YUAN).
const DefaultSecondReviewYuan = 2000

// Application is one application for hardship aid. Zero times and ids are
// steps not reached.
type Application struct {
	ID           uuid.UUID
	WorkerID     uuid.UUID
	DistrictCode string // the county of the worker's membership
	Category     Category
	// AmountRequested is what the worker asked for, in yuan.
	AmountRequested int
	// Description is the worker's narrative: sensitive, empty once erased.
	Description string
	ConsentedAt time.Time
	Status      Status
	CreatedAt   time.Time
	// The first decision: by whom, when, and the amount it approved (zero
	// for a rejection).
	FirstReviewedAt time.Time
	FirstReviewedBy uuid.UUID
	FirstAmount     int
	// The second approval of an amount above the threshold.
	SecondReviewedAt time.Time
	SecondReviewedBy uuid.UUID
	// AmountApproved is the amount granted, once approved.
	AmountApproved int
	DecidedAt      time.Time
	RejectReason   string
	Erased         bool
	// Decisions are the recorded decisions, in order (filled by the
	// store's Get).
	Decisions []Decision
	// Applicant is who applied, as their membership records them (filled
	// by the store's Get, for the reviewers, who must know whom they pay;
	// empty once the worker erased their account).
	Applicant Applicant
}

// Applicant is who applied: the real name and phone of their approved
// membership application (the phone of their profile when it has one),
// and their membership number.
type Applicant struct {
	Name, Phone, MembershipNo string
}

// LogValue keeps everything but the id and the status out of logs: the
// narrative, the category and the amounts are sensitive.
func (a Application) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.ID.String()), slog.String("status", string(a.Status)))
}

// Kind is what a decision was.
type Kind string

// The kinds of decisions.
const (
	Approve  Kind = "approve"
	Reject   Kind = "reject"
	Withdraw Kind = "withdraw" // the worker erased their account while it was open
)

// Decision is one recorded decision on an application.
type Decision struct {
	Step       int // 1 or 2
	Kind       Kind
	StaffID    uuid.UUID // zero for a withdrawal
	AmountYuan int       // for an approval
	Reason     string    // for a rejection or a withdrawal
	DecidedAt  time.Time
}
