package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"yizhan/internal/station"
)

// StationStore implements station.Store.
type StationStore struct {
	db *DB
}

// NewStationStore returns a StationStore.
func NewStationStore(db *DB) *StationStore { return &StationStore{db: db} }

var _ station.Store = (*StationStore)(nil)

// stationEditable are the columns a station's record is written with; the
// rest of stationColumns are kept by the truth store and the schema.
const stationEditable = `id, name, address, district_code, lat, lng, host_type, host_name, amenities, hours,
	contact_phone, status, demo, version, created_at, created_by, updated_at, updated_by`

// stationColumns read a whole station, with its notices (each time as Unix
// microseconds, which no session time zone can garble): the 20 that end
// last (truth.MaxNotices), which hold every one not yet expired, as a
// station never has more than 20 of those. Whoever reads them evaluates
// them at the instant they ask about, so the database's clock plays no part.
const stationColumns = stationEditable + `, revision, last_confirmed_at, amenity_checks, verified_at, verified_by,
	needs_review, (SELECT coalesce(jsonb_agg(jsonb_build_object('id', n.id, 'kind', n.kind, 'amenity', n.amenity,
		'from', (extract(epoch FROM n.starts_at) * 1000000)::bigint, 'until', (extract(epoch FROM n.ends_at) * 1000000)::bigint,
		'message', n.message) ORDER BY n.starts_at, n.id), '[]')
		FROM (SELECT * FROM station_notices WHERE station_id = stations.id ORDER BY ends_at DESC, id LIMIT 20) n),
	photo_count, entrance_photo` +
	standingColumns

// hoursCache shares parsed hours between rows with the same hours: most
// stations of a county keep one of a few timetables, so a full load parses
// each only once.
type hoursCache map[string]station.Hours

func scanStation(row pgx.Row) (*station.Station, error) { return scanStationCached(row, nil) }

func scanStationCached(row pgx.Row, cache hoursCache) (*station.Station, error) {
	var (
		s         station.Station
		lat, lng  float64
		amenities []string
		hours     []byte
		phone     *string
		status    string
		confirmed *time.Time
		checks    []byte
		verified  *time.Time
		by        *string
		notices   []byte
		entrance  []byte
		standing  standingScan
	)
	err := row.Scan(&s.ID, &s.Name, &s.Address, &s.DistrictCode, &lat, &lng, &s.Host.Type, &s.Host.Name,
		&amenities, &hours, &phone, &status, &s.Demo, &s.Version, &s.CreatedAt, &s.CreatedBy, &s.UpdatedAt, &s.UpdatedBy,
		&s.Revision, &confirmed, &checks, &verified, &by, &s.NeedsReview, &notices,
		&s.PhotoCount, &entrance,
		&standing.stars, &standing.inspected, &standing.beautiful, &standing.listings)
	if err != nil {
		return nil, err
	}
	if s.Standing, err = standing.decode(); err != nil {
		return nil, fmt.Errorf("station %s: map listings: %w", s.ID, err)
	}
	if confirmed != nil {
		s.LastConfirmedAt = *confirmed
	}
	if verified != nil && by != nil {
		s.VerifiedAt, s.VerifiedBy = *verified, *by
	}
	if s.AmenityChecks, err = decodeAmenityChecks(checks); err != nil {
		return nil, fmt.Errorf("station %s: stored amenity checks: %w", s.ID, err)
	}
	if s.Notices, err = decodeNotices(notices); err != nil {
		return nil, fmt.Errorf("station %s: notices: %w", s.ID, err)
	}
	if s.Entrance, err = decodeEntrance(entrance); err != nil {
		return nil, fmt.Errorf("station %s: entrance photo: %w", s.ID, err)
	}
	s.Location = orb.Point{lng, lat}
	for _, a := range amenities {
		// A code unknown to this binary (added by a newer one) is ignored rather than failing reads.
		bit, _ := station.AmenityBit(a)
		s.Amenities |= bit
	}
	if h, ok := cache[string(hours)]; ok {
		s.Hours = h
	} else if s.Hours, err = station.ParseHours(hours); err != nil {
		return nil, fmt.Errorf("station %s: stored hours: %w", s.ID, err)
	} else if cache != nil {
		cache[string(hours)] = s.Hours
	}
	if phone != nil {
		s.ContactPhone = *phone
	}
	s.Status = station.Status(status)
	return &s, nil
}

