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
func Bearing(a, b orb.Point) float64 { return NewOrigin(a).BearingTo(b) }

// Origin is a point prepared for bearings to many others: the sine and
// cosine of its latitude are computed once rather than for every bearing.
type Origin struct {
	lng            float64
	sinLat, cosLat float64
}

// NewOrigin prepares a for BearingTo.
func NewOrigin(a orb.Point) Origin {
	lat := a[1] * deg
	return Origin{lng: a[0], sinLat: math.Sin(lat), cosLat: math.Cos(lat)}
}

// BearingTo is Bearing from the origin to b, bit for bit.
func (o Origin) BearingTo(b orb.Point) float64 {
	lat2 := b[1] * deg
	dLng := (b[0] - o.lng) * deg
	sinLat2, cosLat2 := math.Sincos(lat2)
	sinDLng, cosDLng := math.Sincos(dLng)
	y := sinDLng * cosLat2
	x := o.cosLat*sinLat2 - o.sinLat*cosLat2*cosDLng
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
