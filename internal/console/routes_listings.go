package console

// listingsRoutes are the pages of the union's station standards (issue 15
// §2, §4): a station's map listings, inspections, stars and 最美站点; its
// daily service count (服务人次) with a big +1 for a phone; the 上图 figures
// per county and the monthly service report.
func (h *handler) listingsRoutes() {
	m := h.mux
	m.HandleFunc("GET /console/stations/{id}/standards", h.page(h.standardsPage))
	m.HandleFunc("POST /console/stations/{id}/map-listings/{platform}", h.page(h.setListing))
	m.HandleFunc("POST /console/stations/{id}/inspections", h.page(h.recordInspection))
	m.HandleFunc("POST /console/stations/{id}/recognition", h.page(h.setRecognition))

	m.HandleFunc("GET /console/stations/{id}/tally", h.page(h.tallyPage))
	m.HandleFunc("POST /console/stations/{id}/tally/add", h.page(h.tallyAdd))
	m.HandleFunc("POST /console/stations/{id}/tally/set", h.page(h.tallySet))

	m.HandleFunc("GET /console/map-listings", h.page(h.listingStatsPage))
	m.HandleFunc("GET /console/service-report.xlsx", h.page(h.serviceReport))
}
