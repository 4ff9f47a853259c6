package httpapi

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/strictjson"
)

const (
	ctxPrincipal = "principal"

	bodyLimit   = 1 << 20  // 1 MiB
	importLimit = 20 << 20 // 20 MiB
)

func listen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }

// ipExtractor finds the client's address (c.RealIP()): the connection's
// peer, or X-Forwarded-For from a trusted proxy, cut as auth.ClientAddress
// cuts it (an IPv6 address to its /64). Every per-client limit (rate
// limits, login throttles, the console's sign-in) counts by it.
func ipExtractor(trusted []string) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		return perClient(echo.ExtractIPDirect()), nil
	}
	var opts []echo.TrustOption
	for _, cidr := range trusted {
		_, n, err := net.ParseCIDR(strings.TrimSpace(cidr))
		if err != nil {
			return nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	opts = append(opts, echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	return perClient(echo.ExtractIPFromXFFHeader(opts...)), nil
}

func perClient(x echo.IPExtractor) echo.IPExtractor {
	return func(r *http.Request) string { return auth.ClientAddress(x(r)) }
}

// requestIDs takes X-Request-ID when it is sane, or makes one, and echoes it.
func requestIDs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := ""
		if v := c.Request().Header[headerRequestID]; len(v) > 0 && saneRequestID(v[0]) {
			id = v[0]
		} else {
			id = newRequestID()
		}
		c.Response().Header()[headerRequestID] = []string{id}
		return next(c)
	}
}

// saneRequestID reports whether id is 1 to 64 of A-Z, a-z, 0-9, '.', '_'
// and '-': safe to echo and to log.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 16 hex digits of the runtime's per-thread random
// source: unique enough to find a request's log lines across replicas, and
// nothing a client could use (a request id grants nothing).
func newRequestID() string {
	const hexDigits = "0123456789abcdef"
	var b [16]byte
	n := rand.Uint64()
	for i := range b {
		b[i] = hexDigits[n>>60]
		n <<= 4
	}
	return string(b[:])
}

// strictQuery refuses a query string that does not parse (a bad
// %-escape, a semicolon): echo drops such pairs silently, so "limit=%" would
// be answered as if no limit had been asked. Only a query holding % or ;
// can be malformed, so the search path pays a byte scan. It then refuses a
// parameter the route does not read (queryParams.check). One middleware
// does both: echo wraps each request in its middleware afresh, and every
// one costs an allocation.
func strictQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		q := c.Request().URL.RawQuery
		if q == "" {
			return next(c)
		}
		if strings.ContainsAny(q, "%;") {
			if _, err := url.ParseQuery(q); err != nil {
				return apperr.New(apperr.Invalid, "the query string is malformed: %s", strings.TrimPrefix(err.Error(), "invalid URL escape "))
			}
		}
		if err := queryParams.check(c); err != nil {
			return err
		}
		return next(c)
	}
}

// headerRequestID is X-Request-ID as net/http spells header keys.
const headerRequestID = "X-Request-Id"

// requestID is the request's id, kept in the response's header (which
// spares every request a context map).
func requestID(c echo.Context) string {
	if v := c.Response().Header()[headerRequestID]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// securityHeaders are the usual headers for a JSON API. The values are
// shared by every response (full slices: an Add would copy, not write into
// them), which spares five allocations per request.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h["X-Content-Type-Options"] = nosniff
		h["X-Frame-Options"] = frameDeny
		h["Referrer-Policy"] = noReferrer
		h["Content-Security-Policy"] = cspNone
		h["Cache-Control"] = noStore
		return next(c)
	}
}

var (
	nosniff    = []string{"nosniff"}[:1:1]
	frameDeny  = []string{"DENY"}[:1:1]
	noReferrer = []string{"no-referrer"}[:1:1]
	cspNone    = []string{"default-src 'none'; frame-ancestors 'none'"}[:1:1]
	noStore    = []string{"no-store"}[:1:1]
)

