package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/internal/activity"
	"yizhan/internal/apperr"
)

// ActivityStore implements activity.Store.
type ActivityStore struct {
	db *DB
}

// NewActivityStore returns an ActivityStore.
func NewActivityStore(db *DB) *ActivityStore { return &ActivityStore{db: db} }

var _ activity.Store = (*ActivityStore)(nil)

const activityColumns = `a.id, a.title, a.description, a.category, a.station_id, a.address, a.lat, a.lng,
	a.starts_at, a.ends_at, a.capacity, a.signup_opens_at, a.signup_closes_at, a.members_only, a.occupations,
	a.district_codes, a.status, a.published_at, a.confirmed, a.waitlisted, a.version, a.created_at, a.created_by,
	a.updated_at, a.updated_by, st.name, st.lat, st.lng`

// activityFrom reads an activity with its station.
const activityFrom = ` FROM activities a LEFT JOIN stations st ON st.id = a.station_id`

func scanActivity(row pgx.Row) (*activity.Activity, error) {
	var (
		a                          activity.Activity
		stationID                  *uuid.UUID
		address, stName            *string
		lat, lng, stLat, stLng     *float64
		opens, closes, publishedAt *time.Time
		category, status           string
	)
	err := row.Scan(&a.ID, &a.Title, &a.Description, &category, &stationID, &address, &lat, &lng,
		&a.StartsAt, &a.EndsAt, &a.Capacity, &opens, &closes, &a.Eligibility.MembersOnly, &a.Eligibility.Occupations,
		&a.Eligibility.DistrictCodes, &status, &publishedAt, &a.Confirmed, &a.Waitlisted, &a.Version, &a.CreatedAt, &a.CreatedBy,
		&a.UpdatedAt, &a.UpdatedBy, &stName, &stLat, &stLng)
	if err != nil {
		return nil, err
	}
	a.Category, a.Status = activity.Category(category), activity.Status(status)
	if stationID != nil {
		a.Place.StationID = *stationID
	}
	if address != nil && lat != nil && lng != nil {
		a.Place.Address, a.Place.Location = *address, orb.Point{*lng, *lat}
	}
	if stName != nil && stLat != nil && stLng != nil {
		a.StationName, a.StationLocation = *stName, orb.Point{*stLng, *stLat}
	}
	for _, t := range []struct {
		dst *time.Time
		src *time.Time
	}{{&a.SignupOpensAt, opens}, {&a.SignupClosesAt, closes}, {&a.PublishedAt, publishedAt}} {
		if t.src != nil {
			*t.dst = *t.src
		}
	}
	if len(a.Eligibility.Occupations) == 0 {
		a.Eligibility.Occupations = nil
	}
	if len(a.Eligibility.DistrictCodes) == 0 {
		a.Eligibility.DistrictCodes = nil
	}
	return &a, nil
}

func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// activityArgs are the columns an editor sets, $1 to $19.
func activityArgs(a *activity.Activity) []any {
	var (
		stationID *uuid.UUID
		address   *string
		lat, lng  *float64
	)
	if a.Place.AtStation() {
		stationID = &a.Place.StationID
	} else {
		address = &a.Place.Address
		y, x := a.Place.Location.Lat(), a.Place.Location.Lon()
		lat, lng = &y, &x
	}
	occ, districts := a.Eligibility.Occupations, a.Eligibility.DistrictCodes
	if occ == nil {
		occ = []string{}
	}
	if districts == nil {
		districts = []string{}
	}
	return []any{a.ID, a.Title, a.Description, string(a.Category), stationID, address, lat, lng, a.StartsAt, a.EndsAt,
		a.Capacity, nullTime(a.SignupOpensAt), nullTime(a.SignupClosesAt), a.Eligibility.MembersOnly, occ, districts,
		string(a.Status), nullTime(a.PublishedAt), a.Version, a.CreatedAt, a.CreatedBy, a.UpdatedAt, a.UpdatedBy}
}

// CreateActivity implements activity.Store.
func (s *ActivityStore) CreateActivity(ctx context.Context, a *activity.Activity) error {
	_, err := s.db.Pool.Exec(ctx, `INSERT INTO activities (id, title, description, category, station_id, address, lat, lng,
			starts_at, ends_at, capacity, signup_opens_at, signup_closes_at, members_only, occupations, district_codes,
			status, published_at, version, created_at, created_by, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)`,
		activityArgs(a)...)
	return interpretError(err, "activity")
}

// GetActivity implements activity.Store.
func (s *ActivityStore) GetActivity(ctx context.Context, id uuid.UUID) (*activity.Activity, error) {
	a, err := scanActivity(s.db.Pool.QueryRow(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = $1`, id))
	return a, interpretError(err, "activity")
}

// lockActivity locks the activity's row against sign-ups, cancellations
// and edits, then reads it in a statement of its own, whose snapshot sees
// what the change it may have waited for committed.
func lockActivity(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*activity.Activity, error) {
	if err := tx.QueryRow(ctx, `SELECT 1 FROM activities WHERE id = $1 FOR NO KEY UPDATE`, id).Scan(new(int)); err != nil {
		return nil, err
	}
	return scanActivity(tx.QueryRow(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = $1`, id))
}

