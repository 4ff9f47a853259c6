package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/station"
)

// The counties the feed tests move stations between: two of Jinhua city
// (330700) and one of Hangzhou's (330100).
var feedCounties = []string{"330726", "330782", "330102"}

func newFeedStore(t *testing.T) (*postgres.DB, *postgres.StationStore) {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db, postgres.NewStationStore(db)
}

func feedStation(t testing.TB, county string, i int) *station.Station {
	t.Helper()
	hours, err := station.ParseHours([]byte(`{"always_open":true}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	return &station.Station{ID: uuid.Must(uuid.NewV7()), Name: fmt.Sprintf("爱心驿站%d号", i), Address: "浦江县浦阳街道大桥路 18 号",
		DistrictCode: county, Location: orb.Point{119.8969, 29.4490}, Host: station.Host{Type: "shop", Name: "大桥便利店"},
		Hours: hours, Status: station.Active, Version: 1, Revision: 1, CreatedAt: now, CreatedBy: "system:test", UpdatedAt: now, UpdatedBy: "system:test"}
}

// cache is a client's copy, built only from the feed.
type cache struct {
	scope    string
	pos      *station.FeedPosition
	stations map[uuid.UUID]*station.Station
}

// drain applies pages until the feed says no more are ready.
func (c *cache) drain(t *testing.T, store *postgres.StationStore, limit int) {
	t.Helper()
	c.pages(t, store, limit, -1)
}

// pages applies up to n pages (n < 0: until no more are ready).
func (c *cache) pages(t *testing.T, store *postgres.StationStore, limit, n int) {
	t.Helper()
	for ; n != 0; n-- {
		page, err := store.Changes(context.Background(), station.FeedQuery{DistrictCode: c.scope, After: c.pos, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items)+len(page.Removed) > limit {
			t.Fatalf("a page of %d items and %d removed, limit %d", len(page.Items), len(page.Removed), limit)
		}
		for _, s := range page.Items {
			c.stations[s.ID] = s
		}
		for _, id := range page.Removed {
			delete(c.stations, id)
		}
		next := page.Next
		c.pos = &next
		if !page.More {
			return
		}
	}
}

// truth is the independent answer: the active stations of the scope, by a
// direct query, with their revisions.
func activeRevisions(t *testing.T, db *postgres.DB, scope string) map[uuid.UUID]int64 {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT id, revision FROM stations
		WHERE status = 'active' AND ($1 = '' OR district_code = $1 OR ($1 LIKE '%00' AND district_code LIKE left($1, 4) || '%'))`, scope)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uuid.UUID]int64{}
	for rows.Next() {
		var (
			id  uuid.UUID
			rev int64
		)
		if err := rows.Scan(&id, &rev); err != nil {
			t.Fatal(err)
		}
		out[id] = rev
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func (c *cache) check(t *testing.T, db *postgres.DB) {
	t.Helper()
	want := activeRevisions(t, db, c.scope)
	for id, rev := range want {
		got, ok := c.stations[id]
		switch {
		case !ok:
			t.Errorf("scope %q: active station %s missing from the cache", c.scope, id)
		case got.Revision != rev:
			t.Errorf("scope %q: station %s cached at revision %d, stored at %d", c.scope, id, got.Revision, rev)
		}
	}
	for id := range c.stations {
		if _, ok := want[id]; !ok {
			t.Errorf("scope %q: station %s cached but not active in the scope", c.scope, id)
		}
	}
}

// settled reports whether every write so far lies below the oldest
// transaction running now, so that the next drain sees all of them.
func settled(t *testing.T, db *postgres.DB) bool {
	t.Helper()
	var ok bool
	err := db.Pool.QueryRow(context.Background(), `SELECT pg_snapshot_xmin(pg_current_snapshot()) >
		greatest((SELECT max(change_xid) FROM stations), (SELECT max(change_xid) FROM station_district_exits), '0'::xid8)`).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// TestFeedReplayWithWriters syncs empty caches of three scopes page by page
// while writers create stations, edit them, close, suspend and reopen them,
// and move them between counties; once the writers stop and the caches
// catch up, each must hold exactly the active stations of its scope, at
// their stored revisions.
func TestFeedReplayWithWriters(t *testing.T) {
	t.Parallel()
	db, store := newFeedStore(t)
	ctx := context.Background()
	var ids []uuid.UUID
	for i := range 120 {
		s := feedStation(t, feedCounties[i%len(feedCounties)], i)
		if err := store.Create(ctx, s, "create", nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	pick := func(r *rand.Rand) uuid.UUID {
		mu.Lock()
		defer mu.Unlock()
		return ids[r.IntN(len(ids))]
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				if n%10 == 0 {
					s := feedStation(t, feedCounties[r.IntN(len(feedCounties))], 1000*w+n)
					if err := store.Create(ctx, s, "create", nil); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					ids = append(ids, s.ID)
					mu.Unlock()
					continue
				}
				_, err := store.Update(ctx, pick(r), func(s *station.Station) (string, error) {
					switch r.IntN(4) {
					case 0:
						s.Status = []station.Status{station.Active, station.Suspended, station.Closed}[r.IntN(3)]
					case 1:
						s.DistrictCode = feedCounties[r.IntN(len(feedCounties))]
					case 2:
						s.Name = fmt.Sprintf("爱心驿站%d", r.IntN(1000))
					default:
						s.Status = station.Active
					}
					s.Version++
					return "update", nil
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	caches := []*cache{
		{scope: "330726", stations: map[uuid.UUID]*station.Station{}},
		{scope: "330700", stations: map[uuid.UUID]*station.Station{}},
		{scope: "", stations: map[uuid.UUID]*station.Station{}},
	}
	// Sync while the writers write: small pages, so that writes land
	// between them.
	for range 30 {
		for _, c := range caches {
			// A few pages only: the writers may outpace the reader.
			c.pages(t, store, 1+len(c.stations)%7, 3)
		}
	}
	close(stop)
	wg.Wait()
	for i := 0; !settled(t, db); i++ {
		if i > 1000 {
			t.Fatal("the writes never settled below the oldest running transaction")
		}
		time.Sleep(10 * time.Millisecond) // another test's transaction may be running
	}
	for _, c := range caches {
		c.drain(t, store, 5)
		c.check(t, db)
		if len(c.stations) == 0 {
			t.Errorf("scope %q: nothing cached; the test tests nothing", c.scope)
		}
	}
}

// TestFeedWaitsForEarlierTransaction: a transaction that took its id first
// but commits last must still reach a client whose cursor passed the
// writes committed before it.
func TestFeedWaitsForEarlierTransaction(t *testing.T) {
	t.Parallel()
	db, store := newFeedStore(t)
	ctx := context.Background()
	a, b := feedStation(t, "330726", 1), feedStation(t, "330726", 2)
	for _, s := range []*station.Station{a, b} {
		if err := store.Create(ctx, s, "create", nil); err != nil {
			t.Fatal(err)
		}
	}
	c := &cache{scope: "330726", stations: map[uuid.UUID]*station.Station{}}
	c.drain(t, store, 10)
	for !settled(t, db) {
		time.Sleep(10 * time.Millisecond)
		c.drain(t, store, 10)
	}
	c.drain(t, store, 10)

	// The early transaction: its id is taken (it writes a), it commits last.
	early, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Rollback(ctx)
	if _, err := early.Exec(ctx, `UPDATE stations SET name = '早事务改的名' WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Update(ctx, b.ID, func(s *station.Station) (string, error) {
		s.Name, s.Version = "晚事务改的名", s.Version+1
		return "update", nil
	}); err != nil {
		t.Fatal(err)
	}
	c.drain(t, store, 10)
	if got := c.stations[b.ID].Name; got == "晚事务改的名" {
		t.Errorf("the later write was delivered while an earlier transaction was still running: its cursor may now pass it")
	}
	if err := early.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; !settled(t, db); i++ {
		if i > 1000 {
			t.Fatal("never settled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	c.drain(t, store, 10)
	if c.stations[a.ID].Name != "早事务改的名" || c.stations[b.ID].Name != "晚事务改的名" {
		t.Errorf("cache holds %q and %q, want both writes", c.stations[a.ID].Name, c.stations[b.ID].Name)
	}
	c.check(t, db)
}

// TestFeedLeavingScope: a station moved to another county, or closed,
// reaches the old scope's cache as removed, and the new scope's as an item;
// moved back, it returns.
func TestFeedLeavingScope(t *testing.T) {
	t.Parallel()
	db, store := newFeedStore(t)
	ctx := context.Background()
	s := feedStation(t, "330726", 1)
	other := feedStation(t, "330726", 2)
	for _, x := range []*station.Station{s, other} {
		if err := store.Create(ctx, x, "create", nil); err != nil {
			t.Fatal(err)
		}
	}
	pujiang := &cache{scope: "330726", stations: map[uuid.UUID]*station.Station{}}
	yiwu := &cache{scope: "330782", stations: map[uuid.UUID]*station.Station{}}
	sync := func() {
		for i := 0; !settled(t, db); i++ {
			if i > 1000 {
				t.Fatal("never settled")
			}
			time.Sleep(10 * time.Millisecond)
		}
		pujiang.drain(t, store, 1)
		yiwu.drain(t, store, 1)
	}
	sync()
	move := func(to string) {
		if _, err := store.Update(ctx, s.ID, func(x *station.Station) (string, error) {
			x.DistrictCode, x.Version = to, x.Version+1
			return "update", nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	move("330782")
	// A later write of the same station (a check-in, say) must not hide the move.
	if _, err := db.Pool.Exec(ctx, `UPDATE stations SET last_confirmed_at = now() WHERE id = $1`, s.ID); err != nil {
		t.Fatal(err)
	}
	sync()
	if _, ok := pujiang.stations[s.ID]; ok {
		t.Errorf("moved to Yiwu, still in Pujiang's cache")
	}
	if _, ok := yiwu.stations[s.ID]; !ok {
		t.Errorf("moved to Yiwu, not in Yiwu's cache")
	}
	move("330726")
	sync()
	pujiang.check(t, db)
	yiwu.check(t, db)
	if _, err := store.Update(ctx, other.ID, func(x *station.Station) (string, error) {
		x.Status, x.Version = station.Closed, x.Version+1
		return "close", nil
	}); err != nil {
		t.Fatal(err)
	}
	sync()
	if _, ok := pujiang.stations[other.ID]; ok {
		t.Errorf("closed, still cached")
	}
	pujiang.check(t, db)
}

// TestFeedFullSyncLeavesOutOldRemovals: a copy started empty is not told
// of stations closed before it started.
func TestFeedFullSyncLeavesOutOldRemovals(t *testing.T) {
	t.Parallel()
	db, store := newFeedStore(t)
	ctx := context.Background()
	closed := feedStation(t, "330726", 1)
	closed.Status = station.Closed
	if err := store.Create(ctx, closed, "create", nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; !settled(t, db); i++ {
		if i > 1000 {
			t.Fatal("never settled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	page, err := store.Changes(ctx, station.FeedQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Removed) != 0 || len(page.Items) != 0 {
		t.Errorf("a first page told of %d items and %d removals; want none", len(page.Items), len(page.Removed))
	}
	// But a copy that may hold it is told.
	page, err = store.Changes(ctx, station.FeedQuery{Limit: 10, After: &station.FeedPosition{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Removed) != 1 || page.Removed[0] != closed.ID {
		t.Errorf("from the start, removed = %v; want the closed station", page.Removed)
	}
}

// TestFeedCursorAhead: a position past every transaction id (a cursor kept
// across a restore from backup) is Gone, not an empty page forever.
func TestFeedCursorAhead(t *testing.T) {
	t.Parallel()
	_, store := newFeedStore(t)
	_, err := store.Changes(context.Background(), station.FeedQuery{Limit: 10, After: &station.FeedPosition{XID: 1 << 60}})
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Gone {
		t.Errorf("err = %v; want gone", err)
	}
}
