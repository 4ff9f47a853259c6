package benefit

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/instant"
	"yizhan/internal/strictjson"
	yztext "yizhan/internal/text"
	"yizhan/internal/worker"
)

// Limits on an offer's fields.
const (
	maxTitle       = 60
	maxDescription = 2000
	MaxStock       = 10_000_000
	maxLimitCount  = 100
	maxRedeemAt    = 200
	maxDistricts   = 100
)

// Document is an offer as staff write it: the JSON body of POST and the
// result of applying a PATCH. Validate turns it into an offer's fields.
type Document struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
	// TotalStock must be present: a number, or null for unlimited.
	TotalStock     Stock           `json:"total_stock"`
	PerWorkerLimit *LimitDoc       `json:"per_worker_limit,omitempty"`
	Window         *WindowDoc      `json:"window"`
	Eligibility    *EligibilityDoc `json:"eligibility,omitempty"`
	RedeemAt       []string        `json:"redeem_at,omitempty"`
	Status         string          `json:"status,omitempty"`
	Welcome        bool            `json:"welcome,omitempty"`
}

// Stock is total_stock: a count, or null (unlimited). Set tells a null from
// a missing field.
type Stock struct {
	Set bool
	N   *int64
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *Stock) UnmarshalJSON(b []byte) error {
	s.Set = true
	if string(b) == "null" {
		s.N = nil
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	s.N = &n
	return nil
}

// MarshalJSON implements json.Marshaler.
func (s Stock) MarshalJSON() ([]byte, error) {
	if s.N == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*s.N)
}

// LimitDoc is per_worker_limit.
type LimitDoc struct {
	Count  *int   `json:"count"`
	Period string `json:"period"`
}

// WindowDoc is window.
type WindowDoc struct {
	StartsAt *time.Time `json:"starts_at"`
	EndsAt   *time.Time `json:"ends_at"`
	Weekly   *WeeklyDoc `json:"weekly,omitempty"`
}

// WeeklyDoc is window.weekly: days such as ["wed"] and "HH:MM" times.
type WeeklyDoc struct {
	Days []string `json:"days"`
	From string   `json:"from"`
	To   string   `json:"to"`
}

// EligibilityDoc is eligibility.
type EligibilityDoc struct {
	MembersOnly   bool     `json:"members_only"`
	Occupations   []string `json:"occupations"`
	DistrictCodes []string `json:"district_codes"`
}

// DayNames are the JSON names of the weekdays, Sunday first as time.Weekday.
var DayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// DecodeDocument strictly decodes an offer document.
func DecodeDocument(body []byte) (Document, error) {
	var d Document
	if err := strictjson.Decode(body, &d); err != nil {
		return Document{}, err
	}
	return d, nil
}

// Fields are the parts of an offer its editors set.
type Fields struct {
	Title       string
	Description string
	Category    Category
	TotalStock  *int
	PerWorker   Limit
	Window      Window
	Eligibility Eligibility
	RedeemAt    []uuid.UUID
	Status      Status
	Welcome     bool
}

