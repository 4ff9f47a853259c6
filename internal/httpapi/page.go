package httpapi

import (
	"encoding/base64"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
)

// parsePage reads ?limit= and ?cursor= (an id, base64url).
func parsePage(c echo.Context, p *apperr.Problems) (limit int, after uuid.UUID) {
	limit = queryInt(p, c.QueryParams(), "limit", 20, 1, 100)
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
