package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/activity"
	"yizhan/internal/apperr"
	"yizhan/internal/postgres"
)

// activityService returns the activity service of process i.
func (e *benefitEnv) activityService(i int) *activity.Service {
	return activity.NewService(postgres.NewActivityStore(e.pools[i]), e.clock)
}

// mustActivity publishes an activity of the capacity at an address in
// Pujiang, starting in three days.
func (e *benefitEnv) mustActivity(capacity int) *activity.Activity {
	e.t.Helper()
	start := e.clock().Add(72 * time.Hour)
	end := start.Add(2 * time.Hour)
	addr, lat, lng := "浦江县浦阳街道大桥路 18 号", 29.4521, 119.892
	a, err := e.activityService(0).Create(context.Background(), admin{}, activity.Document{
		Title: "电动车安全骑行课", Category: "course", Address: &addr, Location: &activity.LocationDoc{Lat: &lat, Lng: &lng},
		StartsAt: &start, EndsAt: &end, Capacity: &capacity, Status: "published",
		Eligibility: &activity.EligibilityDoc{DistrictCodes: []string{"330726"}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// counts reads the activity's counters and, independently, its sign-ups by
// status.
func (e *benefitEnv) counts(id uuid.UUID) (confirmed, waitlisted int, rows map[string]int) {
	e.t.Helper()
	ctx := context.Background()
	if err := e.pools[0].Pool.QueryRow(ctx, `SELECT confirmed, waitlisted FROM activities WHERE id = $1`, id).Scan(&confirmed, &waitlisted); err != nil {
		e.t.Fatal(err)
	}
	rows = map[string]int{}
	r, err := e.pools[0].Pool.Query(ctx, `SELECT status, count(*) FROM activity_signups WHERE activity_id = $1 GROUP BY status`, id)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var (
			s string
			n int
		)
		if err := r.Scan(&s, &n); err != nil {
			e.t.Fatal(err)
		}
		rows[s] = n
	}
	return confirmed, waitlisted, rows
}

// outbox returns the waitlist_promoted events of the worker.
func (e *benefitEnv) outbox(workerID uuid.UUID) []string {
	e.t.Helper()
	r, err := e.pools[0].Pool.Query(context.Background(), `SELECT dedup_key || ' ' || (data->>'title') || ' ' || (data->>'starts_at')
		FROM notification_outbox WHERE worker_id = $1 AND event = 'waitlist_promoted' ORDER BY id`, workerID)
	if err != nil {
		e.t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for r.Next() {
		var s string
		if err := r.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// A burst of 100 sign-ups on 30 places, from three API processes at once:
// exactly 30 confirmed, and the other 70 answered positions 1 to 70, each
// once. Then five confirmed workers cancel at once: positions 1 to 5 are
// promoted, each exactly once, each with one notification in the outbox,
// and everyone else moves up five places.
func TestActivitySignupBurst(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 3)
	a := e.mustActivity(30)
	workers := e.mustWorkers(100)
	ctx := context.Background()

	type answer struct {
		worker uuid.UUID
		s      activity.Signup
	}
	answers := make([]answer, len(workers))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, w := range workers {
		wg.Go(func() {
			<-start
			s, replay, err := e.activityService(i%3).SignUp(ctx, w, a.ID, "tap-"+w.String())
			if err != nil || replay {
				t.Errorf("sign-up %d: replay %v, %v", i, replay, err)
			}
			answers[i] = answer{w, s}
		})
	}
	close(start)
	wg.Wait()

	var confirmed []uuid.UUID
	byPosition := map[int]uuid.UUID{}
	for _, x := range answers {
		switch x.s.Status {
		case activity.SignupConfirmed:
			confirmed = append(confirmed, x.worker)
		case activity.SignupWaitlisted:
			if prev, ok := byPosition[x.s.Position]; ok {
				t.Errorf("position %d answered twice (%s and %s)", x.s.Position, prev, x.worker)
			}
			byPosition[x.s.Position] = x.worker
		default:
			t.Errorf("worker %s: status %q", x.worker, x.s.Status)
		}
	}
	if len(confirmed) != 30 || len(byPosition) != 70 {
		t.Fatalf("%d confirmed and %d waitlisted, want 30 and 70", len(confirmed), len(byPosition))
	}
	for p := 1; p <= 70; p++ {
		if _, ok := byPosition[p]; !ok {
			t.Errorf("no one was answered position %d", p)
		}
	}
	if c, w, rows := e.counts(a.ID); c != 30 || w != 70 || rows["confirmed"] != 30 || rows["waitlisted"] != 70 {
		t.Fatalf("counters %d confirmed, %d waitlisted; rows %v", c, w, rows)
	}
	// The position each worker reads later is the one they were answered.
	for p, w := range byPosition {
		got, err := e.activityService(0).MySignup(ctx, w, a.ID)
		if err != nil || got.Position != p {
			t.Errorf("position %d reads back as %d (%v)", p, got.Position, err)
		}
	}

	// Five confirmed workers cancel at once, from three processes.
	for i, w := range confirmed[:5] {
		wg.Go(func() {
			c, _, err := e.activityService(i%3).Cancel(ctx, w, a.ID)
			if err != nil || c.Status != activity.SignupCancelled {
				t.Errorf("cancel %d: %+v %v", i, c, err)
			}
		})
	}
	wg.Wait()
	for p := 1; p <= 70; p++ {
		w := byPosition[p]
		got, err := e.activityService(0).MySignup(ctx, w, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		events := e.outbox(w)
		if p <= 5 {
			if got.Status != activity.SignupConfirmed || got.PromotedAt.IsZero() {
				t.Errorf("position %d after five cancellations: %s, want confirmed", p, got.Status)
			}
			want := fmt.Sprintf("waitlist_promoted:%s 电动车安全骑行课 %s", got.ID, activity.FormatWhen(a.StartsAt))
			if len(events) != 1 || events[0] != want {
				t.Errorf("position %d: outbox %q, want exactly [%q]", p, events, want)
			}
			continue
		}
		if got.Status != activity.SignupWaitlisted || got.Position != p-5 || len(events) != 0 {
			t.Errorf("position %d after five cancellations: %s at %d with %d events, want waitlisted at %d and none", p, got.Status, got.Position, len(events), p-5)
		}
	}
	if c, w, rows := e.counts(a.ID); c != 30 || w != 65 || rows["confirmed"] != 30 || rows["waitlisted"] != 65 || rows["cancelled"] != 5 {
		t.Errorf("after cancellations: counters %d confirmed, %d waitlisted; rows %v", c, w, rows)
	}
	var events int
	if err := e.pools[0].Pool.QueryRow(ctx, `SELECT count(*) FROM notification_outbox`).Scan(&events); err != nil || events != 5 {
		t.Errorf("outbox holds %d events (%v), want 5", events, err)
	}
}

// A retry with the same Idempotency-Key answers the sign-up it made, as it
// stands, and signs up nothing more, even when the retries race each
// other; a second sign-up of the worker with another key is refused; a key
// used for another activity is a conflict.
func TestActivitySignupIdempotent(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 2)
	a := e.mustActivity(1)
	other := e.mustActivity(5)
	ws := e.mustWorkers(2)
	ctx := context.Background()
	first, _, err := e.activityService(0).SignUp(ctx, ws[0], a.ID, "k1")
	if err != nil || first.Status != activity.SignupConfirmed {
		t.Fatalf("first: %+v %v", first, err)
	}
	// The second worker's taps race each other with one key.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ids     []uuid.UUID
		replays int
	)
	for i := range 8 {
		wg.Go(func() {
			s, replay, err := e.activityService(i%2).SignUp(ctx, ws[1], a.ID, "k2")
			if err != nil {
				t.Errorf("racing retry: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids = append(ids, s.ID)
			if replay {
				replays++
			}
			if s.Status != activity.SignupWaitlisted || s.Position != 1 {
				t.Errorf("racing retry: %s at %d, want waitlisted at 1", s.Status, s.Position)
			}
		})
	}
	wg.Wait()
	slices.SortFunc(ids, func(x, y uuid.UUID) int { return slices.Compare(x[:], y[:]) })
	if len(slices.Compact(ids)) != 1 || replays != 7 {
		t.Errorf("8 racing taps made %d sign-ups with %d replays, want 1 and 7", len(slices.Compact(ids)), replays)
	}
	if c, w, rows := e.counts(a.ID); c != 1 || w != 1 || rows["waitlisted"] != 1 {
		t.Errorf("counters %d, %d; rows %v", c, w, rows)
	}
	_, _, err = e.activityService(0).SignUp(ctx, ws[0], a.ID, "k3")
	if !apperr.Is(err, apperr.AlreadySignedUp) {
		t.Errorf("a second sign-up with a new key: %v, want already_signed_up", err)
	}
	_, _, err = e.activityService(0).SignUp(ctx, ws[0], other.ID, "k1")
	if !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a key reused for another activity: %v, want conflict", err)
	}
	// After the first cancels, a retry of the second's tap answers the
	// sign-up as it stands now: promoted.
	if _, p, err := e.activityService(0).Cancel(ctx, ws[0], a.ID); err != nil || p == nil || p.WorkerID != ws[1] {
		t.Fatalf("cancel: promoted %+v, %v", p, err)
	}
	s, replay, err := e.activityService(1).SignUp(ctx, ws[1], a.ID, "k2")
	if err != nil || !replay || s.Status != activity.SignupConfirmed || s.Position != 0 {
		t.Errorf("retry after promotion: %+v replay %v %v", s, replay, err)
	}
	// The worker who cancelled may sign up again: at the end of the line.
	s, _, err = e.activityService(0).SignUp(ctx, ws[0], a.ID, "k4")
	if err != nil || s.Status != activity.SignupWaitlisted || s.Position != 1 {
		t.Errorf("sign-up again after cancelling: %+v %v", s, err)
	}
}

// Raising the capacity gives the new places to the first in line, in the
// edit's transaction, with their notifications; lowering it below the
// places taken is refused.
func TestActivityCapacityPromotes(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	a := e.mustActivity(2)
	ws := e.mustWorkers(5)
	ctx := context.Background()
	svc := e.activityService(0)
	for i, w := range ws {
		if _, _, err := svc.SignUp(ctx, w, a.ID, fmt.Sprint("k", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Patch(ctx, admin{}, a.ID, 0, []byte(`{"capacity": 1}`)); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("capacity below the places taken: %v, want invalid", err)
	}
	got, err := svc.Patch(ctx, admin{}, a.ID, 0, []byte(`{"capacity": 4}`))
	if err != nil || got.Confirmed != 4 || got.Waitlisted != 1 {
		t.Fatalf("capacity 4: %+v %v", got, err)
	}
	for i, w := range ws {
		s, _ := svc.MySignup(ctx, w, a.ID)
		wantEvents := 0
		if i == 2 || i == 3 {
			wantEvents = 1
		}
		if n := len(e.outbox(w)); n != wantEvents {
			t.Errorf("worker %d (%s, %d): %d events, want %d", i, s.Status, s.Position, n, wantEvents)
		}
	}
	if s, _ := svc.MySignup(ctx, ws[4], a.ID); s.Status != activity.SignupWaitlisted || s.Position != 1 {
		t.Errorf("the fifth: %s at %d", s.Status, s.Position)
	}
}

// Sign-ups and cancellations racing each other from three processes: the
// counters always equal the rows, the places are all taken while anyone
// waits, the line is served first come first (every promoted sign-up signed
// up before everyone still waiting), and each promotion wrote exactly one
// notification.
func TestActivitySignupsAndCancellationsRace(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 3)
	a := e.mustActivity(10)
	ws := e.mustWorkers(60)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, w := range ws[:40] {
		wg.Go(func() {
			if _, _, err := e.activityService(i%3).SignUp(ctx, w, a.ID, "first"); err != nil {
				t.Errorf("sign-up: %v", err)
			}
		})
	}
	wg.Wait()
	// Twenty of the first forty cancel while twenty more sign up.
	for i, w := range ws[:20] {
		wg.Go(func() {
			if _, _, err := e.activityService(i%3).Cancel(ctx, w, a.ID); err != nil {
				t.Errorf("cancel: %v", err)
			}
		})
	}
	for i, w := range ws[40:] {
		wg.Go(func() {
			if _, _, err := e.activityService(i%3).SignUp(ctx, w, a.ID, "second"); err != nil {
				t.Errorf("late sign-up: %v", err)
			}
		})
	}
	wg.Wait()
	c, w, rows := e.counts(a.ID)
	if c != 10 || w != 30 || rows["confirmed"] != 10 || rows["waitlisted"] != 30 || rows["cancelled"] != 20 {
		t.Fatalf("counters %d confirmed, %d waitlisted; rows %v; want 10, 30", c, w, rows)
	}
	var lastPromoted, firstWaiting, promoted, events int64
	err := e.pools[0].Pool.QueryRow(ctx, `SELECT
			coalesce((SELECT max(queue_no) FROM activity_signups WHERE activity_id = $1 AND status = 'confirmed' AND promoted_at IS NOT NULL), 0),
			(SELECT min(queue_no) FROM activity_signups WHERE activity_id = $1 AND status = 'waitlisted'),
			(SELECT count(*) FROM activity_signups WHERE activity_id = $1 AND promoted_at IS NOT NULL),
			(SELECT count(*) FROM notification_outbox WHERE event = 'waitlist_promoted')`, a.ID).
		Scan(&lastPromoted, &firstWaiting, &promoted, &events)
	if err != nil {
		t.Fatal(err)
	}
	if lastPromoted > firstWaiting {
		t.Errorf("sign-up %d was promoted while %d, earlier, still waits", lastPromoted, firstWaiting)
	}
	if promoted == 0 || events != promoted {
		t.Errorf("%d promotions wrote %d notifications", promoted, events)
	}
	// The positions read back are 1..30, each once.
	seen := map[int]bool{}
	for _, wk := range ws {
		s, err := e.activityService(0).MySignup(ctx, wk, a.ID)
		if err == nil && s.Status == activity.SignupWaitlisted {
			seen[s.Position] = true
		}
	}
	for p := 1; p <= 30; p++ {
		if !seen[p] {
			t.Errorf("no one waits at position %d", p)
		}
	}
}

// Erasing an account (DELETE /v1/me) gives up the worker's places in
// activities still to come, as cancelling would: the first in line takes a
// freed place, with its notification, and a place in line is closed up; a
// sign-up for an activity already started stays, for its roster.
func TestErasureFreesTheWorkersPlaces(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	svc := e.activityService(0)
	full, queue, started := e.mustActivity(1), e.mustActivity(1), e.mustActivity(1)
	ws := e.mustWorkers(4)
	gone := ws[0]
	// full: gone confirmed, ws[1] first in line. queue: ws[2] confirmed,
	// gone first in line, ws[3] second.
	for i, su := range []struct {
		w uuid.UUID
		a *activity.Activity
	}{{gone, full}, {ws[1], full}, {ws[2], queue}, {gone, queue}, {ws[3], queue}, {gone, started}, {ws[1], started}} {
		if _, _, err := svc.SignUp(ctx, su.w, su.a.ID, fmt.Sprint("e", i)); err != nil {
			t.Fatal(err)
		}
	}
	// One activity has started by the time of the erasure: its roster keeps
	// the place, and nobody is promoted into it.
	if _, err := e.pools[0].Pool.Exec(ctx, `UPDATE activities SET starts_at = $2, ends_at = $3 WHERE id = $1`,
		started.ID, e.clock().Add(-time.Hour), e.clock().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := postgres.NewWorkerStore(e.pools[0]).Erase(ctx, gone, e.clock(), "worker:self"); err != nil {
		t.Fatal(err)
	}
	if s, _ := svc.MySignup(ctx, ws[1], full.ID); s.Status != activity.SignupConfirmed {
		t.Errorf("the first in line after the erased worker's place was freed: %s", s.Status)
	}
	if n := len(e.outbox(ws[1])); n != 1 {
		t.Errorf("the promoted worker has %d notifications, want 1", n)
	}
	if s, _ := svc.MySignup(ctx, ws[3], queue.ID); s.Status != activity.SignupWaitlisted || s.Position != 1 {
		t.Errorf("the second in line after the erased worker left the line: %s at %d, want waitlisted at 1", s.Status, s.Position)
	}
	for _, a := range []*activity.Activity{full, queue} {
		confirmed, waitlisted, rows := e.counts(a.ID)
		if confirmed != rows["confirmed"] || waitlisted != rows["waitlisted"] || confirmed != 1 || rows["cancelled"] != 1 {
			t.Errorf("activity %s: counters %d/%d, rows %v", a.ID, confirmed, waitlisted, rows)
		}
	}
	if confirmed, waitlisted, rows := e.counts(started.ID); confirmed != 1 || waitlisted != 1 || rows["cancelled"] != 0 {
		t.Errorf("the started activity: counters %d/%d, rows %v", confirmed, waitlisted, rows)
	}
}

// An erasure racing a transaction that holds an activity and then needs
// the worker's row for a foreign key (a sign-up, a promotion's outbox row)
// must not deadlock: both take the activity first.
func TestErasureDoesNotDeadlockWithActivityPaths(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	a := e.mustActivity(1)
	ws := e.mustWorkers(2)
	gone := ws[0]
	if _, _, err := e.activityService(0).SignUp(ctx, gone, a.ID, "d0"); err != nil {
		t.Fatal(err)
	}
	tx, err := e.pools[0].Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT 1 FROM activities WHERE id = $1 FOR NO KEY UPDATE`, a.ID); err != nil {
		t.Fatal(err)
	}
	erased := make(chan error, 1)
	go func() { erased <- postgres.NewWorkerStore(e.pools[0]).Erase(ctx, gone, e.clock(), "worker:self") }()
	time.Sleep(300 * time.Millisecond) // let the erasure take what it takes first
	if _, err := tx.Exec(ctx, `SELECT 1 FROM workers WHERE id = $1 FOR KEY SHARE`, gone); err != nil {
		t.Fatalf("the activity path, after the erasure began: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("the activity path's commit: %v", err)
	}
	if err := <-erased; err != nil {
		t.Fatalf("the erasure: %v", err)
	}
	if confirmed, _, rows := e.counts(a.ID); confirmed != 0 || rows["cancelled"] != 1 {
		t.Errorf("after the erasure: %d confirmed, rows %v", confirmed, rows)
	}
}
