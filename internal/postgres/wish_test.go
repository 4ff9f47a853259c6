package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/aid"
	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/station"
	"yizhan/internal/wish"
	"yizhan/internal/worker"
)

// wishEnv is the wish and aid services on their own database, with real
// staff accounts (decisions refer to them) and members.
type wishEnv struct {
	t       *testing.T
	db      *postgres.DB
	auth    *auth.Service
	workers *worker.Service
	wishes  *wish.Service
	aid     *aid.Service
	now     time.Time
}

func newWishEnv(t *testing.T) *wishEnv {
	t.Helper()
	// Connections enough for every racer to hold its own at once.
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t)+"&pool_max_conns=32&pool_min_conns=32")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	e := &wishEnv{t: t, db: db, now: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	cfg := auth.DefaultConfig
	cfg.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	if e.auth, err = auth.NewService(postgres.NewAuthStore(db), cfg, clock); err != nil {
		t.Fatal(err)
	}
	e.workers = worker.NewService(postgres.NewWorkerStore(db), nil, e.auth, worker.DefaultConfig, clock)
	e.wishes = wish.NewService(postgres.NewWishStore(db), clock)
	e.aid = aid.NewService(postgres.NewAidStore(db), aid.DefaultConfig, clock)
	return e
}

// account creates a staff or donor account and returns its principal.
func (e *wishEnv) account(username string, role auth.Role, districts ...string) *auth.Principal {
	e.t.Helper()
	st, err := e.auth.CreateStaff(context.Background(), username, "correct horse battery", role, districts, station.ValidDivisionCode)
	if err != nil {
		e.t.Fatal(err)
	}
	return &auth.Principal{StaffID: st.ID, Username: st.Username, Role: st.Role, Districts: st.Districts}
}

// member signs a worker in and makes them a member of the county, approved
// by staff.
func (e *wishEnv) member(openid, county string, staff *auth.Principal) uuid.UUID {
	e.t.Helper()
	ctx := context.Background()
	in, err := e.workers.SignInAs(ctx, openid)
	if err != nil {
		e.t.Fatal(err)
	}
	s := func(v string) *string { return &v }
	yes := true
	a, err := e.workers.Apply(ctx, in.Worker.ID, worker.ApplicationInput{RealName: s("王小明"), Phone: s("13800138000"),
		Occupation: s("food_delivery"), DistrictCode: s(county), Consent: &yes})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.workers.Approve(ctx, staff, a.ID); err != nil {
		e.t.Fatal(err)
	}
	return in.Worker.ID
}

func (e *wishEnv) publishedWish(workerID uuid.UUID, staff *auth.Principal) wish.Wish {
	e.t.Helper()
	ctx := context.Background()
	s := func(v string) *string { return &v }
	v := 120
	w, err := e.wishes.Post(ctx, workerID, wish.Input{Title: s("电动车头盔"), Story: s("头盔摔坏了，想换一个。"), Category: s("daily_goods"), ValueYuan: &v})
	if err != nil {
		e.t.Fatal(err)
	}
	if w, err = e.wishes.Approve(ctx, staff, w.ID); err != nil {
		e.t.Fatal(err)
	}
	return w
}

