package geo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/paulmach/orb"
)

// pathDistances returns DistanceToPath(item.Point, path) for every item.
func pathDistances(items []Item, path orb.LineString) [][2]float64 {
	out := make([][2]float64, len(items))
	for i := range items {
		out[i][0], out[i][1] = DistanceToPath(items[i].Point, path)
	}
	return out
}

// bruteAlong is the reference for AlongRoute: DistanceToPath for every item
// (pd from pathDistances, or nil to compute only for items passing Tags and
// Accept), filter, order by (Along, Key), take Limit.
func bruteAlong(items []Item, pd [][2]float64, q RouteQuery) []RouteHit {
	got := []RouteHit{}
	if q.Limit <= 0 || len(q.Path) < 2 || !(q.Buffer >= 0) {
		return got
	}
	for i := range items {
		it := &items[i]
		if it.Tags&q.Tags != q.Tags || (q.Accept != nil && !q.Accept(it.Ref)) {
			continue
		}
		var along, off float64
		if pd != nil {
			along, off = pd[i][0], pd[i][1]
		} else {
			along, off = DistanceToPath(it.Point, q.Path)
		}
		if off <= q.Buffer {
			got = append(got, RouteHit{Ref: it.Ref, Key: it.Key, Along: along, Off: off})
		}
	}
	slices.SortFunc(got, func(a, b RouteHit) int {
		if a.Along != b.Along {
			return compareFloat(a.Along, b.Along)
		}
		return bytes.Compare(a.Key[:], b.Key[:])
	})
	return got[:min(len(got), q.Limit)]
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// walkFrom walks dist metres from p at bearing brg (degrees).
func walkFrom(p orb.Point, brg, dist float64) orb.Point {
	lat1, lng1 := p[1]*deg, p[0]*deg
	d := dist / EarthRadius
	b := brg * deg
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(d) + math.Cos(lat1)*math.Sin(d)*math.Cos(b))
	lng2 := lng1 + math.Atan2(math.Sin(b)*math.Sin(d)*math.Cos(lat1), math.Cos(d)-math.Sin(lat1)*math.Sin(lat2))
	return orb.Point{lng2 / deg, lat2 / deg}
}

// randomRoute is a random walk of n points from start with steps drawn
// from steps (metres); a zero step repeats the previous point.
func randomRoute(rng *rand.Rand, start orb.Point, n int, steps []float64) orb.LineString {
	path := orb.LineString{start}
	brg := rng.Float64() * 360
	for len(path) < n {
		brg += rng.NormFloat64() * 40
		path = append(path, walkFrom(path[len(path)-1], brg, steps[rng.IntN(len(steps))]*(0.5+rng.Float64())))
	}
	return path
}

func TestAlongRouteMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 5))
	items := stationItems(rng, 10_000)
	ix := NewIndex(items)
	city := func(i int) orb.Point { c := stationCities[i]; return orb.Point{c.lng, c.lat} }

	type tc struct {
		name string
		q    RouteQuery
	}
	tests := []tc{
		{"degenerate repeated points", RouteQuery{Path: orb.LineString{city(0), city(0), city(0)}, Buffer: 2000, Limit: 1000}},
		{"two identical points zero buffer", RouteQuery{Path: orb.LineString{items[7].Point, items[7].Point}, Buffer: 0, Limit: 10}},
		{"through stations zero buffer", RouteQuery{Path: orb.LineString{items[3].Point, items[4].Point, items[5].Point}, Buffer: 0, Limit: 10}},
		{"long segments across China", RouteQuery{Path: orb.LineString{city(0), city(5), city(1), city(2)}, Buffer: 2000, Limit: 1 << 30}},
		{"beijing to harbin", RouteQuery{Path: orb.LineString{city(0), city(8)}, Buffer: 500, Tags: tagCommon, Limit: 1 << 30}},
		{"far from everything", RouteQuery{Path: orb.LineString{{-150, 0}, {-149, 1}}, Buffer: 2000, Limit: 10}},
		{"buffer wider than the earth", RouteQuery{Path: orb.LineString{city(3), city(4)}, Buffer: 3e7, Tags: tagRare, Limit: 1 << 30}},
		{"nearly antipodal segment", RouteQuery{Path: orb.LineString{{100, 30}, {-80, -29.99}}, Buffer: 2000, Limit: 1 << 30}},
		{"limit one", RouteQuery{Path: randomRoute(rng, city(1), 30, []float64{500}), Buffer: 2000, Limit: 1}},
	}
	bufs := []float64{0, 50, 500, 2000}
	tagSets := []uint64{0, tagCommon, tagRare}
	accepts := []func(int32) bool{nil, accept50}
	limits := []int{1, 10, 1 << 30}
	for i := range 36 {
		c := stationCities[rng.IntN(len(stationCities))]
		start := orb.Point{c.lng + rng.NormFloat64()*c.sigma, c.lat + rng.NormFloat64()*c.sigma}
		q := RouteQuery{
			Path:   randomRoute(rng, start, 2+rng.IntN(15), []float64{0, 30, 300, 3000, 20000}),
			Buffer: bufs[i%len(bufs)],
			Tags:   tagSets[i%len(tagSets)],
			Accept: accepts[i%len(accepts)],
			Limit:  limits[i%len(limits)],
		}
		tests = append(tests, tc{fmt.Sprintf("random %d buffer=%v", i, q.Buffer), q})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := bruteAlong(items, nil, tt.q)
			calls := map[int32]int{}
			q := tt.q
			q.Accept = func(ref int32) bool {
				calls[ref]++
				return tt.q.Accept == nil || tt.q.Accept(ref)
			}
			got := ix.AlongRoute(q, nil)
			if d := firstDiff(got, want); d != "" {
				t.Fatalf("AlongRoute differs from brute force (%d hits): %s", len(want), d)
			}
			for ref, n := range calls {
				it := &items[ref]
				if _, off := DistanceToPath(it.Point, q.Path); n != 1 || off > q.Buffer || it.Tags&q.Tags != q.Tags {
					t.Errorf("Accept(%d) called %d times with off %v, tags %x", ref, n, off, it.Tags)
				}
			}
		})
	}
}

// TestAlongRouteLongPolyline uses the largest supported route: 1,000 points
// with the largest buffer.
func TestAlongRouteLongPolyline(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(6, 6))
	start := orb.Point{121.47, 31.23}
	path := randomRoute(rng, start, 1000, []float64{0, 80, 150})
	items := make([]Item, 1000)
	for i := range items {
		// Half near the route, half anywhere around the city.
		p := path[rng.IntN(len(path))]
		if i%2 == 1 {
			p = orb.Point{start[0] + rng.NormFloat64()*0.3, start[1] + rng.NormFloat64()*0.3}
		}
		items[i] = Item{Point: walkFrom(p, rng.Float64()*360, rng.ExpFloat64()*1500), Ref: int32(i)}
		binary.BigEndian.PutUint64(items[i].Key[:8], rng.Uint64())
	}
	ix := NewIndex(items)
	pd := pathDistances(items, path)
	for _, buf := range []float64{0, 100, 2000} {
		t.Run(fmt.Sprintf("buffer=%v", buf), func(t *testing.T) {
			t.Parallel()
			q := RouteQuery{Path: path, Buffer: buf, Limit: 1 << 30}
			got, want := ix.AlongRoute(q, nil), bruteAlong(items, pd, q)
			if d := firstDiff(got, want); d != "" {
				t.Fatalf("AlongRoute differs from brute force (%d hits): %s", len(want), d)
			}
			if buf == 2000 && len(want) < 250 {
				t.Errorf("only %d hits; the test should exercise many", len(want))
			}
		})
	}
}

