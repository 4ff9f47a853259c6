package standard

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/station"
	"yizhan/internal/text"
)

// shanghai is China Standard Time: tallies and listing dates are Shanghai
// calendar days.
var shanghai = time.FixedZone("CST", 8*60*60)

// Day is t's Shanghai calendar day, YYYY-MM-DD.
func Day(t time.Time) string { return t.In(shanghai).Format(time.DateOnly) }

var (
	noteRule  = text.Rule{Max: 500, Multiline: true}
	notesRule = text.Rule{Max: 2000, Multiline: true}
)

// The limits of inspections and tallies.
const (
	MaxPhotos     = 20      // photo ids per inspection
	MaxAdd        = 1000    // the most one add may count
	MaxDayCount   = 1000000 // the most services a station may count on a day
	TallyPastDays = 366     // how far back a day may be set
	// InspectionValidity is how long an inspection stands: a station whose
	// latest is older is due another.
	InspectionValidityYears = 1
)

// ListingInput is what staff send to set a listing; nil means absent.
type ListingInput struct {
	Status *string
	Note   *string
	Date   *string
}

// parseDay checks a YYYY-MM-DD day no later than today (Shanghai) and no
// earlier than earliest (when not empty).
func parseDay(p *apperr.Problems, field, s string, now time.Time, earliest string) string {
	d, err := time.ParseInLocation(time.DateOnly, s, shanghai)
	switch {
	case err != nil || d.Format(time.DateOnly) != s:
		p.Add(field, "format", "must be a date written YYYY-MM-DD, such as 2026-12-01")
	case s > Day(now):
		p.Add(field, "future", "must not be in the future")
	case earliest != "" && s < earliest:
		p.Add(field, "too_old", "must not be before %s", earliest)
	default:
		return s
	}
	return ""
}

// NewListing validates a listing of st on platform, set by staff at now.
// Returns Invalid or Unprocessable (a closed station).
func NewListing(st *station.Station, platform string, in ListingInput, by string, now time.Time) (Listing, error) {
	var p apperr.Problems
	l := Listing{StationID: st.ID, Platform: platform, UpdatedAt: now.UTC().Truncate(time.Microsecond), UpdatedBy: by, Date: Day(now)}
	if !ValidPlatform(platform) {
		p.Add("platform", "unknown", "must be amap, baidu or tencent")
	}
	switch {
	case in.Status == nil:
		p.Add("status", "required", "is required")
	case !ValidListingStatus(*in.Status):
		p.Add("status", "unknown", "must be not_submitted, submitted, listed or rejected")
	default:
		l.Status = *in.Status
	}
	if in.Note != nil {
		l.Note = text.Field(&p, "note", *in.Note, noteRule)
	}
	if in.Date != nil {
		l.Date = parseDay(&p, "date", *in.Date, now, "2000-01-01")
	}
	if err := p.Err(); err != nil {
		return Listing{}, err
	}
	if st.Status == station.Closed {
		return Listing{}, errClosed(st)
	}
	return l, nil
}

func errClosed(st *station.Station) error {
	return apperr.New(apperr.Unprocessable, "the station is %s", apperr.Word(st.Status))
}

// InspectionInput is what staff send to record an inspection.
type InspectionInput struct {
	Items    map[string]*bool
	Notes    *string
	PhotoIDs []string
}

// NewInspection validates an inspection of st recorded by staff at now:
// every checklist item passed or failed, and nothing else. Returns Invalid
// or Unprocessable (a closed station).
func NewInspection(st *station.Station, in InspectionInput, by string, now time.Time) (*Inspection, error) {
	var p apperr.Problems
	out := &Inspection{ID: uuid.Must(uuid.NewV7()), StationID: st.ID, InspectedAt: now.UTC().Truncate(time.Microsecond),
		InspectedBy: by, Items: make(map[string]bool, len(Checklist))}
	if in.Items == nil {
		p.Add("items", "required", "is required: every checklist item, true for pass and false for fail")
	}
	for _, it := range Checklist {
		v, ok := in.Items[it.Code]
		switch {
		case in.Items == nil:
		case !ok || v == nil:
			p.Add("items."+it.Code, "required", "is required: true for pass, false for fail")
		default:
			out.Items[it.Code] = *v
		}
	}
	for code := range in.Items {
		if ItemIndex(code) < 0 {
			p.Add("items."+code, "unknown", "is not a checklist item (see GET /v1/inspection-checklist)")
		}
	}
	if in.Notes != nil {
		out.Notes = text.Field(&p, "notes", *in.Notes, notesRule)
	}
	if len(in.PhotoIDs) > MaxPhotos {
		p.Add("photo_ids", "too_many", "must hold at most %d photo ids", MaxPhotos)
	} else {
		seen := map[uuid.UUID]bool{}
		for i, s := range in.PhotoIDs {
			id, err := uuid.Parse(s)
			switch {
			case err != nil || len(s) != 36:
				p.Add(fmt.Sprintf("photo_ids[%d]", i), "format", "must be a photo id (a UUID)")
			case seen[id]:
				p.Add(fmt.Sprintf("photo_ids[%d]", i), "duplicate", "names a photo already listed")
			default:
				seen[id] = true
				out.PhotoIDs = append(out.PhotoIDs, id)
			}
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	if st.Status == station.Closed {
		return nil, errClosed(st)
	}
	return out, nil
}

// TallyInput is a tally change: {"add": n} adds n to today, {"date", "count"}
// sets a day.
type TallyInput struct {
	Add   *int
	Date  *string
	Count *int
}

// TallyChange is a validated tally change.
type TallyChange struct {
	Day   string
	Set   bool // set Day to Count; otherwise add Count to it
	Count int
}

// NewTallyChange validates a tally change at now. Returns Invalid.
func NewTallyChange(in TallyInput, now time.Time) (TallyChange, error) {
	var p apperr.Problems
	var ch TallyChange
	switch {
	case in.Add != nil && (in.Date != nil || in.Count != nil):
		p.Add("add", "unexpected", "send either add (for today) or date and count (to set a day), not both")
	case in.Add != nil:
		if *in.Add < 1 || *in.Add > MaxAdd {
			p.Add("add", "range", "must be 1 to %d", MaxAdd)
		}
		ch = TallyChange{Day: Day(now), Count: *in.Add}
	case in.Date == nil && in.Count == nil:
		p.Add("add", "required", "send add (for today) or date and count (to set a day)")
	default:
		ch.Set = true
		if in.Date == nil {
			p.Add("date", "required", "is required with count")
		} else {
			ch.Day = parseDay(&p, "date", *in.Date, now, Day(now.AddDate(0, 0, -TallyPastDays)))
		}
		switch {
		case in.Count == nil:
			p.Add("count", "required", "is required with date")
		case *in.Count < 0 || *in.Count > MaxDayCount:
			p.Add("count", "range", "must be 0 to %d", MaxDayCount)
		default:
			ch.Count = *in.Count
		}
	}
	return ch, p.Err()
}

// CanRecognise reports whether staff may set a station of the county as a
// 最美站点: administrators, and staff whose districts include a city or a
// province covering it. County staff may not: the recognition is the
// city's or the province's to give.
func CanRecognise(staff Staff, county string) bool {
	codes, all := staff.DistrictScope()
	if all {
		return true
	}
	for _, c := range codes {
		d, ok := district.Lookup(c)
		if !ok || d.Level == district.County {
			continue
		}
		if d.Level == district.Province && c[:2] == county[:2] || d.Level == district.City && c[:4] == county[:4] {
			return true
		}
	}
	return false
}
