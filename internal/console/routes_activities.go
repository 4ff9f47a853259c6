package console

// activityRoutes are the activity and course pages (issue 12 §1): the
// list, the form with its status moves, and the roster with check-in at
// the door and the CSV.
func (h *handler) activityRoutes() {
	m := h.mux
	m.HandleFunc("GET /console/activities", h.page(h.activityList))
	m.HandleFunc("GET /console/activities/new", h.page(h.activityNew))
	m.HandleFunc("POST /console/activities", h.page(h.activityCreate))
	m.HandleFunc("GET /console/activities/{id}", h.page(h.activityEdit))
	m.HandleFunc("POST /console/activities/{id}", h.page(h.activityUpdate))
	m.HandleFunc("POST /console/activities/{id}/status", h.page(h.activityStatus))
	m.HandleFunc("GET /console/activities/{id}/roster", h.page(h.activityRoster))
	m.HandleFunc("POST /console/activities/{id}/checkin", h.page(h.activityCheckIn))
	m.HandleFunc("GET /console/activities/{id}/roster.csv", h.page(h.activityCSV))
}
