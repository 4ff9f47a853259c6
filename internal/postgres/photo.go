package postgres

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"yizhan/internal/apperr"
	"yizhan/internal/photo"
	"yizhan/internal/station"
)

// PhotoStore implements photo.Store.
type PhotoStore struct {
	db *DB
}

// NewPhotoStore returns a PhotoStore.
func NewPhotoStore(db *DB) *PhotoStore { return &PhotoStore{db: db} }

var _ photo.Store = (*PhotoStore)(nil)

// The schema's names for the rules it keeps.
const (
	photosAtMostTen   = "station_photos_at_most_ten"
	photosOnce        = "station_photos_once"
	photosOneEntrance = "station_photos_one_entrance"
)

// photoLockClass is the first key of the advisory locks on image names (the
// second is the name's first 32 bits): uploads hold them shared from before
// they write a file until their row commits, removals exclusively.
const photoLockClass = 0x70686f74 // "phot"

func photoLockKey(name string) int32 {
	b, err := hex.DecodeString(name[:8])
	if err != nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

type entranceJSON struct {
	ID     uuid.UUID `json:"id"`
	Full   string    `json:"full"`
	Thumb  string    `json:"thumb"`
	Width  int       `json:"width"`
	Height int       `json:"height"`
}

// decodeEntrance reads stations.entrance_photo.
func decodeEntrance(b []byte) (*station.PhotoRef, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var e entranceJSON
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	if !photo.ValidName(e.Full) || !photo.ValidName(e.Thumb) {
		return nil, errors.New("bad image name")
	}
	return &station.PhotoRef{ID: e.ID, Full: e.Full, Thumb: e.Thumb, Width: e.Width, Height: e.Height}, nil
}

const photoColumns = `id, station_id, slot, entrance, full_name, thumb_name, width, height, thumb_width, thumb_height, bytes, created_at, created_by`

func scanPhoto(row pgx.Row) (photo.Photo, error) {
	var p photo.Photo
	err := row.Scan(&p.ID, &p.StationID, &p.Slot, &p.Entrance, &p.Full, &p.Thumb, &p.Width, &p.Height,
		&p.ThumbWidth, &p.ThumbHeight, &p.Bytes, &p.CreatedAt, &p.CreatedBy)
	return p, err
}

func stationPhotos(ctx context.Context, tx pgx.Tx, stationID uuid.UUID) ([]photo.Photo, error) {
	rows, err := tx.Query(ctx, `SELECT `+photoColumns+` FROM station_photos WHERE station_id = $1 ORDER BY slot`, stationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (photo.Photo, error) { return scanPhoto(row) })
}

// savePhotoColumns recounts the station's photos and its entrance into its
// row, and returns it as stored (the stamp trigger raises its revision).
func savePhotoColumns(ctx context.Context, tx pgx.Tx, stationID uuid.UUID) (*station.Station, error) {
	return scanStation(tx.QueryRow(ctx, `UPDATE stations SET
		photo_count = (SELECT count(*) FROM station_photos WHERE station_id = $1),
		entrance_photo = (SELECT jsonb_build_object('id', id, 'full', full_name, 'thumb', thumb_name, 'width', width, 'height', height)
			FROM station_photos WHERE station_id = $1 AND entrance)
		WHERE id = $1 RETURNING `+stationColumns, stationID))
}

// District implements photo.Store.
func (s *PhotoStore) District(ctx context.Context, stationID uuid.UUID) (string, error) {
	var code string
	err := s.db.Pool.QueryRow(ctx, `SELECT district_code FROM stations WHERE id = $1`, stationID).Scan(&code)
	return code, interpretError(err, "station")
}

// Add implements photo.Store.
func (s *PhotoStore) Add(ctx context.Context, p photo.Photo, check func(*station.Station, []photo.Photo) (int, error), write func() error) (photo.Photo, *station.Station, bool, error) {
	var (
		out      photo.Photo
		st       *station.Station
		existing bool
	)
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// The station's row lock queues uploads to one station.
		cur, err := lockStation(ctx, tx, p.StationID)
		if err != nil {
			return err
		}
		photos, err := stationPhotos(ctx, tx, p.StationID)
		if err != nil {
			return err
		}
		for _, q := range photos {
			if q.Full == p.Full {
				out, st, existing = q, cur, true
				return check403(check, cur)
			}
		}
		if p.Slot, err = check(cur, photos); err != nil {
			return err
		}
		for _, name := range []string{p.Full, p.Thumb} {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1, $2)`, photoLockClass, photoLockKey(name)); err != nil {
				return err
			}
		}
		if err := write(); err != nil {
			return err
		}
		if p.Entrance {
			if _, err := tx.Exec(ctx, `UPDATE station_photos SET entrance = false WHERE station_id = $1 AND entrance`, p.StationID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO station_photos (`+photoColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			p.ID, p.StationID, p.Slot, p.Entrance, p.Full, p.Thumb, p.Width, p.Height, p.ThumbWidth, p.ThumbHeight, p.Bytes, p.CreatedAt, p.CreatedBy)
		switch {
		case isConstraint(err, photosAtMostTen):
			return apperr.New(apperr.Conflict, "a station may have at most %d photos; delete one first", photo.MaxPerStation)
		case isConstraint(err, photosOnce), isConstraint(err, photosOneEntrance):
			return apperr.New(apperr.Conflict, "another upload changed the station's photos at the same time; try again")
		case err != nil:
			return err
		}
		out = p
		st, err = savePhotoColumns(ctx, tx, p.StationID)
		return err
	})
	return out, st, existing, interpretError(err, "station")
}

