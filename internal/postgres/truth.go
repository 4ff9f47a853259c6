package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"yizhan/internal/station"
	"yizhan/internal/truth"
)

// TruthStore implements truth.Store.
type TruthStore struct {
	db *DB
}

// NewTruthStore returns a TruthStore.
func NewTruthStore(db *DB) *TruthStore { return &TruthStore{db: db} }

var _ truth.Store = (*TruthStore)(nil)

// The schema's names for the rules it keeps.
const (
	checkinOncePerHour = "station_checkins_once_an_hour"
	reportsPerDay      = "worker_report_days_at_most_five"
)

type amenityCheckJSON struct {
	ConfirmedAt      *time.Time `json:"confirmed_at,omitempty"`
	ReportedBrokenAt *time.Time `json:"reported_broken_at,omitempty"`
}

func decodeAmenityChecks(b []byte) (map[string]station.AmenityCheck, error) {
	var raw map[string]amenityCheckJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, nil
	}
	out := make(map[string]station.AmenityCheck, len(raw))
	for code, c := range raw {
		var ch station.AmenityCheck
		if c.ConfirmedAt != nil {
			ch.ConfirmedAt = c.ConfirmedAt.UTC()
		}
		if c.ReportedBrokenAt != nil {
			ch.ReportedBrokenAt = c.ReportedBrokenAt.UTC()
		}
		out[code] = ch
	}
	return out, nil
}

func encodeAmenityChecks(m map[string]station.AmenityCheck) ([]byte, error) {
	raw := make(map[string]amenityCheckJSON, len(m))
	for code, c := range m {
		var j amenityCheckJSON
		if !c.ConfirmedAt.IsZero() {
			j.ConfirmedAt = &c.ConfirmedAt
		}
		if !c.ReportedBrokenAt.IsZero() {
			j.ReportedBrokenAt = &c.ReportedBrokenAt
		}
		raw[code] = j
	}
	return json.Marshal(raw)
}

type noticeJSON struct {
	ID      uuid.UUID `json:"id"`
	Kind    string    `json:"kind"`
	Amenity *string   `json:"amenity"`
	From    int64     `json:"from"`  // Unix microseconds
	Until   int64     `json:"until"` // Unix microseconds
	Message string    `json:"message"`
}

func decodeNotices(b []byte) ([]station.Notice, error) {
	var raw []noticeJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, nil
	}
	out := make([]station.Notice, 0, len(raw))
	for _, n := range raw {
		sn := station.Notice{ID: n.ID, Kind: station.NoticeKind(n.Kind), From: time.UnixMicro(n.From).UTC(),
			Until: time.UnixMicro(n.Until).UTC(), Message: n.Message}
		if n.Amenity != nil {
			// A code unknown to this binary takes nothing away.
			sn.Amenity, _ = station.AmenityBit(*n.Amenity)
		}
		out = append(out, sn)
	}
	return out, nil
}

// lockStation reads the station for a change of its truth columns. FOR NO
// KEY UPDATE lets reports and check-ins that refer to it go on inserting.
func lockStation(ctx context.Context, tx pgx.Tx, id uuid.UUID) (*station.Station, error) {
	return scanStation(tx.QueryRow(ctx, `SELECT `+stationColumns+` FROM stations WHERE id = $1 FOR NO KEY UPDATE`, id))
}

// saveTruth writes the station's truth columns and returns it as stored;
// the stamp trigger raises its revision, so every search index takes it.
func saveTruth(ctx context.Context, tx pgx.Tx, st *station.Station) (*station.Station, error) {
	checks, err := encodeAmenityChecks(st.AmenityChecks)
	if err != nil {
		return nil, err
	}
	var confirmed, verified *time.Time
	var by *string
	if !st.LastConfirmedAt.IsZero() {
		confirmed = &st.LastConfirmedAt
	}
	if !st.VerifiedAt.IsZero() {
		verified, by = &st.VerifiedAt, &st.VerifiedBy
	}
	return scanStation(tx.QueryRow(ctx, `UPDATE stations SET last_confirmed_at = $2, amenity_checks = $3,
		verified_at = $4, verified_by = $5, needs_review = $6 WHERE id = $1 RETURNING `+stationColumns,
		st.ID, confirmed, checks, verified, by, st.NeedsReview))
}

func isConstraint(err error, name string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.ConstraintName == name
}

