package httpapi

import (
	"maps"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
)

// A query parameter a route does not read is refused rather than ignored:
// "amenity=toilet" sent to a route that reads "amenities" would otherwise
// be answered, unfiltered, as if the filter had been applied. Each route's
// parameters are listed beside the route table (routes.go); routes checks at
// start-up that every route has its list, strictQuery (middleware.go)
// checks each request, and a test checks the lists against openapi.yaml.

// paramTable is the routes' query parameters: path template → method →
// names. It is never written after start-up.
type paramTable map[string]map[string][]string

// check refuses the query parameters the route does not read, and those
// given twice (which of the two would be meant?), naming each of them.
func (t paramTable) check(c echo.Context) error {
	known, ok := t[c.Path()][c.Request().Method]
	if !ok {
		return nil // no such route: the router answers 404 or 405
	}
	q := c.QueryParams()
	bad := false
	for name, values := range q {
		bad = bad || len(values) > 1 || !slices.Contains(known, name)
	}
	if !bad {
		return nil
	}
	var (
		p     apperr.Problems
		first string // the first unknown parameter, named in the detail
	)
	for _, name := range slices.Sorted(maps.Keys(q)) {
		shown := strings.ToValidUTF8(name, "\uFFFD")
		if len(shown) > 64 {
			shown = strings.ToValidUTF8(shown[:64], "") + "…"
		}
		switch {
		case !slices.Contains(known, name) && len(known) == 0:
			p.Add(shown, "unknown", "this route takes no query parameters")
		case !slices.Contains(known, name):
			p.Add(shown, "unknown", "is not a parameter of this route; did you mean %s? It takes %s", closest(name, known), strings.Join(sorted(known), ", "))
		case len(q[name]) > 1:
			p.Add(shown, "repeated", "is given %d times; give it once", len(q[name]))
			continue
		default:
			continue
		}
		if first == "" {
			first = shown
		}
	}
	if first == "" {
		return p.Err() // only repeated parameters
	}
	var e *apperr.Error
	if len(known) == 0 {
		e = apperr.New(apperr.UnknownParameter, "unknown query parameter %q: this route takes no query parameters", first)
	} else {
		e = apperr.New(apperr.UnknownParameter, "unknown query parameter %q; did you mean %q?", first, closest(first, known))
	}
	e.Fields = p.Err().(*apperr.Error).Fields
	return e
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

// closest is the name in known nearest to name by edit distance, the first
// listed on a tie.
func closest(name string, known []string) string {
	if len(name) > 64 {
		name = name[:64] // the distance is quadratic; a long name is far from all of them anyway
	}
	best, bestD := known[0], math.MaxInt
	for _, k := range known {
		if d := editDistance(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Numbers in query strings are plain decimals: an optional minus sign,
// digits and, where a fraction is allowed, a point and more digits. strconv
// alone would also take "+5", "0x1p4", "1_20", "1e3" and "Inf".

// isDecimal reports whether s is a plain decimal number, with a fraction
// only when fraction is true.
func isDecimal(s string, fraction bool) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(s, ".")
	if !digits(whole) {
		return false
	}
	if hasPoint {
		return fraction && digits(frac)
	}
	return true
}

func digits(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// queryInt reads the integer parameter name, from lo to hi; absent, it is
// def. A bad value is recorded in p.
func queryInt(p *apperr.Problems, q url.Values, name string, def, lo, hi int) int {
	v := q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if !isDecimal(v, false) || err != nil || n < lo || n > hi {
		p.Add(name, "out_of_range", "must be an integer from %d to %d", lo, hi)
		return def
	}
	return n
}

// queryDecimal reads the decimal parameter name: present is false when it
// is absent, ok false when it is not a plain decimal number. The caller
// checks the range and words the problem.
func queryDecimal(q url.Values, name string) (f float64, present, ok bool) {
	v := q.Get(name)
	if v == "" {
		return 0, false, false
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, true, err == nil && isDecimal(v, true)
}
