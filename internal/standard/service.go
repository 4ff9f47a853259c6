package standard

import (
	"context"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/station"
)

// Service applies the standards' rules under the staff member's districts.
type Service struct {
	store Store
	rule  Rule
	now   func() time.Time
	// changed is told of every station as stored, so that this process's
	// search index sees the write at once.
	changed func(...*station.Station)
}

// NewService returns a Service with the star rule. now may be nil
// (time.Now); changed may be nil.
func NewService(store Store, rule Rule, now func() time.Time, changed func(...*station.Station)) *Service {
	if now == nil {
		now = time.Now
	}
	if changed == nil {
		changed = func(...*station.Station) {}
	}
	return &Service{store: store, rule: rule, now: now, changed: changed}
}

// Rule is the star rule in force.
func (s *Service) Rule() Rule { return s.rule }

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }

func inScope(staff Staff) func(*station.Station) error {
	return func(st *station.Station) error {
		if !staff.CanManageDistrict(st.DistrictCode) {
			return apperr.New(apperr.Forbidden, "you may not manage stations of district %s", st.DistrictCode)
		}
		return nil
	}
}

// SetMapListing sets the station's listing on platform. Returns Invalid,
// NotFound, Forbidden or Unprocessable (a closed station).
func (s *Service) SetMapListing(ctx context.Context, staff Staff, stationID uuid.UUID, platform string, in ListingInput) (*station.Station, Listing, error) {
	now := s.now()
	if !ValidPlatform(platform) {
		return nil, Listing{}, apperr.New(apperr.NotFound, "there is no map platform %q: use amap, baidu or tencent", platform)
	}
	var l Listing
	st, err := s.store.SetMapListing(ctx, stationID, func(st *station.Station) (Listing, error) {
		if err := inScope(staff)(st); err != nil {
			return Listing{}, err
		}
		var err error
		l, err = NewListing(st, platform, in, staff.ActorName(), now)
		return l, err
	}, s.rule.Stars)
	if err != nil {
		return nil, Listing{}, err
	}
	s.changed(st)
	return st, l, nil
}

