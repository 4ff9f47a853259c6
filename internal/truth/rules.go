package truth

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/geo"
	"yizhan/internal/station"
	"yizhan/internal/text"
)

// shanghai is China Standard Time, which the reports' days are counted in.
var shanghai = time.FixedZone("CST", 8*60*60)

// Day is the Shanghai calendar date of t, as "2006-01-02".
func Day(t time.Time) string { return t.In(shanghai).Format(time.DateOnly) }

// untilTomorrow is how long from t to the next Shanghai midnight.
func untilTomorrow(t time.Time) time.Duration {
	l := t.In(shanghai)
	next := time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, shanghai)
	return next.Sub(t)
}

// Near reports whether p lies within CheckinRadiusM of the station.
func Near(st *station.Station, p orb.Point) bool {
	return geo.Distance(p, st.Location) <= CheckinRadiusM
}

// errTooFar is deliberately silent about the distance: the worker's position
// is theirs, and an answer is as easily logged as a request.
var errTooFar = apperr.New(apperr.TooFar, "check in within %d m of the station", CheckinRadiusM)

// errInactive refuses check-ins and reports at stations not in service.
func errInactive(st *station.Station) error {
	return apperr.New(apperr.Unprocessable, "the station is %s", apperr.Word(st.Status))
}

// NewCheckin validates a worker's check-in at st at instant now and returns
// it, without the point. Returns Invalid, TooFar or Unprocessable (the
// station is not active).
func NewCheckin(st *station.Station, workerID uuid.UUID, in CheckinInput, now time.Time) (Checkin, error) {
	var p apperr.Problems
	working := amenityList(&p, st, "working", in.Working)
	broken := amenityList(&p, st, "broken", in.Broken)
	for i, code := range in.Broken {
		if bit, ok := station.AmenityBit(code); ok && working&bit != 0 {
			p.Add(fmt.Sprintf("broken[%d]", i), "conflict", "%q is listed as both working and broken", code)
		}
	}
	in.Note = text.Field(&p, "note", in.Note, noteRule)
	if err := p.Err(); err != nil {
		return Checkin{}, err
	}
	if st.Status != station.Active {
		return Checkin{}, errInactive(st)
	}
	if !Near(st, in.Point) {
		return Checkin{}, errTooFar
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Checkin{}, err
	}
	at := now.UTC().Truncate(time.Microsecond)
	return Checkin{ID: id, StationID: st.ID, WorkerID: workerID, At: at, Hour: at.Truncate(time.Hour),
		Working: working, Broken: broken, Note: in.Note}, nil
}

// TooFrequent is the refusal of a second check-in within the hour of c.
func TooFrequent(c Checkin) error {
	return apperr.New(apperr.TooFrequent, "you checked in at this station within this hour; check in again after %s",
		c.Hour.Add(time.Hour).In(shanghai).Format("15:04")).Retry(c.Hour.Add(time.Hour).Sub(c.At))
}

// Confirm applies a check-in to the station: it was confirmed at c.At, and
// so was each amenity named working or broken.
func Confirm(st *station.Station, c Checkin) {
	st.LastConfirmedAt = c.At
	checks := maps.Clone(st.AmenityChecks)
	if checks == nil {
		checks = map[string]station.AmenityCheck{}
	}
	for i, a := range station.Amenities {
		bit := station.AmenitySet(1) << i
		if c.Working&bit == 0 && c.Broken&bit == 0 {
			continue
		}
		ch := checks[a.Code]
		if c.Working&bit != 0 {
			ch.ConfirmedAt = c.At
		} else {
			ch.ReportedBrokenAt = c.At
		}
		checks[a.Code] = ch
	}
	st.AmenityChecks = checks
}

// amenityList parses a list of amenity codes the station lists.
func amenityList(p *apperr.Problems, st *station.Station, field string, codes []string) station.AmenitySet {
	var set station.AmenitySet
	for i, code := range codes {
		name := fmt.Sprintf("%s[%d]", field, i)
		bit, ok := station.AmenityBit(code)
		switch {
		case !ok:
			p.Add(name, "unknown", "%q is not a known amenity", code)
		case set&bit != 0:
			p.Add(name, "duplicate", "%q is listed twice", code)
		case !st.Amenities.Has(bit):
			p.Add(name, "not_offered", "the station does not list %q", code)
		}
		set |= bit
	}
	return set
}

// noteRule is the text policy of workers' and staff's notes.
var noteRule = text.Rule{Max: MaxNote, Multiline: true}

