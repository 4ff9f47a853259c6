package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/geo"
	"yizhan/internal/search"
	"yizhan/internal/station"
)

// The limits of the public search endpoints.
const (
	maxNearestLimit = 50
	maxRadiusM      = 100000
	maxRoutePoints  = 1000
	maxBufferM      = 2000
	maxRouteLimit   = 100
)

// round2 keeps centimetres (or hundredths of a degree): more is noise.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// roundBearing rounds like round2 but keeps the bearing in [0, 360).
func roundBearing(v float64) float64 {
	if r := round2(v); r < 360 {
		return r
	}
	return 0
}

// appendBearing appends roundBearing(v) as appendFloat would.
func appendBearing(b []byte, v float64) []byte {
	if round2(v) < 360 {
		return appendRounded(b, v, 2)
	}
	return append(b, '0')
}

// nearestQuery is a parsed GET /v1/stations/nearest.
type nearestQuery struct {
	Query search.Query
	CRS   geo.CRS
	At    time.Time // the instant open_now is about
}

// parseNearestQuery validates the query string of a nearest-station search,
// reporting every bad parameter. now is the default instant for open_now.
func parseNearestQuery(q url.Values, now time.Time) (nearestQuery, error) {
	var (
		p   apperr.Problems
		out nearestQuery
		err error
	)
	if out.CRS, err = geo.ParseCRS(q.Get("crs")); err != nil {
		p.Add("crs", "unknown", "must be wgs84, gcj02 or bd09")
	}
	lat := parseCoord(&p, q, "lat", 90)
	lng := parseCoord(&p, q, "lng", 180)
	out.Query.Limit = queryInt(&p, q, "limit", 10, 1, maxNearestLimit)
	if r, present, ok := queryDecimal(q, "radius_m"); present {
		if !ok || !(r > 0 && r <= maxRadiusM) {
			p.Add("radius_m", "out_of_range", "must be a decimal number of metres above 0 and at most %d", maxRadiusM)
		}
		out.Query.RadiusM = r
	}
	out.Query.Amenities = parseAmenities(&p, "amenities", q.Get("amenities"))
	openNow := false
	switch v := q.Get("open_now"); v {
	case "", "false":
	case "true":
		openNow = true
	default:
		p.Add("open_now", "format", "must be true or false")
	}
	at := now
	if v := q.Get("at"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			p.Add("at", "format", "must be an RFC 3339 time such as 2026-12-02T21:30:00+08:00")
		}
		at = t
	}
	out.At = at
	out.Query.At = at
	if openNow {
		out.Query.OpenAt = at
	}
	if err := p.Err(); err != nil {
		return out, err
	}
	out.Query.Point = geo.ToWGS84(orb.Point{lng, lat}, out.CRS)
	return out, nil
}

func parseCoord(p *apperr.Problems, q url.Values, name string, limit float64) float64 {
	f, present, ok := queryDecimal(q, name)
	if !present {
		p.Add(name, "required", "is required")
		return 0
	}
	if !ok || f < -limit || f > limit {
		p.Add(name, "out_of_range", "must be a decimal number between %g and %g", -limit, limit)
	}
	return f
}

func parseAmenities(p *apperr.Problems, field, list string) station.AmenitySet {
	set, unknown := station.ParseAmenityList(list)
	if len(unknown) > 0 {
		p.Add(field, "unknown", "unknown amenities: %s; see GET /v1/amenities", strings.Join(unknown, ", "))
	}
	return set
}

// errIndexLoading answers searches before the index has loaded: an empty
// answer would look like "no station nearby".
var errIndexLoading = &apperr.Error{Code: apperr.Unavailable, Message: "the station index is still loading", RetryAfter: 2 * time.Second}

func (s *server) nearest(c echo.Context) error {
	if !s.Search.Loaded() {
		return errIndexLoading
	}
	nq, err := parseNearestQuery(c.QueryParams(), s.Stations.Now())
	if err != nil {
		return err
	}
	s.countDemand(nq.Query.Point)
	buf := answerPool.Get().(*answerBuffers)
	defer buf.release()
	hits, version := s.Search.Nearest(nq.Query, buf.hits[:0])
	buf.hits = hits
	// {"items":[station + distance_m, bearing_deg, …],"crs":…,"index_version":…}
	b := append(buf.json[:0], `{"items":[`...)
	for i, h := range hits {
		if i > 0 {
			b = append(b, ',')
		}
		// open_now is told at the instant the client asked about.
		b = stationView{h.Station, nq.CRS, nq.At}.appendMemoized(b, h.Memo, h.Point, func(b []byte) []byte {
			b = append(b, `,"distance_m":`...)
			b = appendRounded(b, h.DistanceM, 2)
			b = append(b, `,"bearing_deg":`...)
			return appendBearing(b, h.BearingDeg)
		})
	}
	b = appendPageEnd(b, nq.CRS, version)
	buf.json = b
	s.indexHeaders(c)
	return writeBody(c, http.StatusOK, echo.MIMEApplicationJSON, b) // written before the buffer returns to the pool
}

// answerBuffers are a search answer's working memory, pooled so that the
// hot path allocates little and the collector has little to do.
type answerBuffers struct {
	hits []search.Hit
	json []byte
}

