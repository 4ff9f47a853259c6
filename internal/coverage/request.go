package coverage

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// The limits of a question.
const (
	MaxSideM        = 300_000 // a box at most 300 km a side
	DefaultReachM   = 1000    // the national union's service radius
	MinReachM       = 100
	MaxReachM       = 5000
	MaxMinStations  = 5
	DefaultDays     = 28 // four whole weeks, so that every hour of the week counts alike
	maxPeriodDays   = 400
	supplyMarginM   = 50_000 // stations this far outside the box still count
	nightFrom       = 22
	nightTo         = 6
	openCheckMinute = 59
)

// Request is a coverage question.
type Request struct {
	Box         orb.Bound // WGS-84
	ReachM      float64   // 0: DefaultReachM
	From, To    time.Time // Shanghai dates as midnight UTC; zero: the last DefaultDays days
	Hours       []int     // hours of the day, 0–23, ascending; nil: every hour
	Source      Source    // "": All
	MinStations int       // 0: 1
}

// normalise fills the defaults and checks the limits, naming the query
// parameters. Dates after today (Shanghai) are refused, and so are dates
// before the first day the counts are kept (retention before now, as the
// sweep deletes them; no limit when retention is 0): an answer never
// rewrites the period it was asked about. The default period, the last
// DefaultDays days, starts no earlier than that first kept day.
func (r *Request) normalise(now time.Time, retention time.Duration) error {
	var p apperr.Problems
	if r.Box.IsEmpty() || !(r.Box.Min[0] < r.Box.Max[0] && r.Box.Min[1] < r.Box.Max[1]) {
		p.Add("bbox", "required", "must be minLng,minLat,maxLng,maxLat with min below max")
	} else if w, h := sidesM(r.Box); w > MaxSideM || h > MaxSideM {
		p.Add("bbox", "out_of_range", "must be at most %d km a side; this one is %.0f by %.0f km", MaxSideM/1000, w/1000, h/1000)
	}
	if r.ReachM == 0 {
		r.ReachM = DefaultReachM
	}
	if !(r.ReachM >= MinReachM && r.ReachM <= MaxReachM) {
		p.Add("reach_m", "out_of_range", "must be from %d to %d metres", MinReachM, MaxReachM)
	}
	if r.MinStations == 0 {
		r.MinStations = 1
	}
	if r.MinStations < 1 || r.MinStations > MaxMinStations {
		p.Add("min_stations", "out_of_range", "must be from 1 to %d", MaxMinStations)
	}
	switch r.Source {
	case "":
		r.Source = All
	case Searches, Imported, All:
	default:
		p.Add("source", "unknown", "must be searches, imported or all")
	}
	today := Day(now)
	var first time.Time // the first day whose counts are kept
	if retention > 0 {
		first = Day(now.Add(-retention))
	}
	datesOK := true
	for _, d := range []struct {
		name string
		day  time.Time
	}{{"from", r.From}, {"to", r.To}} {
		switch {
		case d.day.IsZero():
		case d.day.After(today):
			p.Add(d.name, "out_of_range", "must not be after today, %s", today.Format(time.DateOnly))
			datesOK = false
		case d.day.Before(first):
			p.Add(d.name, "out_of_range", "must not be before %s: older demand is deleted (DEMAND_RETENTION)", first.Format(time.DateOnly))
			datesOK = false
		}
	}
	if !datesOK {
		return p.Err()
	}
	if r.To.IsZero() {
		r.To = today
	}
	if r.From.IsZero() {
		r.From = r.To.AddDate(0, 0, -(DefaultDays - 1))
		if r.From.Before(first) {
			r.From = first
		}
	}
	if r.From.After(r.To) {
		p.Add("from", "out_of_range", "must not be after to")
	} else if r.To.Sub(r.From) > maxPeriodDays*24*time.Hour {
		p.Add("from", "out_of_range", "the period may be at most %d days", maxPeriodDays)
	}
	return p.Err()
}

// ParseBox reads "minLng,minLat,maxLng,maxLat".
func ParseBox(s string) (orb.Bound, bool) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		return orb.Bound{}, false
	}
	var v [4]float64
	for i, part := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || !plainDecimal(strings.TrimSpace(part)) {
			return orb.Bound{}, false
		}
		v[i] = f
	}
	if v[0] < -180 || v[2] > 180 || v[1] < -85 || v[3] > 85 {
		return orb.Bound{}, false
	}
	return orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}, true
}

// plainDecimal refuses what ParseFloat takes but people do not write
// (0x1p4, 1e3, 1_0, +5, Inf).
func plainDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	dot := false
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
}

