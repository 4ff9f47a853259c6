package httpapi

import (
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"yizhan"
	"yizhan/internal/apidocs"
)

// routes lists every route of the API in one place.
func (s *server) routes(e *echo.Echo) {
	// The rate limits apply to /v1 through e.Use rather than as group
	// middleware: a group with middleware adds catch-all routes, which made
	// a known path with the wrong method answer 404 instead of 405.
	e.Use(precomposed(requestIDs, securityHeaders, s.accessLog, s.recoverPanics, onlyUnder("/v1/", s.limitRequests), strictQuery))

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	// Some balancers check with HEAD; net/http sends HEAD answers without a body.
	e.HEAD("/healthz", s.healthz)
	e.HEAD("/readyz", s.readyz)
	e.GET("/metrics", s.metrics)

	// The contract and its rendered reference (internal/apidocs).
	docs := echo.WrapHandler(apidocs.New(yizhan.OpenAPI))
	e.GET("/openapi.yaml", docs)
	e.GET("/docs", docs)
	e.GET("/docs/:file", docs)

	v1 := e.Group("/v1")
	v1.GET("/amenities", s.listAmenities)

	v1.POST("/auth/staff/login", s.staffLogin, s.limitLogins)
	v1.POST("/auth/wechat/login", s.wechatLogin, s.limitLogins)
	v1.POST("/auth/logout", s.logout, s.requireAuth)

	v1.GET("/me", s.getMe, s.requireWorker)
	v1.PATCH("/me", s.patchMe, s.requireWorker)
	v1.DELETE("/me", s.deleteMe, s.requireWorker)
	v1.POST("/me/membership-application", s.applyForMembership, s.requireWorker)
	v1.GET("/me/membership-application", s.myMembershipApplication, s.requireWorker)

	v1.GET("/membership-applications", s.listMembershipApplications, s.requireStaff)
	v1.POST("/membership-applications/:id/approve", s.approveMembershipApplication, s.requireStaff)
	v1.POST("/membership-applications/:id/reject", s.rejectMembershipApplication, s.requireStaff)

	v1.GET("/benefits", s.listOffers, s.requireStaff)
	v1.POST("/benefits", s.createOffer, s.requireStaff)
	v1.GET("/benefits/available", s.availableOffers, s.requireWorker)
	v1.GET("/benefits/:id", s.getOffer, s.requireStaff)
	v1.PATCH("/benefits/:id", s.patchOffer, s.requireStaff)
	v1.GET("/benefits/:id/stats", s.offerStats, s.requireStaff)
	v1.GET("/benefits/:id/claims.csv", s.exportClaims, s.requireStaff)
	v1.POST("/benefits/:id/claims", s.claimOffer, s.requireWorker)
	v1.GET("/me/claims", s.myClaims, s.requireWorker)
	v1.POST("/claims/redeem", s.redeemClaim, s.requireStaff)

	// Activities and courses (issue 12 §1): GET answers staff and workers
	// each their own view (activities.go).
	v1.GET("/activities", s.listActivities, s.requireAuth)
	v1.POST("/activities", s.createActivity, s.requireStaff)
	v1.GET("/activities/:id", s.getActivity, s.requireAuth)
	v1.PATCH("/activities/:id", s.patchActivity, s.requireStaff)
	v1.POST("/activities/:id/signups", s.signUp, s.requireWorker)
	v1.GET("/activities/:id/signups", s.roster, s.requireStaff)
	v1.GET("/activities/:id/signups.csv", s.rosterCSV, s.requireStaff)
	v1.GET("/activities/:id/signups/me", s.mySignup, s.requireWorker)
	v1.DELETE("/activities/:id/signups/me", s.cancelSignup, s.requireWorker)
	v1.POST("/activities/:id/checkins", s.checkInSignup, s.requireStaff)

	v1.GET("/stations", s.listStations)
	v1.POST("/stations", s.createStation, s.requireStaff)
	v1.POST("/stations/import", s.importStations, s.requireStaff)
	v1.GET("/stations/import-template.xlsx", s.importTemplate, s.requireStaff)
	v1.GET("/stations/export.csv", s.exportCSV, s.requireStaff)
	v1.GET("/stations/export.xlsx", s.exportXLSX, s.requireStaff)
	v1.GET("/stations/nearest", s.nearest)
	v1.GET("/stations/changes", s.stationChanges)
	v1.POST("/stations/along-route", s.alongRoute)
	v1.GET("/stations/:id", s.getStation)
	v1.PATCH("/stations/:id", s.patchStation, s.requireStaff)
	v1.DELETE("/stations/:id", s.closeStation, s.requireStaff)
	v1.GET("/stations/:id/history", s.stationHistory, s.requireStaff)
	v1.POST("/stations/:id/checkins", s.checkin, s.requireWorker)
	v1.POST("/stations/:id/reports", s.fileReport, s.requireWorker)
	v1.POST("/stations/:id/notices", s.postNotice, s.requireStaff)
	v1.POST("/stations/:id/verify", s.verifyStation, s.requireStaff)
	v1.GET("/me/reports", s.myReports, s.requireWorker)
	v1.GET("/reports", s.listReports, s.requireStaff)
	v1.POST("/reports/:id/resolve", s.resolveReport, s.requireStaff)
	v1.POST("/reports/:id/dismiss", s.dismissReport, s.requireStaff)

	// Micro-wishes and hardship aid (issue 12 §§2–3, wishes.go and aid.go).
	v1.POST("/me/wishes", s.postWish, s.requireWorker)
	v1.GET("/me/wishes", s.myWishes, s.requireWorker)
	v1.POST("/me/wishes/:id/confirm", s.confirmWish, s.requireWorker)
	v1.GET("/wishes", s.listWishes, s.optionalAuth)
	v1.GET("/wishes/:id", s.getWish, s.optionalAuth)
	v1.POST("/wishes/:id/approve", s.approveWish, s.requireStaff)
	v1.POST("/wishes/:id/reject", s.rejectWish, s.requireStaff)
	v1.POST("/wishes/:id/pledge", s.pledgeWish, s.requirePledger)
	v1.POST("/wishes/:id/deliver", s.deliverWish, s.requireStaff)
	v1.POST("/me/aid-applications", s.applyForAid, s.requireWorker)
	v1.GET("/me/aid-applications", s.myAidApplications, s.requireWorker)
	v1.GET("/aid-applications", s.listAidApplications, s.requireStaff)
	v1.GET("/aid-applications/:id", s.getAidApplication, s.requireStaff)
	v1.POST("/aid-applications/:id/approve", s.approveAidApplication, s.requireStaff)
	v1.POST("/aid-applications/:id/reject", s.rejectAidApplication, s.requireStaff)
	// Notifications: the subscribe messages a worker accepted (issue 12 §4).
	v1.POST("/me/subscriptions", s.acceptSubscriptions, s.requireWorker)
	// Coverage (issue 13): demand, gaps and suggested sites; staff only,
	// imports for administrators (the service checks the role).
	v1.GET("/coverage", s.coverageReport, s.requireStaff)
	v1.GET("/coverage/suggestions", s.coverageSuggestions, s.requireStaff)
	v1.POST("/coverage/demand/import", s.importDemand, s.requireStaff)

	// Station photos and the map apps' batch export (issue 15 §1, §2; photos.go, map_export.go).
	v1.POST("/stations/:id/photos", s.uploadPhoto, s.requireStaff)
	v1.GET("/stations/:id/photos", s.listPhotos)
	v1.PATCH("/stations/:id/photos/:photo_id", s.patchPhoto, s.requireStaff)
	v1.DELETE("/stations/:id/photos/:photo_id", s.deletePhoto, s.requireStaff)
	v1.GET("/photos/:file", s.servePhoto)
	v1.HEAD("/photos/:file", s.servePhoto)
	v1.GET("/stations/map-export.xlsx", s.mapExport, s.requireStaff)

	// Station standards (issue 15 §2, §4): 上图, inspections, stars,
	// 最美站点, service tallies and the monthly report (standard.go).
	v1.GET("/inspection-checklist", s.inspectionChecklist)
	v1.GET("/stations/map-listing-stats", s.mapListingStats, s.requireStaff)
	v1.GET("/stations/service-report.xlsx", s.serviceReportXLSX, s.requireStaff)
	v1.GET("/stations/:id/map-listings", s.getMapListings, s.requireStaff)
	v1.PUT("/stations/:id/map-listings/:platform", s.putMapListing, s.requireStaff)
	v1.POST("/stations/:id/inspections", s.recordInspection, s.requireStaff)
	v1.GET("/stations/:id/inspections", s.listInspections, s.requireStaff)
	v1.PUT("/stations/:id/recognition", s.putRecognition, s.requireStaff)
	v1.POST("/stations/:id/service-tally", s.serviceTally, s.requireStaff)
	v1.GET("/stations/:id/service-tally", s.serviceTallyDays, s.requireStaff)
}

