package truth

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

// Service applies the rules of check-ins, reports, notices and visits.
type Service struct {
	store Store
	now   func() time.Time
	// changed is told of every station as stored, as station.Service tells
	// it, so that this process's search index sees the write at once.
	changed func(...*station.Station)
}

// NewService returns a Service. now may be nil (time.Now); changed may be nil.
func NewService(store Store, now func() time.Time, changed func(...*station.Station)) *Service {
	if now == nil {
		now = time.Now
	}
	if changed == nil {
		changed = func(...*station.Station) {}
	}
	return &Service{store: store, now: now, changed: changed}
}

// Checkin records that the worker stands at the station and what works
// there. Returns Invalid, NotFound, TooFar, Unprocessable (the station is not
// active) or TooFrequent.
func (s *Service) Checkin(ctx context.Context, workerID, stationID uuid.UUID, in CheckinInput) (*station.Station, error) {
	now := s.now()
	st, err := s.store.Checkin(ctx, stationID, func(st *station.Station) (Checkin, error) {
		c, err := NewCheckin(st, workerID, in, now)
		if err != nil {
			return Checkin{}, err
		}
		Confirm(st, c)
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	s.changed(st)
	return st, nil
}

// FileReport records a worker's report and flags the station when the
// reports call for a review. Returns Invalid, NotFound, Unprocessable (a
// closed station) or TooFrequent (past MaxReportsPerDay).
func (s *Service) FileReport(ctx context.Context, workerID, stationID uuid.UUID, in ReportInput) (Report, error) {
	now := s.now()
	r, st, err := s.store.FileReport(ctx, stationID, workerID, Day(now), func(st *station.Station) (Report, error) {
		return NewReport(st, workerID, in, now)
	}, now.Add(-FlagWindow), func(open []OpenReport) bool { return NeedsReview(open, now) })
	if errors.Is(err, ErrReportLimit) {
		return Report{}, TooManyReports(now)
	}
	if err != nil {
		return Report{}, err
	}
	s.changed(st)
	r.StationName, r.DistrictCode = st.Name, st.DistrictCode
	return r, nil
}

// MyReports returns a page of the worker's reports, newest first.
func (s *Service) MyReports(ctx context.Context, workerID uuid.UUID, before uuid.UUID, limit int) ([]Report, error) {
	return s.store.MyReports(ctx, workerID, before, limit)
}

// ListReports returns a page of the staff queue, within the staff member's
// districts. Returns Forbidden when f.DistrictCode lies outside them.
func (s *Service) ListReports(ctx context.Context, staff Staff, f ReportFilter) ([]Report, error) {
	codes, all := staff.DistrictScope()
	f.Districts = nil
	if !all {
		f.Districts = append([]string{}, codes...) // empty, not nil: no district at all
	}
	return s.store.ListReports(ctx, f)
}

// Resolve closes an open report as dealt with; Dismiss as unfounded. Each
// needs a note. Returns Invalid, NotFound, Forbidden (a station outside the
// staff member's districts) or Conflict (not open).
func (s *Service) Resolve(ctx context.Context, staff Staff, id uuid.UUID, note string) (Report, error) {
	return s.decide(ctx, staff, id, Resolved, note)
}

// Dismiss: see Resolve.
func (s *Service) Dismiss(ctx context.Context, staff Staff, id uuid.UUID, note string) (Report, error) {
	return s.decide(ctx, staff, id, Dismissed, note)
}

func (s *Service) decide(ctx context.Context, staff Staff, id uuid.UUID, to ReportStatus, note string) (Report, error) {
	note, err := decideNote(note)
	if err != nil {
		return Report{}, err
	}
	now := s.now()
	r, st, err := s.store.DecideReport(ctx, id, func(r *Report) error {
		if !staff.CanManageDistrict(r.DistrictCode) {
			return apperr.New(apperr.Forbidden, "you may not handle reports about stations of district %s", r.DistrictCode)
		}
		if r.Status != Open {
			return apperr.New(apperr.Conflict, "the report is already %s", apperr.Word(r.Status))
		}
		r.Status, r.DecidedAt, r.DecidedBy, r.DecisionNote = to, now.UTC().Truncate(time.Microsecond), staff.ActorName(), note
		return nil
	}, now.Add(-FlagWindow), func(open []OpenReport) bool { return NeedsReview(open, now) })
	if err != nil {
		return Report{}, err
	}
	s.changed(st)
	return r, nil
}

// PostNotice posts a staff notice about a station. Returns Invalid,
// NotFound, Forbidden, Unprocessable (a closed station) or Conflict (too
// many notices).
func (s *Service) PostNotice(ctx context.Context, staff Staff, stationID uuid.UUID, in NoticeInput) (*station.Station, station.Notice, error) {
	now := s.now()
	var n station.Notice
	st, err := s.store.PostNotice(ctx, stationID, staff.ActorName(), func(st *station.Station) (station.Notice, error) {
		if !staff.CanManageDistrict(st.DistrictCode) {
			return station.Notice{}, apperr.New(apperr.Forbidden, "you may not manage stations of district %s", st.DistrictCode)
		}
		var err error
		n, err = NewNotice(st, in, now)
		return n, err
	})
	if err != nil {
		return nil, station.Notice{}, err
	}
	s.changed(st)
	return st, n, nil
}

// Verify records a staff visit to the station, now. Returns NotFound,
// Forbidden or Unprocessable (a closed station).
func (s *Service) Verify(ctx context.Context, staff Staff, stationID uuid.UUID) (*station.Station, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	st, err := s.store.Verify(ctx, stationID, now, staff.ActorName(), func(st *station.Station) error {
		if !staff.CanManageDistrict(st.DistrictCode) {
			return apperr.New(apperr.Forbidden, "you may not manage stations of district %s", st.DistrictCode)
		}
		if st.Status == station.Closed {
			return errInactive(st)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.changed(st)
	return st, nil
}

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }
