package worker

import (
	"log/slog"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// Status is where a membership application stands.
type Status string

// The statuses. Only a pending application is open; a worker has at most
// one open application at a time.
const (
	Pending  Status = "pending"
	Approved Status = "approved"
	Rejected Status = "rejected"
	// Withdrawn is set when the worker erases their account while the
	// application is pending.
	Withdrawn Status = "withdrawn"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return s == Pending || s == Approved || s == Rejected || s == Withdrawn }

// Application is a worker's application to join the union (入会申请).
type Application struct {
	ID           uuid.UUID
	WorkerID     uuid.UUID
	Status       Status
	RealName     string
	Phone        string
	Occupation   Occupation
	Employer     string // empty when none was given
	DistrictCode string // the county whose union decides
	ConsentedAt  time.Time
	CreatedAt    time.Time
	// The decision, audited: who (such as "staff:pujiang"), when and, for a
	// rejection, why. Empty while pending.
	DecidedBy string
	DecidedAt time.Time
	Reason    string
	// MembershipNo is the number the approval gave the worker; only on an
	// approved application of a worker who has not been erased.
	MembershipNo string
}

// LogValue keeps the applicant's name and phone number out of logs.
func (a Application) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", a.ID.String()), slog.String("status", string(a.Status)),
		slog.String("district_code", a.DistrictCode), slog.String("phone", MaskPhone(a.Phone)))
}

// ApplicationInput is what a worker sends to apply. Nil fields were not
// sent.
type ApplicationInput struct {
	RealName     *string
	Phone        *string
	Occupation   *string
	Employer     *string
	DistrictCode *string
	Consent      *bool
}

// validate checks every field at once and returns the application's
// fields.
func (in ApplicationInput) validate() (Application, error) {
	var (
		p apperr.Problems
		a Application
	)
	a.RealName = text(&p, "real_name", deref(in.RealName), maxRealName, true)
	a.Phone = mobile(&p, "phone", deref(in.Phone), true)
	a.Occupation = occupation(&p, "occupation", deref(in.Occupation), true)
	a.Employer = text(&p, "employer", deref(in.Employer), maxEmployer, false)
	a.DistrictCode = county(&p, "district_code", deref(in.DistrictCode), true)
	switch {
	case in.Consent == nil:
		p.Add("consent", "required", "must be true: the union needs your consent to process these data")
	case !*in.Consent:
		p.Add("consent", "invalid", "must be true: the union needs your consent to process these data")
	}
	return a, p.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// validReason checks a rejection's reason: 1 to 200 characters once
// trimmed.
func validReason(reason string) (string, error) {
	var p apperr.Problems
	r := text(&p, "reason", reason, maxReason, true)
	return r, p.Err()
}

// ApplicationFilter selects applications for a staff member.
type ApplicationFilter struct {
	// Districts limits the answer to applications in districts these
	// division codes cover (see auth.Covers); nil means every district.
	Districts []string
	// DistrictCode, when set, is a further filter: a county, city or
	// province code.
	DistrictCode string
	Status       Status // empty: any status
	After        uuid.UUID
	Limit        int
}