// Checkin implements truth.Store.
func (s *TruthStore) Checkin(ctx context.Context, stationID uuid.UUID, check func(*station.Station) (truth.Checkin, error)) (*station.Station, error) {
	var out *station.Station
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		st, err := lockStation(ctx, tx, stationID)
		if err != nil {
			return err
		}
		c, err := check(st)
		if err != nil {
			return err
		}
		var note *string
		if c.Note != "" {
			note = &c.Note
		}
		_, err = tx.Exec(ctx, `INSERT INTO station_checkins (id, station_id, worker_id, checked_in_at, hour, working, broken, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, c.StationID, c.WorkerID, c.At, c.Hour, c.Working.Codes(), c.Broken.Codes(), note)
		if isConstraint(err, checkinOncePerHour) {
			return truth.TooFrequent(c)
		}
		if err != nil {
			return err
		}
		out, err = saveTruth(ctx, tx, st)
		return err
	})
	return out, interpretError(err, "station")
}

// reflag sets the station's review flag to what flag says of its open
// reports since since, saving it when it changes.
func reflag(ctx context.Context, tx pgx.Tx, st *station.Station, since time.Time, flag func([]truth.OpenReport) bool) (*station.Station, error) {
	rows, err := tx.Query(ctx, `SELECT worker_id, created_at FROM station_reports
		WHERE station_id = $1 AND status = 'open' AND created_at > $2`, st.ID, since)
	if err != nil {
		return nil, err
	}
	open, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (truth.OpenReport, error) {
		var r truth.OpenReport
		return r, row.Scan(&r.WorkerID, &r.CreatedAt)
	})
	if err != nil {
		return nil, err
	}
	if want := flag(open); want != st.NeedsReview {
		st.NeedsReview = want
		return saveTruth(ctx, tx, st)
	}
	return st, nil
}

// FileReport implements truth.Store.
func (s *TruthStore) FileReport(ctx context.Context, stationID, workerID uuid.UUID, day string, check func(*station.Station) (truth.Report, error),
	flagSince time.Time, flag func([]truth.OpenReport) bool) (truth.Report, *station.Station, error) {
	var (
		r   truth.Report
		out *station.Station
	)
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		// The day's count first: the row lock it takes queues a worker's
		// reports one after another, and its CHECK refuses the sixth.
		_, err := tx.Exec(ctx, `INSERT INTO worker_report_days (worker_id, day, reports) VALUES ($1, $2::date, 1)
			ON CONFLICT (worker_id, day) DO UPDATE SET reports = worker_report_days.reports + 1`, workerID, day)
		if isConstraint(err, reportsPerDay) {
			return truth.ErrReportLimit
		}
		if err != nil {
			return err
		}
		st, err := lockStation(ctx, tx, stationID)
		if err != nil {
			return err
		}
		if r, err = check(st); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO station_reports (id, station_id, worker_id, category, amenity, note, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, r.StationID, r.WorkerID, string(r.Category), nullable(r.Amenity),
			nullable(r.Note), string(r.Status), r.CreatedAt)
		if err != nil {
			return err
		}
		out, err = reflag(ctx, tx, st, flagSince, flag)
		return err
	})
	if err != nil {
		return truth.Report{}, nil, interpretError(err, "station")
	}
	r.StationName, r.DistrictCode = out.Name, out.DistrictCode
	return r, out, nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

const reportColumns = `r.id, r.station_id, r.worker_id, r.category, r.amenity, r.note, r.status, r.created_at,
	r.decided_at, r.decided_by, r.decision_note, s.name, s.district_code`

func scanReport(row pgx.Row) (truth.Report, error) {
	var (
		r                       truth.Report
		amenity, note, by, dnot *string
		decided                 *time.Time
		category, status        string
	)
	err := row.Scan(&r.ID, &r.StationID, &r.WorkerID, &category, &amenity, &note, &status, &r.CreatedAt,
		&decided, &by, &dnot, &r.StationName, &r.DistrictCode)
	if err != nil {
		return r, err
	}
	r.Category, r.Status = truth.Category(category), truth.ReportStatus(status)
	for _, f := range []struct {
		dst *string
		src *string
	}{{&r.Amenity, amenity}, {&r.Note, note}, {&r.DecidedBy, by}, {&r.DecisionNote, dnot}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if decided != nil {
		r.DecidedAt = *decided
	}
	return r, nil
}

func collectReports(rows pgx.Rows, err error) ([]truth.Report, error) {
	if err != nil {
		return nil, interpretError(err, "reports")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (truth.Report, error) { return scanReport(row) })
	return out, interpretError(err, "reports")
}

// MyReports implements truth.Store.
func (s *TruthStore) MyReports(ctx context.Context, workerID uuid.UUID, before uuid.UUID, limit int) ([]truth.Report, error) {
	q := `SELECT ` + reportColumns + ` FROM station_reports r JOIN stations s ON s.id = r.station_id
		WHERE r.worker_id = $1 AND ($2::uuid IS NULL OR r.id < $2) ORDER BY r.id DESC LIMIT $3`
	var b *uuid.UUID
	if before != uuid.Nil {
		b = &before
	}
	return collectReports(s.db.Pool.Query(ctx, q, workerID, b, limit))
}

// ListReports implements truth.Store.
func (s *TruthStore) ListReports(ctx context.Context, f truth.ReportFilter) ([]truth.Report, error) {
	var (
		where = []string{"true"}
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Districts != nil {
		d := arg(f.Districts)
		where = append(where, fmt.Sprintf(`(s.district_code = ANY(%[1]s) OR left(s.district_code, 4) || '00' = ANY(%[1]s)
			OR left(s.district_code, 2) || '0000' = ANY(%[1]s))`, d))
	}
	switch c := f.DistrictCode; {
	case c == "":
	case strings.HasSuffix(c, "0000"):
		where = append(where, "s.district_code LIKE "+arg(c[:2]+"%"))
	case strings.HasSuffix(c, "00"):
		where = append(where, "s.district_code LIKE "+arg(c[:4]+"%"))
	default:
		where = append(where, "s.district_code = "+arg(c))
	}
	if f.Status != "" {
		where = append(where, "r.status = "+arg(string(f.Status)))
	}
	if f.StationID != uuid.Nil {
		where = append(where, "r.station_id = "+arg(f.StationID))
	}
	if f.After != uuid.Nil {
		where = append(where, "r.id > "+arg(f.After))
	}
	q := `SELECT ` + reportColumns + ` FROM station_reports r JOIN stations s ON s.id = r.station_id
		WHERE ` + strings.Join(where, " AND ") + ` ORDER BY r.id LIMIT ` + arg(f.Limit)
	return collectReports(s.db.Pool.Query(ctx, q, args...))
}

// DecideReport implements truth.Store. It locks the report, then its
// station.
func (s *TruthStore) DecideReport(ctx context.Context, id uuid.UUID, decide func(*truth.Report) error,
	flagSince time.Time, flag func([]truth.OpenReport) bool) (truth.Report, *station.Station, error) {
	var (
		r   truth.Report
		out *station.Station
	)
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var err error
		r, err = scanReport(tx.QueryRow(ctx, `SELECT `+reportColumns+` FROM station_reports r JOIN stations s ON s.id = r.station_id
			WHERE r.id = $1 FOR UPDATE OF r`, id))
		if err != nil {
			return err
		}
		st, err := lockStation(ctx, tx, r.StationID)
		if err != nil {
			return err
		}
		if err := decide(&r); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE station_reports SET status = $2, decided_at = $3, decided_by = $4, decision_note = $5
			WHERE id = $1`, r.ID, string(r.Status), r.DecidedAt, r.DecidedBy, r.DecisionNote)
		if err != nil {
			return err
		}
		// The worker who reported hears it was resolved (issue 12 section 4).
		if r.Status == truth.Resolved {
			if err := enqueueNotification(ctx, tx, reportResolvedEvent(r)); err != nil {
				return err
			}
		}
		out, err = reflag(ctx, tx, st, flagSince, flag)
		return err
	})
	if err != nil {
		return truth.Report{}, nil, interpretError(err, "report")
	}
	return r, out, nil
}