func TestAlongRouteDegenerate(t *testing.T) {
	t.Parallel()
	items, ix := sharedStations()
	p := items[0].Point
	path := orb.LineString{p, walkFrom(p, 90, 1000)}
	var nilIndex *Index
	tests := []struct {
		name string
		ix   *Index
		q    RouteQuery
	}{
		{"limit zero", ix, RouteQuery{Path: path, Buffer: 100, Limit: 0}},
		{"limit negative", ix, RouteQuery{Path: path, Buffer: 100, Limit: -1}},
		{"one point", ix, RouteQuery{Path: path[:1], Buffer: 100, Limit: 10}},
		{"no points", ix, RouteQuery{Buffer: 100, Limit: 10}},
		{"negative buffer", ix, RouteQuery{Path: path, Buffer: -1, Limit: 10}},
		{"nan buffer", ix, RouteQuery{Path: path, Buffer: math.NaN(), Limit: 10}},
		{"nan point", ix, RouteQuery{Path: orb.LineString{p, {math.NaN(), 0}}, Buffer: 100, Limit: 10}},
		{"empty index", NewIndex(nil), RouteQuery{Path: path, Buffer: 100, Limit: 10}},
		{"nil index", nilIndex, RouteQuery{Path: path, Buffer: 100, Limit: 10}},
		{"impossible tags", ix, RouteQuery{Path: path, Buffer: 100, Tags: tagImpossible, Limit: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.ix.AlongRoute(tt.q, make([]RouteHit, 2, 8)); len(got) != 0 {
				t.Errorf("AlongRoute = %v, want empty", got)
			}
		})
	}
}

// slerpPath samples a path by spherical linear interpolation: it calls fn
// with each sample's unit vector and along-path distance, about step
// metres apart (every vertex included).
func slerpPath(path orb.LineString, step float64, fn func(v [3]float64, along float64)) {
	start := 0.0
	for i := 0; i+1 < len(path); i++ {
		a, b := testVec(path[i]), testVec(path[i+1])
		omega := 2 * math.Asin(math.Min(1, testNorm(testSub(b, a))/2))
		n := max(1, int(math.Ceil(omega*EarthRadius/step)))
		for s := 0; s <= n; s++ {
			t := float64(s) / float64(n)
			v := a
			if omega > 1e-12 {
				wa, wb := math.Sin((1-t)*omega)/math.Sin(omega), math.Sin(t*omega)/math.Sin(omega)
				v = [3]float64{wa*a[0] + wb*b[0], wa*a[1] + wb*b[1], wa*a[2] + wb*b[2]}
			}
			fn(v, start+t*omega*EarthRadius)
		}
		start += omega * EarthRadius
	}
}

func testVec(p orb.Point) [3]float64 { x, y, z := sphereVec(p); return [3]float64{x, y, z} }
func testSub(a, b [3]float64) [3]float64 {
	return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]}
}
func testNorm(a [3]float64) float64 { return math.Sqrt(a[0]*a[0] + a[1]*a[1] + a[2]*a[2]) }

// chordMetres is the great-circle distance between two unit vectors,
// computed independently of the haversine.
func chordMetres(a, b [3]float64) float64 {
	return 2 * EarthRadius * math.Asin(math.Min(1, testNorm(testSub(a, b))/2))
}

