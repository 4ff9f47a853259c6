package httpapi

import (
	"time"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

func toStationJSON(s *station.Station, crs geo.CRS, at time.Time) stationView {
	return stationView{s: s, crs: crs, at: at}
}

// shanghai is China Standard Time. Every time in an answer carries its
// +08:00, as its users read clocks; China has kept no daylight saving since
// 1991, so a fixed zone is exact and spares a zone lookup per time.
var shanghai = time.FixedZone("CST", 8*60*60)

// wireTime is t as answers show it: in Shanghai time, +08:00.
func wireTime(t time.Time) time.Time { return t.In(shanghai) }