func stationArgs(s *station.Station) ([]any, error) {
	hours, err := json.Marshal(s.Hours)
	if err != nil {
		return nil, err
	}
	var phone *string
	if s.ContactPhone != "" {
		phone = &s.ContactPhone
	}
	return []any{s.ID, s.Name, s.Address, s.DistrictCode, s.Location[1], s.Location[0], s.Host.Type, s.Host.Name,
		s.Amenities.Codes(), hours, phone, string(s.Status), s.Demo, s.Version, s.CreatedAt, s.CreatedBy, s.UpdatedAt, s.UpdatedBy}, nil
}

func insertStation(ctx context.Context, tx pgx.Tx, s *station.Station, action string, override *station.FieldChange) error {
	args, err := stationArgs(s)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO stations (`+stationEditable+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`, args...)
	if err != nil {
		return err
	}
	changes := station.Diff(nil, s)
	if override != nil {
		changes[station.OverrideField] = *override
	}
	return insertHistory(ctx, tx, s, action, changes)
}

func insertHistory(ctx context.Context, tx pgx.Tx, s *station.Station, action string, changes map[string]station.FieldChange) error {
	b, err := json.Marshal(changes)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO station_history (station_id, version, action, changed_at, changed_by, changes)
		VALUES ($1, $2, $3, $4, $5, $6)`, s.ID, s.Version, action, s.UpdatedAt, s.UpdatedBy, b)
	return err
}

// Create implements station.Store.
func (st *StationStore) Create(ctx context.Context, s *station.Station, action string, guard station.Guard) error {
	return st.CreateMany(ctx, []*station.Station{s}, action, guard)
}

// CreateMany implements station.Store; see station_dupes.go for how the
// guard is made race-free.
func (st *StationStore) CreateMany(ctx context.Context, ss []*station.Station, action string, guard station.Guard) error {
	err := pgx.BeginFunc(ctx, st.db.Pool, func(tx pgx.Tx) error {
		var overrides map[uuid.UUID]station.FieldChange
		if guard != nil {
			var err error
			if overrides, err = guardCreate(ctx, tx, ss, guard); err != nil {
				return err
			}
		}
		for _, s := range ss {
			var o *station.FieldChange
			if c, ok := overrides[s.ID]; ok {
				o = &c
			}
			if err := insertStation(ctx, tx, s, action, o); err != nil {
				return err
			}
		}
		return nil
	})
	return interpretError(err, "station")
}

// Get implements station.Store.
func (st *StationStore) Get(ctx context.Context, id uuid.UUID) (*station.Station, error) {
	s, err := scanStation(st.db.Pool.QueryRow(ctx, `SELECT `+stationColumns+` FROM stations WHERE id = $1`, id))
	return s, interpretError(err, "station")
}

// Update implements station.Store.
func (st *StationStore) Update(ctx context.Context, id uuid.UUID, change func(*station.Station) (string, error)) (*station.Station, error) {
	var out *station.Station
	err := pgx.BeginFunc(ctx, st.db.Pool, func(tx pgx.Tx) error {
		before, err := scanStation(tx.QueryRow(ctx, `SELECT `+stationColumns+` FROM stations WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		after := *before
		action, err := change(&after)
		if err != nil {
			return err
		}
		out = &after
		if action == "" {
			out = before
			return nil
		}
		args, err := stationArgs(&after)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `UPDATE stations SET name = $2, address = $3, district_code = $4, lat = $5, lng = $6,
			host_type = $7, host_name = $8, amenities = $9, hours = $10, contact_phone = $11, status = $12, demo = $13,
			version = $14, created_at = $15, created_by = $16, updated_at = $17, updated_by = $18
			WHERE id = $1 RETURNING revision`, args...).Scan(&after.Revision)
		if err != nil {
			return err
		}
		return insertHistory(ctx, tx, &after, action, station.Diff(before, &after))
	})
	if err != nil {
		return nil, interpretError(err, "station")
	}
	return out, nil
}

