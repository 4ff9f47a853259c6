package postgres_test

import (
	"context"
	"testing"

	"yizhan/internal/auth"
	"yizhan/internal/postgres"
	"yizhan/internal/standard"
	"yizhan/internal/station"
)

// A new STAR_RULE rewrites the stored stars when a process starts
// (RecomputeStars), and tells the index of each station it changed.
func TestRecomputeStarsFollowsTheRule(t *testing.T) {
	t.Parallel()
	e := newTruthEnv(t)
	ctx := context.Background()
	store := postgres.NewStandardStore(e.db)
	admin := &auth.Principal{Username: "setup", Role: auth.Admin}
	svc := standard.NewService(store, standard.DefaultRule, e.clock, nil)
	b := func(v bool) *bool { return &v }
	items := map[string]*bool{}
	for _, it := range standard.Checklist {
		items[it.Code] = b(it.Code != "microwave") // nine items
	}
	st, _, err := svc.RecordInspection(ctx, admin, e.station.ID, standard.InspectionInput{Items: items})
	if err != nil || st.Standing.StarLevel != 3 { // 9 points
		t.Fatalf("recorded: %+v %v", st.Standing, err)
	}
	if n, err := svc.RecomputeStars(ctx); err != nil || n != 0 {
		t.Errorf("the same rule changed %d stations: %v", n, err)
	}
	stricter := standard.DefaultRule
	stricter.Thresholds = [4]int{8, 10, 12, 13}
	var told []*station.Station
	svc = standard.NewService(store, stricter, e.clock, func(ss ...*station.Station) { told = append(told, ss...) })
	if n, err := svc.RecomputeStars(ctx); err != nil || n != 1 || len(told) != 1 || told[0].Standing.StarLevel != 2 {
		t.Fatalf("a stricter rule: %d %v %+v", n, err, told)
	}
	got, err := postgres.NewStationStore(e.db).Get(ctx, e.station.ID)
	if err != nil || got.Standing.StarLevel != 2 || got.Revision <= st.Revision {
		t.Errorf("stored: %+v revision %d (was %d) %v", got.Standing, got.Revision, st.Revision, err)
	}
}
