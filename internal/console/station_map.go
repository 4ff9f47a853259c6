package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// mapLimit is the most stations the map shows at once.
const mapLimit = 20000

type stationMapPage struct {
	stationListPage
	Map     mapConfig
	DataURL string
	ListURL string
}

// stationMap shows the list's stations on a map; the points come from
// stationMapData, with the same filter.
func (h *handler) stationMap(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	in, _, errs := readStationFilter(r, p, h.Stations.Now())
	page := stationMapPage{stationListPage: stationListPage{Filter: in, Errors: errs, Statuses: statusOptions(in.Status, true), Stale: staleOptions(in.Stale), Platforms: notListedOptions(in.NotListedOn)}}
	page.Districts = districtOptions(p, in.District)
	bit, _ := station.AmenityBit(in.Amenity)
	page.Amenities = amenityOptions(bit)
	q := encodeQuery(withoutAfter(r))
	page.DataURL = "/console/stations/map.json" + q
	page.ListURL = "/console/stations" + q
	c := h.defaultCentre(r)
	page.Map = mapConfig{Tiles: h.Config.TileURL, Subdomains: h.Config.TileSubdomains, CRS: string(h.Config.TileCRS), Lat: coordText(c[1]), Lng: coordText(c[0]), Zoom: 11}
	h.render(w, r, "station_map.html", "stations", page)
}

// stationMapData answers the filtered stations as compact JSON for the
// map script: {"crs":"gcj02","more":false,"items":[[lat,lng,"id","name","status"],…]},
// the points in the tiles' CRS. Written by hand: 5,000 stations should not
// cost 5,000 maps.
func (h *handler) stationMapData(w http.ResponseWriter, r *http.Request) {
	_, f, errs := readStationFilter(r, principal(r), h.Stations.Now())
	if errs != nil {
		http.Error(w, `{"error":"bad filter"}`, http.StatusBadRequest)
		return
	}
	f.After, f.Limit = [16]byte{}, mapLimit+1
	list, err := h.Stations.List(r.Context(), f)
	if err != nil {
		h.log.ErrorContext(r.Context(), "console map data", "err", err)
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
		return
	}
	more := len(list) > mapLimit
	if more {
		list = list[:mapLimit]
	}
	var b bytes.Buffer
	b.Grow(64 + 90*len(list))
	b.WriteString(`{"crs":`)
	b.Write(strconv.AppendQuote(nil, string(h.Config.TileCRS)))
	b.WriteString(`,"more":`)
	b.WriteString(strconv.FormatBool(more))
	b.WriteString(`,"items":[`)
	for i, st := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		pt := geo.FromWGS84(st.Location, h.Config.TileCRS)
		b.WriteByte('[')
		b.Write(strconv.AppendFloat(nil, pt[1], 'f', 6, 64))
		b.WriteByte(',')
		b.Write(strconv.AppendFloat(nil, pt[0], 'f', 6, 64))
		b.WriteString(`,"`)
		b.WriteString(st.ID.String())
		b.WriteString(`",`)
		name, _ := json.Marshal(st.Name)
		b.Write(name)
		b.WriteString(`,"`)
		b.WriteString(string(st.Status))
		b.WriteString(`"]`)
	}
	b.WriteString(`]}`)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	_, _ = w.Write(b.Bytes())
}