// outbox counts the notification rows of the event.
func (e *wishEnv) outbox(event, dedupKey string) int {
	e.t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM notification_outbox WHERE event = $1 AND dedup_key = $2`,
		event, dedupKey).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// Of 24 donors pledging one wish at once, from their own connections,
// exactly one wins; the rest get already_pledged, and one event is written.
// Ten wishes in turn, so that the racers truly overlap on a busy machine.
func TestPledgeRaceOneWins(t *testing.T) {
	t.Parallel()
	e := newWishEnv(t)
	pujiang := e.account("pujiang", auth.DistrictStaff, "330726")
	workerID := e.member("oWish", "330726", pujiang)
	const n = 24
	donors := make([]*auth.Principal, n)
	for i := range donors {
		donors[i] = e.account(fmt.Sprintf("donor%02d", i), auth.Donor)
	}
	for round := range 10 {
		w := e.publishedWish(workerID, pujiang)
		var (
			wg      sync.WaitGroup
			ready   sync.WaitGroup
			start   = make(chan struct{})
			results = make([]error, n)
		)
		ready.Add(n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ready.Done()
				<-start
				_, results[i] = e.wishes.Pledge(context.Background(), donors[i], w.ID)
			}()
		}
		ready.Wait()
		close(start)
		wg.Wait()
		var won, refused int
		var winner uuid.UUID
		for i, err := range results {
			switch {
			case err == nil:
				won++
				winner = donors[i].StaffID
			case apperr.Is(err, apperr.AlreadyPledged):
				refused++
			default:
				t.Errorf("round %d, donor %d: %v", round, i, err)
			}
		}
		if won != 1 || refused != n-1 {
			t.Fatalf("round %d: %d pledges won and %d were refused, want 1 and %d", round, won, refused, n-1)
		}
		got, err := e.wishes.Get(context.Background(), nil, w.ID)
		if err != nil || got.Status != wish.Pledged || got.PledgedBy != winner {
			t.Errorf("round %d: the stored wish: %v %+v, want pledged by %s", round, err, got, winner)
		}
		if c := e.outbox("wish_pledged", "wish_pledged:"+w.ID.String()); c != 1 {
			t.Errorf("round %d: %d wish_pledged events, want 1", round, c)
		}
	}
}

// Delivery writes its event with the change, once; confirming writes none.
func TestDeliveryEventWrittenOnce(t *testing.T) {
	t.Parallel()
	e := newWishEnv(t)
	ctx := context.Background()
	pujiang := e.account("pujiang", auth.DistrictStaff, "330726")
	workerID := e.member("oWish", "330726", pujiang)
	w := e.publishedWish(workerID, pujiang)
	if _, err := e.wishes.Pledge(ctx, pujiang, w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.wishes.Deliver(ctx, pujiang, w.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.wishes.Deliver(ctx, pujiang, w.ID); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("deliver twice: %v", err)
	}
	if _, err := e.wishes.Confirm(ctx, workerID, w.ID); err != nil {
		t.Fatal(err)
	}
	if c := e.outbox("wish_delivered", "wish_delivered:"+w.ID.String()); c != 1 {
		t.Errorf("%d wish_delivered events, want 1", c)
	}
	var total int
	if err := e.db.Pool.QueryRow(ctx, `SELECT count(*) FROM notification_outbox WHERE worker_id = $1 AND event LIKE 'wish_%'`, workerID).Scan(&total); err != nil || total != 2 {
		t.Errorf("%d events for the worker (%v), want 2: pledged, delivered", total, err)
	}
}

// The schema ties every status to its timestamps, whatever the code does.
func TestSchemaTiesWishStatesToTimes(t *testing.T) {
	t.Parallel()
	e := newWishEnv(t)
	ctx := context.Background()
	pujiang := e.account("pujiang", auth.DistrictStaff, "330726")
	w := e.publishedWish(e.member("oWish", "330726", pujiang), pujiang)
	for _, bad := range []string{
		`UPDATE wishes SET status = 'pledged' WHERE id = $1`,                                                 // no pledged_at
		`UPDATE wishes SET status = 'delivered', pledged_at = now(), pledged_by = reviewed_by WHERE id = $1`, // no delivered_at
		`UPDATE wishes SET status = 'pending' WHERE id = $1`,                                                 // reviewed, but pending
		`UPDATE wishes SET story = NULL WHERE id = $1`,                                                       // erased words, not marked erased
		`UPDATE wishes SET erased_at = now() WHERE id = $1`,                                                  // marked erased, words kept
		`UPDATE wishes SET value_yuan = 501 WHERE id = $1`,
	} {
		if _, err := e.db.Pool.Exec(ctx, bad, w.ID); err == nil {
			t.Errorf("the schema took %s", bad)
		}
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE staff SET districts = '{330726}' WHERE role = 'donor'`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO staff (id, username, password_hash, role, districts) VALUES (gen_random_uuid(), 'donorx', 'x', 'donor', '{330726}')`); err == nil {
		t.Error("the schema took a donor with district powers")
	}
}
