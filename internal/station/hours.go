package station

import (
	"math"
	"slices"
	"time"
)

// Opening hours are kept in Asia/Shanghai time. China has observed no
// daylight saving time since 1991, so Shanghai time is a fixed UTC+8 offset
// (what time.FixedZone("CST", 8*60*60) describes): no tzdata is needed, and
// OpenAt finds the local date and minute by plain integer arithmetic on the
// Unix time instead of converting the instant to a time.Location.
const hoursUTCOffset = 8 * 60 * 60 // seconds east of UTC

// Limits on the hours a station may declare.
const (
	hoursMaxPerDay      = 6    // intervals opening on one day
	hoursMaxClosedDates = 366  // entries of closed_dates
	hoursMinutesPerDay  = 1440 // minutes in a (DST-free) day
)

// hoursDayNames are the JSON keys of weekly, Monday first; a weekday index in
// this file is a position in it (0 = Monday … 6 = Sunday).
var hoursDayNames = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Hours are a station's opening hours in Asia/Shanghai time (a fixed UTC+8
// offset: China has had no daylight saving time since 1991). Their JSON form
// is either
//
//	{"always_open": true, "closed_dates": ["2027-01-28"]}
//
// or
//
//	{"weekly": {"mon": [["08:00","20:00"]], "sun": [["22:00","06:00"]]},
//	 "closed_dates": ["2027-01-28"]}
//
// where closed_dates is optional in both. Weekly hours list, for each day
// mon … sun, up to six [open, close] pairs of "HH:MM" times; an omitted day
// is closed. An interval whose close is not after its open runs past
// midnight and belongs to the day it opens: Sunday's ["22:00","06:00"] keeps
// the station open until Monday 06:00, and ["08:00","08:00"] is open for a
// full 24 hours. "24:00" may close an interval (end of day), so
// ["00:00","24:00"] is the whole day. Open is inclusive, close exclusive.
//
// A closed date (a Shanghai calendar date) cancels the intervals that open on
// that date; an overnight interval that opened the day before still runs
// into it. With always_open, a closed date closes the station for that whole
// date, 00:00–24:00.
//
// Hours are immutable once parsed and safe for concurrent use. They are
// compiled for OpenAt: per weekday a short sorted list of minute ranges and
// the spill of the previous day's overnight interval, plus the closed dates
// as sorted day numbers searched by bisection.
//
// The zero Hours are closed at every instant, like {"weekly": {}}. Compare
// Hours with Equal, not ==.
type Hours struct {
	c *hoursCompiled // nil for the zero Hours
}

// hoursSpan is the minute range [from, to) of one day, 0 <= from < to <= 1440.
type hoursSpan struct{ from, to uint16 }

// hoursCompiled is the immutable representation behind Hours. It is also the
// canonical form: two Hours are Equal when their hoursCompiled are equal.
type hoursCompiled struct {
	always bool
	// spans[w] holds, sorted and disjoint, the part before midnight of every
	// interval that opens on weekday w. An overnight interval is the last
	// one and ends at 1440.
	spans [7][]hoursSpan
	// spill[w] > 0 means the overnight interval that opened on weekday w-1
	// keeps the station open on weekday w for [0, spill[w]).
	spill [7]uint16
	// closed holds the closed dates as days since 1970-01-01, sorted, unique.
	closed []int32
}

var (
	hoursEmpty  = &hoursCompiled{}
	hoursAlways = &hoursCompiled{always: true}
)

func (h Hours) compiled() *hoursCompiled {
	if h.c == nil {
		return hoursEmpty
	}
	return h.c
}

// AlwaysOpen returns hours that are open at every instant, the JSON
// {"always_open": true} without closed dates.
func AlwaysOpen() Hours { return Hours{c: hoursAlways} }

// IsAlwaysOpen reports whether h are open at every instant: given as
// always_open and without closed dates. Always-open hours with closed dates
// report false, since they close on those dates; weekly hours report false
// even when their intervals happen to cover the whole week.
func (h Hours) IsAlwaysOpen() bool {
	return h.c != nil && h.c.always && len(h.c.closed) == 0
}

