package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/district"
	"yizhan/internal/station"
)

// stationRoutes are the station pages.
func (h *handler) stationRoutes() {
	m := h.mux
	m.HandleFunc("GET /console/stations", h.page(h.stationList))
	m.HandleFunc("GET /console/stations/map", h.page(h.stationMap))
	m.HandleFunc("GET /console/stations/map.json", h.page(h.stationMapData))
	m.HandleFunc("GET /console/stations/new", h.page(h.newStationForm))
	m.HandleFunc("POST /console/stations/new", h.page(h.createStation))
	m.HandleFunc("GET /console/stations/import", h.page(h.importForm))
	m.HandleFunc("POST /console/stations/import", h.page(h.importStations))
	m.HandleFunc("GET /console/stations/{id}", h.page(h.stationDetail))
	m.HandleFunc("GET /console/stations/{id}/edit", h.page(h.editStationForm))
	m.HandleFunc("POST /console/stations/{id}/edit", h.page(h.updateStation))
	m.HandleFunc("POST /console/stations/{id}/close", h.page(h.closeStation))
}

// stationsPerPage is the list's page size.
const stationsPerPage = 50

// stationFilter is the list's filter form, as typed.
type stationFilter struct {
	District string
	Amenity  string
	Status   string
	Query    string
	// Review keeps stations flagged 待核查; Stale (days, as typed) those
	// nobody confirmed or verified for that long.
	Review bool
	Stale  string
	// NotListedOn keeps stations not yet on that map app (上图).
	NotListedOn string
}

// staleChoices are the stale_days filter's choices, in days.
var staleChoices = []string{"30", "60", "90"}

// stationRow is one line of the list.
type stationRow struct {
	ID, Name, Address, District string
	Status                      station.Status
	StatusLabel                 string
	Amenities                   []string
	UpdatedAt                   string
	NeedsReview                 bool
}

type stationListPage struct {
	Filter    stationFilter
	Districts []option // the staff member's own divisions, offered in the district filter
	Amenities []AmenityGroup
	Statuses  []option
	Items     []stationRow
	Pager     Pager
	Errors    map[string]string
	Stale     []option
	Platforms []option // the not_listed_on choices
	// MapURL is the same filter on the map.
	MapURL string
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// readStationFilter parses the filter form into a ListFilter within the
// staff member's districts. Problems are keyed by form field.
func readStationFilter(r *http.Request, p *auth.Principal, now time.Time) (stationFilter, station.ListFilter, map[string]string) {
	q := r.URL.Query()
	in := stationFilter{
		District: strings.TrimSpace(q.Get("district")),
		Amenity:  q.Get("amenity"),
		Status:   q.Get("status"),
		Query:    strings.TrimSpace(q.Get("q")),
		Review:   q.Get("needs_review") == "1",
		Stale:    q.Get("stale_days"),

		NotListedOn: q.Get("not_listed_on"),
	}
	var f station.ListFilter
	errs := map[string]string{}
	if in.District != "" {
		var p apperr.Problems
		if !district.Check(&p, "district", in.District, false) {
			errs["district"] = formErrors(p.Err())["district"]
		}
		f.DistrictCode = in.District
	}
	if in.Amenity != "" {
		bit, ok := station.AmenityBit(in.Amenity)
		if !ok {
			errs["amenity"] = t("problem.unknown")
		}
		f.Amenities = bit
	}
	if in.Status != "" {
		f.Status = station.Status(in.Status)
		if !f.Status.Valid() {
			errs["status"] = t("problem.unknown")
		}
	}
	if in.Query != "" {
		if utf8.RuneCountInString(in.Query) > 100 || !utf8.ValidString(in.Query) || strings.ContainsRune(in.Query, 0) {
			errs["q"] = t("problem.too_long")
		}
		f.Query = in.Query
	}
	if in.Review {
		yes := true
		f.NeedsReview = &yes
	}
	if in.Stale != "" {
		days := 0
		for _, c := range staleChoices {
			if c == in.Stale {
				days, _ = strconv.Atoi(c)
			}
		}
		if days == 0 {
			errs["stale_days"] = t("problem.unknown")
		}
		f.StaleBefore = now.Add(-time.Duration(days) * 24 * time.Hour)
	}
	if in.NotListedOn != "" {
		if !slices.Contains(mapPlatforms, in.NotListedOn) {
			errs["not_listed_on"] = t("problem.unknown")
		}
		f.NotListedOn = in.NotListedOn
	}
	if codes, all := p.DistrictScope(); !all {
		f.Within = append([]string{}, codes...)
	}
	if a := q.Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			errs["after"] = t("problem.format")
		}
		f.After = id
	}
	if len(errs) > 0 {
		return in, station.ListFilter{}, errs
	}
	return in, f, nil
}

