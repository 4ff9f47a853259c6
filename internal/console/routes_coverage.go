package console

// coverageRoutes are the coverage page (issue 13), its map data and its CSV.
func (h *handler) coverageRoutes() {
	m := h.mux
	m.HandleFunc("GET /console/coverage", h.page(h.coveragePage))
	m.HandleFunc("GET /console/coverage/map.json", h.page(h.coverageMapData))
	m.HandleFunc("GET /console/coverage/suggestions.csv", h.page(h.coverageCSV))
}
