package station

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/geo"
	"yizhan/internal/strictjson"
	"yizhan/internal/text"
)

// Document is the editable part of a station as clients send it: the body of
// a create, the target of a JSON merge patch, and the properties of an
// imported GeoJSON feature (which carry the location in their geometry).
type Document struct {
	Name         *string          `json:"name,omitempty"`
	Address      *string          `json:"address,omitempty"`
	DistrictCode *string          `json:"district_code,omitempty"`
	Location     *LocationDoc     `json:"location,omitempty"`
	Host         *HostDoc         `json:"host,omitempty"`
	Amenities    *[]string        `json:"amenities,omitempty"`
	Hours        *json.RawMessage `json:"hours,omitempty"`
	ContactPhone *string          `json:"contact_phone,omitempty"`
	Status       *string          `json:"status,omitempty"`
}

// LocationDoc is a point in one of the coordinate systems Chinese maps use.
type LocationDoc struct {
	Lat *float64 `json:"lat,omitempty"`
	Lng *float64 `json:"lng,omitempty"`
	// CRS is wgs84 (the default), gcj02 or bd09.
	CRS string `json:"crs,omitempty"`
}

// HostDoc is the host as clients send it.
type HostDoc struct {
	Type *string `json:"type,omitempty"`
	Name *string `json:"name,omitempty"`
}

// DecodeDocument decodes a station document strictly.
func DecodeDocument(data []byte) (Document, error) {
	var d Document
	err := strictjson.Decode(data, &d)
	return d, err
}

var (
	mobileRe    = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRe  = regexp.MustCompile(`^0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}$`)
	serviceNoRe = regexp.MustCompile(`^[48]00-?[0-9]{3}-?[0-9]{4}$`)
)

// ValidDivisionCode reports whether code names an administrative division
// of any level in the national table (see internal/district).
func ValidDivisionCode(code string) bool { return district.Exists(code) }

// ValidCountyCode reports whether code names a county-level division, the
// level a station belongs to (see district.IsCounty).
func ValidCountyCode(code string) bool { return district.IsCounty(code) }

// NormalizePhone returns phone without spaces and a +86 prefix, and whether it
// is a valid mainland mobile, landline (area code first) or 400/800 number.
func NormalizePhone(phone string) (string, bool) {
	p := strings.ReplaceAll(strings.TrimSpace(phone), " ", "")
	if rest, ok := strings.CutPrefix(p, "+86"); ok {
		p = strings.TrimPrefix(rest, "-")
	}
	ok := mobileRe.MatchString(p) || landlineRe.MatchString(p) || serviceNoRe.MatchString(p)
	return p, ok
}

// ValidMobile reports whether phone is a mainland mobile number.
func ValidMobile(phone string) bool { return mobileRe.MatchString(phone) }

