package httpapi

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

// statusOf is the one table from error code to HTTP status.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:              http.StatusBadRequest,
	apperr.UnknownParameter:     http.StatusBadRequest,
	apperr.Unauthorized:         http.StatusUnauthorized,
	apperr.Forbidden:            http.StatusForbidden,
	apperr.NotFound:             http.StatusNotFound,
	apperr.Conflict:             http.StatusConflict,
	apperr.TooSoon:              http.StatusConflict,
	apperr.Gone:                 http.StatusGone,
	apperr.Stale:                http.StatusPreconditionFailed,
	apperr.TooLarge:             http.StatusRequestEntityTooLarge,
	apperr.UnsupportedMedia:     http.StatusUnsupportedMediaType,
	apperr.Unprocessable:        http.StatusUnprocessableEntity,
	apperr.PreconditionRequired: http.StatusPreconditionRequired,
	apperr.RateLimited:          http.StatusTooManyRequests,
	apperr.Unavailable:          http.StatusServiceUnavailable,
	apperr.Internal:             http.StatusInternalServerError,
	apperr.MethodNotAllowed:     http.StatusMethodNotAllowed,
	apperr.ClientClosed:         statusClientClosed,
	apperr.SoldOut:              http.StatusConflict,
	apperr.LimitReached:         http.StatusConflict,
	apperr.NotEligible:          http.StatusForbidden,
	apperr.NotOpen:              http.StatusUnprocessableEntity,
	apperr.AlreadyRedeemed:      http.StatusConflict,
	apperr.WrongStation:         http.StatusUnprocessableEntity,
	apperr.Expired:              http.StatusGone,
	apperr.TooFar:               http.StatusUnprocessableEntity,
	apperr.TooFrequent:          http.StatusTooManyRequests,
	apperr.PossibleDuplicate:    http.StatusConflict,

	// Activity sign-ups and check-ins (issue 12 §1).
	apperr.AlreadySignedUp:  http.StatusConflict,
	apperr.AlreadyCheckedIn: http.StatusConflict,
	apperr.NotConfirmed:     http.StatusConflict,

	// A staff login's second factor.
	apperr.TOTPRequired:          http.StatusUnauthorized,
	apperr.TOTPInvalid:           http.StatusUnauthorized,
	apperr.TOTPEnrolmentRequired: http.StatusForbidden,

	// Micro-wishes (issue 12 §2).
	apperr.AlreadyPledged:       http.StatusConflict,
	apperr.ContainsPersonalData: http.StatusUnprocessableEntity,
}