// check403 applies check's scope verdict to a retried upload, whose answer
// would otherwise show a station the caller may not manage.
func check403(check func(*station.Station, []photo.Photo) (int, error), st *station.Station) error {
	_, err := check(st, nil)
	return err
}

// lockPhoto locks the station, approves it with check and reads its photo.
func lockPhoto(ctx context.Context, tx pgx.Tx, stationID, photoID uuid.UUID, check func(*station.Station) error) (photo.Photo, error) {
	cur, err := lockStation(ctx, tx, stationID)
	if err != nil {
		return photo.Photo{}, err
	}
	if err := check(cur); err != nil {
		return photo.Photo{}, err
	}
	p, err := scanPhoto(tx.QueryRow(ctx, `SELECT `+photoColumns+` FROM station_photos WHERE id = $1 AND station_id = $2 FOR UPDATE`, photoID, stationID))
	if errors.Is(err, pgx.ErrNoRows) {
		return photo.Photo{}, apperr.New(apperr.NotFound, "%s not found", apperr.Word("photo"))
	}
	return p, err
}

// SetEntrance implements photo.Store.
func (s *PhotoStore) SetEntrance(ctx context.Context, stationID, photoID uuid.UUID, entrance bool, check func(*station.Station) error) (photo.Photo, *station.Station, error) {
	var (
		p  photo.Photo
		st *station.Station
	)
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		if p, err = lockPhoto(ctx, tx, stationID, photoID, check); err != nil {
			return err
		}
		if entrance {
			if _, err := tx.Exec(ctx, `UPDATE station_photos SET entrance = false WHERE station_id = $1 AND entrance AND id <> $2`, stationID, photoID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE station_photos SET entrance = $2 WHERE id = $1`, photoID, entrance); err != nil {
			return err
		}
		p.Entrance = entrance
		st, err = savePhotoColumns(ctx, tx, stationID)
		return err
	})
	return p, st, interpretError(err, "station")
}

// Delete implements photo.Store.
func (s *PhotoStore) Delete(ctx context.Context, stationID, photoID uuid.UUID, check func(*station.Station) error) (photo.Photo, *station.Station, error) {
	var (
		p  photo.Photo
		st *station.Station
	)
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		if p, err = lockPhoto(ctx, tx, stationID, photoID, check); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM station_photos WHERE id = $1`, photoID); err != nil {
			return err
		}
		st, err = savePhotoColumns(ctx, tx, stationID)
		return err
	})
	return p, st, interpretError(err, "station")
}

// List implements photo.Store.
func (s *PhotoStore) List(ctx context.Context, stationIDs []uuid.UUID) (map[uuid.UUID][]photo.Photo, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+photoColumns+` FROM station_photos WHERE station_id = ANY($1)
		ORDER BY station_id, entrance DESC, slot`, stationIDs)
	if err != nil {
		return nil, interpretError(err, "station")
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (photo.Photo, error) { return scanPhoto(row) })
	if err != nil {
		return nil, interpretError(err, "station")
	}
	out := make(map[uuid.UUID][]photo.Photo, len(stationIDs))
	for _, p := range list {
		out[p.StationID] = append(out[p.StationID], p)
	}
	return out, nil
}

// Unreferenced implements photo.Store.
func (s *PhotoStore) Unreferenced(ctx context.Context, names []string) ([]string, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT n FROM unnest($1::text[]) n WHERE NOT EXISTS (
		SELECT 1 FROM station_photos WHERE full_name = n) AND NOT EXISTS (SELECT 1 FROM station_photos WHERE thumb_name = n)`, names)
	if err != nil {
		return nil, interpretError(err, "photo")
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, interpretError(err, "photo")
}

// RemoveUnreferenced implements photo.Store.
func (s *PhotoStore) RemoveUnreferenced(ctx context.Context, name string, remove func() error) (bool, error) {
	removed := false
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, photoLockClass, photoLockKey(name)); err != nil {
			return err
		}
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM station_photos WHERE full_name = $1)
			OR EXISTS (SELECT 1 FROM station_photos WHERE thumb_name = $1)`, name).Scan(&used); err != nil {
			return err
		}
		if used {
			return nil
		}
		removed = true
		return remove()
	})
	return removed && err == nil, interpretError(err, "photo")
}
