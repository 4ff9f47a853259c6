package httpapi

import (
	"time"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

func toStationJSON(s *station.Station, crs geo.CRS, at time.Time) stationView {
	return stationView{s: s, crs: crs, at: at}
}
