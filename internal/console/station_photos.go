package console

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/photo"
	"yizhan/internal/sheet"
	"yizhan/internal/station"
)

// photosView is a station's photos on its page.
type photosView struct {
	Items []photoView
	Max   int
	Full  bool // the station has photo.MaxPerStation photos
	// Enabled: the server keeps photos (PHOTO_DIR is set).
	Enabled bool
}

// photoView is one photo: its thumbnail, its full version, and whether it
// is the entrance.
type photoView struct {
	ID, Thumb, Full string
	Entrance        bool
}

// photoImage is where the API serves a stored image (httpapi's photoURL):
// the console's pages show the same files.
func photoImage(name string) string { return "/v1/photos/" + name + ".jpg" }

func (h *handler) photosOf(r *http.Request, st *station.Station) (photosView, error) {
	v := photosView{Max: photo.MaxPerStation, Enabled: h.Photos != nil && h.Photos.Enabled()}
	if h.Photos == nil {
		return v, nil
	}
	list, err := h.Photos.List(r.Context(), st.ID)
	if err != nil {
		return v, err
	}
	for _, p := range list {
		v.Items = append(v.Items, photoView{ID: p.ID.String(), Thumb: photoImage(p.Thumb), Full: photoImage(p.Full), Entrance: p.Entrance})
	}
	v.Full = len(list) >= photo.MaxPerStation
	return v, nil
}

func photosAnchor(id uuid.UUID) string { return "/console/stations/" + id.String() + "#photos" }

// uploadPhoto takes the first file of the form (the camera's or the
// album's input).
func (h *handler) uploadPhoto(w http.ResponseWriter, r *http.Request) {
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.Photos == nil {
		h.fail(w, r, apperr.New(apperr.Unavailable, "photos cannot be stored here: the server has no photo directory (PHOTO_DIR)"))
		return
	}
	var data []byte
	if r.MultipartForm != nil {
		for _, name := range []string{"camera", "album"} {
			for _, fh := range r.MultipartForm.File[name] {
				if data != nil || fh.Size == 0 {
					continue
				}
				f, err := fh.Open()
				if err != nil {
					h.fail(w, r, err)
					return
				}
				data, err = io.ReadAll(io.LimitReader(f, int64(h.Photos.Limits().MaxBytes)+1))
				f.Close()
				if err != nil {
					h.fail(w, r, err)
					return
				}
			}
		}
	}
	if data == nil {
		h.redirect(w, r, photosAnchor(st.ID), "flash.error.photo_none", "")
		return
	}
	_, created, err := h.Photos.Upload(r.Context(), principal(r), st.ID, data, r.PostFormValue("entrance") == "true")
	switch {
	case err == nil && created:
		h.redirect(w, r, photosAnchor(st.ID), "flash.photo_uploaded", "")
	case err == nil:
		h.redirect(w, r, photosAnchor(st.ID), "flash.photo_already", "")
	default:
		h.photoRefused(w, r, st.ID, err)
	}
}

// photoRefused tells a refused upload on the station's page, in the API's
// Chinese words; what is not the clerk's to fix gets the error page.
func (h *handler) photoRefused(w http.ResponseWriter, r *http.Request, id uuid.UUID, err error) {
	var e *apperr.Error
	if !errors.As(err, &e) {
		h.fail(w, r, err)
		return
	}
	switch e.Code {
	case apperr.Invalid, apperr.TooLarge, apperr.UnsupportedMedia, apperr.Conflict, apperr.Unprocessable, apperr.Unavailable:
		h.redirect(w, r, photosAnchor(id), "flash.error.photo", apperr.Localize(err, apperr.ZhCN).Message)
	default:
		h.fail(w, r, err)
	}
}

func (h *handler) photoIDs(w http.ResponseWriter, r *http.Request) (*station.Station, uuid.UUID, bool) {
	if h.Photos == nil {
		h.fail(w, r, apperr.New(apperr.Unavailable, "photos cannot be stored here: the server has no photo directory (PHOTO_DIR)"))
		return nil, uuid.Nil, false
	}
	st, err := h.managedStation(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, uuid.Nil, false
	}
	pid, err := uuid.Parse(r.PathValue("pid"))
	if err != nil || len(r.PathValue("pid")) != 36 {
		h.fail(w, r, apperr.New(apperr.NotFound, "%s not found", apperr.Word("photo")))
		return nil, uuid.Nil, false
	}
	return st, pid, true
}

func (h *handler) markEntrance(w http.ResponseWriter, r *http.Request) {
	st, pid, ok := h.photoIDs(w, r)
	if !ok {
		return
	}
	entrance := r.PostFormValue("entrance") == "true"
	if _, err := h.Photos.SetEntrance(r.Context(), principal(r), st.ID, pid, entrance); err != nil {
		h.fail(w, r, err)
		return
	}
	key := "flash.photo_entrance"
	if !entrance {
		key = "flash.photo_not_entrance"
	}
	h.redirect(w, r, photosAnchor(st.ID), key, "")
}

func (h *handler) deletePhoto(w http.ResponseWriter, r *http.Request) {
	st, pid, ok := h.photoIDs(w, r)
	if !ok {
		return
	}
	if err := h.Photos.Delete(r.Context(), h.log, principal(r), st.ID, pid); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, photosAnchor(st.ID), "flash.photo_deleted", "")
}

// mapExport downloads the batch submission file of the clerk's active
// stations for one map app, as GET /v1/stations/map-export.xlsx does.
func (h *handler) mapExport(w http.ResponseWriter, r *http.Request) {
	platform := r.URL.Query().Get("platform")
	if _, ok := sheet.MapPlatforms[platform]; !ok {
		h.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	base := strings.TrimSuffix(h.PhotoBaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil || h.Config.SecureCookie {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	var within []string
	if codes, all := principal(r).DistrictScope(); !all {
		within = append([]string{}, codes...)
	}
	var buf bytes.Buffer
	err := sheet.WriteMapXLSX(&buf, platform, sheet.MapRows(r.Context(), h.Stations.List, within, platform, func(name string) string {
		return base + photoImage(name)
	}))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="map-export-`+platform+`.xlsx"`)
	_, _ = w.Write(buf.Bytes())
}