func (h *handler) stationList(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	in, f, errs := readStationFilter(r, p, h.Stations.Now())
	page := stationListPage{Filter: in, Errors: errs, Statuses: statusOptions(in.Status, true), Stale: staleOptions(in.Stale), Platforms: notListedOptions(in.NotListedOn)}
	page.Districts = districtOptions(p, in.District)
	bit, _ := station.AmenityBit(in.Amenity)
	page.Amenities = amenityOptions(bit)
	page.MapURL = "/console/stations/map" + encodeQuery(withoutAfter(r))
	if errs == nil {
		f.Limit = stationsPerPage + 1
		list, err := h.Stations.List(r.Context(), f)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		next := ""
		if len(list) > stationsPerPage {
			list = list[:stationsPerPage]
			next = list[len(list)-1].ID.String()
		}
		for _, st := range list {
			page.Items = append(page.Items, rowOf(st))
		}
		page.Pager = pager(r, next)
	}
	h.render(w, r, "stations.html", "stations", page)
}

func withoutAfter(r *http.Request) map[string][]string {
	q := r.URL.Query()
	q.Del("after")
	return q
}

func rowOf(st *station.Station) stationRow {
	return stationRow{
		ID: st.ID.String(), Name: st.Name, Address: st.Address, District: districtText(st.DistrictCode),
		Status: st.Status, StatusLabel: t("status." + string(st.Status)),
		Amenities: amenityLabels(st.Amenities), UpdatedAt: st.UpdatedAt.In(shanghai).Format("2006-01-02 15:04"),
		NeedsReview: st.NeedsReview,
	}
}

// staleOptions are the stale_days choices, "any" first.
func staleOptions(selected string) []option {
	out := []option{{Value: "", Label: t("stations.filter.stale_any"), Selected: selected == ""}}
	for _, c := range staleChoices {
		out = append(out, option{Value: c, Label: t("stations.filter.stale_n", c), Selected: selected == c})
	}
	return out
}

// mapPlatforms are the map apps of 上图, in the order the console shows them.
var mapPlatforms = []string{"amap", "baidu", "tencent"}

// notListedOptions are the not_listed_on choices, "any" first.
func notListedOptions(selected string) []option {
	out := []option{{Value: "", Label: t("common.all"), Selected: selected == ""}}
	for _, pl := range mapPlatforms {
		out = append(out, option{Value: pl, Label: t("stations.filter.not_listed_n", t("platform.short."+pl)), Selected: selected == pl})
	}
	return out
}

// statusOptions are the status choices; withAll adds "all" first.
func statusOptions(selected string, withAll bool) []option {
	var out []option
	if withAll {
		out = append(out, option{Value: "", Label: t("common.all"), Selected: selected == ""})
	}
	for _, s := range []station.Status{station.Active, station.Suspended, station.Closed} {
		out = append(out, option{Value: string(s), Label: t("status." + string(s)), Selected: selected == string(s)})
	}
	return out
}

// districtText is a division code with its name: "330726 浦江县".
func districtText(code string) string {
	if name := district.Name(code); name != "" {
		return code + " " + name
	}
	return code
}

// districtOptions are a district staff member's divisions, for the
// district filter; nil for an admin, who types a code.
func districtOptions(p *auth.Principal, selected string) []option {
	codes, all := p.DistrictScope()
	if all {
		return nil
	}
	out := make([]option, 0, len(codes))
	for _, c := range codes {
		out = append(out, option{Value: c, Label: districtText(c), Selected: c == selected})
	}
	return out
}
