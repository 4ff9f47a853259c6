package console

// truthRoutes are the pages that keep the registry honest between visits
// (workers' reports, notices, staff visits; internal/truth) and the staff
// member's own second factor.
func (h *handler) truthRoutes() {
	m := h.mux
	m.HandleFunc("GET /console/reports", h.page(h.reportList))
	m.HandleFunc("POST /console/reports/{id}/resolve", h.page(h.resolveReport))
	m.HandleFunc("POST /console/reports/{id}/dismiss", h.page(h.dismissReport))

	m.HandleFunc("POST /console/stations/{id}/notices", h.page(h.postNotice))
	m.HandleFunc("POST /console/stations/{id}/verify", h.page(h.verifyStation))

	m.HandleFunc("GET /console/totp", h.page(h.totpPage))
	m.HandleFunc("POST /console/totp/begin", h.page(h.totpBegin))
	m.HandleFunc("POST /console/totp/confirm", h.page(h.totpConfirm))
	m.HandleFunc("POST /console/totp/disable", h.page(h.totpDisable))
}