// Validate checks every field and returns the offer's fields, reporting all
// offending fields at once. It does not look up the redeem_at stations:
// Service does.
func (d Document) Validate() (Fields, error) {
	var (
		p apperr.Problems
		f Fields
	)
	f.Title = text(&p, "title", d.Title, maxTitle, true)
	f.Description = text(&p, "description", d.Description, maxDescription, false)
	f.Category = Category(d.Category)
	if d.Category == "" {
		p.Add("category", "required", "is required")
	} else if !f.Category.Valid() {
		p.Add("category", "unknown", "must be one of gift_pack, phone_credit, voucher, meal, service or other")
	}
	switch {
	case !d.TotalStock.Set:
		p.Add("total_stock", "required", "is required: a number of items, or null for unlimited")
	case d.TotalStock.N == nil:
	case *d.TotalStock.N < 0 || *d.TotalStock.N > MaxStock:
		p.Add("total_stock", "out_of_range", "must be from 0 to %d, or null for unlimited", MaxStock)
	default:
		n := int(*d.TotalStock.N)
		f.TotalStock = &n
	}
	f.PerWorker = Limit{Count: 1, Period: Once}
	if l := d.PerWorkerLimit; l != nil {
		switch {
		case l.Count == nil:
			p.Add("per_worker_limit.count", "required", "is required")
		case *l.Count < 1 || *l.Count > maxLimitCount:
			p.Add("per_worker_limit.count", "out_of_range", "must be from 1 to %d", maxLimitCount)
		default:
			f.PerWorker.Count = *l.Count
		}
		f.PerWorker.Period = Period(l.Period)
		if !f.PerWorker.Period.Valid() {
			p.Add("per_worker_limit.period", "unknown", "must be once, day, week or month")
		}
	}
	f.Window = d.Window.validate(&p)
	if e := d.Eligibility; e != nil {
		f.Eligibility.MembersOnly = e.MembersOnly
		for i, o := range e.Occupations {
			field := fmt.Sprintf("eligibility.occupations[%d]", i)
			switch {
			case !worker.Occupation(o).Valid():
				p.Add(field, "unknown", "must be one of food_delivery, express_courier, ride_hailing, truck_driver, sanitation, domestic_service or other")
			case slices.Contains(f.Eligibility.Occupations, o):
				p.Add(field, "duplicate", "is listed twice")
			default:
				f.Eligibility.Occupations = append(f.Eligibility.Occupations, o)
			}
		}
		if len(e.DistrictCodes) > maxDistricts {
			p.Add("eligibility.district_codes", "too_many", "must hold at most %d codes", maxDistricts)
		}
		for i, c := range e.DistrictCodes {
			field := fmt.Sprintf("eligibility.district_codes[%d]", i)
			switch {
			case !district.Check(&p, field, c, false):
			case slices.Contains(f.Eligibility.DistrictCodes, c):
				p.Add(field, "duplicate", "is listed twice")
			default:
				f.Eligibility.DistrictCodes = append(f.Eligibility.DistrictCodes, c)
			}
		}
	}
	if len(d.RedeemAt) > maxRedeemAt {
		p.Add("redeem_at", "too_many", "must hold at most %d stations", maxRedeemAt)
	}
	for i, s := range d.RedeemAt {
		field := fmt.Sprintf("redeem_at[%d]", i)
		id, err := uuid.Parse(s)
		switch {
		case err != nil || len(s) != 36:
			p.Add(field, "format", "must be a station id")
		case slices.Contains(f.RedeemAt, id):
			p.Add(field, "duplicate", "is listed twice")
		default:
			f.RedeemAt = append(f.RedeemAt, id)
		}
	}
	f.Status = Draft
	if d.Status != "" {
		f.Status = Status(d.Status)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be draft, published, paused or ended")
		}
	}
	f.Welcome = d.Welcome
	if f.Welcome && len(f.Eligibility.DistrictCodes) > 1 {
		p.Add("eligibility.district_codes", "too_many", "a welcome offer names at most one district code: the county, city or province whose new members it welcomes")
	}
	if err := p.Err(); err != nil {
		return Fields{}, err
	}
	return f, nil
}

func (w *WindowDoc) validate(p *apperr.Problems) Window {
	var out Window
	if w == nil {
		p.Add("window", "required", "is required: {starts_at, ends_at}")
		return out
	}
	if w.StartsAt == nil {
		p.Add("window.starts_at", "required", "is required")
	} else {
		out.StartsAt = w.StartsAt.UTC().Truncate(time.Microsecond)
		instant.Check(p, "window.starts_at", out.StartsAt)
	}
	if w.EndsAt == nil {
		p.Add("window.ends_at", "required", "is required")
	} else {
		out.EndsAt = w.EndsAt.UTC().Truncate(time.Microsecond)
		instant.Check(p, "window.ends_at", out.EndsAt)
	}
	if w.StartsAt != nil && w.EndsAt != nil && !out.EndsAt.After(out.StartsAt) {
		p.Add("window.ends_at", "out_of_range", "must be after window.starts_at")
	}
	if wk := w.Weekly; wk != nil {
		weekly := &Weekly{}
		if len(wk.Days) == 0 {
			p.Add("window.weekly.days", "required", "must name at least one day, such as [\"wed\"]")
		}
		for i, d := range wk.Days {
			field := fmt.Sprintf("window.weekly.days[%d]", i)
			n := slices.Index(DayNames[:], d)
			switch {
			case n < 0:
				p.Add(field, "unknown", "must be one of mon, tue, wed, thu, fri, sat or sun")
			case slices.Contains(weekly.Days, time.Weekday(n)):
				p.Add(field, "duplicate", "is listed twice")
			default:
				weekly.Days = append(weekly.Days, time.Weekday(n))
			}
		}
		slices.Sort(weekly.Days)
		var okFrom, okTo bool
		weekly.From, okFrom = clockMinutes(p, "window.weekly.from", wk.From)
		weekly.To, okTo = clockMinutes(p, "window.weekly.to", wk.To)
		if okFrom && okTo && weekly.To <= weekly.From {
			p.Add("window.weekly.to", "out_of_range", "must be after window.weekly.from (a schedule does not run past midnight)")
		}
		out.Weekly = weekly
	}
	return out
}