// Validate checks every field of a complete document and returns the
// station's fields, with the location converted to WGS-84. The location is
// taken from the document unless loc is given (GeoJSON import). All problems
// are reported at once.
func (d Document) Validate(loc *orb.Point) (Fields, error) {
	var (
		f Fields
		p apperr.Problems
	)
	f.Name = requiredText(&p, "name", d.Name, 100)
	f.Address = requiredText(&p, "address", d.Address, 300)

	if d.DistrictCode == nil {
		p.Add("district_code", "required", "is required")
	} else if district.Check(&p, "district_code", *d.DistrictCode, true) {
		f.DistrictCode = *d.DistrictCode
	}

	switch {
	case loc != nil:
		if d.Location != nil {
			p.Add("location", "unknown", "is taken from the feature's geometry")
		}
		f.Location = *loc
	case d.Location == nil:
		p.Add("location", "required", "is required")
	default:
		pt, err := d.Location.WGS84()
		if err != nil {
			p.AddAll("location", err)
		}
		f.Location = pt
	}

	if d.Host == nil {
		p.Add("host", "required", "is required")
	} else {
		switch {
		case d.Host.Type == nil:
			p.Add("host.type", "required", "is required")
		case !contains(HostTypes, *d.Host.Type):
			p.Add("host.type", "unknown", "must be one of %s", strings.Join(HostTypes, ", "))
		default:
			f.Host.Type = *d.Host.Type
		}
		if d.Host.Name != nil {
			f.Host.Name = text.Field(&p, "host.name", *d.Host.Name, text.Rule{Max: 100})
		}
	}

	if d.Amenities != nil {
		for i, code := range *d.Amenities {
			bit, ok := AmenityBit(code)
			switch {
			case !ok:
				p.Add(fmt.Sprintf("amenities[%d]", i), "unknown", "%q is not a known amenity; see GET /v1/amenities", code)
			case f.Amenities&bit != 0:
				p.Add(fmt.Sprintf("amenities[%d]", i), "duplicate", "%q is listed twice", code)
			}
			f.Amenities |= bit
		}
	}

	if d.Hours == nil || string(*d.Hours) == "null" {
		p.Add("hours", "required", `is required, e.g. {"always_open": true}`)
	} else if h, err := ParseHours(*d.Hours); err != nil {
		p.AddAll("hours", err)
	} else {
		f.Hours = h
	}

	if d.ContactPhone != nil && strings.TrimSpace(*d.ContactPhone) != "" {
		phone, ok := NormalizePhone(*d.ContactPhone)
		if !ok {
			p.Add("contact_phone", "format", "must be a mainland mobile number, a landline with its area code (0579-84123456) or a 400/800 number")
		}
		f.ContactPhone = phone
	}

	f.Status = Active
	if d.Status != nil {
		f.Status = Status(*d.Status)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be active, suspended or closed")
		}
	}
	return f, p.Err()
}

// WGS84 validates the location and converts it to WGS-84.
func (l LocationDoc) WGS84() (orb.Point, error) {
	var p apperr.Problems
	crs, err := geo.ParseCRS(l.CRS)
	if err != nil {
		p.Add("crs", "unknown", "must be wgs84, gcj02 or bd09")
	}
	checkCoord(&p, "lat", l.Lat, 90)
	checkCoord(&p, "lng", l.Lng, 180)
	if p.Len() > 0 {
		return orb.Point{}, p.Err()
	}
	in := orb.Point{*l.Lng, *l.Lat}
	if !geo.InChinaExtent(in) {
		if geo.InChinaExtent(orb.Point{*l.Lat, *l.Lng}) {
			p.Add("lat", "out_of_range", "is outside China; lat and lng look swapped (lat is about 18–53 and lng about 73–135 in China)")
		} else {
			p.Add("lat", "out_of_range", "the point (%g, %g) is outside China's extent", *l.Lat, *l.Lng)
		}
		return orb.Point{}, p.Err()
	}
	return geo.ToWGS84(in, crs), nil
}

func checkCoord(p *apperr.Problems, field string, v *float64, limit float64) {
	switch {
	case v == nil:
		p.Add(field, "required", "is required")
	case math.IsNaN(*v) || math.IsInf(*v, 0) || *v < -limit || *v > limit:
		p.Add(field, "out_of_range", "must be a number between %g and %g", -limit, limit)
	}
}

func requiredText(p *apperr.Problems, field string, v *string, max int) string {
	if v == nil {
		p.Add(field, "required", "is required")
		return ""
	}
	return text.Field(p, field, *v, text.Rule{Max: max, Required: true})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DocumentOf returns the station's editable fields as a document in WGS-84,
// the base a merge patch applies to.
func DocumentOf(s *Station) Document {
	lat, lng := s.Location[1], s.Location[0]
	amen := s.Amenities.Codes()
	hours, _ := json.Marshal(s.Hours)
	raw := json.RawMessage(hours)
	status := string(s.Status)
	d := Document{
		Name:         &s.Name,
		Address:      &s.Address,
		DistrictCode: &s.DistrictCode,
		Location:     &LocationDoc{Lat: &lat, Lng: &lng, CRS: string(geo.WGS84)},
		Host:         &HostDoc{Type: &s.Host.Type, Name: &s.Host.Name},
		Amenities:    &amen,
		Hours:        &raw,
		Status:       &status,
	}
	if s.ContactPhone != "" {
		d.ContactPhone = &s.ContactPhone
	}
	return d
}