// List implements station.Store.
func (st *StationStore) List(ctx context.Context, f station.ListFilter) ([]*station.Station, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.After != uuid.Nil {
		where = append(where, "id > "+arg(f.After))
	}
	if f.DistrictCode != "" {
		where = append(where, districtScope("district_code", f.DistrictCode, arg))
	}
	if f.Within != nil {
		// Counties by equality, cities and provinces by their prefix, so
		// that the (district_code, id) index serves both.
		var (
			or       []string
			counties []string
		)
		for _, c := range f.Within {
			switch {
			case strings.HasSuffix(c, "0000"):
				or = append(or, "district_code LIKE "+arg(likeEscaper.Replace(c[:2])+"%"))
			case strings.HasSuffix(c, "00"):
				or = append(or, "district_code LIKE "+arg(likeEscaper.Replace(c[:4])+"%"))
			default:
				counties = append(counties, c)
			}
		}
		if len(counties) > 0 {
			or = append(or, "district_code = ANY ("+arg(counties)+"::text[])")
		}
		if len(or) == 0 {
			or = append(or, "false")
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(string(f.Status)))
	}
	if f.Amenities != 0 {
		where = append(where, "amenities @> "+arg(f.Amenities.Codes()))
	}
	if f.NotListedOn != "" {
		where = append(where, "NOT EXISTS (SELECT 1 FROM station_map_listings m WHERE m.station_id = stations.id AND m.platform = "+
			arg(f.NotListedOn)+" AND m.status = 'listed')")
	}
	if f.NeedsReview != nil {
		where = append(where, "needs_review = "+arg(*f.NeedsReview))
	}
	if !f.StaleBefore.IsZero() {
		t := arg(f.StaleBefore)
		where = append(where, "(verified_at IS NULL OR verified_at < "+t+") AND (last_confirmed_at IS NULL OR last_confirmed_at < "+t+")")
	}
	if f.Query != "" {
		pattern := "%" + likeEscaper.Replace(f.Query) + "%"
		p := arg(pattern)
		where = append(where, "(name ILIKE "+p+" OR address ILIKE "+p+")")
	}
	q := `SELECT ` + stationColumns + ` FROM stations`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id LIMIT ` + arg(f.Limit)
	rows, err := st.db.Pool.Query(ctx, q, args...)
	if err != nil {
		return nil, interpretError(err, "stations")
	}
	defer rows.Close()
	var out []*station.Station
	hours := hoursCache{} // a map of thousands of stations repeats a few timetables
	for rows.Next() {
		s, err := scanStationCached(rows, hours)
		if err != nil {
			return nil, interpretError(err, "stations")
		}
		out = append(out, s)
	}
	return out, interpretError(rows.Err(), "stations")
}

// districtScope is the condition that column holds a county that code
// names or covers (a county, a city or a province); arg binds a value.
func districtScope(column, code string, arg func(any) string) string {
	switch {
	case strings.HasSuffix(code, "0000"): // a province: all its counties
		return column + " LIKE " + arg(likeEscaper.Replace(code[:2])+"%")
	case strings.HasSuffix(code, "00"): // a city: all its counties
		return column + " LIKE " + arg(likeEscaper.Replace(code[:4])+"%")
	default:
		return column + " = " + arg(code)
	}
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// History implements station.Store.
func (st *StationStore) History(ctx context.Context, id uuid.UUID) ([]station.Change, error) {
	rows, err := st.db.Pool.Query(ctx, `SELECT version, action, changed_at, changed_by, changes
		FROM station_history WHERE station_id = $1 ORDER BY version`, id)
	if err != nil {
		return nil, interpretError(err, "station history")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (station.Change, error) {
		var (
			c   station.Change
			raw []byte
			at  time.Time
		)
		if err := row.Scan(&c.Version, &c.Action, &at, &c.ChangedBy, &raw); err != nil {
			return c, err
		}
		c.ChangedAt = at
		return c, json.Unmarshal(raw, &c.Fields)
	})
	if err != nil {
		return nil, interpretError(err, "station history")
	}
	if len(out) == 0 {
		if _, err := st.Get(ctx, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}