// accessLog logs one line per request. It logs the route template, never the
// raw URL: query strings carry workers' coordinates. Of who asked it logs
// only what shows a brute force: the client's network (auth.ClientNetwork) and,
// on staff routes, the staff (or donor) account's id — never a username, a worker or a
// token.
func (s *server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.Metrics.observe(c, start)
		ctx := c.Request().Context()
		if !s.log.Enabled(ctx, slog.LevelInfo) {
			return nil // and spare building the line's attributes
		}
		attrs := []slog.Attr{
			slog.String("request_id", requestID(c)),
			slog.String("method", c.Request().Method),
			slog.String("route", c.Path()),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.String("client", auth.ClientNetwork(c.RealIP())),
		}
		if p := principal(c); p.MaySignIn() {
			attrs = append(attrs, slog.String("staff_id", p.StaffID.String()))
		}
		s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
		return nil
	}
}

// recoverPanics turns a panic into a logged 500 instead of a dropped
// connection.
func (s *server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// requireAuth authenticates the bearer token of a staff member or a worker.
// A missing, malformed, unknown, expired or revoked token is Unauthorized.
func (s *server) requireAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return s.authenticate(nil, next)
}

// requireStaff lets only staff through: a worker's token is Forbidden.
func (s *server) requireStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return s.authenticate(func(p *auth.Principal) error {
		if !p.IsStaff() {
			return apperr.New(apperr.Forbidden, "this endpoint is for union staff")
		}
		return nil
	}, next)
}

// requireWorker lets only workers through: a staff token is Forbidden.
func (s *server) requireWorker(next echo.HandlerFunc) echo.HandlerFunc {
	return s.authenticate(func(p *auth.Principal) error {
		if !p.IsWorker() {
			return apperr.New(apperr.Forbidden, "this endpoint is for workers signed in from the mini-program")
		}
		return nil
	}, next)
}

func (s *server) authenticate(allow func(*auth.Principal) error, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, err := bearer(c)
		if err != nil {
			return err
		}
		p, err := s.Auth.Authenticate(c.Request().Context(), token)
		if err != nil {
			return err
		}
		if allow != nil {
			if err := allow(p); err != nil {
				return err
			}
		}
		c.Set(ctxPrincipal, p)
		return next(c)
	}
}

// The rate limiter asks every request for its token, so these are made once.
var (
	errNoBearer  = apperr.New(apperr.Unauthorized, "this endpoint needs an Authorization: Bearer token")
	errBadBearer = apperr.New(apperr.Unauthorized, "the Authorization header must be 'Bearer <token>'")
)

func bearer(c echo.Context) (string, error) {
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if h == "" {
		return "", errNoBearer
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", errBadBearer
	}
	return strings.TrimSpace(token), nil
}

func principal(c echo.Context) *auth.Principal {
	p, _ := c.Get(ctxPrincipal).(*auth.Principal)
	return p
}

// readBody reads the request body up to limit bytes, checking that its
// media type is one of types.
func readBody(c echo.Context, limit int64, types ...string) ([]byte, error) {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !contains(types, mt) {
		switch len(types) {
		case 1:
			return nil, apperr.New(apperr.UnsupportedMedia, "the body must be sent as %s", types[0])
		case 2:
			return nil, apperr.New(apperr.UnsupportedMedia, "the body must be sent as %s or %s", types[0], types[1])
		}
		return nil, apperr.New(apperr.UnsupportedMedia, "the body must be sent as one of %s", strings.Join(types, ", "))
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apperr.New(apperr.TooLarge, "the body is larger than %d bytes", limit)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || c.Request().Context().Err() != nil {
			// The client hung up mid-upload: nothing is acted on.
			return nil, apperr.Wrap(apperr.ClientClosed, err, "the client closed the request before the answer was ready")
		}
		return nil, apperr.New(apperr.Invalid, "the body could not be read")
	}
	return body, nil
}

// readJSON reads and strictly decodes a JSON body into v.
func readJSON(c echo.Context, v any) error {
	body, err := readBody(c, bodyLimit, echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	return strictjson.Decode(body, v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ClientAddr returns how the API finds a request's client address: the
// connection's peer, or X-Forwarded-For when the peer is one of the trusted
// proxies (CIDR ranges). The console uses it so that its sign-in form is
// throttled per address exactly as POST /v1/auth/staff/login is.
func ClientAddr(trusted []string) (func(*http.Request) string, error) {
	x, err := ipExtractor(trusted)
	if err != nil {
		return nil, err
	}
	return x, nil
}
