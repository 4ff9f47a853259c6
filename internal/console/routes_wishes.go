package console

import "net/http"

// wishesRoutes are the pages of micro-wishes and hardship aid (issue 12
// §§2–3): the wish review queue, pledges and deliveries, and the aid review
// queue with its first and second reviews.
func (h *handler) wishesRoutes() {
	m := h.mux
	m.HandleFunc("GET /console/wishes", h.page(h.wishList))
	m.HandleFunc("POST /console/wishes/{id}/approve", h.page(h.approveWish))
	m.HandleFunc("POST /console/wishes/{id}/reject", h.page(h.rejectWish))
	m.HandleFunc("POST /console/wishes/{id}/pledge", h.page(h.pledgeWish))
	m.HandleFunc("POST /console/wishes/{id}/deliver", h.page(h.deliverWish))

	m.HandleFunc("GET /console/aid", h.page(h.aidList))
	m.HandleFunc("GET /console/aid/{id}", h.page(h.aidDetail))
	m.HandleFunc("POST /console/aid/{id}/approve", h.page(h.approveAid))
	m.HandleFunc("POST /console/aid/{id}/reject", h.page(h.rejectAid))
}

// donorPages are the only pages a donor account may open: the wishes it can
// pledge, its own second factor, and signing out. A donor has no district
// powers.
var donorPages = map[string]bool{
	"GET /console/{$}":                 true,
	"GET /console/wishes":              true,
	"POST /console/wishes/{id}/pledge": true,
	"POST /console/logout":             true,
	"GET /console/totp":                true,
	"POST /console/totp/begin":         true,
	"POST /console/totp/confirm":       true,
	"POST /console/totp/disable":       true,
}

// donorOnly answers a donor account on any other page.
func (h *handler) donorOnly(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusForbidden, "error.donor_only")
}

// IsDonor reports whether the signed-in account is a caring unit's donor
// account, which sees only the wishes.
func (v view) IsDonor() bool { return v.Staff != nil && v.Staff.IsDonor() }
