// Package wish is micro-wishes (微心愿): a union member asks for something
// small, union staff review it, and once published a donor — union staff or
// a caring unit's (爱心单位) donor account — pledges it, staff deliver it and
// the worker confirms receipt.
//
// The public sees a wish with no identity beyond the county and the
// occupation of who wished (浦江县·外卖骑手); the words themselves may not
// hold a phone number or an ID-card number. It knows nothing of HTTP or
// SQL: the Store it needs is declared here and implemented in
// internal/postgres.
package wish

import (
	"log/slog"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/district"
)

// Category is what a wish is for.
type Category string

// The categories.
const (
	DailyGoods Category = "daily_goods"
	Study      Category = "study"
	Health     Category = "health"
	Family     Category = "family"
	Other      Category = "other"
)

// Categories lists every category, in display order.
var Categories = []Category{DailyGoods, Study, Health, Family, Other}

// Valid reports whether c is a known category.
func (c Category) Valid() bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// Status is where a wish stands.
type Status string

// The statuses, in the order a wish goes through them. Withdrawn is a wish
// whose worker erased their account before receiving it.
const (
	Pending   Status = "pending"
	Rejected  Status = "rejected"
	Published Status = "published"
	Pledged   Status = "pledged"
	Delivered Status = "delivered"
	Confirmed Status = "confirmed"
	Withdrawn Status = "withdrawn"
)

// Statuses lists every status.
var Statuses = []Status{Pending, Rejected, Published, Pledged, Delivered, Confirmed, Withdrawn}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Public reports whether anyone may read a wish in this status.
func (s Status) Public() bool {
	return s == Published || s == Pledged || s == Delivered || s == Confirmed
}

// Limits of a wish.
const (
	MaxTitle     = 40
	MaxStory     = 300
	MaxValueYuan = 500
	maxReason    = 200
)

// Wish is one micro-wish. Zero times are steps not reached; ReviewedBy,
// PledgedBy and DeliveredBy are staff or donor account ids.
type Wish struct {
	ID       uuid.UUID
	WorkerID uuid.UUID
	// DistrictCode is the county of the worker's membership, and Occupation
	// theirs when they wished: all the public learns of who wished.
	DistrictCode string
	Occupation   string
	Category     Category
	Title        string // empty once erased
	Story        string // empty once erased
	ValueYuan    int
	Status       Status
	CreatedAt    time.Time
	ReviewedAt   time.Time
	ReviewedBy   uuid.UUID
	RejectReason string
	PledgedAt    time.Time
	PledgedBy    uuid.UUID
	DeliveredAt  time.Time
	DeliveredBy  uuid.UUID
	ConfirmedAt  time.Time
	WithdrawnAt  time.Time
	// Erased is set when the worker erased their account: Title and Story
	// are gone.
	Erased bool
}

// LogValue keeps the worker's words and who they are out of logs.
func (w Wish) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", w.ID.String()), slog.String("status", string(w.Status)))
}

// occupationLabels are the occupations as the public wall names them.
var occupationLabels = map[string]string{
	"food_delivery":    "外卖骑手",
	"express_courier":  "快递员",
	"ride_hailing":     "网约车司机",
	"truck_driver":     "货车司机",
	"sanitation":       "环卫工人",
	"domestic_service": "家政服务员",
	"other":            "户外劳动者",
}

// Wisher is all the public learns of who wished: the county and the
// occupation, such as 浦江县·外卖骑手.
func (w Wish) Wisher() string {
	label := occupationLabels[w.Occupation]
	if label == "" {
		label = occupationLabels["other"]
	}
	return district.Name(w.DistrictCode) + "·" + label
}
