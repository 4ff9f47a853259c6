package console

import "yizhan/internal/station"

// amenityGroups sort the station vocabulary into the groups the forms show,
// by code; the labels are the domain's LabelZH. A test checks that every
// amenity is in exactly one group.
var amenityGroups = []struct {
	Key   string // catalogue key of the group's title
	Codes []string
}{
	{"amenity.group.supply", []string{"ebike_charging", "phone_charging", "drinking_water", "hot_water", "microwave", "refrigerator", "instant_food"}},
	{"amenity.group.rest", []string{"toilet", "wifi", "air_conditioning", "seating"}},
	{"amenity.group.health", []string{"first_aid", "blood_pressure_monitor", "masks", "nursing_supplies"}},
	{"amenity.group.tools", []string{"rain_gear", "sewing_kit", "tire_pump"}},
}

// AmenityGroup is a titled group of checkboxes.
type AmenityGroup struct {
	Title string
	Items []AmenityOption
}

// AmenityOption is one checkbox.
type AmenityOption struct {
	Code, Label string
	Checked     bool
}

// amenityOptions returns the groups with the set's amenities checked.
func amenityOptions(set station.AmenitySet) []AmenityGroup {
	out := make([]AmenityGroup, 0, len(amenityGroups))
	for _, g := range amenityGroups {
		grp := AmenityGroup{Title: t(g.Key)}
		for _, code := range g.Codes {
			bit, _ := station.AmenityBit(code)
			grp.Items = append(grp.Items, AmenityOption{Code: code, Label: amenityLabel(code), Checked: set.Has(bit) && bit != 0})
		}
		out = append(out, grp)
	}
	return out
}

// amenityLabel is the amenity's Chinese label, or its code when unknown.
func amenityLabel(code string) string {
	for _, a := range station.Amenities {
		if a.Code == code {
			return a.LabelZH
		}
	}
	return code
}

// amenityLabels lists the set's Chinese labels in vocabulary order.
func amenityLabels(set station.AmenitySet) []string {
	codes := set.Codes()
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = amenityLabel(c)
	}
	return out
}
