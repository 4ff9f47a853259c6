package station

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
)

// MaxImport is the most features one import may hold.
const MaxImport = 10000

// Service applies the registry's rules: validation, district authority,
// optimistic concurrency and history.
type Service struct {
	store Store
	now   func() time.Time
	// changed is told of every station as stored, after its transaction
	// commits, so that this process's search index sees the write before the
	// call returns.
	changed func(...*Station)
}

// NewService returns a Service. now may be nil (time.Now); changed may be nil.
func NewService(store Store, now func() time.Time, changed func(...*Station)) *Service {
	if now == nil {
		now = time.Now
	}
	if changed == nil {
		changed = func(...*Station) {}
	}
	return &Service{store: store, now: now, changed: changed}
}

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.now() }

func forbidDistrict(code string) error {
	return apperr.New(apperr.Forbidden, "you may not manage stations of district %s", code)
}

// Options change how a station is created or imported.
type Options struct {
	// AllowDuplicate stores stations that may duplicate others (see
	// NearRadius), recording in their history that staff chose to.
	AllowDuplicate bool
}

// Create validates doc and registers a new station. Returns Invalid,
// Forbidden, or a *DuplicateError (PossibleDuplicate).
func (s *Service) Create(ctx context.Context, actor Actor, doc Document) (*Station, error) {
	return s.CreateWith(ctx, actor, doc, Options{})
}

// CreateWith is Create with options.
func (s *Service) CreateWith(ctx context.Context, actor Actor, doc Document, o Options) (*Station, error) {
	f, err := doc.Validate(nil)
	if err != nil {
		return nil, err
	}
	if !actor.CanManageDistrict(f.DistrictCode) {
		return nil, forbidDistrict(f.DistrictCode)
	}
	st, err := s.newStation(actor, f)
	if err != nil {
		return nil, err
	}
	news := []*Station{st}
	if err := s.store.Create(ctx, st, "create", duplicateGuard(news, o.AllowDuplicate, false)); err != nil {
		return nil, err
	}
	s.changed(st)
	return st, nil
}

func (s *Service) newStation(actor Actor, f Fields) (*Station, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	st := &Station{ID: id, Version: 1, CreatedAt: now, CreatedBy: actor.ActorName(), UpdatedAt: now, UpdatedBy: actor.ActorName(), Revision: 1}
	st.setFields(f)
	return st, nil
}

// Get returns a station or NotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*Station, error) {
	return s.store.Get(ctx, id)
}

// Patch applies a JSON merge patch to the station at version ifMatch.
// Returns NotFound, Stale when the station has moved past ifMatch, Invalid,
// or Forbidden when the actor may not manage the station's district before
// or after the change.
func (s *Service) Patch(ctx context.Context, actor Actor, id uuid.UUID, ifMatch int64, patch []byte) (*Station, error) {
	st, err := s.store.Update(ctx, id, func(st *Station) (string, error) {
		if !actor.CanManageDistrict(st.DistrictCode) {
			return "", forbidDistrict(st.DistrictCode)
		}
		if st.Version != ifMatch {
			return "", apperr.New(apperr.Stale, "the station is at version %d, not %d; fetch it again and reapply your change", st.Version, ifMatch)
		}
		f, err := ApplyMergePatch(st, patch)
		if err != nil {
			return "", err
		}
		if !actor.CanManageDistrict(f.DistrictCode) {
			return "", apperr.New(apperr.Forbidden, "you may not move a station into district %s", f.DistrictCode)
		}
		if f.equal(st.fields()) {
			return "", nil
		}
		st.setFields(f)
		s.touch(st, actor)
		return "update", nil
	})
	if err != nil {
		return nil, err
	}
	s.changed(st)
	return st, nil
}

func (s *Service) touch(st *Station, actor Actor) {
	st.Version++
	st.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
	st.UpdatedBy = actor.ActorName()
}

// Close sets the station's status to closed, keeping its row and history.
// ifMatch, when not zero, must be the station's version. Closing a closed
// station changes nothing. Returns NotFound, Stale or Forbidden.
func (s *Service) Close(ctx context.Context, actor Actor, id uuid.UUID, ifMatch int64) (*Station, error) {
	st, err := s.store.Update(ctx, id, func(st *Station) (string, error) {
		if !actor.CanManageDistrict(st.DistrictCode) {
			return "", forbidDistrict(st.DistrictCode)
		}
		if ifMatch != 0 && st.Version != ifMatch {
			return "", apperr.New(apperr.Stale, "the station is at version %d, not %d", st.Version, ifMatch)
		}
		if st.Status == Closed {
			return "", nil
		}
		st.Status = Closed
		s.touch(st, actor)
		return "close", nil
	})
	if err != nil {
		return nil, err
	}
	s.changed(st)
	return st, nil
}