// TestDistanceToPathMatchesSampling checks DistanceToPath against dense
// slerp sampling of every arc at ~1 m steps: the sampled minimum can only
// exceed the true one (by at most ~0.5 m), and the point at the reported
// along must be at the reported distance.
func TestDistanceToPathMatchesSampling(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(8, 8))
	const tol = 0.5
	type tc struct {
		name string
		path orb.LineString
		pts  []orb.Point
	}
	around := func(path orb.LineString, n int, spread float64) []orb.Point {
		pts := []orb.Point{path[0], path[len(path)-1], path[len(path)/2]}
		for len(pts) < n {
			pts = append(pts, walkFrom(path[rng.IntN(len(path))], rng.Float64()*360, rng.ExpFloat64()*spread))
		}
		return pts
	}
	tests := []tc{}
	for i := range 6 {
		path := randomRoute(rng, orb.Point{114 + rng.Float64(), 22.5 + rng.Float64()}, 2+rng.IntN(6), []float64{0, 0.01, 5, 400, 1500})
		tests = append(tests, tc{fmt.Sprintf("city route %d", i), path, around(path, 40, 800)})
	}
	arctic := orb.LineString{{10, 85}, {100, 86}, {-170, 87}}
	tests = append(tests,
		tc{"100 km segment", orb.LineString{{116.4, 39.9}, {117.3, 40.2}}, around(orb.LineString{{116.4, 39.9}, {117.3, 40.2}}, 6, 5000)},
		tc{"hairpin", orb.LineString{{113, 23}, {113.01, 23}, {113, 23.0001}}, around(orb.LineString{{113, 23}, {113.01, 23}}, 30, 300)},
		tc{"near pole", orb.LineString{{0, 89.99}, {180, 89.99}}, around(orb.LineString{{0, 89.99}, {180, 89.99}}, 20, 300)},
		tc{"across antimeridian", orb.LineString{{179.99, 10}, {-179.99, 10.005}}, around(orb.LineString{{179.99, 10}, {-179.99, 10.005}}, 20, 500)},
		tc{"arctic short hops", orb.LineString{arctic[0], walkFrom(arctic[0], 80, 1200), walkFrom(arctic[0], 85, 2000)}, around(orb.LineString{arctic[0]}, 20, 1000)},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, p := range tt.pts {
				pv := testVec(p)
				wantOff, wantAlong := math.Inf(1), 0.0
				slerpPath(tt.path, 1, func(v [3]float64, along float64) {
					if d := chordMetres(pv, v); d < wantOff {
						wantOff, wantAlong = d, along
					}
				})
				gotAlong, gotOff := DistanceToPath(p, tt.path)
				if gotOff > wantOff+1e-6 || wantOff-gotOff > tol {
					t.Errorf("DistanceToPath(%v) off = %.4f, sampled %.4f (along got %.3f, sampled %.3f)", p, gotOff, wantOff, gotAlong, wantAlong)
				}
				// The path point at gotAlong must be gotOff away from p.
				at, best := [3]float64{}, math.Inf(1)
				slerpPath(tt.path, 1, func(v [3]float64, along float64) {
					if d := math.Abs(along - gotAlong); d < best {
						at, best = v, d
					}
				})
				if d := chordMetres(pv, at); math.Abs(d-gotOff) > tol+best {
					t.Errorf("DistanceToPath(%v): point at along %.3f is %.4f m away, want off %.4f", p, gotAlong, d, gotOff)
				}
			}
		})
	}
}

