package station

import (
	"encoding/json"
	"reflect"

	"yizhan/internal/apperr"
	"yizhan/internal/strictjson"
)

// ApplyMergePatch applies a JSON merge patch (RFC 7396) to the station's
// editable document and validates the result. One deliberate departure: a
// "location" in the patch replaces the whole location rather than merging
// into it, because a lat from one coordinate system merged with a lng from
// another would silently put the station in the wrong place.
func ApplyMergePatch(s *Station, patch []byte) (Fields, error) {
	pm, err := strictjson.DecodePatch(patch, "a station")
	if err != nil {
		return Fields{}, err
	}
	var probs apperr.Problems
	for k, v := range pm {
		switch {
		case !documentKeys[k]:
			probs.Add(k, "unknown", "is not a known field")
		case k == "status" && v == nil:
			probs.Add(k, "required", "cannot be removed; set it to active, suspended or closed")
		}
	}
	if err := probs.Err(); err != nil {
		return Fields{}, err
	}
	target, err := strictjson.ObjectOf(DocumentOf(s))
	if err != nil {
		return Fields{}, err
	}
	if loc, ok := pm["location"]; ok && loc != nil {
		delete(target, "location")
	}
	merged, err := json.Marshal(strictjson.MergePatch(target, pm))
	if err != nil {
		return Fields{}, err
	}
	doc, err := DecodeDocument(merged)
	if err != nil {
		return Fields{}, err
	}
	return doc.Validate(nil)
}

// documentKeys are the members of a Document.
var documentKeys = map[string]bool{
	"name": true, "address": true, "district_code": true, "location": true, "host": true,
	"amenities": true, "hours": true, "contact_phone": true, "status": true,
}

// Diff lists the fields that differ between before and after, by their JSON
// names, with their JSON values. A nil before lists every field of after.
func Diff(before, after *Station) map[string]FieldChange {
	out := map[string]FieldChange{}
	a := flatten(after)
	if before == nil {
		for k, v := range a {
			out[k] = FieldChange{Before: nil, After: v}
		}
		return out
	}
	b := flatten(before)
	for k, v := range a {
		if !reflect.DeepEqual(b[k], v) {
			out[k] = FieldChange{Before: b[k], After: v}
		}
	}
	return out
}

func flatten(s *Station) map[string]any {
	hours, _ := json.Marshal(s.Hours)
	var h any
	_ = json.Unmarshal(hours, &h)
	var phone any
	if s.ContactPhone != "" {
		phone = s.ContactPhone
	}
	amen := []any{}
	for _, c := range s.Amenities.Codes() {
		amen = append(amen, c)
	}
	return map[string]any{
		"name":          s.Name,
		"address":       s.Address,
		"district_code": s.DistrictCode,
		"location":      map[string]any{"lat": s.Location[1], "lng": s.Location[0], "crs": "wgs84"},
		"host":          map[string]any{"type": s.Host.Type, "name": s.Host.Name},
		"amenities":     amen,
		"hours":         h,
		"contact_phone": phone,
		"status":        string(s.Status),
	}
}