// MapListings returns all three platforms' listings of the station, those
// never set as not_submitted. Returns NotFound or Forbidden.
func (s *Service) MapListings(ctx context.Context, staff Staff, stationID uuid.UUID) ([]Listing, error) {
	set, err := s.store.MapListings(ctx, stationID, inScope(staff))
	if err != nil {
		return nil, err
	}
	out := make([]Listing, 0, len(station.MapPlatforms))
	for _, p := range station.MapPlatforms {
		l := Listing{StationID: stationID, Platform: p, Status: NotSubmitted}
		for _, x := range set {
			if x.Platform == p {
				l = x
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// RecordInspection records an inspection and the stars it gives. Returns
// Invalid, NotFound, Forbidden or Unprocessable (a closed station).
func (s *Service) RecordInspection(ctx context.Context, staff Staff, stationID uuid.UUID, in InspectionInput) (*station.Station, *Inspection, error) {
	now := s.now()
	var out *Inspection
	st, err := s.store.RecordInspection(ctx, stationID, func(st *station.Station) (*Inspection, error) {
		if err := inScope(staff)(st); err != nil {
			return nil, err
		}
		var err error
		out, err = NewInspection(st, in, staff.ActorName(), now)
		return out, err
	}, s.rule.Stars)
	if err != nil {
		return nil, nil, err
	}
	s.changed(st)
	return st, out, nil
}

// Inspections returns a page of the station's inspections, newest first.
// Returns NotFound or Forbidden.
func (s *Service) Inspections(ctx context.Context, staff Staff, stationID, before uuid.UUID, limit int) ([]Inspection, error) {
	return s.store.Inspections(ctx, stationID, before, limit, inScope(staff))
}

// SetMostBeautiful recognises the station as a 最美站点, or withdraws it.
// Returns NotFound, Forbidden (county staff, or a station outside the
// staff member's cities and provinces) or Unprocessable (a closed station).
func (s *Service) SetMostBeautiful(ctx context.Context, staff Staff, stationID uuid.UUID, on bool) (*station.Station, error) {
	var at time.Time
	if on {
		at = s.now().UTC().Truncate(time.Microsecond)
	}
	st, err := s.store.SetMostBeautiful(ctx, stationID, at, staff.ActorName(), func(st *station.Station) error {
		if !CanRecognise(staff, st.DistrictCode) {
			return apperr.New(apperr.Forbidden, "only staff of the city or the province may recognise a station of district %s as a most beautiful station", district.Label(st.DistrictCode))
		}
		if on && st.Status == station.Closed {
			return errClosed(st)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.changed(st)
	return st, nil
}

// Tally adds to today's count or sets a day's. key (Idempotency-Key), when
// not empty, makes a retry answer the first result. Returns Invalid,
// NotFound, Forbidden, Unprocessable (a closed station) or Conflict (the
// key was used for another change).
func (s *Service) Tally(ctx context.Context, staff Staff, stationID uuid.UUID, in TallyInput, key string) (Tally, bool, error) {
	now := s.now()
	ch, err := NewTallyChange(in, now)
	if err != nil {
		return Tally{}, false, err
	}
	if !validKey(key) {
		var p apperr.Problems
		p.Add("Idempotency-Key", "format", "must be 1 to 200 printable ASCII characters, such as a UUID")
		return Tally{}, false, p.Err()
	}
	return s.store.AddService(ctx, stationID, ch.Day, ch.Set, ch.Count, staff.ActorName(), key, now.UTC().Truncate(time.Microsecond),
		func(st *station.Station) error {
			if err := inScope(staff)(st); err != nil {
				return err
			}
			if st.Status == station.Closed {
				return errClosed(st)
			}
			return nil
		})
}

// ServiceDays returns the station's tallies of the last days days (today
// included), newest first. Returns NotFound or Forbidden.
func (s *Service) ServiceDays(ctx context.Context, staff Staff, stationID uuid.UUID, days int) ([]Tally, error) {
	now := s.now()
	return s.store.ServiceDays(ctx, stationID, Day(now.AddDate(0, 0, -(days-1))), Day(now), inScope(staff))
}

// scope is the staff member's scope narrowed to code (empty for all of
// it). Returns Forbidden when code lies wholly outside the staff member's
// districts.
func scope(staff Staff, code string) (Scope, error) {
	codes, all := staff.DistrictScope()
	sc := Scope{DistrictCode: code}
	if all {
		return sc, nil
	}
	sc.Within = append([]string{}, codes...) // empty, not nil: nowhere
	if code == "" {
		return sc, nil
	}
	for _, c := range codes {
		if covers(c, code) || covers(code, c) {
			return sc, nil
		}
	}
	return Scope{}, apperr.New(apperr.Forbidden, "district %s is outside your districts", district.Label(code))
}

// covers reports whether division d covers division c.
func covers(d, c string) bool {
	dd, ok := district.Lookup(d)
	if !ok || len(c) != 6 {
		return false
	}
	switch dd.Level {
	case district.Province:
		return d[:2] == c[:2]
	case district.City:
		return d[:4] == c[:4]
	}
	return d == c
}

// ListingStats gives the share of active stations listed on each map app,
// per county, within the staff member's districts narrowed to code.
// Returns Forbidden.
func (s *Service) ListingStats(ctx context.Context, staff Staff, code string) ([]DistrictListings, error) {
	sc, err := scope(staff, code)
	if err != nil {
		return nil, err
	}
	return s.store.ListingStats(ctx, sc)
}

// ServiceReport gathers the month's report within the staff member's
// districts narrowed to code. Returns Forbidden.
func (s *Service) ServiceReport(ctx context.Context, staff Staff, code string, m Month) (Report, error) {
	if m.Start().After(s.Now()) {
		var p apperr.Problems
		p.Add("month", "out_of_range", "must not be after this month")
		return Report{}, p.Err()
	}
	sc, err := scope(staff, code)
	if err != nil {
		return Report{}, err
	}
	rows, err := s.store.ServiceReport(ctx, sc, m)
	if err != nil {
		return Report{}, err
	}
	return BuildReport(m, rows, s.now()), nil
}

// RecomputeStars brings every inspected station's star level in line with
// the rule in force (after STAR_RULE changed) and returns how many changed.
func (s *Service) RecomputeStars(ctx context.Context) (int, error) {
	ss, err := s.store.RecomputeStars(ctx, s.rule.Stars)
	if err != nil {
		return 0, err
	}
	s.changed(ss...)
	return len(ss), nil
}

// validKey reports whether an Idempotency-Key is absent or 1 to 200
// printable ASCII characters (what a header carries safely, and the
// database stores as sent).
func validKey(k string) bool {
	if len(k) > 200 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
