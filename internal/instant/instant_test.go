package instant

import (
	"testing"
	"time"

	"yizhan/internal/apperr"
)

func TestCheck(t *testing.T) {
	past9999, err := time.Parse(time.RFC3339, "9999-12-31T23:59:59-14:00")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		t  time.Time
		ok bool
	}{
		{time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), true},
		{Earliest, true},
		{Latest.Add(-time.Nanosecond), true},
		{Latest, false},
		{Earliest.Add(-time.Nanosecond), false},
		{past9999, false},
		{time.Time{}, false},
	} {
		var p apperr.Problems
		if got := Check(&p, "starts_at", c.t); got != c.ok || (p.Err() == nil) != c.ok {
			t.Errorf("%v: %v %v, want %v", c.t, got, p.Err(), c.ok)
		}
	}
	// The instant that made an activity unreadable cannot be written as JSON.
	if _, err := past9999.UTC().MarshalJSON(); err == nil {
		t.Error("the year-10000 instant marshals; the bound's reason is gone")
	}
}
