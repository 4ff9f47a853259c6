package postgres_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/station"
	"yizhan/internal/truth"
)

// truthEnv is the truth service on its own database, with a clock the test
// moves, and one station in Pujiang.
type truthEnv struct {
	t       testing.TB
	db      *postgres.DB
	dbURL   string
	mu      sync.Mutex
	now     time.Time
	svc     *truth.Service
	station *station.Station
	changed []*station.Station
}

var pujiang = orb.Point{119.8969, 29.4490}

func newTruthEnv(t testing.TB) *truthEnv {
	t.Helper()
	url := pgtest.NewDatabase(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	e := &truthEnv{t: t, db: db, dbURL: url, now: time.Date(2026, 12, 2, 13, 10, 0, 0, time.UTC)}
	e.svc = truth.NewService(postgres.NewTruthStore(db), e.clock, func(ss ...*station.Station) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.changed = append(e.changed, ss...)
	})
	e.station = e.mustStation()
	return e
}

func (e *truthEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *truthEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

func (e *truthEnv) mustStation() *station.Station {
	e.t.Helper()
	hours, err := station.ParseHours([]byte(`{"always_open":true}`))
	if err != nil {
		e.t.Fatal(err)
	}
	amen, _ := station.ParseAmenityList("ebike_charging,hot_water,toilet")
	st := &station.Station{ID: uuid.Must(uuid.NewV7()), Name: "浦阳街道快递驿站", Address: "浦江县浦阳街道大桥路 18 号", DistrictCode: "330726",
		Location: pujiang, Host: station.Host{Type: "shop", Name: "大桥便利店"}, Amenities: amen, Hours: hours,
		Status: station.Active, Version: 1, Revision: 1, CreatedAt: e.now, CreatedBy: "system:test", UpdatedAt: e.now, UpdatedBy: "system:test"}
	if err := postgres.NewStationStore(e.db).Create(context.Background(), st, "create", nil); err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *truthEnv) mustWorkers(n int) []uuid.UUID {
	e.t.Helper()
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
		_, err := e.db.Pool.Exec(context.Background(), `INSERT INTO workers (id, openid, created_at, updated_at)
			VALUES ($1, $2, now(), now())`, ids[i], "openid-"+ids[i].String())
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return ids
}

func (e *truthEnv) get() *station.Station {
	e.t.Helper()
	st, err := postgres.NewStationStore(e.db).Get(context.Background(), e.station.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func TestCheckinOnceAnHourAndWhatItLeaves(t *testing.T) {
	t.Parallel()
	e := newTruthEnv(t)
	ctx := context.Background()
	w := e.mustWorkers(1)[0]
	in := truth.CheckinInput{Point: orb.Point{pujiang[0] + 0.001, pujiang[1]}, Working: []string{"hot_water"}, Broken: []string{"ebike_charging"}}
	st, err := e.svc.Checkin(ctx, w, e.station.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 1 || st.Revision <= 1 || !st.LastConfirmedAt.Equal(e.now) {
		t.Errorf("after a check-in: version %d, revision %d, confirmed %v", st.Version, st.Revision, st.LastConfirmedAt)
	}
	if got := e.get(); !got.AmenityChecks["hot_water"].ConfirmedAt.Equal(e.now) || !got.AmenityChecks["ebike_charging"].ReportedBrokenAt.Equal(e.now) ||
		len(got.AmenityChecks) != 2 || got.Revision != st.Revision {
		t.Errorf("stored: %+v, revision %d", got.AmenityChecks, got.Revision)
	}

	e.advance(49 * time.Minute) // 13:59
	_, err = e.svc.Checkin(ctx, w, e.station.ID, in)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.TooFrequent || ae.RetryAfter != time.Minute {
		t.Fatalf("second check-in within the hour: %v", err)
	}
	e.advance(time.Minute) // 14:00, a new hour
	if _, err := e.svc.Checkin(ctx, w, e.station.ID, in); err != nil {
		t.Fatalf("check-in in the next hour: %v", err)
	}

	// The schema keeps the rule without the code.
	_, err = e.db.Pool.Exec(ctx, `INSERT INTO station_checkins (id, station_id, worker_id, checked_in_at, hour)
		VALUES (gen_random_uuid(), $1, $2, $3, $4)`, e.station.ID, w, e.now.Add(time.Minute), e.now)
	if err == nil {
		t.Error("the schema took a second check-in within the hour")
	}
	var n int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'station_checkins'
		AND column_name IN ('lat', 'lng', 'location', 'point')`).Scan(&n); err != nil || n != 0 {
		t.Errorf("check-ins keep a location column (%d, %v)", n, err)
	}
}

// Ten reports at once from one worker: five are filed, five refused.
func TestReportLimitHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	e := newTruthEnv(t)
	w := e.mustWorkers(1)[0]
	cat := "dirty"
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.svc.FileReport(context.Background(), w, e.station.ID, truth.ReportInput{Category: &cat})
		})
	}
	wg.Wait()
	filed, refused := 0, 0
	for _, err := range errs {
		switch apperr.CodeOf(err) {
		case apperr.Internal:
			if err != nil {
				t.Fatal(err)
			}
			filed++
		case apperr.TooFrequent:
			refused++
		default:
			t.Fatalf("unexpected %v", err)
		}
	}
	if filed != truth.MaxReportsPerDay || refused != 10-truth.MaxReportsPerDay {
		t.Errorf("filed %d, refused %d", filed, refused)
	}
	mine, err := e.svc.MyReports(context.Background(), w, uuid.Nil, 100)
	if err != nil || len(mine) != truth.MaxReportsPerDay {
		t.Errorf("my reports: %d, %v", len(mine), err)
	}
	// Tomorrow (Shanghai), five more.
	e.advance(11 * time.Hour) // 00:10 on the 3rd in Shanghai
	if _, err := e.svc.FileReport(context.Background(), w, e.station.ID, truth.ReportInput{Category: &cat}); err != nil {
		t.Errorf("the next day: %v", err)
	}
}

// Three workers reporting at once flag the station; dismissing one report
// clears the flag.
func TestThreeWorkersFlagAStation(t *testing.T) {
	t.Parallel()
	e := newTruthEnv(t)
	ctx := context.Background()
	ws := e.mustWorkers(3)
	cat := "closed_when_open"
	// One worker twice first: still one worker.
	for range 2 {
		if _, err := e.svc.FileReport(ctx, ws[0], e.station.ID, truth.ReportInput{Category: &cat}); err != nil {
			t.Fatal(err)
		}
	}
	if e.get().NeedsReview {
		t.Fatal("flagged by one worker")
	}
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, 2)
	for i := range 2 {
		wg.Go(func() {
			r, err := e.svc.FileReport(ctx, ws[i+1], e.station.ID, truth.ReportInput{Category: &cat})
			if err != nil {
				t.Error(err)
			}
			ids[i] = r.ID
		})
	}
	wg.Wait()
	if !e.get().NeedsReview {
		t.Fatal("three workers did not flag the station")
	}
	yes := true
	list, err := postgres.NewStationStore(e.db).List(ctx, station.ListFilter{NeedsReview: &yes, Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("needs_review filter: %d, %v", len(list), err)
	}
	queue, err := e.svc.ListReports(ctx, testAdmin, truth.ReportFilter{Status: truth.Open, DistrictCode: "330700", Limit: 10})
	if err != nil || len(queue) != 4 {
		t.Fatalf("queue: %d, %v", len(queue), err)
	}
	r, err := e.svc.Dismiss(ctx, testAdmin, ids[0], "现场查看，驿站正常开放")
	if err != nil || r.Status != truth.Dismissed || r.DecidedBy != testAdmin.ActorName() {
		t.Fatalf("dismiss: %+v, %v", r, err)
	}
	if e.get().NeedsReview {
		t.Error("still flagged with two workers' reports open")
	}
	if _, err := e.svc.Resolve(ctx, testAdmin, ids[0], "again"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("deciding twice: %v", err)
	}
}

// A notice reaches every index through ChangesSince, with the station's
// version (an editor's ETag) unchanged; an expired one is left out.
func TestNoticesTravelWithTheStation(t *testing.T) {
	t.Parallel()
	e := newTruthEnv(t)
	ctx := context.Background()
	store := postgres.NewStationStore(e.db)
	_, wm, err := store.ChangesSince(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	kind, amenity, msg := "amenity_unavailable", "hot_water", "热水器维修，预计明天恢复"
	until := time.Now().Add(24 * time.Hour)
	st, n, err := e.svc.PostNotice(ctx, testAdmin, e.station.ID, truth.NoticeInput{Kind: &kind, Amenity: &amenity, Until: &until, Message: &msg})
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != 1 || len(st.Notices) != 1 || st.Notices[0].ID != n.ID || st.Notices[0].Message != msg {
		t.Fatalf("station after the notice: version %d, notices %+v", st.Version, st.Notices)
	}
	changed, _, err := store.ChangesSince(ctx, wm)
	if err != nil || len(changed) != 1 || len(changed[0].Notices) != 1 || changed[0].Revision != st.Revision {
		t.Fatalf("changes: %+v, %v", changed, err)
	}
	water, _ := station.AmenityBit("hot_water")
	if got := changed[0].Notices[0]; got.Amenity != water || !got.Until.Equal(until.UTC().Truncate(time.Microsecond)) {
		t.Errorf("notice read back: %+v", got)
	}
	// A station's record carries its 20 notices that end last: the live one
	// among them, however many expired before it.
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO station_notices (id, station_id, kind, starts_at, ends_at, message, created_at, created_by)
		SELECT gen_random_uuid(), $1, 'temporarily_closed', $2::timestamptz - i * interval '1 day', $2::timestamptz - i * interval '1 day' + interval '1 hour',
		'旧通知', now(), 'staff:admin1' FROM generate_series(1, 25) i`, e.station.ID, e.now); err != nil {
		t.Fatal(err)
	}
	got := e.get()
	if len(got.Notices) != truth.MaxNotices || !slices.ContainsFunc(got.Notices, func(o station.Notice) bool { return o.ID == n.ID }) {
		t.Errorf("read %d notices, the live one among them: %v", len(got.Notices), slices.ContainsFunc(got.Notices, func(o station.Notice) bool { return o.ID == n.ID }))
	}
	if got.OffersAt(water, e.now) {
		t.Errorf("hot water offered while the notice is in force")
	}

	v, err := e.svc.Verify(ctx, testAdmin, e.station.ID)
	if err != nil || !v.VerifiedAt.Equal(e.now) || v.VerifiedBy != testAdmin.ActorName() || v.Version != 1 {
		t.Fatalf("verify: %+v, %v", v, err)
	}
	stale, err := store.List(ctx, station.ListFilter{StaleBefore: e.now.Add(-time.Hour), Limit: 10})
	if err != nil || len(stale) != 0 {
		t.Errorf("a station verified now is stale: %d, %v", len(stale), err)
	}
	stale, err = store.List(ctx, station.ListFilter{StaleBefore: e.now.Add(time.Hour), Limit: 10})
	if err != nil || len(stale) != 1 {
		t.Errorf("stale an hour on: %d, %v", len(stale), err)
	}
}

// Erasing a worker (DELETE /v1/me) drops what they wrote about stations in
// their own words; the check-ins and reports themselves stay for the counts.
func TestErasureDropsTheWorkersNotes(t *testing.T) {
	t.Parallel()
	e := newTruthEnv(t)
	ctx := context.Background()
	ws := e.mustWorkers(2)
	gone, kept := ws[0], ws[1]
	cat := "dirty"
	for _, w := range ws {
		note := "门口电瓶车挡路，联系人王师傅 13800138000"
		if _, err := e.svc.FileReport(ctx, w, e.station.ID, truth.ReportInput{Category: &cat, Note: &note}); err != nil {
			t.Fatal(err)
		}
		in := truth.CheckinInput{Point: pujiang, Working: []string{"hot_water"}, Note: note}
		if _, err := e.svc.Checkin(ctx, w, e.station.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	if err := postgres.NewWorkerStore(e.db).Erase(ctx, gone, e.now, "worker:self"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		w          uuid.UUID
		notes, all int
	}{{gone, 0, 2}, {kept, 2, 2}} {
		var notes, all int
		err := e.db.Pool.QueryRow(ctx, `SELECT count(note), count(*) FROM (
			SELECT note FROM station_reports WHERE worker_id = $1
			UNION ALL SELECT note FROM station_checkins WHERE worker_id = $1) x`, c.w).Scan(&notes, &all)
		if err != nil {
			t.Fatal(err)
		}
		if notes != c.notes || all != c.all {
			t.Errorf("worker %v: %d notes in %d rows; want %d in %d", c.w, notes, all, c.notes, c.all)
		}
	}
}