// UpdateActivity implements activity.Store.
func (s *ActivityStore) UpdateActivity(ctx context.Context, id uuid.UUID, now time.Time, change func(*activity.Activity) error) (*activity.Activity, error) {
	var out *activity.Activity
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		before, err := lockActivity(ctx, tx, id)
		if err != nil {
			return err
		}
		after := *before
		if err := change(&after); err != nil {
			return err
		}
		// The counters are the store's: an editor cannot set them.
		after.Confirmed, after.Waitlisted = before.Confirmed, before.Waitlisted
		_, err = tx.Exec(ctx, `UPDATE activities SET title = $2, description = $3, category = $4, station_id = $5,
				address = $6, lat = $7, lng = $8, starts_at = $9, ends_at = $10, capacity = $11, signup_opens_at = $12,
				signup_closes_at = $13, members_only = $14, occupations = $15, district_codes = $16, status = $17,
				published_at = $18, version = $19, created_at = $20, created_by = $21, updated_at = $22, updated_by = $23
			WHERE id = $1`, activityArgs(&after)...)
		if err != nil {
			return err
		}
		if after.Status == activity.Published && now.Before(after.StartsAt) {
			if free := after.Capacity - after.Confirmed; free > 0 && after.Waitlisted > 0 {
				if err := promote(ctx, tx, &after, min(free, after.Waitlisted), now, nil); err != nil {
					return err
				}
			}
		}
		out, err = scanActivity(tx.QueryRow(ctx, `SELECT `+activityColumns+activityFrom+` WHERE a.id = $1`, id))
		return err
	})
	if err != nil {
		return nil, interpretError(err, "activity")
	}
	return out, nil
}

// promote gives n places of the locked activity a to the first n in line,
// moves the counters, and writes each promoted worker's notification into
// the outbox, all inside tx. Each promoted sign-up is passed to each (when
// not nil).
func promote(ctx context.Context, tx pgx.Tx, a *activity.Activity, n int, now time.Time, each func(activity.Signup)) error {
	rows, err := tx.Query(ctx, `UPDATE activity_signups SET status = 'confirmed', promoted_at = $3
		WHERE id IN (SELECT id FROM activity_signups WHERE activity_id = $1 AND status = 'waitlisted'
			ORDER BY queue_no LIMIT $2 FOR UPDATE)
		RETURNING `+signupColumns, a.ID, n, now)
	if err != nil {
		return err
	}
	promoted, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (activity.Signup, error) { return scanSignup(row) })
	if err != nil {
		return err
	}
	for _, sg := range promoted {
		if err := enqueueNotification(ctx, tx, activity.WaitlistPromotedEvent(a, sg)); err != nil {
			return err
		}
		if each != nil {
			each(sg)
		}
	}
	_, err = tx.Exec(ctx, `UPDATE activities SET confirmed = confirmed + $2, waitlisted = waitlisted - $2 WHERE id = $1`, a.ID, len(promoted))
	a.Confirmed += len(promoted)
	a.Waitlisted -= len(promoted)
	return err
}

// ListActivities implements activity.Store.
func (s *ActivityStore) ListActivities(ctx context.Context, f activity.Filter) ([]*activity.Activity, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+activityColumns+activityFrom+`
		WHERE a.id > $1 AND ($2 = '' OR a.status = $2) ORDER BY a.id LIMIT $3`, f.After, string(f.Status), f.Limit)
	if err != nil {
		return nil, interpretError(err, "activities")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*activity.Activity, error) { return scanActivity(row) })
	return out, interpretError(err, "activities")
}

// Upcoming implements activity.Store.
func (s *ActivityStore) Upcoming(ctx context.Context, now, from, to time.Time) ([]*activity.Activity, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+activityColumns+activityFrom+`
		WHERE a.status = 'published' AND a.starts_at >= $2 AND a.starts_at < $3 AND a.ends_at > $1
		ORDER BY a.starts_at, a.id LIMIT 5000`, now, from, to)
	if err != nil {
		return nil, interpretError(err, "activities")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*activity.Activity, error) { return scanActivity(row) })
	return out, interpretError(err, "activities")
}

// A member's county is that of their approved membership, as for benefits.
const participantQuery = `SELECT id, membership_no IS NOT NULL, coalesce(occupation, ''),
	coalesce(CASE WHEN membership_no IS NOT NULL THEN member_district_code ELSE district_code END, '')
	FROM workers WHERE id = $1 AND deleted_at IS NULL`

// Participant implements activity.Store.
func (s *ActivityStore) Participant(ctx context.Context, workerID uuid.UUID) (activity.Participant, error) {
	var w activity.Participant
	err := s.db.Pool.QueryRow(ctx, participantQuery, workerID).Scan(&w.ID, &w.Member, &w.Occupation, &w.DistrictCode)
	return w, interpretError(err, "worker")
}

// StationInfo implements activity.Store.
func (s *ActivityStore) StationInfo(ctx context.Context, id uuid.UUID) (activity.StationInfo, error) {
	var st activity.StationInfo
	err := s.db.Pool.QueryRow(ctx, `SELECT id, district_code, status = 'active' FROM stations WHERE id = $1`, id).
		Scan(&st.ID, &st.DistrictCode, &st.Active)
	return st, interpretError(err, apperr.Word("station"))
}
