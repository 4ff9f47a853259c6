package geo

import (
	"errors"
	"math"

	"github.com/paulmach/orb"
)

// CRS names the coordinate reference system a client's coordinates are in.
// Chinese map SDKs hand out GCJ-02 (Tencent, Amap) or BD-09 (Baidu) rather
// than the WGS-84 that Yizhan stores, so every coordinate that crosses the API
// carries one and is converted at the edge.
type CRS string

// The systems Yizhan accepts. The string values are the API's wire names.
const (
	WGS84 CRS = "wgs84" // GPS and every non-Chinese map; what Yizhan stores
	GCJ02 CRS = "gcj02" // China's obfuscated datum, used by Tencent and Amap
	BD09  CRS = "bd09"  // Baidu's second obfuscation on top of GCJ-02
)

// ErrUnknownCRS is returned by ParseCRS for a name it does not know. It is a
// plain sentinel so that geo stays free of HTTP concerns; the caller maps it
// to its own error vocabulary and knows which field held the bad name.
var ErrUnknownCRS = errors.New("geo: unknown coordinate reference system")

// ParseCRS turns a wire name into a CRS. The empty string means WGS-84 so
// that clients that never heard of Chinese datums need not send one. Names
// are matched exactly (lowercase) rather than folded, so that one spelling is
// the API's and caches keyed on the raw value cannot split.
func ParseCRS(s string) (CRS, error) {
	switch c := CRS(s); c {
	case "":
		return WGS84, nil
	case WGS84, GCJ02, BD09:
		return c, nil
	}
	return "", ErrUnknownCRS
}

// Valid reports whether c is one of the defined systems. The zero value is
// not valid: ParseCRS is where "" gets its WGS-84 meaning.
func (c CRS) Valid() bool {
	return c == WGS84 || c == GCJ02 || c == BD09
}

// GCJ-02 constants. The published transform (as reverse-engineered by
// eviltransform and coordtransform) measures its offsets on the Krasovsky
// 1940 ellipsoid, not on WGS-84, and these exact values are needed to agree
// with Chinese maps to the millimetre.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
)

// bdXPi is Baidu's angular frequency: BD-09 adds a small rotation and
// scaling whose phase is the coordinate times π·3000/180.
const bdXPi = math.Pi * 3000.0 / 180.0

// The inverses are fixed-point iterations whose contraction factor is ~1e-2
// (GCJ-02) or ~1e-3 (BD-09), so a handful of steps reach the float64 noise
// floor. crsEps (~1e-7 m) stops them well above that floor, so they never
// chase rounding noise; crsMaxIter only bounds the loop for safety.
const (
	crsEps     = 1e-12
	crsMaxIter = 20
)

// WGS84ToGCJ02 applies the GCJ-02 offset (up to ~700 m) so that a GPS fix
// lines up with Tencent and Amap tiles. Outside InOffsetArea, and for
// non-finite input, p is returned unchanged: Chinese maps do not shift those
// places.
func WGS84ToGCJ02(p orb.Point) orb.Point {
	if !InOffsetArea(p) {
		return p
	}
	return gcjForward(p)
}

// GCJ02ToWGS84 undoes WGS84ToGCJ02. The offset has no closed-form inverse and
// the usual one-step subtraction is off by up to ~4 m (in the far west), so it
// iterates w = g - delta(w) until it settles; converted forward again, the
// result reproduces the input to better than a micrometre.
//
// Whether to convert is decided on the input point p, the same test as every
// other conversion, so that a point outside the offset area always passes
// through unchanged. The outline in china.go is drawn so that the GCJ-02
// image of every mainland point is itself in the area, which makes the
// round trip exact where it matters. Non-finite input is returned unchanged.
func GCJ02ToWGS84(p orb.Point) orb.Point {
	if !InOffsetArea(p) {
		return p
	}
	w := p
	for range crsMaxIter {
		d := gcjDelta(w)
		next := orb.Point{p[0] - d[0], p[1] - d[1]}
		done := math.Abs(next[0]-w[0]) < crsEps && math.Abs(next[1]-w[1]) < crsEps
		w = next
		if done {
			break
		}
	}
	return w
}

