package station

import "time"

// What the union's standards say of a station (issue 15 §2 and §4): its
// listings on the map apps (上图), the star level its latest inspection gave,
// and the 最美站点 recognition. internal/standard keeps the rules that set
// them; none of it changes the station's Version (an editor's ETag).

// MapPlatforms are the map apps a station is listed on, in answer order.
var MapPlatforms = []string{"amap", "baidu", "tencent"}

// MapListing is a station's listing on one map app. Date is the Shanghai
// calendar day (YYYY-MM-DD) the status was reached.
type MapListing struct {
	Platform string
	Status   string // not_submitted, submitted, listed or rejected
	Date     string
}

// Standing is a station's standing under the union's standards.
type Standing struct {
	// MapListings holds the platforms staff have set, in MapPlatforms
	// order; a platform missing has not been submitted.
	MapListings []MapListing
	// StarLevel is 1 to 5, or 0 before the first inspection.
	StarLevel int
	// LastInspectedAt is the latest inspection; zero when none.
	LastInspectedAt time.Time
	// MostBeautifulAt is when city or province staff recognised the
	// station as a 最美站点; zero when not recognised.
	MostBeautifulAt time.Time
}

// ListedOn reports whether the station is listed on the platform.
func (s *Standing) ListedOn(platform string) bool {
	for _, l := range s.MapListings {
		if l.Platform == platform {
			return l.Status == "listed"
		}
	}
	return false
}

// ListedCount is the number of platforms the station is listed on.
func (s *Standing) ListedCount() int {
	n := 0
	for _, l := range s.MapListings {
		if l.Status == "listed" {
			n++
		}
	}
	return n
}
