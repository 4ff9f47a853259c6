// Package worker is about the outdoor workers who use the mini-program: who
// they are (signed in through WeChat), their profile, and their applications
// to join the union. It knows nothing of HTTP, SQL or WeChat's wire format;
// the Store, WeChat and Tokens it needs are declared here and implemented in
// internal/postgres, internal/wechat and internal/auth.
//
// Worker data is personal information under PIPL. A worker's location is
// never stored, Worker and Application mask phone numbers and names when
// logged, and Erase keeps nothing that identifies a worker.
package worker

import (
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/station"
	yztext "yizhan/internal/text"
)

// Occupation is the kind of outdoor work someone does.
type Occupation string

// The occupations.
const (
	FoodDelivery    Occupation = "food_delivery"
	ExpressCourier  Occupation = "express_courier"
	RideHailing     Occupation = "ride_hailing"
	TruckDriver     Occupation = "truck_driver"
	Sanitation      Occupation = "sanitation"
	DomesticService Occupation = "domestic_service"
	OtherOccupation Occupation = "other"
)

// Occupations lists every occupation, in display order.
var Occupations = []Occupation{FoodDelivery, ExpressCourier, RideHailing, TruckDriver, Sanitation, DomesticService, OtherOccupation}

// Valid reports whether o is a known occupation.
func (o Occupation) Valid() bool {
	for _, x := range Occupations {
		if o == x {
			return true
		}
	}
	return false
}

// Identity is who WeChat says signed in.
type Identity struct {
	OpenID  string // per mini-program; always set
	UnionID string // across the union's apps; empty when WeChat sends none
}

// Worker is a worker's account and profile. Optional fields are empty when
// not set.
type Worker struct {
	ID           uuid.UUID
	OpenID       string
	UnionID      string
	Nickname     string
	Phone        string // a mainland mobile number
	Occupation   Occupation
	Employer     string // the platform or employer
	DistrictCode string // home county
	// DistrictChangedAt is when DistrictCode last changed; zero when it
	// never did.
	DistrictChangedAt time.Time
	// MembershipNo, MemberSince and MemberDistrictCode are set together when
	// an application is approved. MemberDistrictCode is the county of the
	// approved application: it decides which county's benefits a member may
	// claim, and never changes.
	MembershipNo       string
	MemberSince        time.Time
	MemberDistrictCode string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// IsMember reports whether the worker is a union member.
func (w Worker) IsMember() bool { return w.MembershipNo != "" }

// CountyChangeInterval is how long a non-member's home county stays put
// after a change: eligibility for a county's benefits follows it, so a
// worker who could switch it at will could claim every county's offers.
const CountyChangeInterval = 30 * 24 * time.Hour

// LogValue keeps personal data out of logs: only the id, whether the worker
// is a member, and a masked phone number.
func (w Worker) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", w.ID.String()), slog.Bool("member", w.IsMember()), slog.String("phone", MaskPhone(w.Phone)))
}

// MaskPhone hides the middle of a phone number for logs: 138****8000.
func MaskPhone(phone string) string {
	if phone == "" {
		return ""
	}
	if len(phone) < 7 {
		return "****"
	}
	return phone[:3] + "****" + phone[len(phone)-4:]
}

// ProfilePatch changes a worker's profile. A nil field is kept; a field
// pointing to "" is cleared.
type ProfilePatch struct {
	Nickname     *string
	Phone        *string
	Occupation   *string
	Employer     *string
	DistrictCode *string
}

// Limits on profile and application text, in characters.
const (
	maxNickname = 40
	maxEmployer = 60
	maxRealName = 50
	maxReason   = 200
)

// apply validates the patch and applies it to w at now, reporting every
// offending field at once. w is changed only when the patch is valid. A
// non-member's home county may change once per CountyChangeInterval
// (TooSoon otherwise); a member's may change freely, since their
// membership's county decides their benefits.
func (pp ProfilePatch) apply(w *Worker, now time.Time) error {
	var p apperr.Problems
	next := *w
	if pp.Nickname != nil {
		next.Nickname = text(&p, "nickname", *pp.Nickname, maxNickname, false)
	}
	if pp.Phone != nil {
		next.Phone = mobile(&p, "phone", *pp.Phone, false)
	}
	if pp.Occupation != nil {
		next.Occupation = occupation(&p, "occupation", *pp.Occupation, false)
	}
	if pp.Employer != nil {
		next.Employer = text(&p, "employer", *pp.Employer, maxEmployer, false)
	}
	if pp.DistrictCode != nil {
		next.DistrictCode = county(&p, "district_code", *pp.DistrictCode, false)
	}
	if err := p.Err(); err != nil {
		return err
	}
	if next.DistrictCode != w.DistrictCode {
		if !w.IsMember() && !w.DistrictChangedAt.IsZero() && now.Before(w.DistrictChangedAt.Add(CountyChangeInterval)) {
			return apperr.New(apperr.TooSoon, "your home county was changed on %s; it may change again from %s",
				w.DistrictChangedAt.In(shanghai).Format(time.DateOnly), w.DistrictChangedAt.Add(CountyChangeInterval).In(shanghai).Format(time.DateOnly))
		}
		next.DistrictChangedAt = now
	}
	*w = next
	return nil
}

// shanghai is the time zone dates are told in: UTC+8 all year.
var shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// text checks s by the one policy for text people write (internal/text):
// normalised, trimmed, at most max characters, no control or invisible
// characters (WeChat nicknames keep their emoji, joined or not); empty is
// refused only when required.
func text(p *apperr.Problems, field, s string, max int, required bool) string {
	return yztext.Field(p, field, s, yztext.Rule{Max: max, Required: required})
}

// mobile normalizes a phone number (spaces and a +86 prefix removed) and
// checks that it is a mainland mobile number.
func mobile(p *apperr.Problems, field, s string, required bool) string {
	if strings.TrimSpace(s) == "" {
		if required {
			p.Add(field, "required", "is required")
		}
		return ""
	}
	n, _ := station.NormalizePhone(s)
	if !station.ValidMobile(n) {
		p.Add(field, "format", "must be a mainland mobile number such as 13800138000")
	}
	return n
}

func occupation(p *apperr.Problems, field, s string, required bool) Occupation {
	switch o := Occupation(s); {
	case s == "":
		if required {
			p.Add(field, "required", "is required")
		}
		return ""
	case !o.Valid():
		p.Add(field, "unknown", "must be one of food_delivery, express_courier, ride_hailing, truck_driver, sanitation, domestic_service or other")
		return ""
	default:
		return o
	}
}

func county(p *apperr.Problems, field, s string, required bool) string {
	switch {
	case s == "":
		if required {
			p.Add(field, "required", "is required")
		}
	default:
		district.Check(p, field, s, true)
	}
	return s
}
