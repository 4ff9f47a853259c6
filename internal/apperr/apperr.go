// Package apperr is Yizhan's one error vocabulary. A domain error carries a
// stable machine-readable Code; the HTTP layer maps each code to a status and
// an application/problem+json body. Errors without a Code are internal: they
// become an opaque 500 and are the only errors that get logged in full.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error code. Clients switch on it, so a
// code is never renamed once published.
type Code string

// The codes every package may return.
const (
	Invalid              Code = "invalid"               // the request is malformed or a field is wrong (400)
	UnknownParameter     Code = "unknown_parameter"     // the query string names a parameter the route does not read (400)
	Unauthorized         Code = "unauthorized"          // no, a malformed, an expired or a revoked credential (401)
	Forbidden            Code = "forbidden"             // authenticated but not allowed (403)
	NotFound             Code = "not_found"             // no such resource (404)
	Conflict             Code = "conflict"              // the request conflicts with current state (409)
	Gone                 Code = "gone"                  // the resource existed but has expired (410)
	Stale                Code = "stale"                 // If-Match names an old version (412)
	TooLarge             Code = "too_large"             // the body is over its limit (413)
	UnsupportedMedia     Code = "unsupported_media"     // the body is not JSON (415)
	Unprocessable        Code = "unprocessable"         // well-formed but cannot be applied (422)
	PreconditionRequired Code = "precondition_required" // If-Match is missing (428)
	RateLimited          Code = "rate_limited"          // too many requests (429)
	Unavailable          Code = "unavailable"           // a dependency is down; retry later (503)
	Internal             Code = "internal"              // a bug or an unexpected failure (500)
	TooSoon              Code = "too_soon"              // a change allowed only so often came too soon after the last (409)

	// Refusals of benefit claims and redemptions.
	SoldOut         Code = "sold_out"         // the offer has no stock left (409)
	LimitReached    Code = "limit_reached"    // the worker has used their allowance for this period (409)
	NotEligible     Code = "not_eligible"     // the worker may not claim this offer (403)
	NotOpen         Code = "not_open"         // the offer is not published or outside its window (422)
	AlreadyRedeemed Code = "already_redeemed" // the claim was redeemed before (409)
	WrongStation    Code = "wrong_station"    // the claim cannot be collected at this station (422)
	Expired         Code = "expired"          // the claim expired before it was redeemed (410)

	// Refusals of workers' check-ins and reports.
	TooFar      Code = "too_far"      // the worker is not near enough to the station to check in (422)
	TooFrequent Code = "too_frequent" // the worker checked in or reported too often; retry later (429)

	// Refusals of activity sign-ups and check-ins (issue 12 §1).
	AlreadySignedUp  Code = "already_signed_up"  // the worker holds a sign-up for the activity already (409)
	AlreadyCheckedIn Code = "already_checked_in" // the sign-up was checked in before (409)
	NotConfirmed     Code = "not_confirmed"      // the sign-up holds no place: waitlisted or cancelled (409)

	// PossibleDuplicate refuses a new active station near another (issue 11
	// §3); allow_duplicate=true overrides it (409).
	PossibleDuplicate Code = "possible_duplicate"

	// MethodNotAllowed is for a known path with the wrong method; only the
	// router produces it (405).
	MethodNotAllowed Code = "method_not_allowed"
	// ClientClosed is recorded, never sent: the client hung up before the
	// answer was ready (499, as nginx logs it; outside the 5xx counts).
	ClientClosed Code = "client_closed"

	// Refusals of a staff login's second factor.
	TOTPRequired          Code = "totp_required"           // the password was right; send the one-time code too (401)
	TOTPInvalid           Code = "totp_invalid"            // the one-time code is wrong, expired or used (401)
	TOTPEnrolmentRequired Code = "totp_enrolment_required" // the account must enrol a second factor first (403)
)

// FieldError names one offending field of a request. Field is a JSON path
// such as "location.lat" or "features[3].properties.name".
//
// Message is in English; Format and Args, kept from Problems.Add, let the
// HTTP layer render it in the client's language (see Localize).
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Format  string `json:"-"`
	Args    []any  `json:"-"`
}

// Error is a domain error with a stable code.
type Error struct {
	Code    Code
	Message string
	// Fields lists every offending field of an invalid request.
	Fields []FieldError
	// RetryAfter, when set, tells the client when to try again.
	RetryAfter time.Duration
	// Err is an optional cause; it is never shown to clients.
	Err error
	// Format and Args are what Message was made from (New and Wrap keep
	// them), the English format being the key of the translations. An Error
	// built as a literal has none: its Message is the key.
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the given code and message. format is an
// English fmt format and the key of its translations (zh_cn.go): keep it a
// literal, and mark any English word among args with Word.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// Wrap is New with a cause, which is logged but never shown to clients.
func Wrap(code Code, cause error, format string, args ...any) *Error {
	e := New(code, format, args...)
	e.Err = cause
	return e
}

// Retry sets when the client may try again, and returns e.
func (e *Error) Retry(after time.Duration) *Error {
	e.RetryAfter = after
	return e
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// Problems collects field errors while a request is validated.
// The zero value is ready to use. It keeps the first MaxProblems and counts
// the rest, so that a body of a million mistakes is not answered with a
// million problems.
type Problems struct {
	list []FieldError
	more int
}

// MaxProblems is the most field errors one answer lists.
const MaxProblems = 100

// Add records that field is wrong. code is a short stable word such as
// "required", "out_of_range", "unknown" or "format".
func (p *Problems) Add(field, code, format string, args ...any) {
	p.add(FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args})
}

// AddField records a field error as it is, such as one of a nested
// validation renamed.
func (p *Problems) AddField(f FieldError) { p.add(f) }

func (p *Problems) add(f FieldError) {
	if len(p.list) >= MaxProblems {
		p.more++
		return
	}
	p.list = append(p.list, f)
}

// AddAll records field errors found by a nested validation, prefixing their
// field paths with prefix (for example "features[3].properties").
func (p *Problems) AddAll(prefix string, err error) {
	var e *Error
	if !errors.As(err, &e) {
		p.Add(prefix, "invalid", "%v", err)
		return
	}
	if len(e.Fields) == 0 {
		p.add(FieldError{Field: prefix, Code: string(e.Code), Message: e.Message, Format: e.Format, Args: e.Args})
		return
	}
	for _, f := range e.Fields {
		name := f.Field
		switch {
		case prefix == "":
		case name == "":
			name = prefix
		case name[0] == '[':
			name = prefix + name
		default:
			name = prefix + "." + name
		}
		f.Field = name
		p.add(f)
	}
}

// List returns the problems listed, in the order they were found.
func (p *Problems) List() []FieldError { return p.list }

// Len reports how many problems were found, listed or not.
func (p *Problems) Len() int { return len(p.list) + p.more }

// Err returns nil when nothing was wrong, or an Invalid error listing every
// field.
//
// Past MaxProblems, the last entry is {"field": "body", "code": "too_many"}
// saying how many more there were.
func (p *Problems) Err() error {
	if len(p.list) == 0 {
		return nil
	}
	fields := append([]FieldError(nil), p.list...)
	if p.more > 0 {
		const format = "%d more problems are not listed; fix these first"
		fields = append(fields, FieldError{Field: "body", Code: "too_many", Message: fmt.Sprintf(format, p.more), Format: format, Args: []any{p.more}})
	}
	return &Error{Code: Invalid, Message: "the request has invalid fields", Fields: fields}
}
