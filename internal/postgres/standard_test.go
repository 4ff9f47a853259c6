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

// A listing, an inspection and a recognition each reach the other
// processes' search indexes: the station comes back from ChangesSince
// (what their Syncer reads) with its new standing.
func TestStandingReachesOtherProcesses(t *testing.T) {
	t.Parallel()
	e := newTruthEnv(t)
	ctx := context.Background()
	stations := postgres.NewStationStore(e.db)
	_, cursor, err := stations.ChangesSince(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	admin := &auth.Principal{Username: "setup", Role: auth.Admin}
	svc := standard.NewService(postgres.NewStandardStore(e.db), standard.DefaultRule, e.clock, nil)
	listed := "listed"
	check := func(what string, ok func(s station.Standing) bool) {
		t.Helper()
		got, next, err := stations.ChangesSince(ctx, cursor)
		if err != nil || len(got) != 1 || got[0].ID != e.station.ID || !ok(got[0].Standing) {
			t.Fatalf("after %s: %v %+v", what, err, got)
		}
		cursor = next
	}
	if _, _, err := svc.SetMapListing(ctx, admin, e.station.ID, "tencent", standard.ListingInput{Status: &listed}); err != nil {
		t.Fatal(err)
	}
	check("a listing", func(s station.Standing) bool { return s.ListedOn("tencent") && s.StarLevel == 0 })
	b := true
	items := map[string]*bool{}
	for _, it := range standard.Checklist {
		items[it.Code] = &b
	}
	if _, _, err := svc.RecordInspection(ctx, admin, e.station.ID, standard.InspectionInput{Items: items}); err != nil {
		t.Fatal(err)
	}
	check("an inspection", func(s station.Standing) bool { return s.StarLevel == 4 && !s.LastInspectedAt.IsZero() })
	if _, err := svc.SetMostBeautiful(ctx, admin, e.station.ID, true); err != nil {
		t.Fatal(err)
	}
	check("a recognition", func(s station.Standing) bool { return !s.MostBeautifulAt.IsZero() })
}
