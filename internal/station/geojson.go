package station

import (
	"encoding/json"
	"errors"

	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/geo"
	"yizhan/internal/strictjson"
)

// GeoJSON import. The structures are decoded strictly, feature by feature,
// so that every bad feature can be reported by its index.
type featureCollection struct {
	Type     string            `json:"type"`
	Features []json.RawMessage `json:"features"`
	BBox     []float64         `json:"bbox,omitempty"`
}

type feature struct {
	Type       string           `json:"type"`
	Geometry   *pointGeometry   `json:"geometry"`
	Properties *json.RawMessage `json:"properties"`
	ID         any              `json:"id,omitempty"`
	BBox       []float64        `json:"bbox,omitempty"`
}

type pointGeometry struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
	BBox        []float64 `json:"bbox,omitempty"`
}

// DecodeFeatureCollection decodes a GeoJSON FeatureCollection of stations,
// the body of an import, whose coordinates are in crs. Each feature is
// decoded on its own, so that every bad one is reported by its index when
// the items go to Import. Past MaxImport features none is decoded: Import
// refuses so many. Returns Invalid when the body is not a FeatureCollection.
func DecodeFeatureCollection(body []byte, crs geo.CRS) ([]ImportItem, error) {
	var fc featureCollection
	if err := strictjson.Decode(body, &fc); err != nil {
		return nil, err
	}
	if fc.Type != "FeatureCollection" {
		var p apperr.Problems
		p.Add("type", "format", `must be "FeatureCollection"`)
		return nil, p.Err()
	}
	items := make([]ImportItem, len(fc.Features))
	if len(fc.Features) <= MaxImport {
		for i, raw := range fc.Features {
			items[i] = ImportFeature(raw, crs)
		}
	}
	return items, nil
}

// ImportFeature decodes one GeoJSON feature; its problems are reported with
// paths relative to the feature.
func ImportFeature(raw json.RawMessage, crs geo.CRS) ImportItem {
	var (
		f feature
		p apperr.Problems
	)
	if err := strictjson.Decode(raw, &f); err != nil {
		return ImportItem{Problem: err}
	}
	if f.Type != "Feature" {
		p.Add("type", "format", `must be "Feature"`)
	}
	var loc *orb.Point
	switch g := f.Geometry; {
	case g == nil:
		p.Add("geometry", "required", "a Point geometry is required")
	case g.Type != "Point":
		p.Add("geometry.type", "format", `must be "Point"`)
	case len(g.Coordinates) < 2 || len(g.Coordinates) > 3:
		p.Add("geometry.coordinates", "format", "must be [lng, lat] (RFC 7946 order)")
	default:
		lng, lat := g.Coordinates[0], g.Coordinates[1]
		pt, err := LocationDoc{Lat: &lat, Lng: &lng, CRS: string(crs)}.WGS84()
		var e *apperr.Error
		if errors.As(err, &e) {
			// Name the offending coordinate by its GeoJSON position.
			for _, f := range e.Fields {
				idx := map[string]string{"lng": "[0]", "lat": "[1]"}[f.Field]
				f.Field = "geometry.coordinates" + idx
				p.AddField(f)
			}
		} else if err != nil {
			return ImportItem{Problem: err}
		} else {
			loc = &pt
		}
	}
	var doc Document
	if f.Properties == nil || string(*f.Properties) == "null" {
		p.Add("properties", "required", "the station's fields are required")
	} else if d, err := DecodeDocument(*f.Properties); err != nil {
		p.AddAll("properties", err)
	} else {
		doc = d
	}
	if err := p.Err(); err != nil {
		return ImportItem{Doc: doc, Problem: err} // the document only to show which row this is
	}
	return ImportItem{Doc: doc, Location: loc}
}