// statusClientClosed is nginx's status for a client that hung up before the
// answer: it is logged and counted, never seen by the client, and kept
// outside the 5xx counts, as no fault of the server's.
const statusClientClosed = 499

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Code      apperr.Code         `json:"code"`
	Detail    string              `json:"detail,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	// Candidates and CandidatesTotal come with possible_duplicate.
	Candidates      []candidateJSON `json:"candidates,omitempty"`
	CandidatesTotal int             `json:"candidates_total,omitempty"`
}

// candidateJSON is a station that a new one may duplicate: an active
// station (station_id) or, in an import, another feature (other_feature).
type candidateJSON struct {
	Feature      *int       `json:"feature,omitempty"`
	StationID    *uuid.UUID `json:"station_id,omitempty"`
	OtherFeature *int       `json:"other_feature,omitempty"`
	Name         string     `json:"name"`
	DistanceM    float64    `json:"distance_m"`
	Rule         string     `json:"rule"`
}

func candidatesJSON(d *station.DuplicateError) []candidateJSON {
	out := make([]candidateJSON, len(d.Candidates))
	for i, c := range d.Candidates {
		j := candidateJSON{Name: c.Name, DistanceM: math.Round(c.DistanceM*100) / 100, Rule: c.Rule}
		if d.Imported {
			j.Feature = &c.Feature
		}
		if c.ID != uuid.Nil {
			j.StationID = &c.ID
		} else {
			j.OtherFeature = &c.OtherFeature
		}
		out[i] = j
	}
	return out
}

// errorHandler renders every error as application/problem+json, its title,
// detail and field messages in the language Accept-Language prefers (Chinese
// unless another is preferred; the code is the same in every language).
// Errors without a code are bugs or outages: they are logged in full and
// answered with an opaque 500. A client that hung up is recorded as 499.
func (s *server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var (
		e    *apperr.Error
		he   *echo.HTTPError
		code apperr.Code
	)
	lang := apperr.PreferredLang(c.Request().Header.Get("Accept-Language"))
	switch {
	case clientGone(c, err):
		code = apperr.ClientClosed
		e = apperr.New(code, "the client closed the request before the answer was ready")
	case errors.As(err, &e):
		code = e.Code
		if e.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
		}
		if code == apperr.Unavailable && e.RetryAfter == 0 {
			c.Response().Header().Set("Retry-After", "5")
		}
	case errors.As(err, &he):
		code = codeOfHTTP(he.Code)
		msg := http.StatusText(he.Code) // echo's own message may be any text; the status's is in the catalogue
		e = &apperr.Error{Code: code, Message: msg}
	default:
		code = apperr.Internal
	}
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	var msg string
	if status >= 500 && code != apperr.Unavailable {
		s.log.ErrorContext(c.Request().Context(), "request failed", "request_id", requestID(c), "route", c.Path(), "error", err)
		msg = apperr.Message(lang, "an internal error occurred; quote the request id when reporting it")
		e = nil
	} else {
		if code == apperr.Unavailable {
			s.log.WarnContext(c.Request().Context(), "dependency unavailable", "request_id", requestID(c), "route", c.Path(), "error", err)
		}
		e = apperr.Localize(e, lang)
		msg = e.Message
	}
	title, ok := apperr.Title(code, lang)
	if !ok {
		title = statusTitle(status, lang)
	}
	p := Problem{
		Type:      "urn:yizhan:problem:" + string(code),
		Title:     title,
		Status:    status,
		Code:      code,
		Detail:    msg,
		RequestID: requestID(c),
	}
	if e != nil {
		p.Errors = e.Fields
	}
	if dup := (*station.DuplicateError)(nil); errors.As(err, &dup) {
		p.Candidates = candidatesJSON(dup)
		p.CandidatesTotal = dup.Total
	}
	h := c.Response().Header()
	h.Set("Content-Language", string(lang))
	h.Add("Vary", "Accept-Language")
	if status == http.StatusMethodNotAllowed {
		if allow, ok := c.Get(echo.ContextKeyHeaderAllow).(string); ok && allow != "" {
			h.Set("Allow", allow)
		}
	}
	if status == http.StatusUnauthorized {
		// A partner's key is no bearer token: name the header it goes in.
		if code == apperr.APIKeyInvalid || code == apperr.APIKeyRevoked {
			h.Set("WWW-Authenticate", `ApiKey realm="yizhan", header="X-Api-Key"`)
		} else {
			h.Set("WWW-Authenticate", `Bearer realm="yizhan"`)
		}
	}
	// Set, not left to echo, which keeps a Content-Type already there: a
	// handler whose answer failed to encode had set application/json.
	h.Set(echo.HeaderContentType, "application/problem+json")
	if c.Request().Method == http.MethodHead {
		c.Response().WriteHeader(status)
		return
	}
	_ = writeBody(c, status, "application/problem+json", mustJSON(p))
}

// clientGone reports whether the request failed because the client hung
// up: its context ended (the server ends it when the connection closes), or
// the body stopped short.
func clientGone(c echo.Context, err error) bool {
	if apperr.Is(err, apperr.ClientClosed) {
		return true
	}
	return errors.Is(c.Request().Context().Err(), context.Canceled)
}

// statusTitle is the title of a status that no code names.
func statusTitle(status int, lang apperr.Lang) string {
	if lang == apperr.En {
		return http.StatusText(status)
	}
	if status >= 500 {
		return apperr.Message(lang, "Internal Server Error")
	}
	return apperr.Message(lang, "Bad Request")
}

func codeOfHTTP(status int) apperr.Code {
	switch status {
	case http.StatusNotFound:
		return apperr.NotFound
	case http.StatusMethodNotAllowed:
		return apperr.MethodNotAllowed
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
