package activity

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/instant"
	"yizhan/internal/station"
	"yizhan/internal/strictjson"
	yztext "yizhan/internal/text"
	"yizhan/internal/worker"
)

// Limits on an activity's fields.
const (
	maxTitle       = 60
	maxDescription = 2000
	maxAddress     = 200
	MaxCapacity    = 100_000
	maxDistricts   = 100
	// maxDuration is the longest an activity may run: a course of weekly
	// sessions is published session by session.
	maxDuration = 31 * 24 * time.Hour
)

// Document is an activity as staff write it: the JSON body of POST and the
// result of applying a PATCH. Validate turns it into an activity's fields.
type Document struct {
	Title          string          `json:"title"`
	Description    string          `json:"description"`
	Category       string          `json:"category"`
	StationID      *string         `json:"station_id,omitempty"`
	Address        *string         `json:"address,omitempty"`
	Location       *LocationDoc    `json:"location,omitempty"`
	StartsAt       *time.Time      `json:"starts_at"`
	EndsAt         *time.Time      `json:"ends_at"`
	Capacity       *int            `json:"capacity"`
	SignupOpensAt  *time.Time      `json:"signup_opens_at,omitempty"`
	SignupClosesAt *time.Time      `json:"signup_closes_at,omitempty"`
	Eligibility    *EligibilityDoc `json:"eligibility,omitempty"`
	Status         string          `json:"status,omitempty"`
}

// LocationDoc is location: {lat, lng, crs}, as a station's.
type LocationDoc = station.LocationDoc

// EligibilityDoc is eligibility.
type EligibilityDoc struct {
	MembersOnly   bool     `json:"members_only"`
	Occupations   []string `json:"occupations"`
	DistrictCodes []string `json:"district_codes"`
}

// DecodeDocument strictly decodes an activity document.
func DecodeDocument(body []byte) (Document, error) {
	var d Document
	if err := strictjson.Decode(body, &d); err != nil {
		return Document{}, err
	}
	return d, nil
}

// Fields are the parts of an activity its editors set.
type Fields struct {
	Title          string
	Description    string
	Category       Category
	Place          Place
	StartsAt       time.Time
	EndsAt         time.Time
	Capacity       int
	SignupOpensAt  time.Time
	SignupClosesAt time.Time
	Eligibility    Eligibility
	Status         Status
}

// Validate checks every field and returns the activity's fields, reporting
// all offending fields at once. It does not look the station up: Service
// does.
func (d Document) Validate() (Fields, error) {
	var (
		p apperr.Problems
		f Fields
	)
	f.Title = yztext.Field(&p, "title", d.Title, yztext.Rule{Max: maxTitle, Required: true})
	f.Description = yztext.Field(&p, "description", d.Description, yztext.Rule{Max: maxDescription, Multiline: true})
	f.Category = Category(d.Category)
	if d.Category == "" {
		p.Add("category", "required", "is required")
	} else if !f.Category.Valid() {
		p.Add("category", "unknown", "must be one of course, event, health_check, legal_aid or other")
	}
	d.validatePlace(&p, &f)
	if d.StartsAt == nil {
		p.Add("starts_at", "required", "is required")
	} else {
		f.StartsAt = d.StartsAt.UTC().Truncate(time.Microsecond)
		instant.Check(&p, "starts_at", f.StartsAt)
	}
	if d.EndsAt == nil {
		p.Add("ends_at", "required", "is required")
	} else {
		f.EndsAt = d.EndsAt.UTC().Truncate(time.Microsecond)
		instant.Check(&p, "ends_at", f.EndsAt)
	}
	if d.StartsAt != nil && d.EndsAt != nil {
		switch {
		case !f.EndsAt.After(f.StartsAt):
			p.Add("ends_at", "out_of_range", "must be after starts_at")
		case f.EndsAt.Sub(f.StartsAt) > maxDuration:
			p.Add("ends_at", "out_of_range", "must be at most 31 days after starts_at; publish a long course session by session")
		}
	}
	switch {
	case d.Capacity == nil:
		p.Add("capacity", "required", "is required: the number of places")
	case *d.Capacity < 1 || *d.Capacity > MaxCapacity:
		p.Add("capacity", "out_of_range", "must be from 1 to %d", MaxCapacity)
	default:
		f.Capacity = *d.Capacity
	}
	if d.SignupOpensAt != nil {
		f.SignupOpensAt = d.SignupOpensAt.UTC().Truncate(time.Microsecond)
		instant.Check(&p, "signup_opens_at", f.SignupOpensAt)
	}
	if d.SignupClosesAt != nil {
		f.SignupClosesAt = d.SignupClosesAt.UTC().Truncate(time.Microsecond)
		instant.Check(&p, "signup_closes_at", f.SignupClosesAt)
		if d.StartsAt != nil && f.SignupClosesAt.After(f.StartsAt) {
			p.Add("signup_closes_at", "out_of_range", "must be at or before starts_at")
		}
	}
	if d.SignupOpensAt != nil && d.StartsAt != nil {
		closes := f.SignupClosesAt
		if closes.IsZero() {
			closes = f.StartsAt
		}
		if !f.SignupOpensAt.Before(closes) {
			p.Add("signup_opens_at", "out_of_range", "must be before signup_closes_at (by default starts_at)")
		}
	}
	if e := d.Eligibility; e != nil {
		f.Eligibility = e.validate(&p)
	}
	f.Status = Draft
	if d.Status != "" {
		f.Status = Status(d.Status)
		if !f.Status.Valid() {
			p.Add("status", "unknown", "must be draft, published, cancelled or finished")
		}
	}
	if err := p.Err(); err != nil {
		return Fields{}, err
	}
	return f, nil
}

