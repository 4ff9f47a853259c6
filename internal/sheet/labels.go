package sheet

import (
	"strings"

	"yizhan/internal/station"
)

// HostTypeLabels are the Chinese labels of station.HostTypes, in its order.
var HostTypeLabels = map[string]string{
	"bank":          "银行",
	"restaurant":    "餐饮",
	"shop":          "商店",
	"union_office":  "工会",
	"government":    "政府机关",
	"transport_hub": "交通场站",
	"enterprise":    "企业",
	"community":     "社区",
	"other":         "其他",
}

// HostType returns the code of a host type written as its code or its
// Chinese label, and false when it is neither.
func HostType(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for code, label := range HostTypeLabels {
		if s == code || s == label {
			return code, true
		}
	}
	return "", false
}

// Amenities splits a cell of amenities (separated by 、 , or ，) into codes;
// each item may be a code or a Chinese label. Items that are neither are
// kept as written, for the station's validation to refuse by position.
func Amenities(cell string) []string {
	items := strings.FieldsFunc(cell, func(r rune) bool { return r == '、' || r == ',' || r == '，' })
	out := make([]string, 0, len(items))
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		out = append(out, amenityCode(it))
	}
	return out
}

func amenityCode(s string) string {
	for _, a := range station.Amenities {
		if s == a.Code || s == a.LabelZH {
			return a.Code
		}
	}
	return s
}

// FormatAmenities writes a set as Chinese labels joined by 、.
func FormatAmenities(set station.AmenitySet) string {
	var out []string
	for _, a := range station.Amenities {
		if b, _ := station.AmenityBit(a.Code); set.Has(b) {
			out = append(out, a.LabelZH)
		}
	}
	return strings.Join(out, "、")
}
