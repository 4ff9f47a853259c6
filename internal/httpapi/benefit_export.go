package httpapi

import (
	"bufio"
	"encoding/csv"
	"net/http"

	"github.com/labstack/echo/v4"

	"yizhan/internal/benefit"
)

// exportClaims streams the offer's claims as CSV, UTF-8 with a byte order
// mark so that Excel shows the Chinese text.
func (s *server) exportClaims(c echo.Context) error {
	id, err := offerID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	res := c.Response()
	started := false
	bw := bufio.NewWriterSize(res, 32<<10)
	w := csv.NewWriter(bw)
	start := func() error {
		if started {
			return nil
		}
		started = true
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="claims-`+id.String()+`.csv"`)
		res.WriteHeader(http.StatusOK)
		if _, err := bw.WriteString("\uFEFF"); err != nil {
			return err
		}
		return w.Write(benefit.ExportHeader)
	}
	err = s.Benefits.Export(ctx, principal(c), id, func(r benefit.ExportRow) error {
		if err := start(); err != nil {
			return err
		}
		return w.Write(r.Record())
	})
	if err != nil && !started {
		return err
	}
	if err == nil {
		err = start()
	}
	if err != nil {
		// The status line is sent: the client sees a truncated file, or
		// has hung up.
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "claims export failed", "request_id", requestID(c), "error", err)
		}
		return nil
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil
	}
	_ = bw.Flush()
	return nil
}
