package photo

import (
	"context"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

// Service applies the rules of station photos.
type Service struct {
	store Store
	dir   *Dir
	proc  *Processor
	now   func() time.Time
	// changed is told of every station as stored, so that this process's
	// search index sees the change at once.
	changed func(...*station.Station)
	// BeforeDecode, when set (by tests), is called once an upload's
	// station is approved and before its image is read and decoded.
	BeforeDecode func()
	// AfterFiles, when set (by tests), is called once an upload's files
	// are durable and before its row is written.
	AfterFiles func()
}

// NewService returns a Service. now and changed may be nil; so may dir,
// when no PHOTO_DIR is configured: uploads then answer Unavailable, while
// listing, marking and deleting photos work.
func NewService(store Store, dir *Dir, proc *Processor, now func() time.Time, changed func(...*station.Station)) *Service {
	if now == nil {
		now = time.Now
	}
	if changed == nil {
		changed = func(...*station.Station) {}
	}
	return &Service{store: store, dir: dir, proc: proc, now: now, changed: changed}
}

// Enabled reports whether photos can be stored (a directory is set).
func (s *Service) Enabled() bool { return s.dir != nil }

// Limits returns the upload limits.
func (s *Service) Limits() Limits { return s.proc.Limits() }

// Upload stores a photo of the station: decoded, re-encoded and written
// durably before its row commits. The same image uploaded again answers
// the photo stored the first time (created false). Returns NotFound or
// Forbidden (a station outside the staff member's districts) before
// anything is decoded, so that such uploads take no turn to decode; then
// TooLarge, UnsupportedMedia, Invalid (a corrupt image), Unprocessable (a
// closed station) or Conflict (the station has MaxPerStation photos).
func (s *Service) Upload(ctx context.Context, staff Staff, stationID uuid.UUID, data []byte, entrance bool) (Photo, bool, error) {
	if s.dir == nil {
		return Photo{}, false, apperr.New(apperr.Unavailable, "photos cannot be stored here: the server has no photo directory (PHOTO_DIR)")
	}
	// Checked again in the row's transaction, as the station may move to
	// another district while the image decodes. Whether it is closed or
	// full is not told here: a retried upload of a photo already stored
	// answers that photo all the same, and only its decoded bytes tell it.
	district, err := s.store.District(ctx, stationID)
	if err != nil {
		return Photo{}, false, err
	}
	if err := mayManageDistrict(staff, district); err != nil {
		return Photo{}, false, err
	}
	if s.BeforeDecode != nil {
		s.BeforeDecode()
	}
	img, err := s.proc.Process(ctx, data)
	if err != nil {
		return Photo{}, false, err
	}
	p := Photo{ID: uuid.New(), StationID: stationID, Entrance: entrance, Full: img.Full.Name, Thumb: img.Thumb.Name,
		Width: img.Full.Width, Height: img.Full.Height, ThumbWidth: img.Thumb.Width, ThumbHeight: img.Thumb.Height,
		Bytes: len(img.Full.Bytes), CreatedAt: s.now().UTC().Truncate(time.Microsecond), CreatedBy: staff.ActorName()}
	out, st, existing, err := s.store.Add(ctx, p, func(st *station.Station, photos []Photo) (int, error) {
		if err := mayManage(staff, st); err != nil {
			return 0, err
		}
		if st.Status == station.Closed {
			return 0, apperr.New(apperr.Unprocessable, "the station is closed; photos are added to open stations only")
		}
		return FreeSlot(photos)
	}, func() error {
		if err := s.dir.Put(img.Full.Name, img.Full.Bytes); err != nil {
			return err
		}
		if err := s.dir.Put(img.Thumb.Name, img.Thumb.Bytes); err != nil {
			return err
		}
		if s.AfterFiles != nil {
			s.AfterFiles()
		}
		return nil
	})
	if err != nil {
		return Photo{}, false, err
	}
	if !existing {
		s.changed(st)
	}
	return out, !existing, nil
}

// FreeSlot is the first slot none of photos takes; Conflict when all are.
func FreeSlot(photos []Photo) (int, error) {
	var used [MaxPerStation + 1]bool
	for _, p := range photos {
		if p.Slot >= 1 && p.Slot <= MaxPerStation {
			used[p.Slot] = true
		}
	}
	for slot := 1; slot <= MaxPerStation; slot++ {
		if !used[slot] {
			return slot, nil
		}
	}
	return 0, apperr.New(apperr.Conflict, "a station may have at most %d photos; delete one first", MaxPerStation)
}

func mayManage(staff Staff, st *station.Station) error {
	return mayManageDistrict(staff, st.DistrictCode)
}

func mayManageDistrict(staff Staff, district string) error {
	if !staff.CanManageDistrict(district) {
		return apperr.New(apperr.Forbidden, "you may not manage stations of district %s", district)
	}
	return nil
}

// SetEntrance marks the photo as the station's entrance photo, unmarking
// the one before, or unmarks it. Returns NotFound or Forbidden.
func (s *Service) SetEntrance(ctx context.Context, staff Staff, stationID, photoID uuid.UUID, entrance bool) (Photo, error) {
	p, st, err := s.store.SetEntrance(ctx, stationID, photoID, entrance, func(st *station.Station) error { return mayManage(staff, st) })
	if err != nil {
		return Photo{}, err
	}
	s.changed(st)
	return p, nil
}

// Delete removes a photo, and its files when no other photo shares them.
// Returns NotFound or Forbidden.
func (s *Service) Delete(ctx context.Context, log *slog.Logger, staff Staff, stationID, photoID uuid.UUID) error {
	p, st, err := s.store.Delete(ctx, stationID, photoID, func(st *station.Station) error { return mayManage(staff, st) })
	if err != nil {
		return err
	}
	s.changed(st)
	if s.dir == nil {
		return nil
	}
	// The row is gone; a file left by a failure here is the sweep's.
	for _, name := range []string{p.Full, p.Thumb} {
		if _, err := s.store.RemoveUnreferenced(ctx, name, func() error { return s.dir.Remove(name) }); err != nil && log != nil {
			log.WarnContext(ctx, "photo file not removed; the sweep will", "error", err)
		}
	}
	return nil
}

// List returns the photos of a station, entrance first.
func (s *Service) List(ctx context.Context, stationID uuid.UUID) ([]Photo, error) {
	m, err := s.store.List(ctx, []uuid.UUID{stationID})
	return m[stationID], err
}

// ListMany returns the photos of each station, entrance first.
func (s *Service) ListMany(ctx context.Context, stationIDs []uuid.UUID) (map[uuid.UUID][]Photo, error) {
	if len(stationIDs) == 0 {
		return map[uuid.UUID][]Photo{}, nil
	}
	return s.store.List(ctx, stationIDs)
}

// Open opens a stored image by name; fs.ErrNotExist when there is none.
func (s *Service) Open(name string) (*os.File, error) {
	if s.dir == nil {
		return nil, fs.ErrNotExist
	}
	return s.dir.Open(name)
}

// sweepBatch is how many names the sweep asks the store about at once.
const sweepBatch = 500

// Sweep removes the image files no photo names that were written more than
// grace ago (left by a crash between file and row, or by a failed removal),
// and stale temporary files. It returns how many images it removed.
func (s *Service) Sweep(ctx context.Context, grace time.Duration) (int, error) {
	if s.dir == nil {
		return 0, nil
	}
	removed := 0
	var batch []string
	flush := func() error {
		orphans, err := s.store.Unreferenced(ctx, batch)
		batch = batch[:0]
		if err != nil {
			return err
		}
		for _, name := range orphans {
			ok, err := s.store.RemoveUnreferenced(ctx, name, func() error { return s.dir.Remove(name) })
			if err != nil {
				return err
			}
			if ok {
				removed++
			}
		}
		return nil
	}
	err := s.dir.Old(s.now().Add(-grace), func(name string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch = append(batch, name)
		if len(batch) == sweepBatch {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	return removed, err
}

// Sweeper runs Sweep every Interval until its context ends.
type Sweeper struct {
	Service  *Service
	Interval time.Duration
	Grace    time.Duration
	Log      *slog.Logger
}

// Run sweeps until ctx ends.
func (w *Sweeper) Run(ctx context.Context) {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := w.Service.Sweep(ctx, w.Grace)
		switch {
		case err != nil && ctx.Err() == nil:
			w.Log.WarnContext(ctx, "photo sweep failed", "error", err)
		case n > 0:
			w.Log.InfoContext(ctx, "photo sweep removed orphan files", "files", n)
		}
	}
}