// NewReport validates a worker's report about st at now. Returns Invalid, or
// Unprocessable when the station is closed.
func NewReport(st *station.Station, workerID uuid.UUID, in ReportInput, now time.Time) (Report, error) {
	var p apperr.Problems
	r := Report{StationID: st.ID, WorkerID: workerID, Status: Open, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	switch {
	case in.Category == nil:
		p.Add("category", "required", "is required")
	case !Category(*in.Category).Valid():
		p.Add("category", "unknown", "must be one of %s", categoryList())
	default:
		r.Category = Category(*in.Category)
	}
	if in.Amenity != nil {
		bit, ok := station.AmenityBit(*in.Amenity)
		switch {
		case !ok:
			p.Add("amenity", "unknown", "%q is not a known amenity", *in.Amenity)
		case !st.Amenities.Has(bit):
			p.Add("amenity", "not_offered", "the station does not list %q", *in.Amenity)
		}
		r.Amenity = *in.Amenity
	} else if r.Category.aboutAmenity() {
		p.Add("amenity", "required", "is required for a report about an amenity")
	}
	if in.Note != nil {
		r.Note = text.Field(&p, "note", *in.Note, noteRule)
	}
	if err := p.Err(); err != nil {
		return Report{}, err
	}
	if st.Status == station.Closed {
		return Report{}, errInactive(st)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Report{}, err
	}
	r.ID = id
	return r, nil
}

func categoryList() string {
	s := make([]string, len(Categories))
	for i, c := range Categories {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// ErrReportLimit is the Store's refusal of a report past MaxReportsPerDay;
// the Service answers TooManyReports instead, which says when to retry.
var ErrReportLimit = apperr.New(apperr.TooFrequent, "you may file at most %d reports a day; file more tomorrow", MaxReportsPerDay)

// TooManyReports is the refusal of a worker's report past MaxReportsPerDay.
func TooManyReports(now time.Time) error {
	e := *ErrReportLimit
	return e.Retry(untilTomorrow(now))
}

// NeedsReview is the flagging rule: at least FlagReports open reports from
// distinct workers, filed within FlagWindow before now.
func NeedsReview(open []OpenReport, now time.Time) bool {
	since := now.Add(-FlagWindow)
	workers := map[uuid.UUID]bool{}
	for _, r := range open {
		if r.CreatedAt.After(since) {
			workers[r.WorkerID] = true
		}
	}
	return len(workers) >= FlagReports
}

// decideNote checks the note staff give when they resolve or dismiss, and
// returns it as stored.
func decideNote(s string) (string, error) {
	var p apperr.Problems
	r := noteRule
	r.Required = true
	s = text.Field(&p, "note", s, r)
	return s, p.Err()
}

// NewNotice validates a staff notice about st at now. Returns Invalid or
// Unprocessable (a closed station).
func NewNotice(st *station.Station, in NoticeInput, now time.Time) (station.Notice, error) {
	var (
		p apperr.Problems
		n station.Notice
	)
	now = now.UTC().Truncate(time.Microsecond)
	switch {
	case in.Kind == nil:
		p.Add("kind", "required", "is required")
	case !station.NoticeKind(*in.Kind).Valid():
		p.Add("kind", "unknown", "must be temporarily_closed or amenity_unavailable")
	default:
		n.Kind = station.NoticeKind(*in.Kind)
	}
	switch {
	case in.Amenity == nil && n.Kind == station.AmenityUnavailable:
		p.Add("amenity", "required", "is required when kind is amenity_unavailable")
	case in.Amenity == nil:
	case n.Kind == station.TemporarilyClosed:
		p.Add("amenity", "unexpected", "is only for kind amenity_unavailable")
	default:
		bit, ok := station.AmenityBit(*in.Amenity)
		switch {
		case !ok:
			p.Add("amenity", "unknown", "%q is not a known amenity", *in.Amenity)
		case !st.Amenities.Has(bit):
			p.Add("amenity", "not_offered", "the station does not list %q", *in.Amenity)
		}
		n.Amenity = bit
	}
	n.From = now
	if in.From != nil {
		n.From = in.From.UTC().Truncate(time.Microsecond)
		if n.From.After(now.Add(MaxNoticeLead)) {
			p.Add("from", "out_of_range", "must be within a year from now")
		}
	}
	switch {
	case in.Until == nil:
		p.Add("until", "required", "is required")
	default:
		n.Until = in.Until.UTC().Truncate(time.Microsecond)
		switch {
		case !n.Until.After(now):
			p.Add("until", "out_of_range", "must be in the future")
		case !n.Until.After(n.From):
			p.Add("until", "out_of_range", "must be after from")
		case n.Until.Sub(n.From) > MaxNoticeSpan:
			p.Add("until", "out_of_range", "must be at most %d days after from; suspend a station closed for longer", int(MaxNoticeSpan/(24*time.Hour)))
		}
	}
	if in.Message == nil {
		p.Add("message", "required", "is required")
	} else {
		n.Message = text.Field(&p, "message", *in.Message, text.Rule{Max: MaxMessage, Required: true, Multiline: true})
	}
	if err := p.Err(); err != nil {
		return station.Notice{}, err
	}
	if st.Status == station.Closed {
		return station.Notice{}, errInactive(st)
	}
	pending := 0
	for _, o := range st.Notices {
		if o.Until.After(now) {
			pending++
		}
	}
	if pending >= MaxNotices {
		return station.Notice{}, apperr.New(apperr.Conflict, "the station already has %d notices in force or to come", pending)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return station.Notice{}, err
	}
	n.ID = id
	return n, nil
}
