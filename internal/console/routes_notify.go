package console

// notifyRoutes are the pages of notifications through WeChat subscribe
// messages (issue 12 section 4): for admins, whether they go out.
func (h *handler) notifyRoutes() {
	h.mux.HandleFunc("GET /console/notifications", h.admin(h.notifications))
}
