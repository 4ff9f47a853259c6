package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"yizhan/internal/station"
)

func (s *server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

func (s *server) readyz(c echo.Context) error {
	if s.Ready != nil {
		if err := s.Ready(c.Request().Context()); err != nil {
			return c.JSON(http.StatusServiceUnavailable, readiness{Status: "unavailable", Reason: err.Error()})
		}
	}
	return c.JSON(http.StatusOK, readiness{Status: "ready"})
}

type amenityList struct {
	Items []station.Amenity `json:"items"`
}

func (s *server) listAmenities(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.JSON(http.StatusOK, amenityList{Items: station.Amenities})
}
