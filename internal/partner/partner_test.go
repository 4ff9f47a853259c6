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
}

func (m *memStore) KeyedPartners(context.Context) ([]Keyed, error) { return m.keyed, nil }
func (m *memStore) Reserve(_ context.Context, id uuid.UUID, _ Day, grant func(int64, int64) int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	g := grant(m.reserved[id], m.keyed[0].DailyQuota)
	m.reserved[id] += g
	return g, nil
}
func (m *memStore) Settle(context.Context, uuid.UUID, Day, int64, int64) error { return nil }

func newMemGate(b testing.TB, r Rate, quota int64) (*Gate, string) {
	key := newKey()
	st := &memStore{keyed: []Keyed{{Partner: Partner{ID: uuid.New(), Name: "美团", Rate: r, DailyQuota: quota}, KeyHash: HashKey(key)}}, reserved: map[uuid.UUID]int64{}}
	g := NewGate(st, nil, nil)
	if err := g.Reload(context.Background()); err != nil {
		b.Fatal(err)
	}
	return g, key
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
