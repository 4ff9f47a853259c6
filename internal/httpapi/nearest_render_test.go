package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/benchdata"
	"yizhan/internal/search"
	"yizhan/internal/station"
)

// The nearest search's answer, through the whole handler, must be the bytes
// an independent rendering gives: every station from its record's fields
// (appendJSON), every number through strconv (appendFloat of the rounded
// value), for many random questions over stations some of which have
// notices, in every crs, at instants that keep and change the minute, with
// and without filters, and with cards and memo words left by earlier
// questions.
func TestNearestAnswerMatchesFieldRendering(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 19))
	base := time.Date(2026, 12, 2, 21, 30, 0, 0, time.FixedZone("CST", 8*3600))
	ss := benchdata.Stations(3000, 5)
	for _, s := range ss[:300] {
		from := base.Add(time.Duration(rng.Int64N(int64(6*time.Hour))) - 3*time.Hour)
		s.Notices = append(s.Notices, station.Notice{ID: uuid.New(), Kind: []station.NoticeKind{station.TemporarilyClosed, station.AmenityUnavailable}[rng.IntN(2)],
			Amenity: 1 << rng.IntN(len(station.Amenities)), From: from, Until: from.Add(time.Duration(1 + rng.Int64N(int64(4*time.Hour)))), Message: "暂停"})
	}
	e := search.NewEngine()
	e.Load(ss)
	h, err := New(Deps{Search: e, Stations: station.NewService(nil, nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	qs := benchdata.Queries(200, 3)
	for i := range 3000 {
		p := qs[rng.IntN(len(qs))]
		at := base.Add(time.Duration(rng.Int64N(int64(8*time.Hour))) - 4*time.Hour)
		if rng.IntN(2) == 0 {
			at = base.Add(time.Duration(rng.Int64N(int64(3 * time.Minute))))
		}
		v := url.Values{}
		v.Set("lat", fmt.Sprintf("%.6f", p[1]))
		v.Set("lng", fmt.Sprintf("%.6f", p[0]))
		v.Set("limit", fmt.Sprint(1+rng.IntN(maxNearestLimit)))
		v.Set("at", at.Format(time.RFC3339Nano))
		if c := rng.IntN(4); c > 0 {
			v.Set("crs", []string{"", "wgs84", "gcj02", "bd09"}[c])
		}
		if rng.IntN(4) == 0 {
			v.Set("open_now", "true")
		}
		if rng.IntN(4) == 0 {
			v.Set("amenities", station.Amenities[rng.IntN(len(station.Amenities))].Code)
		}
		if rng.IntN(3) == 0 {
			v.Set("radius_m", fmt.Sprint(1000+rng.IntN(50000)))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/stations/nearest?"+v.Encode(), nil))
		got, _ := io.ReadAll(rec.Body)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", v.Encode(), rec.Code, got)
		}

		nq, err := parseNearestQuery(v, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		hits, version := e.Nearest(nq.Query, nil)
		want := []byte(`{"items":[`)
		for j, hit := range hits {
			if j > 0 {
				want = append(want, ',')
			}
			want = stationView{hit.Station, nq.CRS, nq.At}.appendJSON(want, func(b []byte) []byte {
				b = append(b, `,"distance_m":`...)
				b = appendFloat(b, round2(hit.DistanceM))
				b = append(b, `,"bearing_deg":`...)
				return appendFloat(b, roundBearing(hit.BearingDeg))
			})
		}
		want = appendPageEnd(want, nq.CRS, version)
		if !bytes.Equal(got, want) {
			t.Fatalf("question %d, %s:\nhandler\n%s\nfields\n%s", i, v.Encode(), got, want)
		}
		if cl := rec.Header().Get("Content-Length"); cl != fmt.Sprint(len(want)) {
			t.Fatalf("Content-Length %s for %d bytes", cl, len(want))
		}
	}
}

// X-Index-Age's shared value is the age asked for, and an answer that adds
// to its header cannot change what the next answer sends.
func TestIndexAgeValueIsShared(t *testing.T) {
	for _, age := range []int64{0, 5, 5, 6, 123456} {
		v := indexAgeValue(age)
		if len(v) != 1 || v[0] != fmt.Sprint(age) {
			t.Fatalf("indexAgeValue(%d) = %q", age, v)
		}
		h := http.Header{"X-Index-Age": v}
		h.Add("X-Index-Age", "tampered")
		if again := indexAgeValue(age); len(again) != 1 || again[0] != fmt.Sprint(age) {
			t.Fatalf("after an Add, indexAgeValue(%d) = %q", age, again)
		}
	}
}