// validatePlace checks that the place is a station, or an address with a
// location, and not both.
func (d Document) validatePlace(p *apperr.Problems, f *Fields) {
	hasStation := d.StationID != nil
	hasAddress := d.Address != nil || d.Location != nil
	switch {
	case hasStation && hasAddress:
		p.Add("station_id", "conflict", "give either station_id, or address and location, not both")
		return
	case !hasStation && !hasAddress:
		p.Add("station_id", "required", "the place is required: a station_id, or an address and a location")
		return
	case hasStation:
		id, err := uuid.Parse(*d.StationID)
		if err != nil || len(*d.StationID) != 36 {
			p.Add("station_id", "format", "must be a station id")
			return
		}
		f.Place.StationID = id
		return
	}
	if d.Address == nil {
		p.Add("address", "required", "is required with location")
	} else {
		f.Place.Address = yztext.Field(p, "address", *d.Address, yztext.Rule{Max: maxAddress, Required: true})
	}
	if d.Location == nil {
		p.Add("location", "required", "is required with address: {lat, lng, crs}")
		return
	}
	pt, err := d.Location.WGS84()
	if err != nil {
		p.AddAll("location", err)
		return
	}
	f.Place.Location = pt
}

func (e *EligibilityDoc) validate(p *apperr.Problems) Eligibility {
	out := Eligibility{MembersOnly: e.MembersOnly}
	for i, o := range e.Occupations {
		field := fmt.Sprintf("eligibility.occupations[%d]", i)
		switch {
		case !worker.Occupation(o).Valid():
			p.Add(field, "unknown", "must be one of food_delivery, express_courier, ride_hailing, truck_driver, sanitation, domestic_service or other")
		case slices.Contains(out.Occupations, o):
			p.Add(field, "duplicate", "is listed twice")
		default:
			out.Occupations = append(out.Occupations, o)
		}
	}
	if len(e.DistrictCodes) > maxDistricts {
		p.Add("eligibility.district_codes", "too_many", "must hold at most %d codes", maxDistricts)
		return out
	}
	for i, c := range e.DistrictCodes {
		field := fmt.Sprintf("eligibility.district_codes[%d]", i)
		switch {
		case !district.Check(p, field, c, false):
		case slices.Contains(out.DistrictCodes, c):
			p.Add(field, "duplicate", "is listed twice")
		default:
			out.DistrictCodes = append(out.DistrictCodes, c)
		}
	}
	return out
}

// DocumentOf returns the activity's document, as a PATCH starts from.
func DocumentOf(a *Activity) Document {
	d := Document{
		Title:       a.Title,
		Description: a.Description,
		Category:    string(a.Category),
		StartsAt:    &a.StartsAt,
		EndsAt:      &a.EndsAt,
		Capacity:    &a.Capacity,
		Eligibility: &EligibilityDoc{MembersOnly: a.Eligibility.MembersOnly, Occupations: a.Eligibility.Occupations, DistrictCodes: a.Eligibility.DistrictCodes},
		Status:      string(a.Status),
	}
	if a.Place.AtStation() {
		id := a.Place.StationID.String()
		d.StationID = &id
	} else {
		addr := a.Place.Address
		lat, lng := a.Place.Location.Lat(), a.Place.Location.Lon()
		d.Address = &addr
		d.Location = &LocationDoc{Lat: &lat, Lng: &lng, CRS: "wgs84"}
	}
	if !a.SignupOpensAt.IsZero() {
		t := a.SignupOpensAt
		d.SignupOpensAt = &t
	}
	if !a.SignupClosesAt.IsZero() {
		t := a.SignupClosesAt
		d.SignupClosesAt = &t
	}
	return d
}

// patchKeys are the fields a merge patch may name, and whether null may
// remove them.
var patchKeys = map[string]bool{"title": false, "description": true, "category": false, "station_id": true, "address": true,
	"location": true, "starts_at": false, "ends_at": false, "capacity": false, "signup_opens_at": true, "signup_closes_at": true,
	"eligibility": true, "status": false}

// ApplyMergePatch applies a JSON merge patch (RFC 7396) to the activity's
// document and validates the result. Moving the place from a station to an
// address (or back) takes both in one patch: {"station_id": null,
// "address": …, "location": …}.
func ApplyMergePatch(a *Activity, patch []byte) (Fields, error) {
	pm, err := strictjson.DecodePatch(patch, "an activity")
	if err != nil {
		return Fields{}, err
	}
	var p apperr.Problems
	for k, v := range pm {
		nullable, known := patchKeys[k]
		switch {
		case !known:
			p.Add(k, "unknown", "is not a known field")
		case v == nil && !nullable:
			p.Add(k, "required", "cannot be removed")
		}
	}
	if err := p.Err(); err != nil {
		return Fields{}, err
	}
	target, err := strictjson.ObjectOf(DocumentOf(a))
	if err != nil {
		return Fields{}, err
	}
	if _, ok := pm["station_id"]; ok {
		if _, addr := pm["address"]; !addr && pm["station_id"] != nil {
			// A station replaces the address the activity had.
			delete(target, "address")
			delete(target, "location")
		}
	}
	if _, ok := pm["address"]; ok && pm["address"] != nil {
		if _, st := pm["station_id"]; !st {
			delete(target, "station_id")
		}
	}
	merged := strictjson.MergePatch(target, pm).(map[string]any)
	b, err := json.Marshal(merged)
	if err != nil {
		return Fields{}, err
	}
	doc, err := DecodeDocument(b)
	if err != nil {
		return Fields{}, err
	}
	return doc.Validate()
}
