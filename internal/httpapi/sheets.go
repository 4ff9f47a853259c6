package httpapi

import (
	"bytes"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/sheet"
	"yizhan/internal/station"
)

// Media types of the station spreadsheets.
const (
	mimeCSV  = "text/csv"
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// exportPage is how many stations an export reads from the store at once.
const exportPage = 1000

func mediaType(c echo.Context) string {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	return mt
}

// importSheet imports a CSV or XLSX station sheet (see internal/sheet): the
// rows become the documents a GeoJSON import makes, and the station service
// imports them all or none. Problems name the row and the column.
func (s *server) importSheet(c echo.Context, mt string, body []byte) ([]*station.Station, error) {
	var (
		records [][]string
		err     error
	)
	if mt == mimeCSV {
		charset := c.QueryParam("charset")
		if charset == "" {
			_, params, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
			charset = params["charset"]
		}
		records, err = sheet.ReadCSV(body, charset)
	} else {
		records, err = sheet.ReadXLSX(body)
	}
	if err != nil {
		return nil, err
	}
	t, err := sheet.Parse(records)
	if err != nil {
		return nil, err
	}
	created, err := s.Stations.Import(c.Request().Context(), principal(c), t.Items)
	return created, t.Rename(err)
}

func (s *server) importTemplate(c echo.Context) error {
	var buf bytes.Buffer
	if err := sheet.WriteTemplate(&buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="stations-template.xlsx"`)
	return c.Blob(http.StatusOK, mimeXLSX, buf.Bytes())
}

// exportRows yields the header and the active stations of the caller's
// districts, in id order, a page at a time.
func (s *server) exportRows(c echo.Context) func(yield func([]string) error) error {
	return func(yield func([]string) error) error {
		if err := yield(sheet.Header()); err != nil {
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
				if err := yield(sheet.Row(st)); err != nil {
					return err
				}
			}
			if len(list) < exportPage {
				return nil
			}
			f.After = list[len(list)-1].ID
		}
	}
}

// exportCSV streams the caller's stations as UTF-8 CSV with a BOM. The
// status line waits for the first 32 KiB, so that a failure to read the
// first page is still a problem answer; a later one truncates the file.
func (s *server) exportCSV(c echo.Context) error {
	ctx := c.Request().Context()
	res := c.Response()
	started := false
	rows := s.exportRows(c)
	err := sheet.WriteCSV(lazyWriter(func(p []byte) (int, error) {
		if !started {
			started = true
			res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
			res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="stations.csv"`)
			res.WriteHeader(http.StatusOK)
		}
		return res.Write(p)
	}), func(yield func([]string) error) error {
		return rows(yield)
	})
	if err != nil && !started {
		return err
	}
	if err != nil {
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "stations export failed", "request_id", requestID(c), "error", err)
		}
		return nil
	}
	if !started { // cannot happen: the BOM at least is written
		return c.NoContent(http.StatusOK)
	}
	return nil
}

// exportXLSX answers the caller's stations as an XLSX workbook. excelize
// keeps the rows in a temporary file past a few MiB and writes the workbook
// at the end, so any failure is still a problem answer.
func (s *server) exportXLSX(c echo.Context) error {
	var buf bytes.Buffer
	if err := sheet.WriteXLSX(&buf, s.exportRows(c), nil); err != nil {
		if c.Request().Context().Err() != nil {
			return apperr.Wrap(apperr.ClientClosed, err, "the client closed the request before the answer was ready")
		}
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="stations.xlsx"`)
	return c.Blob(http.StatusOK, mimeXLSX, buf.Bytes())
}

type lazyWriter func([]byte) (int, error)

func (w lazyWriter) Write(p []byte) (int, error) { return w(p) }
