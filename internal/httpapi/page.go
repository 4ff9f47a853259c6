package httpapi

import (
	"encoding/base64"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
)

// parsePage reads ?limit= and ?cursor= (an id, base64url).
func parsePage(c echo.Context, p *apperr.Problems) (limit int, after uuid.UUID) {
	limit = 20
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			p.Add("limit", "out_of_range", "must be an integer from 1 to 100")
		}
		limit = n
	}
	if v := c.QueryParam("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || len(b) != 16 {
			p.Add("cursor", "format", "is not a cursor this server issued")
		} else {
			copy(after[:], b)
		}
	}
	return limit, after
}

// cursorOf is the opaque cursor of a page that ends with id.
func cursorOf(id uuid.UUID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }
