package coverage

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
)

// Counter counts searches per cell and clock hour in memory, between
// flushes. Add is on the nearest search's path, so it takes no shared lock:
// each call picks one of many shards at random (math/rand/v2's generator is
// per thread) and passes over a shard whose mutex is held, so searches do
// not wait on each other; a busy cell's count is spread over the shards
// and summed when drained. In the steady state Add allocates
// nothing: a shard's map keeps its buckets from one flush to the next.
//
// A Counter holds nothing but cell ids, hours and counts; the point is
// forgotten once its cell is known.
type Counter struct {
	shards  [counterShards]counterShard
	dropped atomic.Uint64
}

const (
	counterShards = 64
	// shardKeysMax bounds a shard's distinct (cell, hour) keys between two
	// flushes, so that a flood of searches at random points cannot grow the
	// counter without bound: 64 × 16,384 keys is about a million, some
	// 40 MB. Searches beyond it are not counted (Dropped).
	shardKeysMax = 16384
)

type counterKey struct {
	cell CellID
	hour int64 // Unix hours
}

type counterShard struct {
	mu    sync.Mutex
	m     map[counterKey]uint32
	spare map[counterKey]uint32
	_     [64]byte // keeps neighbouring shards off one cache line
}

// NewCounter returns an empty counter.
func NewCounter() *Counter {
	c := &Counter{}
	for i := range c.shards {
		c.shards[i].m = make(map[counterKey]uint32, 64)
		c.shards[i].spare = make(map[counterKey]uint32, 64)
	}
	return c
}

// Add counts one search at the WGS-84 point p at instant t. A nil Counter
// counts nothing.
func (c *Counter) Add(p orb.Point, t time.Time) {
	if c == nil {
		return
	}
	k := counterKey{CellOf(p), floorDiv(t.Unix(), 3600)}
	// A shard whose mutex is held (its holder may even have been
	// descheduled) is passed over for another: Add waits only when several
	// random shards in a row are busy.
	r := rand.Uint64()
	sh := &c.shards[r%counterShards]
	for try := 1; !sh.mu.TryLock(); try++ {
		r >>= 6
		sh = &c.shards[r%counterShards]
		if try == 4 {
			sh.mu.Lock()
			break
		}
	}
	if n, ok := sh.m[k]; ok || len(sh.m) < shardKeysMax {
		sh.m[k] = n + 1
		sh.mu.Unlock()
		return
	}
	sh.mu.Unlock()
	c.dropped.Add(1)
}

// Dropped is how many searches were not counted because the counter was
// full.
func (c *Counter) Dropped() uint64 { return c.dropped.Load() }

// A Tally is the searches of one cell in one clock hour.
type Tally struct {
	Cell CellID
	Hour int64 // Unix hours: the hour starting at Hour×3600 seconds
	N    int64
}

// Drain returns the counts since the last Drain, one per cell and hour,
// ordered by cell then hour, and starts counting afresh. One goroutine
// drains (the Flusher); a nil Counter has nothing.
func (c *Counter) Drain() []Tally {
	if c == nil {
		return nil
	}
	sum := map[counterKey]int64{}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		full := sh.m
		sh.m, sh.spare = sh.spare, sh.m
		sh.mu.Unlock()
		for k, n := range full {
			sum[k] += int64(n)
		}
		clear(full)
	}
	out := make([]Tally, 0, len(sum))
	for k, n := range sum {
		out = append(out, Tally{k.cell, k.hour, n})
	}
	slices.SortFunc(out, func(a, b Tally) int {
		if c := cmp.Compare(a.Cell, b.Cell); c != 0 {
			return c
		}
		return cmp.Compare(a.Hour, b.Hour)
	})
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
