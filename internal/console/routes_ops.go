package console

// opsRoutes are the pages of union staff's daily work beside the stations:
// membership applications, benefits, redemption at the counter, and (for
// admins) staff accounts.
func (h *handler) opsRoutes() {
	m := h.mux
	m.HandleFunc("GET /console/applications", h.page(h.applicationList))
	m.HandleFunc("POST /console/applications/{id}/approve", h.page(h.approveApplication))
	m.HandleFunc("POST /console/applications/{id}/reject", h.page(h.rejectApplication))

	m.HandleFunc("GET /console/benefits", h.page(h.benefitList))
	m.HandleFunc("GET /console/benefits/new", h.page(h.benefitNew))
	m.HandleFunc("POST /console/benefits", h.page(h.benefitCreate))
	m.HandleFunc("GET /console/benefits/{id}", h.page(h.benefitEdit))
	m.HandleFunc("POST /console/benefits/{id}", h.page(h.benefitUpdate))
	m.HandleFunc("POST /console/benefits/{id}/status", h.page(h.benefitStatus))
	m.HandleFunc("GET /console/benefits/{id}/stats", h.page(h.benefitStats))
	m.HandleFunc("GET /console/benefits/{id}/claims.csv", h.page(h.benefitCSV))

	m.HandleFunc("GET /console/redeem", h.page(h.redeemForm))
	m.HandleFunc("POST /console/redeem/check", h.page(h.redeemCheck))
	m.HandleFunc("POST /console/redeem", h.page(h.redeem))

	m.HandleFunc("GET /console/staff", h.admin(h.staffList))
	m.HandleFunc("POST /console/staff", h.admin(h.staffCreate))
	m.HandleFunc("POST /console/staff/{username}/password", h.admin(h.staffPassword))
	m.HandleFunc("POST /console/staff/{username}/disable", h.admin(h.staffDisable))
	m.HandleFunc("POST /console/staff/{username}/enable", h.admin(h.staffEnable))
	m.HandleFunc("POST /console/staff/{username}/unlock", h.admin(h.staffUnlock))
	m.HandleFunc("POST /console/staff/{username}/totp-off", h.admin(h.staffTOTPOff))
}
