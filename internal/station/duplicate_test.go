package station

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/geo"
)

func TestNamesAlike(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"浦阳街道爱心驿站", "浦阳街道户外劳动者服务站", true}, // both 浦阳街道
		{"浦阳街道驿站", "浦阳 街道·驿站", true},       // spaces and punctuation
		{"ＡＢＣ银行驿站", "abc银行", true},         // NFKC and case
		{"农业银行浦江支行工会驿站", "农业银行浦江支行", true}, // one contains the other
		{"浦江县总工会户外劳动者服务站", "浦江县总工会驿站", true},
		{"爱心驿站", "爱心驿站", true},      // only generic words: compared whole
		{"爱心驿站", "暖心驿站", true},      // compared whole: 心驿, 驿站 of 3+3
		{"中国银行驿站", "杭州银行驿站", false}, // 银行 alone: 1 common bigram of 3+3
		{"浦阳街道驿站", "仙华街道驿站", false},
		{"", "浦阳驿站", false},
		{"!!!", "浦阳驿站", false},
	} {
		if got := NamesAlike(c.a, c.b); got != c.want {
			t.Errorf("NamesAlike(%q, %q) = %v, want %v (normalised %q, %q, similarity %.2f)", c.a, c.b, got, c.want,
				NormalizeName(c.a), NormalizeName(c.b), BigramSimilarity(NormalizeName(c.a), NormalizeName(c.b)))
		}
		if NamesAlike(c.a, c.b) != NamesAlike(c.b, c.a) {
			t.Errorf("NamesAlike(%q, %q) is not symmetric", c.a, c.b)
		}
	}
}

func TestBigramSimilarity(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"abcd", "abcd", 1},
		{"abcd", "wxyz", 0},
		{"abcd", "abxy", 2.0 / 6},
		{"a", "a", 1},
		{"aaa", "aa", 2.0 / 3}, // multisets: aa,aa vs aa
	} {
		if got := BigramSimilarity(c.a, c.b); got != c.want {
			t.Errorf("BigramSimilarity(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestSearchBoxHoldsTheCircle: every point within the radius, in any
// direction, lies in the box the store reads.
func TestSearchBoxHoldsTheCircle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		p := orb.Point{73 + r.Float64()*62, 18 + r.Float64()*36}
		b := SearchBox(p, AlikeRadius)
		// A point at distance AlikeRadius in a random bearing.
		q := destination(p, r.Float64()*360, AlikeRadius)
		if !b.Contains(q) {
			t.Fatalf("box %v around %v misses %v at %.2f m", b, p, q, geo.Distance(p, q))
		}
	}
}

// TestFindDuplicatesAgainstBruteForce compares the candidates of random new
// stations, among random existing ones and each other, with an O(n²)
// haversine scan of every pair.
func TestFindDuplicatesAgainstBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	names := []string{"浦阳街道爱心驿站", "浦阳街道服务站", "仙华驿站", "仙华街道工会驿站", "农业银行驿站", "中国银行驿站", "爱心驿站"}
	// Dense enough for pairs of every kind: 300 m square.
	point := func() orb.Point { return orb.Point{119.89 + r.Float64()*0.003, 29.45 + r.Float64()*0.003} }
	for round := range 50 {
		var nearby []Nearby
		for range 20 {
			nearby = append(nearby, Nearby{ID: uuid.New(), Name: names[r.IntN(len(names))], Location: point()})
		}
		news := make([]*Station, 8)
		for i := range news {
			news[i] = &Station{ID: uuid.New(), Name: names[r.IntN(len(names))], Location: point(), Status: Active}
		}
		news[r.IntN(len(news))].Status = Suspended
		got := map[string]bool{}
		for _, c := range findDuplicates(news, nearby) {
			got[c.String()] = true
		}
		want := map[string]bool{}
		for i, s := range news {
			if s.Status != Active {
				continue
			}
			var mine []Candidate
			for _, n := range nearby {
				d := geo.Distance(s.Location, n.Location)
				if d <= 25 || d <= 100 && NamesAlike(s.Name, n.Name) {
					rule := "near"
					if d > 25 {
						rule = "alike_name"
					}
					mine = append(mine, Candidate{Feature: i, ID: n.ID, DistanceM: d, Rule: rule})
				}
			}
			for j, o := range news {
				d := geo.Distance(s.Location, o.Location)
				if j != i && o.Status == Active && (d <= 25 || d <= 100 && NamesAlike(s.Name, o.Name)) {
					rule := "near"
					if d > 25 {
						rule = "alike_name"
					}
					mine = append(mine, Candidate{Feature: i, OtherFeature: j, DistanceM: d, Rule: rule})
				}
			}
			sort.Slice(mine, func(a, b int) bool { return mine[a].DistanceM < mine[b].DistanceM })
			if len(mine) > MaxCandidatesPerFeature {
				mine = mine[:MaxCandidatesPerFeature]
			}
			for _, c := range mine {
				want[c.String()] = true
			}
		}
		if fmt.Sprint(sortedKeys(got)) != fmt.Sprint(sortedKeys(want)) {
			t.Fatalf("round %d: found\n%v\nbrute force\n%v", round, sortedKeys(got), sortedKeys(want))
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestFindDuplicatesIsBounded: an import of thousands of stations on one
// point keeps at most MaxCandidatesPerFeature per feature.
func TestFindDuplicatesIsBounded(t *testing.T) {
	news := make([]*Station, 3000)
	for i := range news {
		news[i] = &Station{ID: uuid.New(), Name: "驿站", Location: orb.Point{119.89, 29.45}, Status: Active}
	}
	cs := findDuplicates(news, nil)
	if len(cs) != len(news)*MaxCandidatesPerFeature {
		t.Errorf("%d candidates, want %d", len(cs), len(news)*MaxCandidatesPerFeature)
	}
	e := duplicateError(cs, true)
	if len(e.Candidates) != MaxCandidatesListed || e.Total != len(cs) {
		t.Errorf("the refusal lists %d of %d", len(e.Candidates), e.Total)
	}
}

// destination is the point at distance d metres from p along the bearing
// (degrees), on geo.EarthRadius's sphere.
func destination(p orb.Point, bearing, d float64) orb.Point {
	const rad = math.Pi / 180
	lat1, lng1, b, a := p[1]*rad, p[0]*rad, bearing*rad, d/geo.EarthRadius
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(a) + math.Cos(lat1)*math.Sin(a)*math.Cos(b))
	lng2 := lng1 + math.Atan2(math.Sin(b)*math.Sin(a)*math.Cos(lat1), math.Cos(a)-math.Sin(lat1)*math.Sin(lat2))
	return orb.Point{lng2 / rad, lat2 / rad}
}
