package station

import (
	"math/bits"
	"strings"
)

// Amenity is one facility or supply a station offers, from a fixed
// vocabulary. Codes are stable: new ones may be added, none is renamed.
type Amenity struct {
	Code    string `json:"code"`
	LabelZH string `json:"label_zh"`
	LabelEN string `json:"label_en"`
}

// Amenities is the vocabulary, in display order. An amenity's position is its
// bit in an AmenitySet, so append only; never reorder or remove.
var Amenities = []Amenity{
	{"ebike_charging", "电动车充电", "E-bike charging"},
	{"phone_charging", "手机充电", "Phone charging"},
	{"drinking_water", "饮用水", "Drinking water"},
	{"hot_water", "热水", "Hot water"},
	{"microwave", "微波炉", "Microwave oven"},
	{"refrigerator", "冰箱", "Refrigerator"},
	{"toilet", "卫生间", "Toilet"},
	{"wifi", "无线网络", "Wi-Fi"},
	{"air_conditioning", "空调", "Air conditioning"},
	{"seating", "休息座椅", "Seating"},
	{"first_aid", "常用药品", "First aid and common medicine"},
	{"blood_pressure_monitor", "血压计", "Blood pressure monitor"},
	{"rain_gear", "雨衣雨具", "Rain gear"},
	{"sewing_kit", "针线包", "Sewing kit"},
	{"tire_pump", "打气筒", "Tyre pump"},
	{"nursing_supplies", "母婴用品", "Nursing supplies"},
	{"instant_food", "自热饭与泡面", "Instant food"},
	{"masks", "口罩", "Masks"},
}

var amenityBit = func() map[string]AmenitySet {
	m := make(map[string]AmenitySet, len(Amenities))
	for i, a := range Amenities {
		m[a.Code] = 1 << i
	}
	return m
}()

// AmenitySet is a set of amenities as a bit set, cheap to keep in the search
// index and to test with one AND.
type AmenitySet uint64

// AmenityBit returns the set holding only code, and false when code is not in
// the vocabulary.
func AmenityBit(code string) (AmenitySet, bool) {
	b, ok := amenityBit[code]
	return b, ok
}

// ParseAmenityList parses a comma-separated list of amenity codes, as query
// strings carry them. It returns the unknown codes, if any.
func ParseAmenityList(s string) (set AmenitySet, unknown []string) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" { // "wifi,,toilet" and a trailing comma are harmless
			continue
		}
		b, ok := amenityBit[c]
		if !ok {
			unknown = append(unknown, c)
			continue
		}
		set |= b
	}
	return set, unknown
}

// Has reports whether s holds every amenity of want.
func (s AmenitySet) Has(want AmenitySet) bool { return s&want == want }

// Codes lists the set's codes in vocabulary order.
func (s AmenitySet) Codes() []string {
	out := make([]string, 0, bits.OnesCount64(uint64(s)))
	for i, a := range Amenities {
		if s&(1<<i) != 0 {
			out = append(out, a.Code)
		}
	}
	return out
}
