package station

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode"

	"github.com/google/uuid"
	"github.com/paulmach/orb"
	"golang.org/x/text/unicode/norm"

	"yizhan/internal/apperr"
	"yizhan/internal/geo"
)

// The duplicate rule: a new active station is a possible duplicate of an
// active station within NearRadius metres, or within AlikeRadius metres when
// their names are alike (NamesAlike). Staff may override it
// (allow_duplicate), and the history records that they did.
const (
	NearRadius  = 25.0
	AlikeRadius = 100.0
	// MinBigramSimilarity is the Dice coefficient of two normalised names'
	// character bigrams at and above which they are alike.
	MinBigramSimilarity = 0.5
	// MaxCandidatesListed bounds the candidates one refusal lists, so that an
	// import of thousands of stations into a dense area answers a bounded
	// body; the detail says how many features had duplicates.
	MaxCandidatesListed = 100
	// MaxCandidatesPerFeature bounds the candidates kept for one new
	// station: the nearest of the first 1000 found.
	MaxCandidatesPerFeature = 10
	maxCandidatesScanned    = 1000
)

// genericWords are the words that many station names share and that say
// nothing of which station it is; NormalizeName removes them. Longer words
// first, so that 户外劳动者服务站 goes whole before 服务站.
var genericWords = []string{
	"户外劳动者服务站点", "户外劳动者服务站", "户外劳动者", "劳动者港湾", "暖心驿站", "爱心驿站",
	"服务站点", "服务站", "服务点", "工会", "驿站", "爱心", "暖心", "港湾", "之家",
}

// NormalizeName reduces a station name to what tells it apart: Unicode NFKC
// (so full-width Ｂ and half-width B are one), lower case, without spaces,
// punctuation and symbols, and without the generic words that many station
// names share (驿站, 工会, 服务站, 爱心, 户外劳动者, ...). A name made only of
// generic words normalises to itself without spaces and punctuation, so
// that two stations both named 爱心驿站 are still alike.
func NormalizeName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFKC.String(name) {
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	bare := b.String()
	out := bare
	for _, w := range genericWords {
		out = strings.ReplaceAll(out, w, "")
	}
	if out == "" {
		return bare
	}
	return out
}

// NamesAlike reports whether two names are alike: after NormalizeName, one
// contains the other, or the Dice coefficient of their character bigrams is
// at least MinBigramSimilarity. Empty names are alike to nothing.
func NamesAlike(a, b string) bool {
	return normalizedAlike(NormalizeName(a), NormalizeName(b))
}

func normalizedAlike(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	if strings.Contains(a, b) || strings.Contains(b, a) {
		return true
	}
	return BigramSimilarity(a, b) >= MinBigramSimilarity
}

// BigramSimilarity is the Dice coefficient 2|A∩B|/(|A|+|B|) of the multisets
// of character bigrams of a and b; a one-character string is its own
// bigram. It is 1 for equal strings and 0 when they share no bigram.
func BigramSimilarity(a, b string) float64 {
	ba, bb := bigrams(a), bigrams(b)
	if len(ba) == 0 || len(bb) == 0 {
		return 0
	}
	count := map[string]int{}
	for _, g := range ba {
		count[g]++
	}
	common := 0
	for _, g := range bb {
		if count[g] > 0 {
			count[g]--
			common++
		}
	}
	return 2 * float64(common) / float64(len(ba)+len(bb))
}

func bigrams(s string) []string {
	r := []rune(s)
	if len(r) == 1 {
		return []string{s}
	}
	out := make([]string, 0, len(r))
	for i := 0; i+1 < len(r); i++ {
		out = append(out, string(r[i:i+2]))
	}
	return out
}

// Nearby is an active station as the duplicate check sees it.
type Nearby struct {
	ID       uuid.UUID
	Name     string
	Location orb.Point
}

// Candidate is a station that a new one may duplicate.
type Candidate struct {
	// Feature is the index, in an import, of the new station; 0 otherwise.
	Feature int
	// ID is the existing station's, or uuid.Nil when the candidate is
	// another feature of the same import, OtherFeature.
	ID           uuid.UUID
	OtherFeature int
	Name         string
	Location     orb.Point
	DistanceM    float64
	// Rule is "near" (within NearRadius) or "alike_name" (within
	// AlikeRadius, names alike).
	Rule string
}

// DuplicateRule returns which rule makes a station named name at p a
// possible duplicate of one named otherName at q ("near" or "alike_name"),
// the distance between them, and whether either applies.
func DuplicateRule(name string, p orb.Point, otherName string, q orb.Point) (rule string, distance float64, ok bool) {
	d := geo.Distance(p, q)
	switch {
	case d <= NearRadius:
		return "near", d, true
	case d <= AlikeRadius && NamesAlike(name, otherName):
		return "alike_name", d, true
	}
	return "", d, false
}

// SearchBox returns a latitude/longitude box holding every point within
// radius metres of p (haversine on geo.EarthRadius), with a margin; the
// store reads candidates from it, and DuplicateRule decides.
func SearchBox(p orb.Point, radius float64) orb.Bound {
	dLat := radius / geo.EarthRadius / (math.Pi / 180) * 1.01
	lat := math.Min(89, math.Abs(p[1])+dLat)
	dLng := dLat / math.Cos(lat*math.Pi/180)
	return orb.Bound{Min: orb.Point{p[0] - dLng, p[1] - dLat}, Max: orb.Point{p[0] + dLng, p[1] + dLat}}
}