var answerPool = sync.Pool{New: func() any { return &answerBuffers{json: make([]byte, 0, 8<<10)} }}

// release returns the buffers to the pool without the hits: a hit points
// into its snapshot's memos, and one left in a pooled buffer would keep a
// whole superseded index's cards alive.
func (b *answerBuffers) release() {
	clear(b.hits[:cap(b.hits)])
	answerPool.Put(b)
}

func appendPageEnd(b []byte, crs geo.CRS, version int64) []byte {
	b = append(b, `],"crs":"`...)
	b = append(b, crs...)
	b = append(b, `","index_version":`...)
	b = strconv.AppendInt(b, version, 10)
	return append(b, '}', '\n')
}

// indexHeaders tell the client how fresh the search index is.
func (s *server) indexHeaders(c echo.Context) {
	if t := s.Search.SyncedAt(); !t.IsZero() {
		c.Response().Header()["X-Index-Age"] = indexAgeValue(int64(math.Floor(max(0, time.Since(t).Seconds()))))
	}
}

// indexAgeValue is X-Index-Age's value for age seconds. The last one made
// is shared by every answer until the age changes (a full slice: an Add
// would copy, not write into it), which spares each answer two allocations.
func indexAgeValue(age int64) []string {
	if v := lastIndexAge.Load(); v != nil && v.age == age {
		return v.value
	}
	v := &indexAge{age, []string{strconv.FormatInt(age, 10)}[:1:1]}
	lastIndexAge.Store(v)
	return v.value
}

type indexAge struct {
	age   int64
	value []string
}

var lastIndexAge atomic.Pointer[indexAge]

type routeRequest struct {
	Polyline  [][]float64 `json:"polyline"`
	CRS       string      `json:"crs"`
	BufferM   *float64    `json:"buffer_m"`
	Amenities []string    `json:"amenities"`
	OpenNow   bool        `json:"open_now"`
	At        string      `json:"at"`
	Limit     *int        `json:"limit"`
}

func (s *server) alongRoute(c echo.Context) error {
	if !s.Search.Loaded() {
		return errIndexLoading
	}
	var body routeRequest
	if err := readJSON(c, &body); err != nil {
		return err
	}
	now := s.Stations.Now()
	var p apperr.Problems
	crs, err := geo.ParseCRS(body.CRS)
	if err != nil {
		p.Add("crs", "unknown", "must be wgs84, gcj02 or bd09")
	}
	if n := len(body.Polyline); n < 2 || n > maxRoutePoints {
		p.Add("polyline", "length", "must hold from 2 to %d points", maxRoutePoints)
	}
	path := make(orb.LineString, 0, len(body.Polyline))
	for i, pt := range body.Polyline {
		if len(pt) != 2 || !finiteIn(pt[0], 90) || !finiteIn(pt[1], 180) {
			p.Add(fmt.Sprintf("polyline[%d]", i), "format", "must be [lat, lng] with lat in -90..90 and lng in -180..180")
			continue
		}
		path = append(path, orb.Point{pt[1], pt[0]})
	}
	q := search.RouteQuery{BufferM: 500, Limit: 20}
	if body.BufferM != nil {
		q.BufferM = *body.BufferM
		if !(q.BufferM >= 0 && q.BufferM <= maxBufferM) {
			p.Add("buffer_m", "out_of_range", "must be from 0 to %d metres", maxBufferM)
		}
	}
	if body.Limit != nil {
		q.Limit = *body.Limit
		if q.Limit < 1 || q.Limit > maxRouteLimit {
			p.Add("limit", "out_of_range", "must be from 1 to %d", maxRouteLimit)
		}
	}
	for i, a := range body.Amenities {
		bit, ok := station.AmenityBit(a)
		if !ok {
			p.Add(fmt.Sprintf("amenities[%d]", i), "unknown", "%q is not a known amenity", a)
		}
		q.Amenities |= bit
	}
	at := now
	if body.At != "" {
		if at, err = time.Parse(time.RFC3339, body.At); err != nil {
			p.Add("at", "format", "must be an RFC 3339 time")
		}
	}
	q.At = at
	if body.OpenNow {
		q.OpenAt = at
	}
	if err := p.Err(); err != nil {
		return err
	}
	for i := range path {
		path[i] = geo.ToWGS84(path[i], crs)
	}
	q.Path = path
	s.countDemand(path[0]) // where the courier sets off
	hits, version := s.Search.AlongRoute(q)
	b := make([]byte, 0, 64+700*len(hits))
	b = append(b, `{"items":[`...)
	for i, h := range hits {
		if i > 0 {
			b = append(b, ',')
		}
		b = stationView{h.Station, crs, at}.appendMemoized(b, h.Memo, h.Station.Location, func(b []byte) []byte {
			b = append(b, `,"along_m":`...)
			b = appendRounded(b, h.AlongM, 2)
			b = append(b, `,"off_route_m":`...)
			return appendRounded(b, h.OffM, 2)
		})
	}
	b = appendPageEnd(b, crs, version)
	s.indexHeaders(c)
	return writeBody(c, http.StatusOK, echo.MIMEApplicationJSON, b)
}

func finiteIn(v, limit float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= -limit && v <= limit
}
