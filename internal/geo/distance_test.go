package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// unit is p as a 3-D unit vector.
func unit(p orb.Point) [3]float64 {
	lat, lng := p[1]*deg, p[0]*deg
	return [3]float64{math.Cos(lat) * math.Cos(lng), math.Cos(lat) * math.Sin(lng), math.Sin(lat)}
}

func dot(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// Bearing agrees with an independent computation: the direction of b seen
// from a, in the local east and north unit vectors at a.
func TestBearingAgreesWithVectors(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 100_000 {
		a := orb.Point{-180 + 360*r.Float64(), -85 + 170*r.Float64()}
		b := orb.Point{a[0] + r.NormFloat64()*2, math.Max(-89, math.Min(89, a[1]+r.NormFloat64()*2))}
		if i%10 == 0 { // far apart too
			b = orb.Point{-180 + 360*r.Float64(), -85 + 170*r.Float64()}
		}
		lat, lng := a[1]*deg, a[0]*deg
		east := [3]float64{-math.Sin(lng), math.Cos(lng), 0}
		north := [3]float64{-math.Sin(lat) * math.Cos(lng), -math.Sin(lat) * math.Sin(lng), math.Cos(lat)}
		v := unit(b)
		want := math.Atan2(dot(v, east), dot(v, north)) / deg
		if want < 0 {
			want += 360
		}
		got := Bearing(a, b)
		diff := math.Abs(got - want)
		diff = math.Min(diff, 360-diff)
		if !(got >= 0 && got < 360) || diff > 1e-7 {
			t.Fatalf("Bearing(%v, %v) = %.12f, vectors say %.12f", a, b, got, want)
		}
		if o := NewOrigin(a); o.BearingTo(b) != got {
			t.Fatalf("NewOrigin(%v).BearingTo(%v) = %v, Bearing = %v", a, b, o.BearingTo(b), got)
		}
	}
	for _, tc := range []struct {
		b    orb.Point
		want float64
	}{{orb.Point{120, 30.01}, 0}, {orb.Point{120.01, 30}, 90}, {orb.Point{120, 29.99}, 180}, {orb.Point{119.99, 30}, 270}, {orb.Point{120, 30}, 0}} {
		if got := Bearing(orb.Point{120, 30}, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("bearing to %v = %v, want ≈ %v", tc.b, got, tc.want)
		}
	}
}
