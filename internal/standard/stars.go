package standard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// Rule turns a station's latest inspection and its map listings into a star
// level. The level is 1 plus one for each threshold the station's points
// reach, where the points are the checklist items passed plus MapPoints for
// each map app the station is listed on (as Jiangxi counts 上图 towards its
// stars). A station that fails a Core item gets at most CoreCap stars,
// whatever its points.
//
// The default (DefaultRule): one point per item passed (10 items), one per
// platform listed (3 platforms), thresholds 6, 8, 10 and 12 points for 2 to
// 5 stars, and the sign, drinking water, named manager and a clean, safe
// place as core items, capping a station that fails one at 2 stars. So 5
// stars needs all ten items and two map apps, or nine items and all three.
type Rule struct {
	// Thresholds are the points needed for 2, 3, 4 and 5 stars, non-decreasing.
	Thresholds [4]int `json:"thresholds"`
	// MapPoints are the points each map listing adds (0 to 10).
	MapPoints int `json:"map_points"`
	// Core are checklist codes a station must pass to rise above CoreCap.
	Core []string `json:"core"`
	// CoreCap is the most stars of a station failing a core item (1 to 5).
	CoreCap int `json:"core_cap"`
}

// DefaultRule is the rule unless STAR_RULE says otherwise.
var DefaultRule = Rule{
	Thresholds: [4]int{6, 8, 10, 12},
	MapPoints:  1,
	Core:       []string{"sign_plaque", "drinking_water", "named_manager", "clean_safe"},
	CoreCap:    2,
}

// ParseRule reads a rule written as JSON (the STAR_RULE setting), such as
// {"thresholds":[6,8,10,12],"map_points":1,"core":["sign_plaque"],"core_cap":2}.
// Every member is required; unknown members are refused.
func ParseRule(s string) (Rule, error) {
	var r struct {
		Thresholds *[4]int  `json:"thresholds"`
		MapPoints  *int     `json:"map_points"`
		Core       []string `json:"core"`
		CoreCap    *int     `json:"core_cap"`
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		return Rule{}, fmt.Errorf("star rule: %w", err)
	}
	if d.More() {
		return Rule{}, fmt.Errorf("star rule: data after the object")
	}
	if r.Thresholds == nil || r.MapPoints == nil || r.Core == nil || r.CoreCap == nil {
		return Rule{}, fmt.Errorf("star rule: thresholds, map_points, core and core_cap are all required")
	}
	rule := Rule{Thresholds: *r.Thresholds, MapPoints: *r.MapPoints, Core: r.Core, CoreCap: *r.CoreCap}
	return rule, rule.Validate()
}

// Validate reports what is wrong with the rule, in English for operators.
func (r Rule) Validate() error {
	for i, t := range r.Thresholds {
		if t < 0 || t > 100 {
			return fmt.Errorf("star rule: threshold %d is %d; want 0 to 100", i+2, t)
		}
		if i > 0 && t < r.Thresholds[i-1] {
			return fmt.Errorf("star rule: thresholds must not decrease (%v)", r.Thresholds)
		}
	}
	if r.MapPoints < 0 || r.MapPoints > 10 {
		return fmt.Errorf("star rule: map_points is %d; want 0 to 10", r.MapPoints)
	}
	for _, c := range r.Core {
		if ItemIndex(c) < 0 {
			return fmt.Errorf("star rule: core item %q is not on the checklist", c)
		}
	}
	if r.CoreCap < 1 || r.CoreCap > 5 {
		return fmt.Errorf("star rule: core_cap is %d; want 1 to 5", r.CoreCap)
	}
	return nil
}

// Points are the station's points: items passed plus MapPoints per listing.
func (r Rule) Points(items map[string]bool, listed int) int {
	n := 0
	for _, it := range Checklist {
		if items[it.Code] {
			n++
		}
	}
	return n + r.MapPoints*listed
}

// Stars is the star level, 1 to 5, of a station whose latest inspection
// recorded items and which is listed on listed map apps.
func (r Rule) Stars(items map[string]bool, listed int) int {
	points := r.Points(items, listed)
	stars := 1
	for _, t := range r.Thresholds {
		if points >= t {
			stars++
		}
	}
	if slices.ContainsFunc(r.Core, func(c string) bool { return !items[c] }) {
		stars = min(stars, r.CoreCap)
	}
	return stars
}
