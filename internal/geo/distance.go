package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// EarthRadius is the mean Earth radius in metres (IUGG R1) used for every
// great-circle distance in Yizhan.
const EarthRadius = 6371008.8

const deg = math.Pi / 180

// Distance returns the great-circle distance in metres between a and b
// (orb order: [lng, lat], degrees, WGS-84) on a sphere of radius EarthRadius.
// It uses the haversine formula, which is well conditioned for the short
// distances Yizhan mostly measures.
func Distance(a, b orb.Point) float64 {
	lat1, lat2 := a[1]*deg, b[1]*deg
	dLat := lat2 - lat1
	dLng := (b[0] - a[0]) * deg
	s1 := math.Sin(dLat / 2)
	s2 := math.Sin(dLng / 2)
	h := s1*s1 + math.Cos(lat1)*math.Cos(lat2)*s2*s2
	if h > 1 {
		h = 1
	}
	return 2 * EarthRadius * math.Asin(math.Sqrt(h))
}

// Bearing returns the initial great-circle bearing from a to b in degrees
// clockwise from north, in [0, 360). The bearing from a point to itself is 0.
func Bearing(a, b orb.Point) float64 {
	lat1, lat2 := a[1]*deg, b[1]*deg
	dLng := (b[0] - a[0]) * deg
	y := math.Sin(dLng) * math.Cos(lat2)
	x := math.Cos(lat1)*math.Sin(lat2) - math.Sin(lat1)*math.Cos(lat2)*math.Cos(dLng)
	if x == 0 && y == 0 {
		return 0
	}
	b0 := math.Atan2(y, x) / deg
	if b0 < 0 {
		b0 += 360
	}
	if b0 >= 360 {
		b0 -= 360
	}
	return b0
}
