// Package district knows China's administrative divisions (GB/T 2260):
// which six-digit codes exist, at which level, and what they are called.
// Stations, workers' home counties and membership applications belong to a
// county-level division; staff accounts and offers name a county, a city
// (every county of it) or a province (every county of it).
//
// The table is shipped with the binary (data/gbt2260.tsv; its source and
// date are in data/README.md) and read once at start.
package district

import (
	_ "embed"
	"strings"

	"yizhan/internal/apperr"
)

// Level is a division's place in the hierarchy.
type Level int

// The levels.
const (
	Province Level = iota + 1 // xx0000: a province, autonomous region or municipality
	City                      // xxxx00: a prefecture-level city, prefecture or league
	County                    // a county, county-level city, district or banner
)

// Division is one entry of the table.
type Division struct {
	Code  string
	Name  string // such as 浦江县
	Level Level
}

//go:embed data/gbt2260.tsv
var tsv string

var (
	table map[string]Division
	// hasCounties marks the cities with county-level divisions under them;
	// a city without (东莞, 中山, 儋州, 嘉峪关) is its own county.
	hasCounties map[string]bool
)

func init() {
	table = make(map[string]Division, 3300)
	hasCounties = make(map[string]bool, 400)
	for line := range strings.SplitSeq(tsv, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		code, name, ok := strings.Cut(line, "\t")
		if !ok || !wellFormed(code) || name == "" {
			panic("district: bad line in data/gbt2260.tsv: " + line)
		}
		d := Division{Code: code, Name: name, Level: levelOf(code)}
		table[code] = d
		if d.Level == County {
			hasCounties[code[:4]+"00"] = true
		}
	}
}

func levelOf(code string) Level {
	switch {
	case code[2:] == "0000":
		return Province
	case code[4:] == "00":
		return City
	}
	return County
}

// wellFormed reports whether code is six digits, not starting with 0.
func wellFormed(code string) bool {
	if len(code) != 6 || code[0] == '0' {
		return false
	}
	for i := 0; i < 6; i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// Lookup returns the division with this code.
func Lookup(code string) (Division, bool) {
	d, ok := table[code]
	return d, ok
}

// Name is the division's name, or "" for a code that names none.
func Name(code string) string { return table[code].Name }

// Label names a division for people: "浦江县（330726）", or the code alone
// when it names none.
func Label(code string) string {
	if n := Name(code); n != "" {
		return n + "（" + code + "）"
	}
	return code
}

// Exists reports whether code names a division at any level.
func Exists(code string) bool {
	_, ok := table[code]
	return ok
}

// IsCounty reports whether code names a county-level division, or a
// prefecture-level city that has none under it: the level a station, a
// worker's home and an application belong to.
func IsCounty(code string) bool {
	d, ok := table[code]
	return ok && (d.Level == County || d.Level == City && !hasCounties[code])
}

// Check records a problem for field in p unless code names a division (a
// county-level one, as IsCounty, when county is true): "format" for a code
// that is not six digits, "unknown" for one the table does not hold at
// that level. It reports whether code is good.
func Check(p *apperr.Problems, field, code string, county bool) bool {
	d, exists := table[code]
	switch {
	case !wellFormed(code) && county:
		p.Add(field, "format", "must be a 6-digit county-level administrative division code, such as 330726")
	case !wellFormed(code):
		p.Add(field, "format", "must be a 6-digit administrative division code (county, city or province), such as 330726")
	case !exists:
		p.Add(field, "unknown", "%s is not in the national table of administrative divisions (GB/T 2260)", code)
	case county && !IsCounty(code) && d.Level == Province:
		p.Add(field, "unknown", "%s is a province (%s), not a county-level division", code, d.Name)
	case county && !IsCounty(code):
		p.Add(field, "unknown", "%s is a prefecture-level city (%s), not a county-level division", code, d.Name)
	default:
		return true
	}
	return false
}
