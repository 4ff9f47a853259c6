// Package httpapi is Yizhan's HTTP edge: it translates between the wire
// (JSON, query strings, headers) and the domain services, and holds no
// business rules. Every route is listed in routes.go; openapi.yaml at the
// repository root is the contract these handlers are tested against.
package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"yizhan/internal/activity"
	"yizhan/internal/aid"
	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/coverage"
	"yizhan/internal/notify"
	"yizhan/internal/partner"
	"yizhan/internal/photo"
	"yizhan/internal/search"
	"yizhan/internal/standard"
	"yizhan/internal/station"
	"yizhan/internal/truth"
	"yizhan/internal/wish"
	"yizhan/internal/worker"
)

// Deps are what the server needs.
type Deps struct {
	Log      *slog.Logger
	Stations *station.Service
	Auth     *auth.Service
	Search   *search.Engine
	Workers  *worker.Service
	Benefits *benefit.Service
	Truth    *truth.Service
	// Activities serves activities and their sign-ups (issue 12 §1).
	Activities *activity.Service
	// Wishes and Aid serve micro-wishes and hardship aid (issue 12 §§2–3).
	Wishes *wish.Service
	Aid    *aid.Service
	// Photos keeps station photos (issue 15 §1); PhotoBaseURL, when set, is
	// the origin (https://yizhan.example.cn) of the photo URLs written into
	// the map export, which otherwise takes the request's own.
	Photos       *photo.Service
	PhotoBaseURL string
	// Standards: map listings, inspections, stars and service tallies.
	Standards *standard.Service
	// Feed serves GET /v1/stations/changes.
	Feed station.Feed
	// Coverage answers /v1/coverage (issue 13); nil answers 503. Demand
	// counts the searches per cell and hour; nil counts nothing.
	Coverage *coverage.Service
	Demand   *coverage.Counter
	// Ready reports nil when the service can serve traffic.
	Ready func(ctx context.Context) error
	// Limits are the request rate limits; the zero value limits nothing.
	Limits RateLimits
	// Metrics, when set, counts requests and serves /metrics, unless
	// MetricsApart.
	Metrics *Metrics
	// MetricsApart keeps /metrics off this handler (404): the caller serves
	// Metrics.Handler on a listener of its own (METRICS_ADDR).
	MetricsApart bool
	// Notify records the subscribe messages workers accept; nil when WeChat
	// is not configured (POST /v1/me/subscriptions answers 503).
	Notify *notify.Service
	// TrustedProxies are CIDR ranges whose X-Forwarded-For is believed when
	// finding the client address (for login throttling); empty trusts none.
	TrustedProxies []string
	// Partners, when set, admits requests carrying a partner's X-Api-Key
	// (partners.go); PartnerMetrics counts them by partner.
	Partners       *partner.Gate
	PartnerMetrics *PartnerMetrics
}

type server struct {
	Deps
	log    *slog.Logger
	limits rateLimiters
}

// New returns the HTTP handler with every route.
func New(d Deps) (http.Handler, error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	s := &server{Deps: d, log: d.Log, limits: newRateLimiters(d.Limits)}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.JSONSerializer = jsonSerializer{}
	ipx, err := ipExtractor(d.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = ipx
	s.routes(e)
	if err := checkParamTable(e); err != nil {
		return nil, err
	}
	return e, nil
}

// mustJSON marshals v, which is always one of our own wire types.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// jsonSerializer writes compact JSON without HTML escaping, so Chinese text
// and "<" arrive as written. The answer is encoded whole first, so that it
// goes out with a Content-Length rather than in chunks.
type jsonSerializer struct{}

// echo calls Serialize from c.JSON before anything is written, which
// writeBody needs; echo's JSONP, which writes first, is not used.
func (jsonSerializer) Serialize(c echo.Context, i any, _ string) error {
	buf := serializeBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // an import's answer may be megabytes: not worth keeping
			serializeBuffers.Put(buf)
		}
	}()
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(i); err != nil {
		return err
	}
	return writeBody(c, c.Response().Status, c.Response().Header().Get(echo.HeaderContentType), buf.Bytes())
}

var serializeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeBody answers with b and its Content-Length: net/http would otherwise
// send any answer over 2 KiB in chunks, a few bytes more for a courier's
// phone, which can no longer tell how much is still to come.
//
// JSON over 1 KiB goes gzip-compressed to a client that accepts it
// (maybeGzip).
func writeBody(c echo.Context, status int, contentType string, b []byte) error {
	b, release := maybeGzip(c, contentType, b)
	if release != nil {
		defer release()
	}
	c.Response().Header()[echo.HeaderContentLength] = []string{strconv.Itoa(len(b))}
	return c.Blob(status, contentType, b)
}

func (jsonSerializer) Deserialize(c echo.Context, i any) error {
	return echo.NewHTTPError(http.StatusInternalServerError, "use readJSON")
}

// Serve runs the handler on addr until ctx ends, then stops accepting, lets
// requests in flight finish for up to grace, and returns. It holds no more
// connections than conns allows.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, grace time.Duration, conns ConnLimits, ready chan<- string) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	raw, err := listen(addr)
	if err != nil {
		return err
	}
	ln := newLimitListener(raw, conns, log)
	srv.ConnState = ln.connState
	if ready != nil {
		ready <- ln.Addr().String()
	}
	log.Info("serving", "addr", ln.Addr().String(), "max_conns", conns.Max, "max_conns_per_addr", conns.PerAddr)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && err != http.ErrServerClosed {
		return err
	}
	return nil
}
