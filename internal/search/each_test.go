package search

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"

	"yizhan/internal/station"
)

// Each visits exactly the active stations, in the base and the delta, and
// none that a later write superseded.
func TestEachVisitsTheActiveStations(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(5, 5))
	all := randomStations(r, 3000)
	e := NewEngine()
	e.Load(all)
	// Later copies: some close, some move; both land in the delta.
	var later []*station.Station
	for _, s := range all[:200] {
		c := *s
		c.Version++
		if r.IntN(2) == 0 {
			c.Status = station.Closed
		}
		later = append(later, &c)
	}
	e.Apply(later...)
	want := map[uuid.UUID]bool{}
	for _, s := range append(slices.Clone(all[200:]), later...) {
		if s.Status == station.Active {
			want[s.ID] = true
		}
	}
	got := map[uuid.UUID]bool{}
	e.Each(func(s *station.Station) bool {
		if got[s.ID] {
			t.Errorf("%s visited twice", s.ID)
		}
		got[s.ID] = true
		return true
	})
	if len(got) != len(want) || len(got) != e.Len() {
		t.Fatalf("visited %d, want %d (Len %d)", len(got), len(want), e.Len())
	}
	for id := range want {
		if !got[id] {
			t.Fatalf("%s not visited", id)
		}
	}
	n := 0
	e.Each(func(*station.Station) bool { n++; return n < 10 })
	if n != 10 {
		t.Errorf("Each went on after false: %d", n)
	}
}
