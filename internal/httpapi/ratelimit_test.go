package httpapi

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
		ok   bool
	}{
		{"20:40", Rate{20, 40}, true},
		{"0.2:5", Rate{0.2, 5}, true},
		{"off", Rate{}, true},
		{"0", Rate{}, true},
		{"20", Rate{}, false},
		{"-1:5", Rate{}, false},
		{"5:0", Rate{}, false},
		{"NaN:5", Rate{}, false},
		{"Inf:5", Rate{}, false},
	} {
		got, err := ParseRate(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestLimiterRefills(t *testing.T) {
	l := newLimiter(Rate{PerSecond: 2, Burst: 3})
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	for i := range 3 {
		if ok, _ := l.allow("a", t0); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.allow("a", t0)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("4th request: ok %v, wait %v; want refused, 500ms", ok, wait)
	}
	if ok, _ := l.allow("b", t0); !ok {
		t.Fatal("another key shares the bucket")
	}
	if ok, _ := l.allow("a", t0.Add(500*time.Millisecond)); !ok {
		t.Fatal("not refilled after 500ms at 2/s")
	}
	if ok, _ := l.allow("a", t0.Add(500*time.Millisecond)); ok {
		t.Fatal("refilled more than one token in 500ms")
	}
	// Idle buckets are forgotten, and a forgotten bucket starts full.
	later := t0.Add(2 * time.Minute)
	l.allow("c", later)
	if _, ok := l.buckets["a"]; ok {
		t.Error("an idle, full bucket was kept")
	}
	var nilLimiter *limiter
	if ok, _ := nilLimiter.allow("x", t0); !ok {
		t.Error("a disabled limiter refused")
	}
}