// GCJ02ToBD09 applies Baidu's offset on top of GCJ-02 (roughly 0.0065 deg
// east and 0.006 deg north, plus a small rotation) so that a point lines up
// with Baidu tiles. Like the GCJ-02 step it leaves points outside
// InOffsetArea, and non-finite input, unchanged.
func GCJ02ToBD09(p orb.Point) orb.Point {
	if !InOffsetArea(p) {
		return p
	}
	return bdForward(p)
}

// BD09ToGCJ02 undoes GCJ02ToBD09. It starts from the widely published
// one-step inverse, which is off by up to ~0.2 m, and refines it against
// GCJ02ToBD09 so that the BD-09 leg adds nothing measurable to a round trip;
// results therefore differ from other libraries' by at most that ~0.2 m.
// The decision to convert is taken on the input point, as in GCJ02ToWGS84.
// Non-finite input is returned unchanged.
func BD09ToGCJ02(p orb.Point) orb.Point {
	if !InOffsetArea(p) {
		return p
	}
	g := bdInverseApprox(p)
	for range crsMaxIter {
		f := bdForward(g)
		dx, dy := f[0]-p[0], f[1]-p[1]
		g[0] -= dx
		g[1] -= dy
		if math.Abs(dx) < crsEps && math.Abs(dy) < crsEps {
			break
		}
	}
	return g
}

// ToWGS84 converts p from the system the client used into the WGS-84 that
// Yizhan stores. An invalid CRS yields a NaN point rather than p: a caller
// that skipped ParseCRS then gets a coordinate every check rejects (see
// InChinaExtent) instead of one silently misplaced by hundreds of metres.
func ToWGS84(p orb.Point, from CRS) orb.Point {
	switch from {
	case WGS84:
		return p
	case GCJ02:
		return GCJ02ToWGS84(p)
	case BD09:
		return GCJ02ToWGS84(BD09ToGCJ02(p))
	}
	return orb.Point{math.NaN(), math.NaN()}
}

// FromWGS84 converts a stored WGS-84 point into the system the client asked
// for, so that it lands on the right spot of the client's map. An invalid CRS
// yields a NaN point, for the same reason as in ToWGS84.
func FromWGS84(p orb.Point, to CRS) orb.Point {
	switch to {
	case WGS84:
		return p
	case GCJ02:
		return WGS84ToGCJ02(p)
	case BD09:
		return GCJ02ToBD09(WGS84ToGCJ02(p))
	}
	return orb.Point{math.NaN(), math.NaN()}
}

// gcjForward is the GCJ-02 transform without the area test, which the
// inverse needs because its iterates may stray just outside the area.
func gcjForward(p orb.Point) orb.Point {
	d := gcjDelta(p)
	return orb.Point{p[0] + d[0], p[1] + d[1]}
}

// gcjDelta returns the GCJ-02 offset at p in degrees. The polynomial and sine
// terms are metres on a local grid centred on (105 E, 35 N); dividing by the
// Krasovsky radii of curvature turns them into degrees.
func gcjDelta(p orb.Point) orb.Point {
	x, y := p[0]-105.0, p[1]-35.0
	dLat := gcjTransformLat(x, y)
	dLng := gcjTransformLng(x, y)
	radLat := p[1] / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - krasovskyEE*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLng = (dLng * 180.0) / (krasovskyA / sqrtMagic * math.Cos(radLat) * math.Pi)
	return orb.Point{dLng, dLat}
}

// gcjTransformLat and gcjTransformLng are the published GCJ-02 noise terms.
// The operation order follows the reference implementations so that results
// agree with them to the last few bits, not just to the millimetre.
func gcjTransformLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

func gcjTransformLng(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// bdForward is the BD-09 transform without the area test, for the same
// reason as gcjForward.
func bdForward(p orb.Point) orb.Point {
	x, y := p[0], p[1]
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// bdInverseApprox is the one-step inverse every BD-09 library publishes. It
// is only a starting point for BD09ToGCJ02, and is kept separate so the tests
// can check it bit-for-bit against those libraries' vectors.
func bdInverseApprox(p orb.Point) orb.Point {
	x, y := p[0]-0.0065, p[1]-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
}
