package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"yizhan/internal/auth"
	"yizhan/internal/geo"
	"yizhan/internal/station"
)

func bodyAt(name string, lat, lng float64) map[string]any {
	b := stationBody(name)
	b["location"] = map[string]any{"lat": lat, "lng": lng}
	return b
}

func TestCreateRefusesPossibleDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	first := e.create(admin, bodyAt("浦阳街道爱心驿站", 29.4521, 119.892))

	// 0.0001° of latitude is 11 m: within 25 m whatever the name.
	r := e.do(req{Method: "POST", Path: "/v1/stations", Token: admin, Body: bodyAt("农业银行", 29.4522, 119.892)})
	p := r.Problem(t)
	if r.Status != http.StatusConflict || p.Code != "possible_duplicate" || len(p.Candidates) != 1 ||
		p.Candidates[0].StationID == nil || p.Candidates[0].StationID.String() != first.ID || p.Candidates[0].Rule != "near" ||
		p.Candidates[0].Name != "浦阳街道爱心驿站" || p.Candidates[0].DistanceM < 11 || p.Candidates[0].DistanceM > 11.2 {
		t.Fatalf("a station 11 m away: %d %s", r.Status, r.Body)
	}
	// 0.0006° is 67 m: a duplicate only when the names are alike.
	r = e.do(req{Method: "POST", Path: "/v1/stations", Token: admin, Body: bodyAt("浦阳街道 服务站", 29.4527, 119.892)})
	if p := r.Problem(t); r.Status != http.StatusConflict || p.Candidates[0].Rule != "alike_name" {
		t.Fatalf("an alike name 67 m away: %d %s", r.Status, r.Body)
	}
	e.create(admin, bodyAt("仙华街道驿站", 29.4527, 119.892)) // unlike, 67 m: stored
	// A suspended station is not checked, nor checked against.
	susp := bodyAt("浦阳街道爱心驿站", 29.4521, 119.892)
	susp["status"] = "suspended"
	r = e.do(req{Method: "POST", Path: "/v1/stations", Token: admin, Body: susp})
	if r.Status != http.StatusCreated {
		t.Fatalf("a suspended station on the same point: %d %s", r.Status, r.Body)
	}

	// allow_duplicate stores it, and its history says so.
	r = e.do(req{Method: "POST", Path: "/v1/stations?allow_duplicate=true", Token: admin, Body: bodyAt("农业银行", 29.4522, 119.892)})
	if r.Status != http.StatusCreated {
		t.Fatalf("allow_duplicate: %d %s", r.Status, r.Body)
	}
	var created stationOut
	r.JSON(t, &created)
	r = e.do(req{Method: "GET", Path: "/v1/stations/" + created.ID + "/history", Token: admin})
	var hist struct {
		Items []struct {
			Changes map[string]json.RawMessage
		}
	}
	if r.Status != 200 {
		t.Fatalf("history: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &hist)
	var o struct {
		Before any
		After  []struct {
			StationID string  `json:"station_id"`
			Name      string  `json:"name"`
			DistanceM float64 `json:"distance_m"`
			Rule      string  `json:"rule"`
		}
	}
	if err := json.Unmarshal(hist.Items[0].Changes["duplicate_override"], &o); err != nil {
		t.Fatalf("history: %v in %s", err, r.Body)
	}
	if o.Before != nil || len(o.After) != 1 || o.After[0].StationID != first.ID || o.After[0].Name != "浦阳街道爱心驿站" || o.After[0].Rule != "near" || o.After[0].DistanceM < 11 || o.After[0].DistanceM > 11.2 {
		t.Errorf("history of an allowed duplicate: %s", r.Body)
	}

	// Bad input.
	for _, q := range []string{"allow_duplicate=yes", "allow_duplicate=1", "allow_duplicate="} {
		r = e.do(req{Method: "POST", Path: "/v1/stations?" + q, Token: admin, Body: bodyAt("x", 30, 119)})
		if q == "allow_duplicate=" {
			if r.Status != http.StatusCreated {
				t.Errorf("%s: %d %s", q, r.Status, r.Body)
			}
			continue
		}
		if p := r.Problem(t); r.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "allow_duplicate" {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

// TestConcurrentCreatesOfOnePoint: of many creates of the same point at
// once, exactly one succeeds.
func TestConcurrentCreatesOfOnePoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	for round := range 5 {
		lat := 29.40 + float64(round)*0.01 // each round in a new cell (and at a cell edge in round 0)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			statuses = map[int]int{}
		)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Points 0–7 m apart, some across a lock cell's edge.
				r := e.do(req{Method: "POST", Path: "/v1/stations", Token: admin, Body: bodyAt(fmt.Sprint("站", i), lat+float64(i)*0.00001-0.00003, 119.9)})
				mu.Lock()
				statuses[r.Status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if statuses[201] != 1 || statuses[409] != 7 {
			t.Errorf("round %d: answers %v, want one 201 and seven 409", round, statuses)
		}
	}
}

type importCandidate struct {
	Feature, OtherFeature *int
	StationID             *string
}

// TestImportDuplicatesAgainstBruteForce imports random features among
// random stations and compares the reported candidates with an O(n²)
// haversine scan of every pair.
func TestImportDuplicatesAgainstBruteForce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	r := rand.New(rand.NewPCG(5, 6))
	names := []string{"浦阳街道爱心驿站", "浦阳街道服务站", "仙华驿站", "农业银行驿站", "中国银行", "工商银行"}
	type pt struct {
		id   string
		name string
		p    orb.Point
	}
	point := func() orb.Point { return orb.Point{119.89 + r.Float64()*0.006, 29.45 + r.Float64()*0.006} }
	var existing []pt
	for range 30 {
		p, n := point(), names[r.IntN(len(names))]
		s := e.create(admin, bodyAt(n, p[1], p[0]))
		existing = append(existing, pt{s.ID, n, p})
	}
	for round := range 10 {
		var feats []string
		var news []pt
		for range 6 {
			p, n := point(), names[r.IntN(len(names))]
			news = append(news, pt{"", n, p})
			feats = append(feats, fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"name":%q,"address":"浦江","district_code":"330726","host":{"type":"shop"},"hours":{"always_open":true}}}`, p[0], p[1], n))
		}
		body := `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`
		res := e.do(req{Method: "POST", Path: "/v1/stations/import", Token: admin, Body: body, ContentType: "application/geo+json"})
		var want []string
		for i, a := range news {
			for _, b := range existing {
				if dup(a.name, a.p, b.name, b.p) {
					want = append(want, fmt.Sprintf("%d~%s", i, b.id))
				}
			}
			for j, b := range news {
				if i != j && dup(a.name, a.p, b.name, b.p) {
					want = append(want, fmt.Sprintf("%d~features[%d]", i, j))
				}
			}
		}
		var got []string
		if res.Status == http.StatusConflict {
			var out struct {
				Code       string
				Candidates []struct {
					Feature      *int    `json:"feature"`
					OtherFeature *int    `json:"other_feature"`
					StationID    *string `json:"station_id"`
				}
			}
			res.JSON(t, &out)
			for _, c := range out.Candidates {
				if c.StationID != nil {
					got = append(got, fmt.Sprintf("%d~%s", *c.Feature, *c.StationID))
				} else {
					got = append(got, fmt.Sprintf("%d~features[%d]", *c.Feature, *c.OtherFeature))
				}
			}
		} else if res.Status != http.StatusCreated {
			t.Fatalf("round %d: %d %s", round, res.Status, res.Body)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Fatalf("round %d: reported %v, brute force %v", round, got, want)
		}
		if res.Status == http.StatusCreated {
			var out struct{ Items []stationOut }
			res.JSON(t, &out)
			for i, s := range out.Items {
				existing = append(existing, pt{s.ID, news[i].name, news[i].p})
			}
		}
	}
}

func dup(a string, p orb.Point, b string, q orb.Point) bool {
	d := geo.Distance(p, q)
	return d <= 25 || d <= 100 && station.NamesAlike(a, b)
}

func TestImportReportsDuplicatesPerFeature(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	old := e.create(admin, bodyAt("仙华驿站", 29.46, 119.90))
	feature := func(name string, lat, lng float64) string {
		return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,%v]},"properties":{"name":%q,"address":"浦江","district_code":"330726","host":{"type":"shop"},"hours":{"always_open":true}}}`, lng, lat, name)
	}
	body := `{"type":"FeatureCollection","features":[` + strings.Join([]string{
		feature("甲", 29.50, 119.90),
		feature("乙", 29.46005, 119.90), // 5.6 m from the old one
		feature("丙", 29.52, 119.90),
		feature("丁", 29.52001, 119.90), // 1.1 m from 丙
	}, ",") + `]}`
	r := e.do(req{Method: "POST", Path: "/v1/stations/import", Token: admin, Body: body, ContentType: "application/geo+json"})
	p := r.Problem(t)
	if r.Status != 409 || p.Code != "possible_duplicate" || p.CandidatesTotal != 3 || len(p.Candidates) != 3 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	c := p.Candidates
	if *c[0].Feature != 1 || c[0].StationID.String() != old.ID || *c[1].Feature != 2 || *c[1].OtherFeature != 3 || *c[2].Feature != 3 || *c[2].OtherFeature != 2 {
		t.Errorf("candidates %s", r.Body)
	}
	if !strings.Contains(p.Detail, "有 3 个要素") {
		t.Errorf("detail %q", p.Detail)
	}
	r = e.do(req{Method: "POST", Path: "/v1/stations/import?allow_duplicate=true", Token: admin, Body: body, ContentType: "application/geo+json"})
	if r.Status != 201 {
		t.Fatalf("import allowing duplicates: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "POST", Path: "/v1/stations/import?allow_duplicate=maybe", Token: admin, Body: body, ContentType: "application/geo+json"})
	if r.Status != 400 {
		t.Errorf("allow_duplicate=maybe: %d", r.Status)
	}
}
