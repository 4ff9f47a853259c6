package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"yizhan/internal/apperr"
	"yizhan/internal/benefit"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
)

// benefitEnv is a database with one or more pools on it, standing for as
// many API processes.
type benefitEnv struct {
	t     *testing.T
	pools []*postgres.DB
	now   time.Time
	mu    sync.Mutex
}

func newBenefitEnv(t *testing.T, processes int) *benefitEnv {
	t.Helper()
	url := pgtest.NewDatabase(t)
	e := &benefitEnv{t: t, now: time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)} // Wednesday 10:00 in Shanghai
	for range processes {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		e.pools = append(e.pools, db)
	}
	return e
}

func (e *benefitEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *benefitEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// service returns the benefit service of process i.
func (e *benefitEnv) service(i int) *benefit.Service {
	return benefit.NewService(postgres.NewBenefitStore(e.pools[i]), benefit.DefaultConfig, e.clock)
}

// memberNo numbers the members mustWorkers makes.
var memberNo atomic.Int64

// mustWorkers inserts n workers (members of Pujiang, couriers) and returns
// their ids.
func (e *benefitEnv) mustWorkers(n int) []uuid.UUID {
	e.t.Helper()
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = uuid.New()
		_, err := e.pools[0].Pool.Exec(context.Background(), `INSERT INTO workers (id, openid, occupation, district_code,
			membership_no, member_since, member_district_code, created_at, updated_at)
			VALUES ($1, $2, 'express_courier', '330726', $3, now(), '330726', now(), now())`,
			ids[i], "openid-"+ids[i].String(), fmt.Sprintf("YZ%010d", memberNo.Add(1)))
		if err != nil {
			e.t.Fatal(err)
		}
	}
	return ids
}

type admin struct{}

func (admin) ActorName() string                         { return "staff:admin" }
func (admin) CanManageDistrict(string) bool             { return true }
func (admin) DistrictScope() (codes []string, all bool) { return nil, true }

// mustOffer publishes an offer of the given stock (nil: unlimited) and
// per-worker limit, open from a day before now for a month.
func (e *benefitEnv) mustOffer(stock *int64, count int, period benefit.Period) *benefit.Offer {
	e.t.Helper()
	start, end := e.clock().Add(-24*time.Hour), e.clock().Add(30*24*time.Hour)
	doc := benefit.Document{
		Title: "话费 50 元", Category: "phone_credit", TotalStock: benefit.Stock{Set: true, N: stock},
		PerWorkerLimit: &benefit.LimitDoc{Count: &count, Period: string(period)},
		Window:         &benefit.WindowDoc{StartsAt: &start, EndsAt: &end},
		Status:         "published",
	}
	o, err := e.service(0).CreateOffer(context.Background(), admin{}, doc)
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *benefitEnv) stock(id uuid.UUID) (remaining, claims int) {
	e.t.Helper()
	err := e.pools[0].Pool.QueryRow(context.Background(), `SELECT (SELECT sum(remaining) FROM benefit_stock WHERE offer_id = $1),
		(SELECT count(*) FROM benefit_claims WHERE offer_id = $1 AND status <> 'expired')`, id).
		Scan(&remaining, &claims)
	if err != nil {
		e.t.Fatal(err)
	}
	return remaining, claims
}

func ptr[T any](v T) *T { return &v }

// N workers tapping at once on stock S, through two API processes: exactly
// min(N, S) claims, every other answer sold_out, and the stock at zero.
func TestClaimNeverOversells(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		workers  int
		stock    int64
		wantWins int
	}{
		{"more workers than stock", 80, 25, 25},
		{"fewer workers than stock", 30, 50, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newBenefitEnv(t, 2)
			o := e.mustOffer(ptr(tc.stock), 1, benefit.Once)
			workers := e.mustWorkers(tc.workers)
			codes := make([]apperr.Code, len(workers))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, w := range workers {
				wg.Go(func() {
					<-start
					_, _, err := e.service(i%2).Claim(context.Background(), w, o.ID, "tap-"+w.String())
					codes[i] = apperr.CodeOf(err)
					if err == nil {
						codes[i] = ""
					}
				})
			}
			close(start)
			wg.Wait()
			got := map[apperr.Code]int{}
			for _, c := range codes {
				got[c]++
			}
			if got[""] != tc.wantWins || got[apperr.SoldOut] != tc.workers-tc.wantWins {
				t.Errorf("answers = %v, want %d claims and %d sold_out", got, tc.wantWins, tc.workers-tc.wantWins)
			}
			remaining, claims := e.stock(o.ID)
			if claims != tc.wantWins || remaining != int(tc.stock)-tc.wantWins {
				t.Errorf("stored: %d claims, %d remaining; want %d and %d", claims, remaining, tc.wantWins, int(tc.stock)-tc.wantWins)
			}
		})
	}
}