// clockMinutes parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func clockMinutes(p *apperr.Problems, field, s string) (int, bool) {
	digit := func(i int) bool { return s[i] >= '0' && s[i] <= '9' }
	if len(s) != 5 || s[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4) {
		p.Add(field, "format", "must be a time such as 09:00")
		return 0, false
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	if m > 59 || h > 24 || h == 24 && m != 0 {
		p.Add(field, "format", "must be a time such as 09:00, from 00:00 to 24:00")
		return 0, false
	}
	return h*60 + m, true
}

// FormatClock formats minutes after midnight as "HH:MM".
func FormatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// text checks s by the one policy for text people write (internal/text);
// a description may run over several lines.
func text(p *apperr.Problems, field, s string, max int, required bool) string {
	return yztext.Field(p, field, s, yztext.Rule{Max: max, Required: required, Multiline: field == "description"})
}

// DocumentOf returns the offer's document, as a PATCH starts from.
func DocumentOf(o *Offer) Document {
	d := Document{
		Title:          o.Title,
		Description:    o.Description,
		Category:       string(o.Category),
		PerWorkerLimit: &LimitDoc{Count: &o.PerWorker.Count, Period: string(o.PerWorker.Period)},
		Window:         &WindowDoc{StartsAt: &o.Window.StartsAt, EndsAt: &o.Window.EndsAt},
		Eligibility:    &EligibilityDoc{MembersOnly: o.Eligibility.MembersOnly, Occupations: o.Eligibility.Occupations, DistrictCodes: o.Eligibility.DistrictCodes},
		Status:         string(o.Status),
		Welcome:        o.Welcome,
	}
	d.TotalStock.Set = true
	if o.TotalStock != nil {
		n := int64(*o.TotalStock)
		d.TotalStock.N = &n
	}
	if wk := o.Window.Weekly; wk != nil {
		days := make([]string, len(wk.Days))
		for i, day := range wk.Days {
			days[i] = DayNames[day]
		}
		d.Window.Weekly = &WeeklyDoc{Days: days, From: FormatClock(wk.From), To: FormatClock(wk.To)}
	}
	for _, id := range o.RedeemAt {
		d.RedeemAt = append(d.RedeemAt, id.String())
	}
	return d
}

// patchKeys are the fields a merge patch may name.
var patchKeys = map[string]bool{"title": true, "description": true, "category": true, "total_stock": true, "per_worker_limit": true,
	"window": true, "eligibility": true, "redeem_at": true, "status": true, "welcome": true}

// ApplyMergePatch applies a JSON merge patch (RFC 7396) to the offer's
// document and validates the result.
func ApplyMergePatch(o *Offer, patch []byte) (Fields, error) {
	pm, err := strictjson.DecodePatch(patch, "an offer")
	if err != nil {
		return Fields{}, err
	}
	var p apperr.Problems
	for k, v := range pm {
		switch {
		case !patchKeys[k]:
			p.Add(k, "unknown", "is not a known field")
		case v == nil && k != "total_stock" && k != "eligibility" && k != "redeem_at" && k != "description":
			p.Add(k, "required", "cannot be removed")
		}
	}
	if err := p.Err(); err != nil {
		return Fields{}, err
	}
	target, err := strictjson.ObjectOf(DocumentOf(o))
	if err != nil {
		return Fields{}, err
	}
	_, stockPatched := pm["total_stock"]
	merged := strictjson.MergePatch(target, pm).(map[string]any)
	if stockPatched && pm["total_stock"] == nil {
		merged["total_stock"] = nil // null means unlimited, not "remove"
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return Fields{}, err
	}
	doc, err := DecodeDocument(b)
	if err != nil {
		return Fields{}, err
	}
	return doc.Validate()
}
