package geo

import (
	"github.com/paulmach/orb"
)

// InOffsetArea reports whether Chinese maps apply the GCJ-02 offset at p
// (WGS-84): mainland China, Hainan and the Paracels. Hong Kong, Macao, Taiwan
// (with Kinmen and Matsu) and every neighbouring country are outside, so their
// coordinates pass through the conversions unchanged. Non-finite points are
// outside.
//
// The test is point-in-polygon against a coarse outline rather than a
// lat/lng box, because a box would also shift Seoul, Hanoi or Taipei by
// several hundred metres.
func InOffsetArea(p orb.Point) bool {
	if !boundHas(offsetAreaBound, p) {
		return false
	}
	for _, poly := range offsetAreaRings {
		if !poly[0].has(p) {
			continue
		}
		inHole := false
		for _, h := range poly[1:] {
			if h.has(p) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

// InChinaExtent reports whether p (WGS-84) lies in China's overall extent,
// latitude 3.8..53.6 and longitude 73.4..135.1. It is only a sanity check that
// refuses station coordinates that are plainly wrong (swapped lat/lng, 0,0, a
// point in another hemisphere); it says nothing about the GCJ-02 offset, so
// it stays a box and is generous on purpose.
func InChinaExtent(p orb.Point) bool {
	return p[1] >= 3.8 && p[1] <= 53.6 && p[0] >= 73.4 && p[0] <= 135.1
}

// offsetArea is where InOffsetArea holds. Its shape follows from two needs:
//
//   - Every mainland point must be inside, and so must its GCJ-02 and BD-09
//     images (up to ~0.013 deg, ~1.3 km, away), because GCJ02ToWGS84 and
//     BD09ToGCJ02 decide on their input point: an image that fell outside
//     would come back unconverted, several hundred metres off. So the outline
//     is generous: 0.025-0.06 deg beyond the land border near the twin
//     border towns (Dandong, Heihe, Ruili, Hekou, Dongxing, Hunchun),
//     0.04-0.25 deg along remote borders, 0.03-0.3 deg out to sea. Foreign
//     towns that close to the border (Sinuiju, Lao Cai, Muse, Mong Cai, ...)
//     are therefore inside; that errs towards the mainland couriers Yizhan
//     serves.
//   - The holes for Hong Kong, Macao, Kinmen and Matsu are drawn tight on the
//     mainland side, leaving out the strip that the GCJ-02/BD-09 images of
//     mainland points can reach (the offset there is ~0.005 deg east and
//     ~0.003 deg south, plus ~0.0065/0.006 deg for BD-09). Hong Kong loses
//     a few hundred metres along the Shenzhen River; Macao loses its western
//     edge (Inner Harbour, Senado Square, west Cotai), which lies within
//     BD-09 reach of Wanzai and Hengqin and is treated as mainland.
//
// The vertices were derived once from Natural Earth 1:10m admin-0 polygons
// (public domain): buffered as above, then simplified by Douglas-Peucker with
// a tolerance below the buffer, so the simplification can never cut into the
// land plus its margin. The Macao and Matsu holes were drawn by hand because
// Natural Earth is too coarse there. The outer ring (192 vertices) is
// clipped to the InChinaExtent box, so the offset area lies inside it.
var offsetArea = orb.MultiPolygon{
	{mainlandRing, hongKongHole, macaoPeninsulaHole, macaoIslandsHole, kinmenHole, matsuHole, juguangHole},
	{paracelsRing},
}

// offsetAreaBound lets InOffsetArea reject far-away points without walking
// the rings.
var offsetAreaBound = offsetArea.Bound()

// offsetAreaRings is offsetArea with each ring's bound computed once.
// planar.PolygonContains recomputes every bound on every call, which made
// InOffsetArea ~10x slower, and it runs several times per conversion on the
// request path.
var offsetAreaRings = func() [][]boundedRing {
	out := make([][]boundedRing, len(offsetArea))
	for i, poly := range offsetArea {
		for _, r := range poly {
			out[i] = append(out[i], boundedRing{bound: r.Bound(), ring: r})
		}
	}
	return out
}()

type boundedRing struct {
	bound orb.Bound
	ring  orb.Ring
}

// has is an even-odd ray cast. A point exactly on an edge may go either way;
// the margins described at offsetArea make that immaterial.
func (br boundedRing) has(p orb.Point) bool {
	if !boundHas(br.bound, p) {
		return false
	}
	in := false
	r := br.ring
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[i], r[j]
		if (a[1] > p[1]) != (b[1] > p[1]) &&
			p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

// boundHas is orb.Bound.Contains written so that NaN coordinates fail:
// orb's version only asks "is it outside?", which NaN never is.
func boundHas(b orb.Bound, p orb.Point) bool {
	return p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1]
}

// mainlandRing is mainland China with Hainan (the buffer bridges Qiongzhou
// Strait), Aksai Chin as China administers it, and the coastal islands.
var mainlandRing = orb.Ring{
	{73.784, 40.202}, {74.735, 40.740}, {76.328, 40.678}, {76.775, 41.247},
	{78.014, 41.299}, {79.977, 42.272}, {79.895, 42.686}, {80.432, 43.456},
	{79.676, 45.075}, {81.590, 45.586}, {82.059, 45.441}, {82.943, 47.443},
	{85.334, 47.294}, {85.506, 48.489}, {86.404, 48.738}, {86.860, 49.356},
	{87.901, 49.401}, {88.811, 48.389}, {90.539, 47.817}, {91.297, 46.566},
	{91.006, 45.468}, {93.608, 45.186}, {95.487, 44.514}, {96.558, 42.989},
	{101.575, 42.783}, {104.972, 41.881}, {106.738, 42.534}, {110.254, 42.982},
	{111.553, 43.820}, {111.155, 44.449}, {111.902, 45.327}, {113.569, 45.004},
	{114.468, 45.627}, {115.560, 45.683}, {116.461, 46.518}, {117.353, 46.818},
	{119.554, 46.873}, {118.421, 47.742}, {117.340, 47.401}, {115.836, 47.448},
	{115.264, 48.157}, {116.541, 50.029}, {117.780, 49.771}, {118.935, 50.236},
	{119.903, 51.816}, {120.461, 52.128}, {119.870, 52.431}, {119.814, 52.878},
	{120.787, 53.517}, {121.584, 53.600}, {124.489, 53.600}, {125.702, 53.299},
	{126.784, 52.236}, {127.416, 50.591}, {127.361, 50.478}, {127.409, 50.424},
	{127.388, 50.337}, {127.640, 50.218}, {127.538, 50.016}, {127.583, 49.908},
	{129.530, 49.667}, {130.828, 49.069}, {131.155, 47.953}, {132.408, 47.982},
	{134.431, 48.628}, {134.933, 48.392}, {135.023, 47.716}, {133.260, 44.916},
	{131.860, 45.008}, {131.326, 44.686}, {131.519, 43.304}, {131.294, 42.748},
	{130.992, 42.798}, {130.793, 42.817}, {130.500, 42.728}, {130.633, 42.616},
	{130.594, 42.510}, {130.400, 42.522}, {130.217, 42.685}, {130.203, 42.857},
	{130.046, 42.911}, {129.900, 42.289}, {128.495, 41.749}, {128.292, 41.173},
	{126.799, 41.449}, {126.113, 40.673}, {124.900, 40.150}, {124.887, 40.397},
	{124.409, 40.066}, {124.404, 39.986}, {124.286, 39.878}, {124.401, 39.777},
	{124.517, 39.769}, {124.505, 39.722}, {123.307, 39.392}, {123.273, 38.751},
	{122.574, 38.919}, {121.216, 38.426}, {121.162, 38.004}, {122.860, 37.655},
	{122.789, 36.770}, {121.291, 36.394}, {119.631, 34.981}, {120.496, 34.495},
	{121.207, 32.810}, {122.129, 32.022}, {122.263, 30.987}, {122.829, 30.655},
	{121.895, 28.156}, {119.994, 26.039}, {120.070, 25.261}, {118.771, 24.287},
	{116.649, 22.682}, {115.192, 22.457}, {114.389, 21.757}, {110.902, 21.089},
	{111.318, 19.545}, {109.749, 17.908}, {108.473, 18.302}, {108.322, 18.855},
	{108.443, 19.553}, {109.587, 20.295}, {109.367, 20.859}, {107.861, 21.301},
	{108.049, 21.403}, {107.935, 21.391}, {107.927, 21.479}, {107.798, 21.600},
	{107.614, 21.556}, {107.266, 21.363}, {106.489, 21.780}, {106.319, 22.603},
	{105.294, 23.031}, {104.789, 22.584}, {104.370, 22.640}, {104.222, 22.686},
	{104.180, 22.761}, {104.069, 22.693}, {104.029, 22.503}, {103.967, 22.458},
	{103.628, 22.732}, {103.542, 22.546}, {103.028, 22.180}, {102.563, 22.446},
	{101.818, 22.134}, {102.039, 21.098}, {101.191, 20.938}, {100.924, 21.384},
	{100.108, 21.192}, {99.672, 21.791}, {98.972, 21.971}, {99.083, 22.846},
	{98.674, 23.011}, {98.294, 24.050}, {98.121, 24.054}, {97.597, 23.804},
	{97.467, 23.954}, {97.670, 24.161}, {97.597, 24.289}, {97.322, 24.277},
	{97.291, 24.785}, {98.313, 25.998}, {98.437, 27.294}, {97.773, 28.098},
	{96.326, 28.235}, {95.930, 29.087}, {95.339, 28.810}, {94.589, 28.984},
	{91.995, 27.478}, {89.977, 28.061}, {88.857, 27.068}, {88.518, 27.374},
	{88.584, 27.799}, {85.896, 27.650}, {81.873, 30.103}, {80.993, 29.789},
	{78.656, 31.071}, {78.139, 32.592}, {79.181, 32.755}, {78.560, 33.421},
	{78.587, 34.279}, {78.085, 34.490}, {77.768, 35.207}, {76.024, 35.602},
	{75.683, 36.457}, {74.178, 36.982}, {74.211, 37.363}, {74.651, 37.536},
	{74.525, 38.336}, {73.646, 38.404}, {73.400, 39.111}, {73.400, 39.358},
	{73.784, 40.202},
}

// hongKongHole hugs the Shenzhen side of the border and spans Hong Kong's
// waters out to the outer ring.
var hongKongHole = orb.Ring{
	{113.8305, 22.2341}, {113.8894, 22.4123}, {113.9918, 22.4952}, {114.0281, 22.5130},
	{114.0325, 22.5102}, {114.0338, 22.5074}, {114.0469, 22.5008}, {114.0602, 22.5005},
	{114.0818, 22.5163}, {114.0873, 22.5180}, {114.0970, 22.5274}, {114.1212, 22.5207},
	{114.1371, 22.5311}, {114.1549, 22.5312}, {114.1773, 22.5556}, {114.1887, 22.5494},
	{114.2367, 22.5494}, {114.2530, 22.5604}, {114.3370, 22.5187}, {114.4073, 22.4403},
	{114.4081, 22.4119}, {114.3954, 22.3606}, {114.2601, 22.1967}, {114.2214, 22.1839},
	{114.1127, 22.1687}, {113.8452, 22.1889}, {113.8310, 22.2026}, {113.8305, 22.2341},
}

// macaoPeninsulaHole and macaoIslandsHole cover Macao east of the strip that
// Zhuhai's GCJ-02/BD-09 images reach.
var macaoPeninsulaHole = orb.Ring{
	{113.5560, 22.2125}, {113.5620, 22.2080}, {113.5760, 22.2090}, {113.5760, 22.1960},
	{113.5650, 22.1840}, {113.5430, 22.1770}, {113.5390, 22.1800}, {113.5420, 22.1880},
	{113.5420, 22.2125}, {113.5560, 22.2125},
}

var macaoIslandsHole = orb.Ring{
	{113.5750, 22.1680}, {113.6050, 22.1650}, {113.6050, 22.1250}, {113.5900, 22.1080},
	{113.5650, 22.1020}, {113.5560, 22.1080}, {113.5560, 22.1640}, {113.5750, 22.1680},
}

// kinmenHole covers Kinmen and Lieyu, 2-10 km off Xiamen.
var kinmenHole = orb.Ring{
	{118.2093, 24.4557}, {118.3912, 24.5300}, {118.4233, 24.5349}, {118.4550, 24.5116},
	{118.4756, 24.4643}, {118.4718, 24.4275}, {118.4531, 24.4083}, {118.3170, 24.3824},
	{118.2150, 24.3920}, {118.2070, 24.4000}, {118.2093, 24.4557},
}

// matsuHole covers Nangan and Beigan; juguangHole covers Juguang. Dongyin is
// already outside the outer ring.
var matsuHole = orb.Ring{
	{119.8950, 26.1850}, {119.9700, 26.2600}, {120.0450, 26.2600}, {120.0450, 26.2050},
	{119.9850, 26.1350}, {119.8950, 26.1350}, {119.8950, 26.1850},
}

var juguangHole = orb.Ring{
	{119.9150, 25.9250}, {119.9150, 25.9900}, {119.9984, 25.9900}, {120.0047, 25.9250},
	{119.9150, 25.9250},
}

// paracelsRing is a plain box around the Paracel Islands (Sansha city seat
// on Yongxing Island), far enough from any other land that a box suffices.
var paracelsRing = orb.Ring{
	{111.1, 15.7}, {112.95, 15.7}, {112.95, 17.15}, {111.1, 17.15}, {111.1, 15.7},
}