// One worker double- (or ten-) tapping with fresh keys gets no more than
// the limit.
func TestClaimLimitHoldsUnderDoubleTaps(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 2)
	o := e.mustOffer(ptr[int64](100), 2, benefit.Day)
	w := e.mustWorkers(1)[0]
	const taps = 12
	codes := make([]apperr.Code, taps)
	var wg sync.WaitGroup
	for i := range taps {
		wg.Go(func() {
			_, _, err := e.service(i%2).Claim(context.Background(), w, o.ID, fmt.Sprintf("tap-%d", i))
			if err != nil {
				codes[i] = apperr.CodeOf(err)
			}
		})
	}
	wg.Wait()
	got := map[apperr.Code]int{}
	for _, c := range codes {
		got[c]++
	}
	if got[""] != 2 || got[apperr.LimitReached] != taps-2 {
		t.Errorf("answers = %v, want 2 claims and %d limit_reached", got, taps-2)
	}
	if remaining, claims := e.stock(o.ID); claims != 2 || remaining != 98 {
		t.Errorf("stored: %d claims, %d remaining; want 2 and 98", claims, remaining)
	}
	// The next Shanghai day brings a fresh allowance.
	e.advance(14 * time.Hour) // Thursday 00:00 in Shanghai
	if _, _, err := e.service(0).Claim(context.Background(), w, o.ID, "tomorrow"); err != nil {
		t.Errorf("claim on the next day: %v", err)
	}
}

// The same Idempotency-Key sent many times at once claims once, and every
// answer is that claim.
func TestClaimIdempotencyKeyUnderContention(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 2)
	o := e.mustOffer(ptr[int64](10), 5, benefit.Once)
	w := e.mustWorkers(1)[0]
	const retries = 10
	claims := make([]benefit.Claim, retries)
	replays := make([]bool, retries)
	errs := make([]error, retries)
	var wg sync.WaitGroup
	for i := range retries {
		wg.Go(func() {
			claims[i], replays[i], errs[i] = e.service(i%2).Claim(context.Background(), w, o.ID, "the-one-key")
		})
	}
	wg.Wait()
	fresh := 0
	for i := range retries {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if !replays[i] {
			fresh++
		}
		if claims[i].ID != claims[0].ID || claims[i].Code != claims[0].Code || !claims[i].ExpiresAt.Equal(claims[0].ExpiresAt) {
			t.Errorf("answer %d = %+v, want %+v", i, claims[i], claims[0])
		}
	}
	if fresh != 1 {
		t.Errorf("%d answers were fresh claims, want 1", fresh)
	}
	if remaining, n := e.stock(o.ID); n != 1 || remaining != 9 {
		t.Errorf("stored: %d claims, %d remaining; want 1 and 9", n, remaining)
	}
	// The key is the worker's: used on another offer it is refused.
	other := e.mustOffer(ptr[int64](10), 1, benefit.Once)
	if _, _, err := e.service(0).Claim(context.Background(), w, other.ID, "the-one-key"); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("same key on another offer: %v, want conflict", err)
	}
}