// findDuplicates returns the candidates among nearby for each new active
// station of news (Feature set to its index), and between the new stations
// themselves, nearest first per feature. nearby may hold any stations; the
// rule filters them.
func findDuplicates(news []*Station, nearby []Nearby) []Candidate {
	var out []Candidate
	// The new stations' own pairs: a grid of cells at least AlikeRadius
	// wide (at any latitude below 80°), so that a large import is not
	// compared pair by pair.
	type cell struct{ x, y int64 }
	w := SearchBox(orb.Point{0, 80}, AlikeRadius).Max
	cellOf := func(p orb.Point) cell {
		return cell{int64(math.Floor(p[0] / w[0])), int64(math.Floor(p[1] / w[1]))}
	}
	grid := map[cell][]int{}
	for i, s := range news {
		if s.Status == Active {
			c := cellOf(s.Location)
			grid[c] = append(grid[c], i)
		}
	}
	for i, s := range news {
		if s.Status != Active {
			continue
		}
		var mine []Candidate
		for _, n := range nearby {
			if len(mine) >= maxCandidatesScanned {
				break
			}
			if n.ID == s.ID {
				continue
			}
			if rule, d, ok := DuplicateRule(s.Name, s.Location, n.Name, n.Location); ok {
				mine = append(mine, Candidate{Feature: i, ID: n.ID, Name: n.Name, Location: n.Location, DistanceM: d, Rule: rule})
			}
		}
		c := cellOf(s.Location)
		for dx := int64(-1); dx <= 1; dx++ {
			for dy := int64(-1); dy <= 1; dy++ {
				for _, j := range grid[cell{c.x + dx, c.y + dy}] {
					if j == i || len(mine) >= maxCandidatesScanned {
						continue
					}
					o := news[j]
					if rule, d, ok := DuplicateRule(s.Name, s.Location, o.Name, o.Location); ok {
						mine = append(mine, Candidate{Feature: i, OtherFeature: j, Name: o.Name, Location: o.Location, DistanceM: d, Rule: rule})
					}
				}
			}
		}
		sort.SliceStable(mine, func(a, b int) bool { return mine[a].DistanceM < mine[b].DistanceM })
		if len(mine) > MaxCandidatesPerFeature {
			mine = mine[:MaxCandidatesPerFeature]
		}
		out = append(out, mine...)
	}
	return out
}

// DuplicateError is the refusal of stations that may duplicate others. It
// unwraps to an *apperr.Error with code apperr.PossibleDuplicate.
type DuplicateError struct {
	// Candidates are the first MaxCandidatesListed, by feature then
	// distance.
	Candidates []Candidate
	// Total is how many candidates there were, listed or not.
	Total int
	// Imported is set for an import, whose candidates name their Feature.
	Imported bool
	err      *apperr.Error
}

func (e *DuplicateError) Error() string { return e.err.Error() }

// Unwrap returns the *apperr.Error.
func (e *DuplicateError) Unwrap() error { return e.err }

func duplicateError(cs []Candidate, imported bool) *DuplicateError {
	e := &DuplicateError{Total: len(cs), Imported: imported}
	features := map[int]bool{}
	for _, c := range cs {
		features[c.Feature] = true
	}
	if len(cs) > MaxCandidatesListed {
		cs = cs[:MaxCandidatesListed]
	}
	e.Candidates = cs
	if !imported {
		c := cs[0]
		e.err = apperr.New(apperr.PossibleDuplicate, "an active station %q lies %.0f m away; it may be the same station (send allow_duplicate=true to save anyway)", c.Name, c.DistanceM)
		return e
	}
	e.err = apperr.New(apperr.PossibleDuplicate, "%d features may duplicate active stations or each other (send allow_duplicate=true to import anyway)", len(features))
	return e
}

// String renders a candidate for logs and tests.
func (c Candidate) String() string {
	if c.ID == uuid.Nil {
		return fmt.Sprintf("features[%d]~features[%d] %s %.1fm", c.Feature, c.OtherFeature, c.Rule, c.DistanceM)
	}
	return fmt.Sprintf("features[%d]~%s %s %.1fm", c.Feature, c.ID, c.Rule, c.DistanceM)
}

// OverrideField is the key, among a history entry's changes, that records
// the possible duplicates a create or import was told to keep
// (allow_duplicate): before null, after a list of {station_id, name,
// distance_m, rule}.
const OverrideField = "duplicate_override"

// Guard is given, inside the transaction that stores new stations and after
// the store has serialised it against every other guarded create near them,
// the active stations within AlikeRadius of each new one (maybe more). It
// refuses with an error, or returns what each new station's first history
// entry records under OverrideField (by station id; empty when nothing was
// overridden).
type Guard func(nearby []Nearby) (overrides map[uuid.UUID]FieldChange, err error)

type overrideJSON struct {
	StationID uuid.UUID `json:"station_id"`
	Name      string    `json:"name"`
	DistanceM float64   `json:"distance_m"`
	Rule      string    `json:"rule"`
}

// duplicateGuard applies the rule to news: it refuses possible duplicates,
// or, when allow, records them.
func duplicateGuard(news []*Station, allow, imported bool) Guard {
	return func(nearby []Nearby) (map[uuid.UUID]FieldChange, error) {
		cs := findDuplicates(news, nearby)
		if len(cs) == 0 {
			return nil, nil
		}
		if !allow {
			return nil, duplicateError(cs, imported)
		}
		byStation := map[uuid.UUID][]overrideJSON{}
		for _, c := range cs {
			id := c.ID
			if id == uuid.Nil {
				id = news[c.OtherFeature].ID
			}
			s := news[c.Feature].ID
			byStation[s] = append(byStation[s], overrideJSON{id, c.Name, math.Round(c.DistanceM*100) / 100, c.Rule})
		}
		out := make(map[uuid.UUID]FieldChange, len(byStation))
		for id, list := range byStation {
			out[id] = FieldChange{Before: nil, After: list}
		}
		return out, nil
	}
}
