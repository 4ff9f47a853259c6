package coverage

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"

	"yizhan/internal/geo"
)

// bruteGreedy is the greedy of the issue, written as plainly as possible:
// every step scans every candidate against every cell.
func bruteGreedy(cells []Cell, stations []orb.Point, reach float64, k int) []Suggestion {
	covered := make([]bool, len(cells))
	for i, c := range cells {
		for _, s := range stations {
			if geo.Distance(c.ID.Centre(), s) <= reach {
				covered[i] = true
			}
		}
	}
	var out []Suggestion
	var total int64
	for len(out) < k {
		best, bestGain := -1, int64(0)
		for i, c := range cells {
			var g int64
			for j, d := range cells {
				if !covered[j] && geo.Distance(c.ID.Centre(), d.ID.Centre()) <= reach {
					g += d.Count
				}
			}
			if g > bestGain || g == bestGain && g > 0 && cells[i].ID < cells[best].ID {
				best, bestGain = i, g
			}
		}
		if best < 0 {
			break
		}
		for j, d := range cells {
			if geo.Distance(cells[best].ID.Centre(), d.ID.Centre()) <= reach {
				covered[j] = true
			}
		}
		total += bestGain
		out = append(out, Suggestion{Cell: cells[best].ID, Point: cells[best].ID.Centre(), NewlyCovered: bestGain, CumulativeCovered: total})
	}
	return out
}

// randomDemand scatters n cells (a few heavy ones, many light, and many
// ties) and m stations in a box around Jinhua.
func randomDemand(r *rand.Rand, n, m int, spanDeg float64) ([]Cell, []orb.Point) {
	// About 0.6 cells per 0.01°×0.01° at this latitude: leave room.
	spanDeg = max(spanDeg, math.Sqrt(float64(n))*0.025)
	seen := map[CellID]bool{}
	var cells []Cell
	for len(cells) < n {
		p := orb.Point{119.6 + r.Float64()*spanDeg, 29.0 + r.Float64()*spanDeg}
		id := CellOf(p)
		if seen[id] {
			continue
		}
		seen[id] = true
		count := int64(5 + r.IntN(4))
		if r.IntN(10) == 0 {
			count = int64(50 + r.IntN(200))
		}
		cells = append(cells, Cell{id, count})
	}
	sortCells(cells)
	stations := make([]orb.Point, m)
	for i := range stations {
		stations[i] = orb.Point{119.6 + r.Float64()*spanDeg, 29.0 + r.Float64()*spanDeg}
	}
	return cells, stations
}

func TestGreedyIsTheBruteForceGreedy(t *testing.T) {
	t.Parallel()
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 7))
		cells, stations := randomDemand(r, 20+r.IntN(120), r.IntN(12), 0.05+r.Float64()*0.25)
		reach := []float64{1000, 1500, 3000}[seed%3]
		k := 1 + r.IntN(12)
		assessed, _ := Assess(cells, NewSupply(stations), reach, 1)
		covered := make([]bool, len(cells))
		for i, a := range assessed {
			covered[i] = a.Covered
		}
		got := Greedy(cells, covered, reach, k)
		want := bruteGreedy(cells, stations, reach, k)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("seed %d, %d cells, %d stations, reach %g, k %d (-brute +greedy):\n%s", seed, len(cells), len(stations), reach, k, d)
		}
	}
}

func TestGreedyBreaksTiesBySmallerCellID(t *testing.T) {
	t.Parallel()
	// Two far-apart cells of equal demand: the smaller id comes first.
	a, b := CellOf(orb.Point{119.9, 29.4}), CellOf(orb.Point{120.5, 30.0})
	cells := []Cell{{a, 10}, {b, 10}}
	sortCells(cells)
	got := Greedy(cells, []bool{false, false}, 1000, 5)
	if len(got) != 2 || got[0].Cell != min(a, b) || got[1].CumulativeCovered != 20 {
		t.Fatalf("got %+v", got)
	}
	// Nothing left to cover: no more sites, however many were asked for.
	if got := Greedy(cells, []bool{true, true}, 1000, 5); len(got) != 0 {
		t.Fatalf("covered demand still suggests %+v", got)
	}
}

func TestAssessIsBruteForce(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 3))
	cells, stations := randomDemand(r, 300, 40, 0.3)
	for _, minStations := range []int{1, 2, 3} {
		got, totals := Assess(cells, NewSupply(stations), 1500, minStations)
		var cov, unc int64
		for i, c := range cells {
			var ds []float64
			for _, s := range stations {
				ds = append(ds, geo.Distance(c.ID.Centre(), s))
			}
			slices.Sort(ds)
			in := 0
			for _, d := range ds {
				if d <= 1500 {
					in++
				}
			}
			want := in >= minStations
			if got[i].Covered != want || got[i].NearestM != ds[0] {
				t.Fatalf("cell %d: got %+v, want covered %v nearest %v", i, got[i], want, ds[0])
			}
			if want {
				cov += c.Count
			} else {
				unc += c.Count
			}
		}
		if totals.Covered != cov || totals.Uncovered != unc || math.Abs(totals.CoveredShare-float64(cov)/float64(cov+unc)) > 1e-12 {
			t.Errorf("min %d: totals %+v, want %d/%d", minStations, totals, cov, unc)
		}
	}
}

// BenchmarkGreedy plans k = 10 sites over 200,000 demand cells (a 5°×5°
// 7°×7° square of Zhejiang, Jiangxi and Fujian, every other cell or so) against
// 100,000 stations, reach 1,000 m: assessing the cells against the
// stations, then the lazy greedy. Target: ≤ 2 s.
func BenchmarkGreedy(b *testing.B) {
	r := rand.New(rand.NewPCG(42, 42))
	cells, stations := randomDemand(r, 200_000, 100_000, 7)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		sup := NewSupply(stations)
		assessed, _ := Assess(cells, sup, 1000, 1)
		covered := make([]bool, len(cells))
		for i, a := range assessed {
			covered[i] = a.Covered
		}
		mid := time.Now()
		got := Greedy(cells, covered, 1000, 10)
		if len(got) != 10 {
			b.Fatalf("%d sites", len(got))
		}
		b.ReportMetric(mid.Sub(start).Seconds(), "assess-s")
		b.ReportMetric(time.Since(mid).Seconds(), "greedy-s")
	}
}
