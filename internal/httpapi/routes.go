package httpapi

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// routes lists every route of the API in one place.
func (s *server) routes(e *echo.Echo) {
	// The rate limits apply to /v1 through e.Use rather than as group
	// middleware: a group with middleware adds catch-all routes, which made
	// a known path with the wrong method answer 404 instead of 405.
	e.Use(requestIDs, securityHeaders, s.accessLog, s.recoverPanics, onlyUnder("/v1/", s.limitRequests), wellFormedQuery)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	// Some balancers check with HEAD; net/http sends HEAD answers without a body.
	e.HEAD("/healthz", s.healthz)
	e.HEAD("/readyz", s.readyz)
	e.GET("/metrics", s.metrics)

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

	v1.GET("/stations", s.listStations)
	v1.POST("/stations", s.createStation, s.requireStaff)
	v1.POST("/stations/import", s.importStations, s.requireStaff)
	v1.GET("/stations/nearest", s.nearest)
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