// PostNotice implements truth.Store.
func (s *TruthStore) PostNotice(ctx context.Context, stationID uuid.UUID, createdBy string, check func(*station.Station) (station.Notice, error)) (*station.Station, error) {
	var out *station.Station
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		st, err := lockStation(ctx, tx, stationID)
		if err != nil {
			return err
		}
		n, err := check(st)
		if err != nil {
			return err
		}
		var amenity *string
		if codes := n.Amenity.Codes(); len(codes) == 1 {
			amenity = &codes[0]
		}
		_, err = tx.Exec(ctx, `INSERT INTO station_notices (id, station_id, kind, amenity, starts_at, ends_at, message, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8)`, n.ID, stationID, string(n.Kind), amenity, n.From, n.Until, n.Message, createdBy)
		if err != nil {
			return err
		}
		// Rewriting the row raises its revision and tells every index.
		out, err = saveTruth(ctx, tx, st)
		return err
	})
	return out, interpretError(err, "station")
}

// Verify implements truth.Store.
func (s *TruthStore) Verify(ctx context.Context, stationID uuid.UUID, at time.Time, by string, check func(*station.Station) error) (*station.Station, error) {
	var out *station.Station
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		st, err := lockStation(ctx, tx, stationID)
		if err != nil {
			return err
		}
		if err := check(st); err != nil {
			return err
		}
		st.VerifiedAt, st.VerifiedBy = at, by
		out, err = saveTruth(ctx, tx, st)
		return err
	})
	return out, interpretError(err, "station")
}
