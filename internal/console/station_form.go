package console

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// stationForm is the register/edit form as typed. Coordinates are kept as
// typed, with the CRS they were typed (or clicked) in.
type stationForm struct {
	Name, Address, District, HostType, HostName, Phone, Status string
	Lat, Lng, CRS                                              string
	Amenities                                                  station.AmenitySet
	Hours                                                      hoursForm
}

// stationFormPage is the data of station_form.html.
type stationFormPage struct {
	New     bool
	ID      string
	Version int64
	// Base is the form as it was first shown, as a JSON document: saving
	// sends only what the user changed since.
	Base      string
	Form      stationForm
	Amenities []AmenityGroup
	HostTypes []option
	Statuses  []option
	CRSs      []option
	Districts []option
	// DistrictName names the form's district code, when the table has it.
	DistrictName string
	Map          mapConfig
	Errors       map[string]string
	// Duplicates are the active stations near a new one that the service
	// refused as a possible duplicate (station_duplicates.go).
	Duplicates []duplicateView
}

// mapConfig is what the map script reads from the map element's data
// attributes: the tiles, their CRS, and where to start.
type mapConfig struct {
	Tiles, Subdomains, CRS string
	Lat, Lng               string // the centre, in CRS
	Zoom                   int
	Marker                 bool // a marker at the centre
}

// coordText formats a coordinate with 7 decimals (about 1 cm).
func coordText(v float64) string { return strconv.FormatFloat(v, 'f', 7, 64) }

// formOf fills the form from a station, its point in the tile CRS.
func (h *handler) formOf(st *station.Station) stationForm {
	pt := geo.FromWGS84(st.Location, h.Config.TileCRS)
	return stationForm{
		Name: st.Name, Address: st.Address, District: st.DistrictCode, HostType: st.Host.Type, HostName: st.Host.Name,
		Phone: st.ContactPhone, Status: string(st.Status), Lat: coordText(pt[1]), Lng: coordText(pt[0]),
		CRS: string(h.Config.TileCRS), Amenities: st.Amenities, Hours: hoursFormOf(st.Hours),
	}
}

// readStationForm reads the posted form.
func readStationForm(r *http.Request) stationForm {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := stationForm{
		Name: get("name"), Address: get("address"), District: get("district_code"), HostType: get("host_type"),
		HostName: get("host_name"), Phone: get("contact_phone"), Status: get("status"),
		Lat: get("lat"), Lng: get("lng"), CRS: get("crs"), Hours: readHoursForm(get),
	}
	for _, code := range r.PostForm["amenity"] {
		if bit, ok := station.AmenityBit(code); ok {
			f.Amenities |= bit
		}
	}
	return f
}

// document turns the form into the API's station document, as a JSON
// object by field: the body of a create, or of a merge patch when only the
// changed fields are kept. Problems the form itself can see (a coordinate
// that is not a number, a day's hours that do not parse) come back by form
// field.
func (f stationForm) document() (map[string]json.RawMessage, map[string]string) {
	errs := map[string]string{}
	doc := map[string]json.RawMessage{}
	put := func(k string, v any) {
		b, _ := json.Marshal(v)
		doc[k] = b
	}
	put("name", f.Name)
	put("address", f.Address)
	put("district_code", f.District)
	loc := map[string]any{"crs": f.CRS}
	for _, c := range []struct {
		field, text string
	}{{"lat", f.Lat}, {"lng", f.Lng}} {
		if c.text == "" {
			errs[c.field] = t("problem.required")
			continue
		}
		v, err := strconv.ParseFloat(strings.ReplaceAll(c.text, "，", "."), 64)
		if err != nil {
			errs[c.field] = t("problem.location.number")
			continue
		}
		loc[c.field] = v
	}
	put("location", loc)
	put("host", map[string]string{"type": f.HostType, "name": f.HostName})
	put("amenities", f.Amenities.Codes())
	hours, herrs := f.Hours.toJSON()
	for k, v := range herrs {
		errs[k] = v
	}
	doc["hours"] = hours
	if f.Phone == "" {
		doc["contact_phone"] = json.RawMessage("null")
	} else {
		put("contact_phone", f.Phone)
	}
	if f.Status == "" {
		f.Status = string(station.Active)
	}
	put("status", f.Status)
	if len(errs) == 0 {
		errs = nil
	}
	return doc, errs
}

// formField names the form input of an API field path.
func formField(api string) string {
	switch {
	case strings.HasPrefix(api, "location"):
		switch api {
		case "location.lng":
			return "lng"
		case "location.crs":
			return "crs"
		}
		return "lat"
	case api == "host.type" || api == "host":
		return "host_type"
	case api == "host.name":
		return "host_name"
	case strings.HasPrefix(api, "amenities"):
		return "amenities"
	case strings.HasPrefix(api, "hours"):
		return hoursFieldOf(api)
	}
	return api
}

