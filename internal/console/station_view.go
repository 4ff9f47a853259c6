package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/google/uuid"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// stationPage is the data of station.html.
type stationPage struct {
	ID, Name, Address, District, Host, Phone, Hours string
	Status                                          station.Status
	StatusLabel                                     string
	Amenities                                       []string
	Lat, Lng                                        string // WGS-84
	Version                                         int64
	CreatedAt, CreatedBy, UpdatedAt, UpdatedBy      string
	OpenNow                                         bool
	// ClosedNow: a temporarily_closed notice is in force.
	ClosedNow bool
	Map       mapConfig
	History   []changeView // newest first
	Truth     truthView
	Photos    photosView
}

// changeView is one entry of a station's history.
type changeView struct {
	Version        int64
	Action, At, By string
	// Initial marks a registration or an import: there is no "before".
	Initial bool
	Fields  []fieldDiff
}

// fieldDiff is one field's value before and after a change, for people.
type fieldDiff struct {
	Field, Before, After string
	// Both marks, on the conflict page, a field the other editor changed too.
	Both bool
}

func (h *handler) stationDetail(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderStation(w, r, st, noticeForm{}, http.StatusOK)
}

// renderStation shows the station's page with the notice form as given.
func (h *handler) renderStation(w http.ResponseWriter, r *http.Request, st *station.Station, form noticeForm, status int) {
	changes, err := h.Stations.History(r.Context(), principal(r), st.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tv, err := h.truthOf(r, st, form)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pv, err := h.photosOf(r, st)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	actors := []string{st.CreatedBy, st.UpdatedBy, st.VerifiedBy}
	for _, c := range changes {
		actors = append(actors, c.ChangedBy)
	}
	actor := h.actorNames(r, actors...)
	pt := geo.FromWGS84(st.Location, h.Config.TileCRS)
	page := stationPage{
		ID: st.ID.String(), Name: st.Name, Address: st.Address, District: districtText(st.DistrictCode),
		Host: hostText(st.Host.Type, st.Host.Name), Phone: st.ContactPhone, Hours: hoursSummary(st.Hours),
		Status: st.Status, StatusLabel: t("status." + string(st.Status)), Amenities: amenityLabels(st.Amenities),
		Lat: coordText(st.Location[1]), Lng: coordText(st.Location[0]), Version: st.Version,
		CreatedAt: st.CreatedAt.In(shanghai).Format("2006-01-02 15:04"), CreatedBy: actor(st.CreatedBy),
		UpdatedAt: st.UpdatedAt.In(shanghai).Format("2006-01-02 15:04"), UpdatedBy: actor(st.UpdatedBy),
		OpenNow: st.OpenAt(h.Stations.Now()), ClosedNow: st.ClosedAt(h.Stations.Now()), Truth: tv, Photos: pv,
		Map: mapConfig{Tiles: h.Config.TileURL, Subdomains: h.Config.TileSubdomains, CRS: string(h.Config.TileCRS),
			Lat: coordText(pt[1]), Lng: coordText(pt[0]), Zoom: 16, Marker: true},
	}
	for i := len(changes) - 1; i >= 0; i-- {
		page.History = append(page.History, changeViewOf(changes[i], actor))
	}
	if !st.VerifiedAt.IsZero() {
		page.Truth.VerifiedAt, page.Truth.VerifiedBy = st.VerifiedAt.In(shanghai).Format("2006-01-02 15:04"), actor(st.VerifiedBy)
	}
	h.renderStatus(w, r, status, "station.html", "stations", page)
}

func changeViewOf(c station.Change, actor func(string) string) changeView {
	v := changeView{Version: c.Version, Action: t("action." + c.Action), At: c.ChangedAt.In(shanghai).Format("2006-01-02 15:04:05"), By: actor(c.ChangedBy),
		Initial: c.Action == "create" || c.Action == "import"}
	keys := make([]string, 0, len(c.Fields))
	for k := range c.Fields {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fieldOrder(keys[i]) < fieldOrder(keys[j]) })
	for _, k := range keys {
		fc := c.Fields[k]
		v.Fields = append(v.Fields, fieldDiff{Field: fieldLabel(k), Before: formatValue(k, fc.Before), After: formatValue(k, fc.After)})
	}
	return v
}

// stationFields are the document's fields in the order pages show them.
var stationFields = []string{"name", "address", "district_code", "location", "host", "amenities", "hours", "contact_phone", "status"}

func fieldOrder(k string) int {
	for i, f := range stationFields {
		if f == k {
			return i
		}
	}
	return len(stationFields)
}

// fieldLabel is a field's Chinese name.
func fieldLabel(k string) string {
	if m, ok := zhCN["field."+k]; ok {
		return m
	}
	return k
}

// actorNames returns how to show the actors of audit records
// ("staff:<account id>", "system:demo") to the signed-in staff member:
// colleagues by username, looked up once for the page.
func (h *handler) actorNames(r *http.Request, actors ...string) func(string) string {
	var ids []uuid.UUID
	for _, a := range actors {
		if rest, ok := strings.CutPrefix(a, "staff:"); ok {
			if id, err := uuid.Parse(rest); err == nil {
				ids = append(ids, id)
			}
		}
	}
	names, err := h.Auth.StaffNames(r.Context(), principal(r), ids)
	if err != nil {
		h.log.ErrorContext(r.Context(), "console staff names", "err", err)
	}
	return func(a string) string {
		kind, rest, _ := strings.Cut(a, ":")
		switch kind {
		case "staff":
			if id, err := uuid.Parse(rest); err == nil {
				if n, ok := names[id]; ok {
					return n
				}
				return t("actor.staff_unknown")
			}
			return rest // records from before accounts were named by id
		case "system":
			return t("actor.system")
		case "worker":
			return t("actor.worker")
		}
		return a
	}
}

func hostText(typ, name string) string {
	s := t("host." + typ)
	if name != "" {
		s += " · " + name
	}
	return s
}

// formatValue shows a field's JSON value (as the history keeps it) in
// words; nil is "（无）".
func formatValue(field string, v any) string {
	if v == nil {
		return t("common.none")
	}
	switch field {
	case "status":
		if s, ok := v.(string); ok {
			return t("status." + s)
		}
	case "district_code":
		if s, ok := v.(string); ok {
			return districtText(s)
		}
	case "amenities":
		if list, ok := v.([]any); ok {
			if len(list) == 0 {
				return t("common.none")
			}
			out := make([]string, 0, len(list))
			for _, c := range list {
				out = append(out, amenityLabel(fmt.Sprint(c)))
			}
			return strings.Join(out, "、")
		}
	case "host":
		if m, ok := v.(map[string]any); ok {
			name, _ := m["name"].(string)
			typ, _ := m["type"].(string)
			return hostText(typ, name)
		}
	case "location":
		if m, ok := v.(map[string]any); ok {
			crs, _ := m["crs"].(string)
			if crs == "" {
				crs = "wgs84"
			}
			return fmt.Sprintf("%s, %s（%s）", coordValue(m["lat"]), coordValue(m["lng"]), t("crs.short."+crs))
		}
	case "hours":
		b, _ := json.Marshal(v)
		if h, err := station.ParseHours(b); err == nil {
			return hoursSummary(h)
		}
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// coordValue shows a coordinate of the history with 7 decimals (about a
// centimetre), as the form does.
func coordValue(v any) string {
	if f, ok := v.(float64); ok {
		return coordText(f)
	}
	return fmt.Sprint(v)
}