// precomposed chains the middleware once, at start-up, around the handler
// the router found for the request (c.Handler(): its route's own middleware
// included, or the 404 and 405 handlers), instead of once per request: echo
// wraps the e.Use middleware around each request's handler anew, a closure
// per middleware per request. It relies on echo's ServeHTTP passing
// c.Handler() as the next handler of the e.Use middleware; every routed
// test would fail if that changed.
func precomposed(m ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	h := echo.HandlerFunc(func(c echo.Context) error { return c.Handler()(c) })
	for i := len(m) - 1; i >= 0; i-- {
		h = m[i](h)
	}
	return func(echo.HandlerFunc) echo.HandlerFunc { return h }
}

// queryParams are the query parameters each route reads (path template →
// method → names); strictQuery refuses any other. Routes that read none
// are listed with none. A route added above without its line here makes
// the server refuse to start (checkParamTable).
var queryParams = paramTable{
	"/healthz": {"GET": nil, "HEAD": nil},
	"/readyz":  {"GET": nil, "HEAD": nil},
	"/metrics": {"GET": nil},

	"/openapi.yaml": {"GET": nil},
	"/docs":         {"GET": nil},
	"/docs/:file":   {"GET": nil},

	"/v1/amenities":                           {"GET": nil},
	"/v1/auth/staff/login":                    {"POST": nil},
	"/v1/auth/wechat/login":                   {"POST": nil},
	"/v1/auth/logout":                         {"POST": nil},
	"/v1/me":                                  {"GET": nil, "PATCH": nil, "DELETE": nil},
	"/v1/me/membership-application":           {"GET": nil, "POST": nil},
	"/v1/membership-applications":             {"GET": {"status", "district_code", "limit", "cursor"}},
	"/v1/membership-applications/:id/approve": {"POST": nil},
	"/v1/membership-applications/:id/reject":  {"POST": nil},

	"/v1/benefits":                {"GET": {"status", "limit", "cursor"}, "POST": nil},
	"/v1/benefits/available":      {"GET": {"lat", "lng", "crs"}},
	"/v1/benefits/:id":            {"GET": nil, "PATCH": nil},
	"/v1/benefits/:id/stats":      {"GET": nil},
	"/v1/benefits/:id/claims.csv": {"GET": nil},
	"/v1/benefits/:id/claims":     {"POST": nil},
	"/v1/me/claims":               {"GET": {"limit", "cursor"}},
	"/v1/claims/redeem":           {"POST": nil},

	// Activities and courses (issue 12 §1): staff list with status, limit,
	// cursor; workers with lat, lng, crs, from, to, limit.
	"/v1/activities":                 {"GET": {"lat", "lng", "crs", "from", "to", "limit", "status", "cursor"}, "POST": nil},
	"/v1/activities/:id":             {"GET": {"crs"}, "PATCH": nil},
	"/v1/activities/:id/signups":     {"POST": nil, "GET": {"limit", "cursor"}},
	"/v1/activities/:id/signups.csv": {"GET": nil},
	"/v1/activities/:id/signups/me":  {"GET": nil, "DELETE": nil},
	"/v1/activities/:id/checkins":    {"POST": nil},

	// amenity is the list's older name for amenities, kept as an alias.
	"/v1/stations":                      {"GET": {"crs", "district_code", "status", "amenities", "amenity", "q", "needs_review", "stale_days", "not_listed_on", "limit", "cursor"}, "POST": {"crs", "allow_duplicate"}},
	"/v1/stations/import":               {"POST": {"crs", "charset", "allow_duplicate"}},
	"/v1/stations/import-template.xlsx": {"GET": nil},
	"/v1/stations/export.csv":           {"GET": nil},
	"/v1/stations/export.xlsx":          {"GET": nil},
	"/v1/stations/nearest":              {"GET": {"lat", "lng", "crs", "limit", "radius_m", "amenities", "open_now", "at"}},
	"/v1/stations/along-route":          {"POST": nil},
	"/v1/stations/changes":              {"GET": {"since", "district_code", "limit", "crs"}},
	"/v1/stations/:id":                  {"GET": {"crs"}, "PATCH": {"crs"}, "DELETE": nil},
	"/v1/stations/:id/history":          {"GET": nil},

	"/v1/stations/:id/checkins": {"POST": nil},
	"/v1/stations/:id/reports":  {"POST": nil},
	"/v1/stations/:id/notices":  {"POST": nil},
	"/v1/stations/:id/verify":   {"POST": nil},
	"/v1/me/reports":            {"GET": {"limit", "cursor"}},
	"/v1/reports":               {"GET": {"status", "district_code", "station_id", "limit", "cursor"}},
	"/v1/reports/:id/resolve":   {"POST": nil},
	"/v1/reports/:id/dismiss":   {"POST": nil},

	// Micro-wishes and hardship aid (issue 12 §§2–3).
	"/v1/me/wishes":                    {"GET": {"limit", "cursor"}, "POST": nil},
	"/v1/me/wishes/:id/confirm":        {"POST": nil},
	"/v1/wishes":                       {"GET": {"status", "district_code", "limit", "cursor"}},
	"/v1/wishes/:id":                   {"GET": nil},
	"/v1/wishes/:id/approve":           {"POST": nil},
	"/v1/wishes/:id/reject":            {"POST": nil},
	"/v1/wishes/:id/pledge":            {"POST": nil},
	"/v1/wishes/:id/deliver":           {"POST": nil},
	"/v1/me/aid-applications":          {"GET": {"limit", "cursor"}, "POST": nil},
	"/v1/aid-applications":             {"GET": {"status", "limit", "cursor"}},
	"/v1/aid-applications/:id":         {"GET": nil},
	"/v1/aid-applications/:id/approve": {"POST": nil},
	"/v1/aid-applications/:id/reject":  {"POST": nil},
	// Notifications (issue 12 §4).
	"/v1/me/subscriptions": {"POST": nil},
	// Coverage (issue 13).
	"/v1/coverage":               {"GET": {"bbox", "reach_m", "from", "to", "hours", "source", "min_stations"}},
	"/v1/coverage/suggestions":   {"GET": {"bbox", "k", "reach_m", "from", "to", "hours", "source", "crs"}},
	"/v1/coverage/demand/import": {"POST": {"crs"}},

	// Station photos and the map apps' batch export.
	"/v1/stations/:id/photos":           {"POST": {"entrance"}, "GET": nil},
	"/v1/stations/:id/photos/:photo_id": {"PATCH": nil, "DELETE": nil},
	"/v1/photos/:file":                  {"GET": nil, "HEAD": nil},
	"/v1/stations/map-export.xlsx":      {"GET": {"platform"}},

	// Station standards (issue 15 §2, §4).
	"/v1/inspection-checklist":                {"GET": nil},
	"/v1/stations/map-listing-stats":          {"GET": {"district_code"}},
	"/v1/stations/service-report.xlsx":        {"GET": {"district_code", "month"}},
	"/v1/stations/:id/map-listings":           {"GET": nil},
	"/v1/stations/:id/map-listings/:platform": {"PUT": nil},
	"/v1/stations/:id/inspections":            {"POST": nil, "GET": {"limit", "cursor"}},
	"/v1/stations/:id/recognition":            {"PUT": nil},
	"/v1/stations/:id/service-tally":          {"POST": nil, "GET": {"days"}},
}

// checkParamTable reports a route without its line in queryParams.
func checkParamTable(e *echo.Echo) error {
	for _, r := range e.Routes() {
		if _, ok := queryParams[r.Path][r.Method]; !ok && !strings.HasSuffix(r.Name, "MethodNotAllowed") {
			return fmt.Errorf("httpapi: route %s %s has no entry in queryParams (routes.go)", r.Method, r.Path)
		}
	}
	return nil
}

// onlyUnder applies m to requests whose path starts with prefix.
func onlyUnder(prefix string, m echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		limited := m(next)
		return func(c echo.Context) error {
			if strings.HasPrefix(c.Request().URL.Path, prefix) {
				return limited(c)
			}
			return next(c)
		}
	}
}