func TestDistanceToPathCases(t *testing.T) {
	t.Parallel()
	m := func(degrees float64) float64 { return degrees * deg * EarthRadius }
	tests := []struct {
		name                string
		p                   orb.Point
		path                orb.LineString
		wantAlong, wantOff  float64
		alongTol, offTol    float64
		wantNaNAlong, isNaN bool
	}{
		{name: "on start", p: orb.Point{0, 0}, path: orb.LineString{{0, 0}, {1, 0}}, wantAlong: 0, wantOff: 0},
		{name: "on end", p: orb.Point{1, 0}, path: orb.LineString{{0, 0}, {1, 0}}, wantAlong: m(1), wantOff: 0, alongTol: 1e-6},
		{name: "beside equator", p: orb.Point{0.5, 0.1}, path: orb.LineString{{0, 0}, {1, 0}}, wantAlong: m(0.5), wantOff: m(0.1), alongTol: 1e-6, offTol: 1e-6},
		{name: "before start", p: orb.Point{-1, 0}, path: orb.LineString{{0, 0}, {1, 0}}, wantAlong: 0, wantOff: m(1), offTol: 1e-6},
		{name: "beyond end", p: orb.Point{2, 0.5}, path: orb.LineString{{0, 0}, {1, 0}}, wantAlong: m(1), wantOff: Distance(orb.Point{2, 0.5}, orb.Point{1, 0}), alongTol: 1e-6},
		// The first and last segments are the same arc, so their offs tie
		// exactly; the first (smallest along) must win.
		{name: "tie picks smallest along", p: orb.Point{0.5, 0.1}, path: orb.LineString{{0, 0}, {1, 0}, {0.5, 5}, {0, 0}, {1, 0}}, wantAlong: m(0.5), wantOff: m(0.1), alongTol: 1e-6, offTol: 1e-6},
		{name: "back and forth", p: orb.Point{0.5, 0.1}, path: orb.LineString{{0, 0}, {1, 0}, {0, 0}}, wantAlong: m(0.5), wantOff: m(0.1), alongTol: m(1) + 1e-6, offTol: 1e-6},
		{name: "repeated points", p: orb.Point{1, 1}, path: orb.LineString{{1, 0}, {1, 0}, {1, 0}}, wantAlong: 0, wantOff: m(1), offTol: 1e-6},
		{name: "single point", p: orb.Point{1, 1}, path: orb.LineString{{1, 0}}, wantAlong: 0, wantOff: m(1), offTol: 1e-6},
		{name: "meridian", p: orb.Point{0.2, 45}, path: orb.LineString{{0, 40}, {0, 50}}, wantAlong: EarthRadius * (math.Atan2(math.Sin(45*deg), math.Cos(45*deg)*math.Cos(0.2*deg)) - 40*deg), wantOff: EarthRadius * math.Asin(math.Sin(0.2*deg)*math.Cos(45*deg)), alongTol: 1e-6, offTol: 1e-6},
		{name: "empty path", p: orb.Point{1, 1}, isNaN: true},
		{name: "nan point", p: orb.Point{math.NaN(), 1}, path: orb.LineString{{0, 0}, {1, 0}}, isNaN: true},
		{name: "nan in path", p: orb.Point{1, 1}, path: orb.LineString{{0, 0}, {math.NaN(), 0}}, isNaN: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gotAlong, gotOff := DistanceToPath(tt.p, tt.path)
			if tt.isNaN {
				if !math.IsNaN(gotAlong) || !math.IsNaN(gotOff) {
					t.Errorf("DistanceToPath = (%v, %v), want NaN, NaN", gotAlong, gotOff)
				}
				return
			}
			if math.Abs(gotAlong-tt.wantAlong) > tt.alongTol || math.Abs(gotOff-tt.wantOff) > tt.offTol {
				t.Errorf("DistanceToPath = (%v, %v), want (%v ± %v, %v ± %v)", gotAlong, gotOff, tt.wantAlong, tt.alongTol, tt.wantOff, tt.offTol)
			}
		})
	}
}

// TestAlongRouteSorted double-checks the output order and limit on a busy
// corridor independent of the brute force.
func TestAlongRouteSorted(t *testing.T) {
	t.Parallel()
	items, ix := sharedStations()
	path := orb.LineString{{116.2, 39.8}, {116.4, 39.9}, {116.6, 40.0}}
	got := ix.AlongRoute(RouteQuery{Path: path, Buffer: 2000, Limit: 25}, nil)
	if len(got) != 25 {
		t.Fatalf("len = %d, want 25", len(got))
	}
	byRef := map[int32]Item{}
	for _, it := range items {
		byRef[it.Ref] = it
	}
	for i, h := range got {
		along, off := DistanceToPath(byRef[h.Ref].Point, path)
		if d := cmp.Diff(RouteHit{Ref: h.Ref, Key: byRef[h.Ref].Key, Along: along, Off: off}, h); d != "" {
			t.Errorf("hit %d (-want +got):\n%s", i, d)
		}
		if i > 0 && (h.Along < got[i-1].Along || (h.Along == got[i-1].Along && bytes.Compare(h.Key[:], got[i-1].Key[:]) <= 0)) {
			t.Errorf("hits %d and %d out of order", i-1, i)
		}
	}
}
