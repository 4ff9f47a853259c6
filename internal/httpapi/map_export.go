package httpapi

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/sheet"
	"yizhan/internal/station"
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
	rows := func(yield func([]string) error) error {
		if err := yield(sheet.MapHeader()); err != nil {
			return err
		}
		f := station.ListFilter{Status: station.Active, Limit: exportPage}
		if codes, all := principal(c).DistrictScope(); !all {
			f.Within = append([]string{}, codes...)
		}
		for {
			list, err := s.Stations.List(c.Request().Context(), f)
			if err != nil {
				return err
			}
			for _, st := range list {
				url := ""
				if st.Entrance != nil {
					url = base + photoURL(st.Entrance.Full)
				}
				if err := yield(sheet.MapRow(st, platform, url)); err != nil {
					return err
				}
			}
			if len(list) < exportPage {
				return nil
			}
			f.After = list[len(list)-1].ID
		}
	}
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
