package console

// photoRoutes are a station's photos (upload from a phone, mark the
// entrance, delete) and the map apps' batch export (issue 15 §1, §2).
func (h *handler) photoRoutes() {
	m := h.mux
	m.HandleFunc("POST /console/stations/{id}/photos", h.page(h.uploadPhoto))
	m.HandleFunc("POST /console/stations/{id}/photos/{pid}/entrance", h.page(h.markEntrance))
	m.HandleFunc("POST /console/stations/{id}/photos/{pid}/delete", h.page(h.deletePhoto))
	m.HandleFunc("GET /console/stations/map-export.xlsx", h.page(h.mapExport))
}