// stationFormErrors maps a service error to the form's inputs.
func stationFormErrors(err error) map[string]string {
	if apperr.CodeOf(err) == apperr.Forbidden {
		return map[string]string{"district_code": t("problem.district_code.forbidden")}
	}
	out := map[string]string{}
	for field, msg := range formErrors(err) {
		if f := formField(field); out[f] == "" {
			out[f] = msg
		}
	}
	return out
}

// formPage builds the page around a form.
func (h *handler) formPage(r *http.Request, f stationForm) stationFormPage {
	page := stationFormPage{
		Form: f, Amenities: amenityOptions(f.Amenities), Districts: districtOptions(principal(r), f.District),
		DistrictName: district.Name(f.District),
		HostTypes:    hostTypeOptions(f.HostType), Statuses: statusOptions(f.Status, false), CRSs: crsOptions(f.CRS),
		Map: mapConfig{Tiles: h.Config.TileURL, Subdomains: h.Config.TileSubdomains, CRS: string(h.Config.TileCRS), Zoom: 16},
	}
	if f.Lat != "" && f.Lng != "" && f.CRS == string(h.Config.TileCRS) {
		page.Map.Lat, page.Map.Lng, page.Map.Marker = f.Lat, f.Lng, true
	} else {
		c := h.defaultCentre(r)
		page.Map.Lat, page.Map.Lng, page.Map.Zoom = coordText(c[1]), coordText(c[0]), 12
	}
	return page
}

// defaultCentre is where a new station's map opens: the middle of the
// first stations in the staff member's scope, or Pujiang county, the demo.
func (h *handler) defaultCentre(r *http.Request) orb.Point {
	f := station.ListFilter{Limit: 200}
	if codes, all := principal(r).DistrictScope(); !all {
		f.Within = codes
	}
	list, err := h.Stations.List(r.Context(), f)
	if err != nil || len(list) == 0 {
		return geo.FromWGS84(orb.Point{119.892, 29.452}, h.Config.TileCRS)
	}
	var sum orb.Point
	for _, st := range list {
		sum[0] += st.Location[0]
		sum[1] += st.Location[1]
	}
	n := float64(len(list))
	return geo.FromWGS84(orb.Point{sum[0] / n, sum[1] / n}, h.Config.TileCRS)
}

func hostTypeOptions(selected string) []option {
	out := []option{{Value: "", Label: t("host.choose"), Selected: selected == ""}}
	for _, ht := range station.HostTypes {
		out = append(out, option{Value: ht, Label: t("host." + ht), Selected: selected == ht})
	}
	return out
}

func crsOptions(selected string) []option {
	var out []option
	for _, c := range []geo.CRS{geo.GCJ02, geo.WGS84, geo.BD09} {
		out = append(out, option{Value: string(c), Label: t("crs." + string(c)), Selected: selected == string(c)})
	}
	return out
}

// newStationForm shows an empty form.
func (h *handler) newStationForm(w http.ResponseWriter, r *http.Request) {
	f := stationForm{CRS: string(h.Config.TileCRS), Status: string(station.Active), Hours: emptyHoursForm()}
	if codes, all := principal(r).DistrictScope(); !all && len(codes) == 1 && station.ValidCountyCode(codes[0]) {
		f.District = codes[0]
	}
	page := h.formPage(r, f)
	page.New = true
	h.render(w, r, "station_form.html", "stations", page)
}

// validate checks the whole form as the service will, so that every
// problem shows at once, next to its field: the form's own (a day's hours
// that do not parse) and the rules' (station.Document.Validate).
func (f stationForm) validate() (map[string]json.RawMessage, map[string]string) {
	doc, errs := f.document()
	d, err := station.DecodeDocument(mustJSON(doc))
	if err == nil {
		_, err = d.Validate(nil)
	}
	if err != nil {
		if errs == nil {
			errs = map[string]string{}
		}
		for k, v := range stationFormErrors(err) {
			if errs[k] == "" {
				errs[k] = v
			}
		}
	}
	return doc, errs
}

// createStation registers the station through the same service as
// POST /v1/stations.
func (h *handler) createStation(w http.ResponseWriter, r *http.Request) {
	f := readStationForm(r)
	doc, errs := f.validate()
	var (
		st   *station.Station
		dups []duplicateView
	)
	if errs == nil {
		d, err := station.DecodeDocument(mustJSON(doc))
		if err == nil {
			o := station.Options{AllowDuplicate: r.PostFormValue("allow_duplicate") == "true"}
			st, err = h.Stations.CreateWith(r.Context(), principal(r), d, o)
		}
		if err != nil && apperr.CodeOf(err) == apperr.Internal {
			h.fail(w, r, err)
			return
		}
		if dups = duplicateViews(err, nil); dups != nil {
			errs = map[string]string{}
		} else if err != nil {
			errs = stationFormErrors(err)
		}
	}
	if errs != nil {
		page := h.formPage(r, f)
		page.New, page.Errors, page.Duplicates = true, errs, dups
		h.render(w, r, "station_form.html", "stations", page)
		return
	}
	h.redirect(w, r, "/console/stations/"+st.ID.String(), "flash.station_created", st.Name)
}
