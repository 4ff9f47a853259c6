package district

import (
	"testing"

	"yizhan/internal/apperr"
)

func TestTable(t *testing.T) {
	for _, tc := range []struct {
		code     string
		name     string
		exists   bool
		isCounty bool
	}{
		{"330726", "浦江县", true, true},
		{"330700", "金华市", true, false},
		{"330000", "浙江省", true, false},
		{"110101", "东城区", true, true}, // a county-level district of Beijing
		{"110100", "", false, false},  // 北京市市辖区: a heading of the statistical table, not a division
		{"330799", "", false, false},
		{"330771", "", false, false},  // 金华经济技术开发区: a statistical area
		{"441900", "东莞市", true, true}, // a city without counties is its own county
		{"429004", "仙桃市", true, true}, // a county-level city under the province
		{"330113", "临平区", true, true},
		{"330103", "", false, false}, // 下城区, merged away in 2021
		{"653229", "和安县", true, true},
		{"990726", "", false, false},
		{"33072", "", false, false},
	} {
		if got := Name(tc.code); got != tc.name {
			t.Errorf("Name(%s) = %q, want %q", tc.code, got, tc.name)
		}
		if got := Exists(tc.code); got != tc.exists {
			t.Errorf("Exists(%s) = %v", tc.code, got)
		}
		if got := IsCounty(tc.code); got != tc.isCounty {
			t.Errorf("IsCounty(%s) = %v", tc.code, got)
		}
	}
	levels := map[Level]int{}
	for _, d := range table {
		levels[d.Level]++
	}
	if levels[Province] != 34 || levels[City] < 330 || levels[County] < 2800 {
		t.Errorf("levels %v: the table looks truncated", levels)
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		code   string
		county bool
		want   string
	}{
		{"330726", true, ""},
		{"330700", false, ""},
		{"330700", true, "unknown"},
		{"330000", true, "unknown"},
		{"330799", true, "unknown"},
		{"330799", false, "unknown"},
		{"3307260", true, "format"},
		{"０30726", true, "format"},
		{"033072", false, "format"},
	} {
		var p apperr.Problems
		ok := Check(&p, "district_code", tc.code, tc.county)
		got := ""
		if l := p.List(); len(l) == 1 {
			got = l[0].Code
		}
		if got != tc.want || ok != (tc.want == "") || p.Len() > 1 {
			t.Errorf("Check(%s, %v) = %v, %+v; want %q", tc.code, tc.county, ok, p.List(), tc.want)
		}
	}
}
