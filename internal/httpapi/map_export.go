package httpapi

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/sheet"
)

// mapExport answers GET /v1/stations/map-export.xlsx?platform=: the batch
// submission file of the caller's active stations for one map app, in that
// app's coordinate system (internal/sheet, mapexport.go).
func (s *server) mapExport(c echo.Context) error {
	var p apperr.Problems
	platform := c.QueryParam("platform")
	if _, ok := sheet.MapPlatforms[platform]; !ok {
		if platform == "" {
			p.Add("platform", "required", "is required: amap, baidu or tencent")
		} else {
			p.Add("platform", "unknown", "must be amap, baidu or tencent")
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	base := s.PhotoBaseURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	base = strings.TrimSuffix(base, "/")
	var within []string
	if codes, all := principal(c).DistrictScope(); !all {
		within = append([]string{}, codes...)
	}
	rows := sheet.MapRows(c.Request().Context(), s.Stations.List, within, platform, func(name string) string { return base + photoURL(name) })
	var buf bytes.Buffer
	if err := sheet.WriteMapXLSX(&buf, platform, rows); err != nil {
		if c.Request().Context().Err() != nil {
			return apperr.Wrap(apperr.ClientClosed, err, "the client closed the request before the answer was ready")
		}
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="map-export-`+platform+`.xlsx"`)
	return c.Blob(http.StatusOK, mimeXLSX, buf.Bytes())
}
