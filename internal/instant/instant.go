// Package instant holds the range every instant a client sends must fall
// in. encoding/json reads any RFC 3339 time, including one whose offset
// carries it past year 9999 in UTC, which then cannot be written back as
// JSON (nor be meant): a domain checks each instant it takes here.
package instant

import (
	"time"

	"yizhan/internal/apperr"
)

// Earliest and Latest bound the instants a client may send: a union's
// activities and offers fall well within them.
var (
	Earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	Latest   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Check adds a problem for field when t is outside [Earliest, Latest) and
// reports whether t is within.
func Check(p *apperr.Problems, field string, t time.Time) bool {
	if t.Before(Earliest) || !t.Before(Latest) {
		p.Add(field, "out_of_range", "must be a time from the year 2000 to 2099")
		return false
	}
	return true
}