// ParseHours reads hours of the day: items "H" (that hour) or "H-H" (from
// the first up to the second, wrapping at midnight: 22-6 is 22:00–06:00),
// separated by commas. It returns them ascending, without repeats.
func ParseHours(s string) ([]int, bool) {
	if s == "" {
		return nil, false
	}
	var set [24]bool
	for _, item := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(item, "-")
		a, ok := hourOf(from)
		if !ok || a > 23 {
			return nil, false
		}
		if !isRange {
			set[a] = true
			continue
		}
		b, ok := hourOf(to)
		n := (b - a + 24) % 24
		if n == 0 && a == 0 && b == 24 {
			n = 24 // the whole day
		}
		if !ok || n == 0 {
			return nil, false
		}
		for i := range n {
			set[(a+i)%24] = true
		}
	}
	var out []int
	for h, ok := range set {
		if ok {
			out = append(out, h)
		}
	}
	return out, true
}

func hourOf(s string) (int, bool) {
	if len(s) == 0 || len(s) > 2 {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 24 || s[0] == '+' {
		return 0, false
	}
	return n, true
}

// NightHours are 22:00–06:00.
func NightHours() []int {
	h, _ := ParseHours(strconv.Itoa(nightFrom) + "-" + strconv.Itoa(nightTo))
	return h
}

// FormatHours writes hours as ParseHours reads them, runs as ranges.
func FormatHours(hours []int) string {
	if len(hours) == 0 {
		return ""
	}
	var set [24]bool
	for _, h := range hours {
		set[h] = true
	}
	if !slices.Contains(set[:], false) {
		return "0-24"
	}
	// Start after a gap, so that a run across midnight stays whole.
	start := 0
	for set[start] || !set[(start+1)%24] {
		start = (start + 1) % 24
	}
	start = (start + 1) % 24
	var parts []string
	for i := 0; i < 24; {
		h := (start + i) % 24
		if !set[h] {
			i++
			continue
		}
		j := i
		for j < 24 && set[(start+j)%24] {
			j++
		}
		end := (start + j) % 24
		if j-i == 1 {
			parts = append(parts, strconv.Itoa(h))
		} else {
			if end == 0 {
				end = 24
			}
			parts = append(parts, strconv.Itoa(h)+"-"+strconv.Itoa(end))
		}
		i = j
	}
	return strings.Join(parts, ",")
}

var shanghai = time.FixedZone("CST", 8*60*60)

// Day is the Shanghai date of t, as midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.In(shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseDay reads a date such as 2026-12-02. It refuses 0001-01-01, which
// is Go's zero time and so would read as no date at all (the default).
func ParseDay(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil && !t.IsZero()
}

// BucketOf is the bucket of a tally: its Shanghai date and hour of the week.
func BucketOf(t Tally) Bucket {
	at := time.Unix(t.Hour*3600, 0).In(shanghai)
	y, m, d := at.Date()
	return Bucket{Cell: t.Cell, Day: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), HourOfWeek: HourOfWeek(at), N: t.N}
}

// HourOfWeek is t's hour of the week in Shanghai: 0 is Monday 00:00–01:00.
func HourOfWeek(t time.Time) int {
	t = t.In(shanghai)
	return (int(t.Weekday())+6)%7*24 + t.Hour()
}

// counts reports whether a station is supply for the hours: not closed by a
// notice now and, when hours are asked, open at the start and the end of
// every one of them on each of the next seven days (and not closed by a
// notice then). A station open only on weekdays is not counted for the
// night, as a courier cannot rely on it.
func counts(st *station.Station, now time.Time, hours []int) bool {
	if st.ClosedAt(now) {
		return false
	}
	if len(hours) == 0 {
		return true
	}
	day := now.In(shanghai)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, shanghai)
	for d := range 7 {
		for _, h := range hours {
			for _, minute := range [2]int{0, openCheckMinute} {
				at := time.Date(day.Year(), day.Month(), day.Day()+d, h, minute, 0, 0, shanghai)
				if !st.Hours.OpenAt(at) || len(st.Notices) > 0 && st.ClosedAt(at) {
					return false
				}
			}
		}
	}
	return true
}

// supply is the stations that count for r: those within supplyMarginM of
// the box that counts says count.
func (s *Service) supply(r Request) *Supply {
	now := s.now()
	dLat := supplyMarginM / geo.EarthRadius * 180 / math.Pi
	cos := math.Cos(math.Min(89, math.Max(math.Abs(r.Box.Min[1]), math.Abs(r.Box.Max[1]))+dLat) * math.Pi / 180)
	wide := orb.Bound{Min: orb.Point{r.Box.Min[0] - dLat/cos, r.Box.Min[1] - dLat}, Max: orb.Point{r.Box.Max[0] + dLat/cos, r.Box.Max[1] + dLat}}
	var pts []orb.Point
	s.stations.Each(func(st *station.Station) bool {
		if InBound(wide, st.Location) && counts(st, now, r.Hours) {
			pts = append(pts, st.Location)
		}
		return true
	})
	return NewSupply(pts)
}
