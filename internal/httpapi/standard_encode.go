package httpapi

import (
	"strconv"

	"yizhan/internal/station"
)

// appendStanding appends what the union's standards say of a station:
// map_listings (always, {} when none: a platform missing is not submitted),
// star_level once inspected, most_beautiful when recognised. Part of the
// station's card, so a search answer copies it rather than renders it.
// Notes and who set them are for staff only (GET …/map-listings).
func appendStanding(b []byte, s *station.Standing) []byte {
	b = append(b, `,"map_listings":{`...)
	for i, l := range s.MapListings {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, l.Platform...)
		b = append(b, `":{"status":"`...)
		b = append(b, l.Status...)
		b = append(b, `","date":"`...)
		b = append(b, l.Date...)
		b = append(b, `"}`...)
	}
	b = append(b, '}')
	if s.StarLevel > 0 {
		b = append(b, `,"star_level":`...)
		b = strconv.AppendInt(b, int64(s.StarLevel), 10)
	}
	if !s.MostBeautifulAt.IsZero() {
		b = append(b, `,"most_beautiful":true`...)
	}
	return b
}