// List returns a page of stations.
func (s *Service) List(ctx context.Context, f ListFilter) ([]*Station, error) {
	return s.store.List(ctx, f)
}

// History returns a station's changes. Returns NotFound, or Forbidden when
// the actor may not manage the station's district.
func (s *Service) History(ctx context.Context, actor Actor, id uuid.UUID) ([]Change, error) {
	st, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !actor.CanManageDistrict(st.DistrictCode) {
		return nil, apperr.New(apperr.Forbidden, "you may not see the history of stations of district %s", st.DistrictCode)
	}
	return s.store.History(ctx, id)
}

// ImportItem is one feature of an import: its document and, when its
// geometry was valid, its WGS-84 location.
type ImportItem struct {
	Doc      Document
	Location *orb.Point
	// Problem is set when the feature itself was malformed (its geometry, or
	// properties that did not decode); the item is reported, not stored, and
	// Doc holds what could be decoded, to name the row.
	Problem error
}

// Import validates every item and stores all of them, or none. Field paths
// in the Invalid error are "features[i].…". Returns Invalid, Forbidden
// when any station lies outside the actor's districts, or a
// *DuplicateError naming each feature that may duplicate an active station
// or another feature.
func (s *Service) Import(ctx context.Context, actor Actor, items []ImportItem) ([]*Station, error) {
	return s.ImportWith(ctx, actor, items, Options{})
}

// ImportWith is Import with options.
func (s *Service) ImportWith(ctx context.Context, actor Actor, items []ImportItem, o Options) ([]*Station, error) {
	fields, err := checkImport(actor, items)
	if err != nil {
		return nil, err
	}
	out := make([]*Station, len(fields))
	for i, f := range fields {
		st, err := s.newStation(actor, f)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	if err := s.store.CreateMany(ctx, out, "import", duplicateGuard(out, o.AllowDuplicate, true)); err != nil {
		return nil, err
	}
	s.changed(out...)
	return out, nil
}

// CheckImport validates an import as Import does and stores nothing: the
// console's preview. It returns the stations' fields (in WGS-84) when the
// import would be stored, or the error Import would return.
func (s *Service) CheckImport(actor Actor, items []ImportItem) ([]Fields, error) {
	return checkImport(actor, items)
}

func checkImport(actor Actor, items []ImportItem) ([]Fields, error) {
	var p apperr.Problems
	if len(items) == 0 {
		p.Add("features", "required", "must hold at least one feature")
	}
	if len(items) > MaxImport {
		p.Add("features", "too_many", "must hold at most %d features", MaxImport)
		return nil, p.Err()
	}
	fields := make([]Fields, len(items))
	for i, it := range items {
		prefix := fmt.Sprintf("features[%d]", i)
		if it.Problem != nil {
			p.AddAll(prefix, it.Problem)
			continue
		}
		f, err := it.Doc.Validate(it.Location)
		if err != nil {
			p.AddAll(prefix+".properties", err)
			continue
		}
		fields[i] = f
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	for _, f := range fields {
		if !actor.CanManageDistrict(f.DistrictCode) {
			return nil, forbidDistrict(f.DistrictCode)
		}
	}
	return fields, nil
}

// CreateDemo registers a station of the demo data set, marked as demo.
func (s *Service) CreateDemo(ctx context.Context, actor Actor, doc Document) (*Station, error) {
	f, err := doc.Validate(nil)
	if err != nil {
		return nil, err
	}
	st, err := s.newStation(actor, f)
	if err != nil {
		return nil, err
	}
	st.Demo = true
	// Demo data is made to be loaded as it is; no duplicate check.
	if err := s.store.Create(ctx, st, "import", nil); err != nil {
		return nil, err
	}
	s.changed(st)
	return st, nil
}

// System is the actor for changes made by the service itself (demo data,
// command-line tools run by an operator).
type System string

// ActorName implements Actor.
func (a System) ActorName() string { return "system:" + string(a) }

// CanManageDistrict implements Actor: the system may act everywhere.
func (System) CanManageDistrict(string) bool { return true }