// Equal reports whether h and o are the same hours in canonical form (the
// form MarshalJSON writes): the same always_open, the same intervals on each
// weekday and the same closed dates. The order in which intervals or dates
// were listed does not matter, nor does a close written "00:00" rather than
// "24:00"; but hours open at the same instants yet written differently, such
// as 08:00–12:00 plus 12:00–18:00 against 08:00–18:00, are not Equal.
func (h Hours) Equal(o Hours) bool {
	a, b := h.compiled(), o.compiled()
	if a == b {
		return true
	}
	if a.always != b.always || a.spill != b.spill || !slices.Equal(a.closed, b.closed) {
		return false
	}
	for w := range a.spans {
		if !slices.Equal(a.spans[w], b.spans[w]) {
			return false
		}
	}
	return true
}

// OpenAt reports whether the station is open at instant t, whatever t's
// Location. It is on the hot path of the nearest-station search: it does not
// allocate, looks nothing up in a map and never panics, for any t.
func (h Hours) OpenAt(t time.Time) bool {
	c := h.c
	if c == nil {
		return false
	}
	day, minute := hoursLocal(t)
	if c.always {
		return !c.closedOn(day)
	}
	w := hoursWeekday(day)
	for _, s := range c.spans[w] {
		if minute < int64(s.from) {
			break
		}
		if minute < int64(s.to) {
			if !c.closedOn(day) {
				return true
			}
			break // only yesterday's overnight interval may still be open
		}
	}
	return minute < int64(c.spill[w]) && !c.closedOn(day-1)
}

// hoursLocal returns the Shanghai calendar date of t, as days since
// 1970-01-01, and the minute of that day, in [0, 1440). It cannot overflow:
// day is within a few units of Unix/86400.
func hoursLocal(t time.Time) (day, minute int64) {
	u := t.Unix()
	day, sec := u/86400, u%86400
	if sec < 0 {
		sec += 86400
		day--
	}
	sec += hoursUTCOffset
	if sec >= 86400 {
		sec -= 86400
		day++
	}
	return day, sec / 60
}

// hoursWeekday returns the weekday index (0 = Monday) of a day number;
// 1970-01-01 was a Thursday.
func hoursWeekday(day int64) int {
	w := (day + 3) % 7
	if w < 0 {
		w += 7
	}
	return int(w)
}

// closedOn reports whether day (days since 1970-01-01) is a closed date.
func (c *hoursCompiled) closedOn(day int64) bool {
	if len(c.closed) == 0 || day < math.MinInt32 || day > math.MaxInt32 {
		return false
	}
	_, found := slices.BinarySearch(c.closed, int32(day))
	return found
}

// MarshalJSON writes h in canonical form: {"always_open":true} or
// {"weekly":{…}} with the days in mon … sun order, empty days left out and
// each day's intervals sorted by opening time, then "closed_dates" sorted
// ascending if there are any. A close at midnight is written "24:00".
// ParseHours of the result is Equal to h. The zero Hours give {"weekly":{}}.
func (h Hours) MarshalJSON() ([]byte, error) {
	return h.AppendJSON(make([]byte, 0, 128)), nil
}

// AppendJSON appends the canonical JSON form of h to b, as MarshalJSON
// writes it; the search answers use it to render stations without
// reflection.
func (h Hours) AppendJSON(b []byte) []byte {
	c := h.compiled()
	if c.always {
		b = append(b, `{"always_open":true`...)
	} else {
		b = append(b, `{"weekly":{`...)
		first := true
		for w, spans := range c.spans {
			if len(spans) == 0 {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, '"')
			b = append(b, hoursDayNames[w]...)
			b = append(b, `":[`...)
			for i, s := range spans {
				end := s.to
				if i == len(spans)-1 && c.spill[(w+1)%7] > 0 {
					end = c.spill[(w+1)%7] // the overnight interval
				}
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, `["`...)
				b = hoursAppendClock(b, s.from)
				b = append(b, `","`...)
				b = hoursAppendClock(b, end)
				b = append(b, `"]`...)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	if len(c.closed) > 0 {
		b = append(b, `,"closed_dates":[`...)
		for i, d := range c.closed {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = time.Unix(int64(d)*86400, 0).UTC().AppendFormat(b, time.DateOnly)
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func hoursAppendClock(b []byte, minutes uint16) []byte {
	hh, mm := minutes/60, minutes%60
	return append(b, byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10))
}

// UnmarshalJSON sets h from its JSON form exactly as ParseHours does; on
// error h is left unchanged. Unlike most Unmarshalers it refuses null: use a
// *Hours where hours are optional (encoding/json sets a nil pointer for null
// without calling UnmarshalJSON).
func (h *Hours) UnmarshalJSON(data []byte) error {
	v, err := ParseHours(data)
	if err != nil {
		return err
	}
	*h = v
	return nil
}