// Expiry returns stock once, however many sweepers run, and a redemption
// after expiry is refused.
func TestExpiryReturnsStockOnce(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 2)
	o := e.mustOffer(ptr[int64](5), 1, benefit.Once)
	workers := e.mustWorkers(3)
	var codes []string
	for _, w := range workers {
		c, _, err := e.service(0).Claim(context.Background(), w, o.ID, "k")
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c.Code)
	}
	if remaining, _ := e.stock(o.ID); remaining != 2 {
		t.Fatalf("remaining after 3 claims = %d, want 2", remaining)
	}
	e.advance(benefit.DefaultConfig.ClaimTTL + time.Second)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for i := range 4 {
		wg.Go(func() {
			n, err := e.service(i % 2).ExpireDue(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != 3 {
		t.Errorf("sweepers expired %d claims, want 3", total)
	}
	if remaining, claims := e.stock(o.ID); remaining != 5 || claims != 0 {
		t.Errorf("after expiry: %d remaining, %d open claims; want 5 and 0", remaining, claims)
	}
	// An expired worker may claim again: the item went back to the pool.
	if _, _, err := e.service(1).Claim(context.Background(), workers[0], o.ID, "again"); err != nil {
		t.Errorf("claim after expiry: %v", err)
	}
}

// The sweeper of a running process expires overdue claims on its own, and
// grants a welcome benefit that an approval did not get to.
func TestSweeperExpiresAndCatchesUpWelcomes(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	o := e.mustOffer(ptr[int64](3), 1, benefit.Once)
	w := e.mustWorkers(2)
	if _, _, err := e.service(0).Claim(context.Background(), w[0], o.ID, "k"); err != nil {
		t.Fatal(err)
	}
	welcome := e.mustOffer(ptr[int64](3), 1, benefit.Once)
	if _, err := e.service(0).PatchOffer(context.Background(), admin{}, welcome.ID, 0, []byte(`{"welcome": true}`)); err != nil {
		t.Fatal(err)
	}
	// w[1] became a member, and the process stopped before its grant ran:
	// the debt its approval wrote is all that is left of it — and the
	// sweeper runs only a week later (the claim TTL), every process having
	// been down until then.
	for _, q := range []string{`UPDATE workers SET member_since = $2 WHERE id = $1`,
		`INSERT INTO welcome_due (worker_id, approved_at) VALUES ($1, $2)`} {
		if _, err := e.pools[0].Pool.Exec(context.Background(), q, w[1], e.clock()); err != nil {
			t.Fatal(err)
		}
	}
	e.advance(benefit.DefaultConfig.ClaimTTL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	sw := &benefit.Sweeper{Service: e.service(0), Interval: 10 * time.Millisecond, Log: slog.New(slog.DiscardHandler)}
	go func() { sw.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r1, _ := e.stock(o.ID)
		r2, _ := e.stock(welcome.ID)
		if r1 == 3 && r2 == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stock left %d and %d, want 3 (claim expired) and 2 (welcome granted)", r1, r2)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // more sweeps change nothing
	cancel()
	<-done
	if r2, claims := e.stock(welcome.ID); r2 != 2 || claims != 1 {
		t.Errorf("welcome offer: %d left, %d claims; want 2 and 1", r2, claims)
	}
	var due int
	if err := e.pools[0].Pool.QueryRow(context.Background(), `SELECT count(*) FROM welcome_due`).Scan(&due); err != nil || due != 0 {
		t.Errorf("%d welcome debts left after the sweep (%v)", due, err)
	}
}

// Changing an offer's total moves its stock left by the same amount, over
// its slots, never below the items claimed.
func TestPatchTotalStockKeepsClaims(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	o := e.mustOffer(ptr[int64](40), 1, benefit.Once)
	for _, w := range e.mustWorkers(3) {
		if _, _, err := e.service(0).Claim(ctx, w, o.ID, "k"); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		patch     string
		wantLeft  int
		wantTotal *int
		wantErr   apperr.Code
	}{
		{`{"total_stock": 20}`, 17, ptr(20), ""},
		{`{"total_stock": 3}`, 0, ptr(3), ""},
		{`{"total_stock": 2}`, 0, ptr(3), apperr.Invalid},
		{`{"total_stock": null}`, 0, nil, ""},
		{`{"total_stock": 10}`, 7, ptr(10), ""},
		{`{"total_stock": 50}`, 47, ptr(50), ""},
	} {
		_, err := e.service(0).PatchOffer(ctx, admin{}, o.ID, 0, []byte(tc.patch))
		if apperr.CodeOf(err) != tc.wantErr && (err != nil || tc.wantErr != "") {
			t.Fatalf("%s: %v, want %q", tc.patch, err, tc.wantErr)
		}
		got, err := e.service(0).GetOffer(ctx, admin{}, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if (got.TotalStock == nil) != (tc.wantTotal == nil) || got.TotalStock != nil && *got.TotalStock != *tc.wantTotal || got.Remaining != tc.wantLeft {
			t.Errorf("after %s: total %v, left %d; want %v and %d", tc.patch, got.TotalStock, got.Remaining, tc.wantTotal, tc.wantLeft)
		}
	}
	// Every item left can still be claimed, and no more.
	workers := e.mustWorkers(48)
	won := 0
	for _, w := range workers {
		_, _, err := e.service(0).Claim(ctx, w, o.ID, "k")
		switch {
		case err == nil:
			won++
		case !apperr.Is(err, apperr.SoldOut):
			t.Fatal(err)
		}
	}
	if won != 47 {
		t.Errorf("%d claims after the patches, want 47", won)
	}
}

// Two staff editing different parts of one offer at once both keep their
// change: a patch is applied to the offer as it is when its row is locked,
// not to a copy read before. Each editor checks, after every patch of its
// own, that the other's last acknowledged change is still there.
func TestConcurrentPatchesOfOneOfferLoseNothing(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 2)
	o := e.mustOffer(ptr[int64](10), 1, benefit.Once)
	ctx := context.Background()
	var acked [2]atomic.Int64 // the last value each editor saw acknowledged
	fields := [2]string{"title", "description"}
	value := func(o *benefit.Offer, i int) int64 {
		s := o.Title
		if i == 1 {
			s = o.Description
		}
		n, _ := strconv.ParseInt(strings.TrimPrefix(s, fields[i]+" "), 10, 64)
		return n
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i := range 2 {
		wg.Go(func() {
			other := 1 - i
			for n := int64(1); n <= 60; n++ {
				before := acked[other].Load()
				got, err := e.service(i).PatchOffer(ctx, admin{}, o.ID, 0, []byte(fmt.Sprintf(`{%q: "%s %d"}`, fields[i], fields[i], n)))
				if err != nil {
					errs <- err
					return
				}
				acked[i].Store(n)
				if value(got, i) != n || value(got, other) < before {
					errs <- fmt.Errorf("patch %d of the %s answered %s %d and %s %d; the other editor's %d was acknowledged before it began",
						n, fields[i], fields[i], value(got, i), fields[other], value(got, other), before)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := e.service(0).GetOffer(ctx, admin{}, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if value(got, 0) != 60 || value(got, 1) != 60 || got.Version != o.Version+120 {
		t.Errorf("after both editors: %q, %q, version %d (from %d)", got.Title, got.Description, got.Version, o.Version)
	}
}

// If-Match on an offer patch refuses a change made against an older version.
func TestPatchOfferIfMatch(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	o := e.mustOffer(ptr[int64](10), 1, benefit.Once)
	ctx := context.Background()
	got, err := e.service(0).PatchOffer(ctx, admin{}, o.ID, o.Version, []byte(`{"title": "新标题"}`))
	if err != nil || got.Version != o.Version+1 {
		t.Fatalf("patch at the current version: %v, version %d", err, got.Version)
	}
	if _, err := e.service(0).PatchOffer(ctx, admin{}, o.ID, o.Version, []byte(`{"title": "旧版本上的修改"}`)); !apperr.Is(err, apperr.Stale) {
		t.Fatalf("patch at an old version: %v, want stale", err)
	}
	if cur, _ := e.service(0).GetOffer(ctx, admin{}, o.ID); cur.Title != "新标题" || cur.Version != got.Version {
		t.Errorf("a refused patch changed the offer: %q, version %d", cur.Title, cur.Version)
	}
}

// The schema refuses more items left than an offer's total, however the
// stock would come back: a slot raised, a total lowered under the stock.
func TestSchemaKeepsStockWithinTotal(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	o := e.mustOffer(ptr[int64](3), 1, benefit.Once)
	w := e.mustWorkers(1)
	if _, _, err := e.service(0).Claim(ctx, w[0], o.ID, "k"); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE benefit_stock SET remaining = remaining + 2 WHERE offer_id = $1 AND slot = (SELECT min(slot) FROM benefit_stock WHERE offer_id = $1)`,
		`UPDATE benefit_offers SET total_stock = 1 WHERE id = $1`,
		`UPDATE benefit_offers SET total_stock = NULL WHERE id = $1`,
	} {
		var pgErr *pgconn.PgError
		if _, err := e.pools[0].Pool.Exec(ctx, q, o.ID); !errors.As(err, &pgErr) || pgErr.Code != "23514" || pgErr.ConstraintName != "benefit_stock_within_total" {
			t.Errorf("%s: %v, want a violation of benefit_stock_within_total", q, err)
		}
	}
	if left, claims := e.stock(o.ID); left != 2 || claims != 1 {
		t.Errorf("after the refused changes: %d left, %d claims; want 2 and 1", left, claims)
	}
	// Within one transaction the stock and the total may move in any order.
	tx, err := e.pools[0].Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, q := range []string{
		`UPDATE benefit_offers SET total_stock = 2 WHERE id = $1`,
		`UPDATE benefit_stock SET remaining = 0 WHERE offer_id = $1`,
		`UPDATE benefit_stock SET remaining = 1 WHERE offer_id = $1 AND slot = (SELECT min(slot) FROM benefit_stock WHERE offer_id = $1)`,
	} {
		if _, err := tx.Exec(ctx, q, o.ID); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Errorf("a consistent transaction was refused: %v", err)
	}
}

// An unlimited offer given a stock while workers claim it never ends up
// with more items left and claimed than its total: a claim decides between
// taking stock and not on the offer as the change leaves it.
func TestLimitingAnOfferWhileItIsClaimed(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 2)
	ctx := context.Background()
	workers := e.mustWorkers(8)
	for round := range 40 {
		o := e.mustOffer(nil, 1, benefit.Once)
		var wg sync.WaitGroup
		var won, soldOut atomic.Int64
		wg.Go(func() {
			if _, err := e.service(0).PatchOffer(ctx, admin{}, o.ID, 0, []byte(`{"total_stock": 6}`)); err != nil && !apperr.Is(err, apperr.Invalid) {
				t.Errorf("round %d: patch: %v", round, err)
			}
		})
		for i, w := range workers {
			wg.Go(func() {
				_, _, err := e.service(1).Claim(ctx, w, o.ID, fmt.Sprintf("k%d", round))
				switch {
				case err == nil:
					won.Add(1)
				case apperr.Is(err, apperr.SoldOut):
					soldOut.Add(1)
				default:
					t.Errorf("round %d, worker %d: %v", round, i, err)
				}
			})
		}
		wg.Wait()
		var total *int
		var left, open int
		if err := e.pools[0].Pool.QueryRow(ctx, `SELECT o.total_stock, coalesce((SELECT sum(remaining) FROM benefit_stock WHERE offer_id = o.id), 0),
			(SELECT count(*) FROM benefit_claims WHERE offer_id = o.id AND status <> 'expired') FROM benefit_offers o WHERE o.id = $1`, o.ID).
			Scan(&total, &left, &open); err != nil {
			t.Fatal(err)
		}
		if total != nil && left+open != *total {
			t.Fatalf("round %d: %d left and %d claimed of a total of %d", round, left, open, *total)
		}
		// No worker was told "sold out" while items were left.
		if soldOut.Load() > 0 && left > 0 || int(won.Load()) != open {
			t.Fatalf("round %d: %d claims won, %d sold out, %d open, %d left", round, won.Load(), soldOut.Load(), open, left)
		}
	}
}

// One offer whose stock the schema would refuse to take back does not stop
// the claims of every other offer from expiring: the sweep reports it, and
// goes on offer by offer.
func TestExpiryGoesOnPastABrokenOffer(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	broken := e.mustOffer(ptr[int64](1), 1, benefit.Once)
	fine := e.mustOffer(ptr[int64](5), 1, benefit.Once)
	w := e.mustWorkers(2)
	for i, o := range []*benefit.Offer{broken, fine} {
		if _, _, err := e.service(0).Claim(ctx, w[i], o.ID, "k"); err != nil {
			t.Fatal(err)
		}
	}
	// A bug has put the broken offer's item back while its claim is open.
	if _, err := e.pools[0].Pool.Exec(ctx, `UPDATE benefit_stock SET remaining = 1 WHERE offer_id = $1 AND slot = (SELECT min(slot) FROM benefit_stock WHERE offer_id = $1)`, broken.ID); err != nil {
		t.Fatal(err)
	}
	e.advance(benefit.DefaultConfig.ClaimTTL + time.Second)
	n, err := e.service(0).ExpireDue(ctx)
	if n != 1 || err == nil || !strings.Contains(err.Error(), broken.ID.String()) || apperr.CodeOf(err) != apperr.Internal {
		t.Errorf("ExpireDue = %d, %v; want 1 expired and an internal error naming offer %s", n, err, broken.ID)
	}
	if left, claims := e.stock(fine.ID); left != 5 || claims != 0 {
		t.Errorf("the sound offer: %d left, %d open claims; want 5 and 0", left, claims)
	}
	if left, claims := e.stock(broken.ID); left != 1 || claims != 1 {
		t.Errorf("the broken offer: %d left, %d open claims; want it untouched (1 and 1)", left, claims)
	}
	// Offer by offer, a sound offer's overdue claims all expire, however
	// many batches of the sweep's size they take.
	more := e.mustWorkers(5)
	for _, wk := range more {
		if _, _, err := e.service(0).Claim(ctx, wk, fine.ID, "k"); err != nil {
			t.Fatal(err)
		}
	}
	e.advance(benefit.DefaultConfig.ClaimTTL + time.Second)
	n, err = postgres.NewBenefitStore(e.pools[0]).ExpireDue(ctx, e.clock(), 2)
	if n != 5 || err == nil {
		t.Errorf("store ExpireDue with batches of 2: %d, %v; want 5 and the broken offer's error", n, err)
	}
	if left, claims := e.stock(fine.ID); left != 5 || claims != 0 {
		t.Errorf("the sound offer after the second sweep: %d left, %d open claims; want 5 and 0", left, claims)
	}
}

// A welcome debt whose grant fails stays for the next sweep and does not
// hold back the debts after it.
func TestWelcomeSweepGoesOnPastAFailingDebt(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	welcome := e.mustOffer(ptr[int64](10), 1, benefit.Once)
	if _, err := e.service(0).PatchOffer(ctx, admin{}, welcome.ID, 0, []byte(`{"welcome": true}`)); err != nil {
		t.Fatal(err)
	}
	w := e.mustWorkers(2)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := e.pools[0].Pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// w[0] is owed first; the database refuses any claim of theirs.
	exec(`INSERT INTO welcome_due (worker_id, approved_at) VALUES ($1, now() - interval '1 hour'), ($2, now())`, w[0], w[1])
	exec(`CREATE FUNCTION refuse_claim() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'the disk is full, say'; END $$`)
	exec(`CREATE TRIGGER refuse_claim BEFORE INSERT ON benefit_claims FOR EACH ROW
		WHEN (NEW.worker_id = '` + w[0].String() + `') EXECUTE FUNCTION refuse_claim()`)
	n, err := e.service(0).GrantMissingWelcomes(ctx)
	if n != 1 || err == nil || !strings.Contains(err.Error(), w[0].String()) {
		t.Errorf("first sweep: %d settled, %v; want 1 and an error naming %s", n, err, w[0])
	}
	if _, claims := e.stock(welcome.ID); claims != 1 {
		t.Errorf("after the first sweep %d welcome claims, want 1 (the second worker's)", claims)
	}
	exec(`DROP TRIGGER refuse_claim ON benefit_claims`)
	if n, err := e.service(0).GrantMissingWelcomes(ctx); n != 1 || err != nil {
		t.Errorf("second sweep: %d settled, %v; want 1 and no error", n, err)
	}
	var due int
	if err := e.pools[0].Pool.QueryRow(ctx, `SELECT count(*) FROM welcome_due`).Scan(&due); err != nil || due != 0 {
		t.Errorf("%d debts left (%v)", due, err)
	}
	if _, claims := e.stock(welcome.ID); claims != 2 {
		t.Errorf("%d welcome claims in the end, want 2", claims)
	}
}

// waitBlocked waits until n of this database's sessions wait on a lock.
func (e *benefitEnv) waitBlocked(n int) {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var k int
		if err := e.pools[0].Pool.QueryRow(context.Background(),
			`SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&k); err != nil {
			e.t.Fatal(err)
		}
		if k >= n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("after 10 s, %d sessions wait on a lock, not %d", k, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A claim that expires while an unlimited offer is being given a stock
// waits for the change, and its item goes back to the slots the change
// made: nothing is lost. (Found by a helper hunting races: the sweep
// returned the item to slots that did not exist yet for its statement.)
func TestExpiryWaitsForALimitInFlight(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	o := e.mustOffer(nil, 1, benefit.Once)
	w := e.mustWorkers(1)
	if _, _, err := e.service(0).Claim(ctx, w[0], o.ID, "k"); err != nil {
		t.Fatal(err)
	}
	e.advance(benefit.DefaultConfig.ClaimTTL + time.Hour)
	// A test-only trigger holds the change between counting the open
	// claims and making the slots, on an advisory lock the test holds.
	for _, q := range []string{`CREATE FUNCTION hold_fill() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NEW; END $$`,
		`CREATE TRIGGER hold_fill BEFORE INSERT ON benefit_stock FOR EACH STATEMENT EXECUTE FUNCTION hold_fill()`} {
		if _, err := e.pools[0].Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	hold, err := e.pools[0].Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback(ctx)
	if _, err := hold.Exec(ctx, `SELECT pg_advisory_xact_lock(4242)`); err != nil {
		t.Fatal(err)
	}
	patched := make(chan error, 1)
	go func() {
		_, err := e.service(0).PatchOffer(ctx, admin{}, o.ID, 0, []byte(`{"total_stock": 5}`))
		patched <- err
	}()
	e.waitBlocked(1) // the change has counted one open claim
	expired := make(chan error, 1)
	go func() {
		_, err := e.service(0).ExpireDue(ctx)
		expired <- err
	}()
	e.waitBlocked(2) // the sweep waits for the change
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-patched; err != nil {
		t.Fatal(err)
	}
	if err := <-expired; err != nil {
		t.Fatal(err)
	}
	if left, open := e.stock(o.ID); left != 5 || open != 0 {
		t.Errorf("total 5: %d left and %d open claims, want 5 and 0", left, open)
	}
}

func (e *benefitEnv) mustStation(district string) uuid.UUID {
	e.t.Helper()
	id := uuid.New()
	_, err := e.pools[0].Pool.Exec(context.Background(), `INSERT INTO stations (id, name, address, district_code, lat, lng,
		host_type, hours, status, version, created_at, created_by, updated_at, updated_by)
		VALUES ($1, 'S', 'addr', $2, 29.4, 119.9, 'other', '{"weekly":{"sun":[["08:00","18:00"]]}}', 'active', 1, now(), 'x', now(), 'x')`, id, district)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// A patch that waited for another change of the offer reads the offer as
// that change left it, stations included, and never stores stations
// outside the offer's districts.
func TestPatchRereadsTheOfferAfterWaiting(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	a, b := e.mustStation("330726"), e.mustStation("330782")
	o := e.mustOffer(ptr[int64](5), 1, benefit.Once)
	svc := e.service(0)
	if _, err := svc.PatchOffer(ctx, admin{}, o.ID, 0, []byte(`{"eligibility": {"district_codes": ["330726", "330782"]}, "redeem_at": ["`+a.String()+`"]}`)); err != nil {
		t.Fatal(err)
	}
	// One change, by hand as UpdateOffer makes it, moves collection to b.
	first, err := e.pools[0].Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	for _, q := range []string{`SELECT 1 FROM benefit_offers WHERE id = $1 FOR UPDATE`,
		`DELETE FROM benefit_offer_stations WHERE offer_id = $1`,
		`INSERT INTO benefit_offer_stations VALUES ($1, '` + b.String() + `')`,
		`UPDATE benefit_offers SET version = version + 1 WHERE id = $1`} {
		if _, err := first.Exec(ctx, q, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	// Another, checked against station a (in 330726), keeps only 330726.
	done := make(chan error, 1)
	go func() {
		_, err := svc.PatchOffer(ctx, admin{}, o.ID, 0, []byte(`{"eligibility": {"district_codes": ["330726"]}}`))
		done <- err
	}()
	e.waitBlocked(1)
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = <-done
	got, gerr := svc.GetOffer(ctx, admin{}, o.ID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if !apperr.Is(err, apperr.Stale) || len(got.RedeemAt) != 1 || got.RedeemAt[0] != b || !got.Eligibility.CoversCounty("330782") {
		t.Errorf("the second patch: %v; stored redeem_at %v, districts %v (want it refused as stale, b kept, 330782 kept)",
			err, got.RedeemAt, got.Eligibility.DistrictCodes)
	}
}

// A welcome claim pays the approval's debt in its own transaction: once it
// is made, however the welcome offer changes and however many grants run,
// the member gets no second gift; and with no debt, no welcome claim is made.
func TestWelcomeClaimPaysTheDebt(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	svc := e.service(0)
	first := e.mustOffer(ptr[int64](10), 1, benefit.Once)
	if _, err := svc.PatchOffer(ctx, admin{}, first.ID, 0, []byte(`{"welcome": true}`)); err != nil {
		t.Fatal(err)
	}
	w := e.mustWorkers(2)
	if _, err := e.pools[0].Pool.Exec(ctx, `INSERT INTO welcome_due VALUES ($1, now())`, w[0]); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewBenefitStore(e.pools[0])
	// The claim itself, without the settling that follows it in a grant.
	welcome := func(worker uuid.UUID, offer *benefit.Offer, code string) error {
		_, _, err := store.Claim(ctx, benefit.NewClaim{ID: uuid.New(), OfferID: offer.ID, WorkerID: worker, Code: code,
			IdempotencyKey: "welcome:" + offer.ID.String(), Welcome: true, ClaimedAt: e.clock(), ExpiresAt: e.clock().Add(time.Hour)},
			func(*benefit.Offer, benefit.Claimant, func(time.Time) (int, error)) error { return nil })
		return err
	}
	if err := welcome(w[0], first, "WELCMEAB"); err != nil {
		t.Fatal(err)
	}
	var due int
	if err := e.pools[0].Pool.QueryRow(ctx, `SELECT count(*) FROM welcome_due`).Scan(&due); err != nil || due != 0 {
		t.Fatalf("the welcome claim left %d debts (%v)", due, err)
	}
	// Staff switch the welcome gift to another offer; grants run again.
	if _, err := svc.PatchOffer(ctx, admin{}, first.ID, 0, []byte(`{"welcome": false}`)); err != nil {
		t.Fatal(err)
	}
	second := e.mustOffer(ptr[int64](10), 1, benefit.Once)
	if _, err := svc.PatchOffer(ctx, admin{}, second.ID, 0, []byte(`{"welcome": true}`)); err != nil {
		t.Fatal(err)
	}
	if err := svc.GrantWelcome(ctx, w[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantMissingWelcomes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := welcome(w[1], second, "WELCMEAC"); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("a welcome claim with no debt: %v, want not found", err)
	}
	var n int
	if err := e.pools[0].Pool.QueryRow(ctx, `SELECT count(*) FROM benefit_claims WHERE welcome`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d welcome claims (%v), want the first worker's one", n, err)
	}
}

// A claim past its expiry no longer counts toward the worker's limit, even
// before the sweep has marked it expired: the worker may claim again at
// once, and the available list says so.
func TestOverdueClaimsStopCountingBeforeTheSweep(t *testing.T) {
	t.Parallel()
	e := newBenefitEnv(t, 1)
	ctx := context.Background()
	o := e.mustOffer(ptr[int64](5), 1, benefit.Once)
	w := e.mustWorkers(1)[0]
	if _, _, err := e.service(0).Claim(ctx, w, o.ID, "first"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.service(0).Claim(ctx, w, o.ID, "second"); !apperr.Is(err, apperr.LimitReached) {
		t.Fatalf("a second claim while the first waits: %v, want limit_reached", err)
	}
	e.advance(benefit.DefaultConfig.ClaimTTL + time.Second) // overdue, not swept
	list, err := e.service(0).Available(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Offer.ID == o.ID && a.Allowance != 1 {
			t.Errorf("available allowance %d, want 1", a.Allowance)
		}
	}
	if _, _, err := e.service(0).Claim(ctx, w, o.ID, "third"); err != nil {
		t.Errorf("a claim once the first is overdue: %v", err)
	}
}
