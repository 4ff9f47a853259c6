package httpapi

import (
	"math"
	"time"

	"github.com/paulmach/orb"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// stationJSON is a station on the wire.
type stationJSON struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Address      string        `json:"address"`
	DistrictCode string        `json:"district_code"`
	Location     locationJSON  `json:"location"`
	Host         hostJSON      `json:"host"`
	Amenities    []string      `json:"amenities"`
	Hours        station.Hours `json:"hours"`
	ContactPhone string        `json:"contact_phone,omitempty"`
	Status       string        `json:"status"`
	OpenNow      bool          `json:"open_now"`
	Demo         bool          `json:"demo"`
	Version      int64         `json:"version"`
	CreatedAt    time.Time     `json:"created_at"`
	CreatedBy    string        `json:"created_by"`
	UpdatedAt    time.Time     `json:"updated_at"`
	UpdatedBy    string        `json:"updated_by"`
}

type locationJSON struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
	CRS string  `json:"crs"`
}

type hostJSON struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// round7 keeps 7 decimals of a degree, about 1 cm: more is noise.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

func toLocationJSON(p orb.Point, crs geo.CRS) locationJSON {
	q := geo.FromWGS84(p, crs)
	return locationJSON{Lat: round7(q[1]), Lng: round7(q[0]), CRS: string(crs)}
}

func toStationJSON(s *station.Station, crs geo.CRS, now time.Time) stationJSON {
	return stationJSON{
		ID:           s.ID.String(),
		Name:         s.Name,
		Address:      s.Address,
		DistrictCode: s.DistrictCode,
		Location:     toLocationJSON(s.Location, crs),
		Host:         hostJSON{Type: s.Host.Type, Name: s.Host.Name},
		Amenities:    s.Amenities.Codes(),
		Hours:        s.Hours,
		ContactPhone: s.ContactPhone,
		Status:       string(s.Status),
		OpenNow:      s.Status == station.Active && s.Hours.OpenAt(now),
		Demo:         s.Demo,
		Version:      s.Version,
		CreatedAt:    s.CreatedAt.UTC(),
		CreatedBy:    s.CreatedBy,
		UpdatedAt:    s.UpdatedAt.UTC(),
		UpdatedBy:    s.UpdatedBy,
	}
}
