package standard

import (
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
)

// Month is a calendar month in Shanghai time.
type Month struct {
	Year  int
	Month time.Month
}

// ParseMonth reads YYYY-MM.
func ParseMonth(s string) (Month, bool) {
	t, err := time.ParseInLocation("2006-01", s, shanghai)
	if err != nil || t.Format("2006-01") != s || t.Year() < 2000 {
		return Month{}, false
	}
	return Month{t.Year(), t.Month()}, true
}

// MonthOf is the Shanghai month of t.
func MonthOf(t time.Time) Month {
	l := t.In(shanghai)
	return Month{l.Year(), l.Month()}
}

// Start is the month's first instant; End the next month's.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, shanghai) }

// End: see Start.
func (m Month) End() time.Time { return m.Start().AddDate(0, 1, 0) }

// FirstDay and LastDay are the month's first and last days, YYYY-MM-DD.
func (m Month) FirstDay() string { return m.Start().Format(time.DateOnly) }

// LastDay: see FirstDay.
func (m Month) LastDay() string { return m.End().AddDate(0, 0, -1).Format(time.DateOnly) }

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// StationMonth is one station's figures for a month, as the store gathers them.
type StationMonth struct {
	StationID    uuid.UUID
	Name         string
	DistrictCode string
	Status       string
	// Tallied are the services staff counted (服务人次 tallies) in the month.
	Tallied int
	// Checkins are the workers' check-ins at the station in the month.
	Checkins int
	// Reports are the workers' reports about the station filed in the month.
	Reports         int
	StarLevel       int // now; 0 when never inspected
	MostBeautiful   bool
	LastInspectedAt time.Time // zero when never
	// Due is set by BuildReport: the station needs an inspection.
	Due bool
}

// Services are the services counted: staff tallies plus workers'
// check-ins, each check-in being a worker served who told us so.
func (s StationMonth) Services() int { return s.Tallied + s.Checkins }

// InspectionDue reports whether a station last inspected at last (zero:
// never) is due an inspection at asOf: never inspected, or 12 months or
// more ago.
func InspectionDue(last, asOf time.Time) bool {
	return last.IsZero() || !asOf.Before(last.In(shanghai).AddDate(InspectionValidityYears, 0, 0))
}

// DistrictMonth sums a county's stations for a month.
type DistrictMonth struct {
	DistrictCode  string
	Stations      int
	Tallied       int
	Checkins      int
	Reports       int
	Starred       int // stations with a star level
	StarSum       int // their stars, for the average
	MostBeautiful int
	Due           int
}

// Services: see StationMonth.Services.
func (d DistrictMonth) Services() int { return d.Tallied + d.Checkins }

// AverageStars is the mean star level of the starred stations, 0 when none.
func (d DistrictMonth) AverageStars() float64 {
	if d.Starred == 0 {
		return 0
	}
	return float64(d.StarSum) / float64(d.Starred)
}

// Report is the monthly service report unions send upward.
type Report struct {
	Month     Month
	AsOf      time.Time // when inspections are judged due: the month's end, or now if earlier
	Stations  []StationMonth
	Districts []DistrictMonth
}

// BuildReport marks the stations due an inspection and sums them by
// county, both ordered by district code then name.
func BuildReport(m Month, rows []StationMonth, now time.Time) Report {
	asOf := m.End()
	if now.Before(asOf) {
		asOf = now
	}
	r := Report{Month: m, AsOf: asOf, Stations: rows}
	sort.SliceStable(r.Stations, func(i, j int) bool {
		a, b := r.Stations[i], r.Stations[j]
		if a.DistrictCode != b.DistrictCode {
			return a.DistrictCode < b.DistrictCode
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.StationID.String() < b.StationID.String()
	})
	byCode := map[string]int{}
	for i := range r.Stations {
		s := &r.Stations[i]
		s.Due = InspectionDue(s.LastInspectedAt, asOf)
		k, ok := byCode[s.DistrictCode]
		if !ok {
			k = len(r.Districts)
			byCode[s.DistrictCode] = k
			r.Districts = append(r.Districts, DistrictMonth{DistrictCode: s.DistrictCode})
		}
		d := &r.Districts[k]
		d.Stations++
		d.Tallied += s.Tallied
		d.Checkins += s.Checkins
		d.Reports += s.Reports
		if s.StarLevel > 0 {
			d.Starred++
			d.StarSum += s.StarLevel
		}
		if s.MostBeautiful {
			d.MostBeautiful++
		}
		if s.Due {
			d.Due++
		}
	}
	return r
}
