package console

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

// managedStation returns the station of the path's {id} when the staff
// member may manage its district: the console shows a district's stations
// only to those who may change them. Returns NotFound or Forbidden.
func (h *handler) managedStation(r *http.Request) (*station.Station, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil || len(r.PathValue("id")) != 36 {
		return nil, apperr.New(apperr.NotFound, "station not found")
	}
	st, err := h.Stations.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !principal(r).CanManageDistrict(st.DistrictCode) {
		return nil, apperr.New(apperr.Forbidden, "you may not manage stations of district %s", st.DistrictCode)
	}
	return st, nil
}

// editStationForm shows the form filled from the station at its current
// version.
func (h *handler) editStationForm(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := h.formOf(st)
	page := h.formPage(r, f)
	page.ID, page.Version = st.ID.String(), st.Version
	base, _ := f.document()
	page.Base = string(mustJSON(base))
	h.render(w, r, "station_form.html", "stations", page)
}

// conflictPage is shown when the station moved on while the user edited it.
type conflictPage struct {
	ID, Name string
	// Edited is the version the user started from, Current the station's.
	Edited, Current int64
	// Theirs are the changes made since Edited, each field before and after.
	Theirs []changeView
	// Mine are the user's own changes, against the version they edited.
	Mine []fieldDiff
	// Patch re-applies Mine on top of Current.
	Patch string
}

// updateStation saves the fields the user changed as a merge patch at the
// version they edited (the API's If-Match). When another editor saved in
// between, the conflict page shows both edits and offers to re-apply this
// one; nothing is overwritten silently.
func (h *handler) updateStation(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || version < 1 {
		h.fail(w, r, apperr.New(apperr.Invalid, "the form has no version"))
		return
	}
	var (
		patch      []byte
		base, mine map[string]json.RawMessage
		f          stationForm
	)
	if p := r.PostFormValue("patch"); p != "" { // re-applying after a conflict
		patch = []byte(p)
		if err := json.Unmarshal(patch, &mine); err != nil {
			h.fail(w, r, apperr.New(apperr.Invalid, "the patch is not JSON"))
			return
		}
		_ = json.Unmarshal([]byte(r.PostFormValue("base")), &base)
	} else {
		f = readStationForm(r)
		doc, errs := f.validate()
		if errs == nil {
			_ = json.Unmarshal([]byte(r.PostFormValue("base")), &base)
			mine = changedFields(base, doc)
			if len(mine) == 0 {
				h.redirect(w, r, "/console/stations/"+st.ID.String(), "flash.station_unchanged", st.Name)
				return
			}
			patch = mustJSON(mine)
		} else {
			h.renderEdit(w, r, st, f, version, r.PostFormValue("base"), errs)
			return
		}
	}
	saved, err := h.Stations.Patch(r.Context(), principal(r), st.ID, version, patch)
	switch apperr.CodeOf(err) {
	case apperr.Internal:
		if err != nil {
			h.fail(w, r, err)
			return
		}
	case apperr.Stale:
		h.conflict(w, r, st, version, base, mine, patch)
		return
	case apperr.Invalid, apperr.Forbidden:
		if f.Name == "" && f.Lat == "" { // a re-applied patch: no form to show it on
			h.fail(w, r, err)
			return
		}
		h.renderEdit(w, r, st, f, version, r.PostFormValue("base"), stationFormErrors(err))
		return
	default:
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/console/stations/"+saved.ID.String(), "flash.station_saved", saved.Name)
}

func (h *handler) renderEdit(w http.ResponseWriter, r *http.Request, st *station.Station, f stationForm, version int64, base string, errs map[string]string) {
	page := h.formPage(r, f)
	page.ID, page.Version, page.Base, page.Errors = st.ID.String(), version, base, errs
	h.render(w, r, "station_form.html", "stations", page)
}

// conflict shows what the other editors changed since the version the user
// edited, and the user's own changes, with a button to re-apply them.
func (h *handler) conflict(w http.ResponseWriter, r *http.Request, st *station.Station, edited int64, base, mine map[string]json.RawMessage, patch []byte) {
	changes, err := h.Stations.History(r.Context(), principal(r), st.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	page := conflictPage{ID: st.ID.String(), Name: st.Name, Edited: edited, Current: st.Version, Patch: string(patch)}
	var actors []string
	for _, c := range changes {
		actors = append(actors, c.ChangedBy)
	}
	actor := h.actorNames(r, actors...)
	for _, c := range changes {
		if c.Version > edited {
			page.Theirs = append(page.Theirs, changeViewOf(c, actor))
		}
	}
	keys := make([]string, 0, len(mine))
	for k := range mine {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fieldOrder(keys[i]) < fieldOrder(keys[j]) })
	theirs := map[string]bool{}
	for _, c := range changes {
		if c.Version > edited {
			for k := range c.Fields {
				theirs[k] = true
			}
		}
	}
	for _, k := range keys {
		var before, after any
		_ = json.Unmarshal(base[k], &before)
		_ = json.Unmarshal(mine[k], &after)
		page.Mine = append(page.Mine, fieldDiff{Field: fieldLabel(k), Before: formatValue(k, before), After: formatValue(k, after), Both: theirs[k]})
	}
	h.renderStatus(w, r, http.StatusConflict, "station_conflict.html", "stations", page)
}

// changedFields keeps the fields of doc that differ from base (by their
// canonical JSON). Without a base every field is kept.
func changedFields(base, doc map[string]json.RawMessage) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range doc {
		if b, ok := base[k]; !ok || !bytes.Equal(canonical(b), canonical(v)) {
			out[k] = v
		}
	}
	return out
}

// canonical re-encodes JSON so that spacing and key order do not count.
func canonical(b json.RawMessage) []byte {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return b
	}
	return mustJSON(v)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// closeStation closes the station at the version shown (DELETE
// /v1/stations/{id} with If-Match).
func (h *handler) closeStation(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if version < 1 {
		h.fail(w, r, apperr.New(apperr.Invalid, "the form has no version"))
		return
	}
	if _, err := h.Stations.Close(r.Context(), principal(r), st.ID, version); err != nil {
		if apperr.CodeOf(err) == apperr.Stale {
			h.redirect(w, r, "/console/stations/"+st.ID.String(), "flash.error.station_moved_on", st.Name)
			return
		}
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/console/stations/"+st.ID.String(), "flash.station_closed", st.Name)
}
