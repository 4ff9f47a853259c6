package partner

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

func TestGrant(t *testing.T) {
	for _, c := range []struct{ reserved, quota, block, want int64 }{
		{0, 1_000_000, 100, 100}, // a block of the key's rate
		{0, 800, 100, 50},        // no more than a sixteenth of what is left
		{990, 1000, 100, 1},      // the last units one at a time
		{999, 1000, 100, 1},      // the very last
		{1000, 1000, 100, 0},     // spent
		{1001, 1000, 100, 0},     // never negative
		{0, 1, 100, 1},           // a quota of one
		{0, 10_000_000, 200_000, 200_000},
	} {
		if got := Grant(c.reserved, c.quota, c.block); got != c.want {
			t.Errorf("Grant(%d, %d, %d) = %d, want %d", c.reserved, c.quota, c.block, got, c.want)
		}
	}
	// Brute force: whatever the order of reservations, they never pass the
	// quota, and they reach it.
	for quota := int64(1); quota < 300; quota++ {
		var reserved int64
		for steps := 0; ; steps++ {
			g := Grant(reserved, quota, 7)
			if g == 0 {
				break
			}
			reserved += g
			if reserved > quota || steps > 1000 {
				t.Fatalf("quota %d: reserved %d after %d steps", quota, reserved, steps)
			}
		}
		if reserved != quota {
			t.Fatalf("quota %d: stopped at %d", quota, reserved)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Rate
		ok   bool
	}{
		{"50:100", Rate{50, 100}, true},
		{"0.5:1", Rate{0.5, 1}, true},
		{"50", Rate{}, false},
		{"0:10", Rate{}, false},
		{"-1:10", Rate{}, false},
		{"10:0", Rate{}, false},
		{"NaN:1", Rate{}, false},
		{"Inf:1", Rate{}, false},
		{"off", Rate{}, false},
	} {
		got, err := ParseRate(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("ParseRate(%q) = %+v, %v", c.in, got, err)
		}
	}
}

func TestKeys(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		k := newKey()
		if !WellFormedKey(k) || seen[k] {
			t.Fatalf("newKey() = %q", k)
		}
		seen[k] = true
	}
	for _, k := range []string{"", "yzp_", "yzs_" + newKey()[4:], newKey() + "A", newKey()[:46] + "+", newKey()[:46] + "="} {
		if WellFormedKey(k) {
			t.Errorf("WellFormedKey(%q) = true", k)
		}
	}
}

func TestDays(t *testing.T) {
	// 15:59:59 UTC is 23:59:59 in Shanghai; a second later it is tomorrow.
	before := time.Date(2026, 12, 2, 15, 59, 59, 0, time.UTC)
	if d := DayOf(before); d.String() != "2026-12-02" {
		t.Errorf("DayOf(%v) = %v", before, d)
	}
	if d := DayOf(before.Add(time.Second)); d.String() != "2026-12-03" {
		t.Errorf("a second later: %v", d)
	}
	if got := DayOf(before).Next().Time().Sub(before); got != time.Second {
		t.Errorf("midnight is %v away", got)
	}
	if d := (Day{2026, 12, 31}).Next(); d.String() != "2027-01-01" {
		t.Errorf("the year's end: %v", d)
	}
}

// memStore is the Store in memory, for the benchmark and the rules that do
// not need PostgreSQL (its tests are in internal/postgres).
type memStore struct {
	Store
	mu       sync.Mutex
	keyed    []Keyed
	reserved map[uuid.UUID]int64
	settled  []settlement
}

func (m *memStore) KeyedPartners(context.Context) ([]Keyed, error) { return m.keyed, nil }
func (m *memStore) Reserve(_ context.Context, id uuid.UUID, _ Day, grant func(int64, int64) int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := grant(m.reserved[id], m.keyed[0].DailyQuota)
	m.reserved[id] += g
	return g, nil
}
func (m *memStore) Settle(_ context.Context, _ uuid.UUID, d Day, used, release int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.settled = append(m.settled, settlement{day: d, used: used, release: release})
	return nil
}

func newMemGate(b testing.TB, r Rate, quota int64) (*Gate, string) {
	g, key, _ := newMemGateStore(b, r, quota, nil)
	return g, key
}

func newMemGateStore(b testing.TB, r Rate, quota int64, now func() time.Time) (*Gate, string, *memStore) {
	key := newKey()
	st := &memStore{keyed: []Keyed{{Partner: Partner{ID: uuid.New(), Name: "美团", Rate: r, DailyQuota: quota}, KeyHash: HashKey(key)}}, reserved: map[uuid.UUID]int64{}}
	g := NewGate(st, now, nil)
	if err := g.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	return g, key, st
}

// A block stays while the partner keeps sending requests, goes back after
// a flush interval without any, and a new day settles the old day's counts
// under the old day.
func TestLeaseFlushAndDayChange(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 59, 58, 0, time.UTC) // 23:59:58 in Shanghai
	g, key, st := newMemGateStore(t, Rate{PerSecond: 50, Burst: 1000}, 1_000_000, func() time.Time { return now })
	ctx := context.Background()
	admit := func(n int) {
		t.Helper()
		for range n {
			if _, err := g.Admit(ctx, key); err != nil {
				t.Fatal(err)
			}
		}
	}
	admit(30) // one block of 100 (2 s of 50/s), 70 left
	g.Flush(ctx, false)
	today := DayOf(now)
	if want := []settlement{{today, 30, 0}}; !slicesEqual(st.settled, want) {
		t.Fatalf("after traffic: settled %v, want %v (the block kept)", st.settled, want)
	}
	g.Flush(ctx, false) // nothing admitted since: the rest goes back
	if want := []settlement{{today, 30, 0}, {today, 0, 70}}; !slicesEqual(st.settled, want) {
		t.Fatalf("after a quiet interval: settled %v, want %v", st.settled, want)
	}
	admit(5) // a new block
	now = now.Add(3 * time.Second)
	admit(2) // tomorrow: yesterday's 5 and 95 wait for the flush
	g.Flush(ctx, true)
	tomorrow := DayOf(now)
	want := []settlement{{today, 30, 0}, {today, 0, 70}, {today, 5, 95}, {tomorrow, 2, 98}}
	if !slicesEqual(st.settled, want) {
		t.Fatalf("across midnight: settled %v, want %v", st.settled, want)
	}
}

func slicesEqual(a, b []settlement) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAdmitRefusesBeforeLoad(t *testing.T) {
	g := NewGate(&memStore{}, nil, nil)
	if _, err := g.Admit(context.Background(), newKey()); !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("before the first load: %v", err)
	}
}

// BenchmarkAdmit is what a keyed request pays at the gate: a SHA-256 of the
// key, a map read, the bucket and the lease, each under its own mutex.
func BenchmarkAdmit(b *testing.B) {
	g, key := newMemGate(b, Rate{PerSecond: 1e12, Burst: 1e9}, 1_000_000_000_000)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := g.Admit(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}
