package console

// partnerRoutes are the admins' page of rider platforms' API keys
// (issue 15 §3): issue a key (shown once), see each key's usage, revoke.
func (h *handler) partnerRoutes() {
	if h.Partners == nil {
		return // a console built without partner access (some tests)
	}
	m := h.mux
	m.HandleFunc("GET /console/partners", h.admin(h.partnerList))
	m.HandleFunc("POST /console/partners", h.admin(h.partnerCreate))
	m.HandleFunc("POST /console/partners/revoke", h.admin(h.partnerRevoke))
}
