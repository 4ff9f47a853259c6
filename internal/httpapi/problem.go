package httpapi

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:              http.StatusBadRequest,
	apperr.Unauthorized:         http.StatusUnauthorized,
	apperr.Forbidden:            http.StatusForbidden,
	apperr.NotFound:             http.StatusNotFound,
	apperr.Conflict:             http.StatusConflict,
	apperr.Gone:                 http.StatusGone,
	apperr.Stale:                http.StatusPreconditionFailed,
	apperr.TooLarge:             http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia:     http.StatusUnsupportedMediaType,
	apperr.Unprocessable:        http.StatusUnprocessableEntity,
	apperr.PreconditionRequired: http.StatusPreconditionRequired,
	apperr.RateLimited:          http.StatusTooManyRequests,
	apperr.Unavailable:          http.StatusServiceUnavailable,
	apperr.Internal:             http.StatusInternalServerError,
	codeMethodNotAllowed:        http.StatusMethodNotAllowed,
	apperr.SoldOut:              http.StatusConflict,
	apperr.LimitReached:         http.StatusConflict,
	apperr.NotEligible:          http.StatusForbidden,
	apperr.NotOpen:              http.StatusUnprocessableEntity,
	apperr.AlreadyRedeemed:      http.StatusConflict,
	apperr.WrongStation:         http.StatusUnprocessableEntity,
	apperr.Expired:              http.StatusGone,

	// A staff login's second factor.
	apperr.TOTPRequired:          http.StatusUnauthorized,
	apperr.TOTPInvalid:           http.StatusUnauthorized,
	apperr.TOTPEnrolmentRequired: http.StatusForbidden,
}

// codeMethodNotAllowed is for a known path with the wrong method; only the
// router produces it.
const codeMethodNotAllowed apperr.Code = "method_not_allowed"

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Code      apperr.Code         `json:"code"`
	Detail    string              `json:"detail,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

// errorHandler renders every error as application/problem+json. Errors
// without a code are bugs or outages: they are logged in full and answered
// with an opaque 500.
func (s *server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var (
		e    *apperr.Error
		he   *echo.HTTPError
		code apperr.Code
		msg  string
	)
	switch {
	case errors.As(err, &e):
		code, msg = e.Code, e.Message
		if e.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
		if code == apperr.Unavailable && e.RetryAfter == 0 {
			c.Response().Header().Set("Retry-After", "5")
		}
	case errors.As(err, &he):
		code, msg = codeOfHTTP(he.Code), fmt.Sprint(he.Message)
	default:
		code, msg = apperr.Internal, "an internal error occurred"
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status >= 500 && code != apperr.Unavailable {
		s.log.ErrorContext(c.Request().Context(), "request failed", "request_id", requestID(c), "route", c.Path(), "error", err)
		msg = "an internal error occurred; quote the request id when reporting it"
	} else if code == apperr.Unavailable {
		s.log.WarnContext(c.Request().Context(), "dependency unavailable", "request_id", requestID(c), "route", c.Path(), "error", err)
	}
	p := Problem{
		Type:      "urn:yizhan:problem:" + string(code),
		Title:     http.StatusText(status),
		Status:    status,
		Code:      code,
		Detail:    msg,
		RequestID: requestID(c),
	}
	if e != nil {
		p.Errors = e.Fields
	}
	if status == http.StatusMethodNotAllowed {
		if allow, ok := c.Get(echo.ContextKeyHeaderAllow).(string); ok && allow != "" {
			c.Response().Header().Set("Allow", allow)
		}
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="yizhan"`)
	}
	if c.Request().Method == http.MethodHead {
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().WriteHeader(status)
		return
	}
	_ = writeBody(c, status, "application/problem+json", mustJSON(p))
}

func codeOfHTTP(status int) apperr.Code {
	switch status {
	case http.StatusNotFound:
		return apperr.NotFound
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return apperr.TooLarge
	case http.StatusUnsupportedMediaType:
		return apperr.UnsupportedMedia
	case http.StatusTooManyRequests:
		return apperr.RateLimited
	case http.StatusServiceUnavailable:
		return apperr.Unavailable
	case http.StatusUnauthorized:
		return apperr.Unauthorized
	case http.StatusForbidden:
		return apperr.Forbidden
	}
	if status >= 400 && status < 500 {
		return apperr.Invalid
	}
	return apperr.Internal
}
