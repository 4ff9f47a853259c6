// Package console is the staff console: server-rendered zh-CN pages at
// /console/ for union staff, an edge beside internal/httpapi that calls the
// same domain services in process, under the same rules and district
// scopes. miniflux is the model: html/template, one handler and one
// template per page, templates and assets embedded and parsed once at
// start-up, forms that work without JavaScript, and a little script only on
// the map.
//
// # Adding a page
//
//  1. Write templates/<page>.html defining "title" and "content" (and
//     optionally "head" for extra stylesheets and "scripts" for scripts;
//     never inline script or style attributes: the CSP forbids them). Every
//     Chinese string goes through {{t "key"}} with the key added to
//     messages_zh.go; the page's data is {{.Data}}, the signed-in staff
//     member {{.Staff}}, the CSRF token {{.CSRF}} ({{template "csrf" .}}
//     writes the hidden field every POST form needs).
//  2. Write <page>.go with a handler func (h *handler) xxx(w, r) that builds
//     a small struct from the domain services (templates never query) and
//     calls h.render(w, r, "<page>.html", nav, data). Errors go through
//     h.fail(w, r, err), which shows a page for the apperr code; form
//     problems through formErrors(err), which maps each field to a Chinese
//     message, shown with {{template "field-error" (index .Data.Errors "name")}}.
//  3. Register the route in routes() below: h.page(...) for staff pages,
//     h.admin(...) for admin-only pages. POST, PUT, PATCH and DELETE
//     routes are CSRF-checked by the middleware before the handler runs.
//     Redirect after a successful POST (h.redirect with a flash key).
//  4. Add the page to the nav in templates/layout.html if it is a section.
//  5. Test it in a browser_test.go-style test with the harness in
//     harness_test.go: newEnv(t) starts the real server on a real
//     PostgreSQL, env.browser(t, size) a headless Chromium that fails the
//     test on any JavaScript error, env.shot(t, ctx, name) a screenshot.
package console

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"yizhan/internal/activity"
	"yizhan/internal/aid"
	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/coverage"
	"yizhan/internal/geo"
	"yizhan/internal/partner"
	"yizhan/internal/photo"
	"yizhan/internal/search"
	"yizhan/internal/standard"
	"yizhan/internal/station"
	"yizhan/internal/truth"
	"yizhan/internal/wish"
	"yizhan/internal/worker"
)

// Prefix is where the console is mounted.
const Prefix = "/console/"

// Config is how the console is set up: CONSOLE_* variables.
type Config struct {
	// SecureCookie marks the cookies Secure (CONSOLE_SECURE_COOKIE=true):
	// set it whenever the console is reached over HTTPS.
	SecureCookie bool
	// TileURL is the map tiles' URL template, Leaflet style
	// ({s}, {z}, {x}, {y}); empty shows the map on a plain background.
	TileURL string
	// TileSubdomains fill {s}.
	TileSubdomains string
	// TileCRS is the coordinate system the tiles are drawn in: a point
	// clicked on GCJ-02 tiles is a GCJ-02 point.
	TileCRS geo.CRS
}

// DefaultTileURL is AutoNavi's (Amap's) public street map, drawn in GCJ-02,
// as Chinese basemaps must be.
const DefaultTileURL = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"

// DefaultTileSubdomains are AutoNavi's tile hosts 1–4.
const DefaultTileSubdomains = "1234"

// Deps are what the console needs: the same services as the API.
type Deps struct {
	Log      *slog.Logger
	Auth     *auth.Service
	Stations *station.Service
	Search   *search.Engine
	Workers  *worker.Service
	Benefits *benefit.Service
	Truth    *truth.Service
	// Activities serves the activity pages (issue 12 §1).
	Activities *activity.Service
	// Wishes and Aid serve the 心愿与帮扶 pages (issue 12 §§2–3).
	Wishes *wish.Service
	Aid    *aid.Service
	// Coverage is the coverage page's service (issue 13); nil: the page
	// says coverage is not set up.
	Coverage *coverage.Service
	// Photos keeps station photos; PhotoBaseURL is the origin of the photo
	// URLs in the map export (the request's own when empty).
	Photos       *photo.Service
	PhotoBaseURL string
	// Standards: map listings, inspections, stars and service tallies.
	Standards *standard.Service
	// Partners issues and revokes rider platforms' API keys (admins only).
	Partners *partner.Service
	// ClientAddr finds a request's client address for the login throttle
	// (httpapi.ClientAddr, so that both doors count alike); nil uses the
	// connection's peer.
	ClientAddr func(*http.Request) string
	Config     Config
	// Notify feeds the notifications page (notifications.go).
	Notify NotifyDeps
}

// handler serves every console page.
type handler struct {
	Deps
	log   *slog.Logger
	views *views
	mux   *http.ServeMux
	csp   string
}

// New returns the console's handler, to be mounted at Prefix. The
// templates and assets are parsed here, once.
func New(d Deps) (http.Handler, error) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.ClientAddr == nil {
		d.ClientAddr = peerAddr
	}
	if d.Config.TileCRS == "" {
		d.Config.TileCRS = geo.GCJ02
	}
	v, err := parseViews()
	if err != nil {
		return nil, err
	}
	h := &handler{Deps: d, log: d.Log, views: v, mux: http.NewServeMux()}
	h.csp = contentSecurityPolicy(d.Config.TileURL)
	h.routes()
	return h, nil
}

// routes lists every console route in one place.
func (h *handler) routes() {
	m := h.mux
	m.Handle("GET /console/static/", h.views.assets)
	m.HandleFunc("GET /console/login", h.loginForm)
	m.HandleFunc("POST /console/login", h.login)
	m.HandleFunc("POST /console/logout", h.page(h.logout))
	m.HandleFunc("GET /console/{$}", h.page(h.home))
	m.HandleFunc("/console/", h.page(h.notFound))

	h.stationRoutes()
	h.opsRoutes()
	h.truthRoutes()
	h.activityRoutes()
	h.wishesRoutes()
	h.notifyRoutes()
	h.coverageRoutes()
	h.photoRoutes()
	h.listingsRoutes()
	h.partnerRoutes()
}

func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	if principal(r).IsDonor() {
		http.Redirect(w, r, "/console/wishes", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/stations", http.StatusSeeOther)
}

func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusNotFound, "error.not_found")
}

// ServeHTTP sets the console's headers, checks the CSRF token of every
// state-changing request and routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cache-Control", "no-store")
	start := time.Now()
	note := &logNote{}
	r = r.WithContext(context.WithValue(r.Context(), ctxLogNote, note))
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	ok, tooLarge := true, false
	if !safeMethod(r.Method) {
		ok, tooLarge = h.checkCSRF(r)
	}
	switch {
	case tooLarge:
		h.refuse(rec, r, http.StatusRequestEntityTooLarge, "error.too_large")
	case !ok:
		h.refuse(rec, r, http.StatusForbidden, "error.csrf")
	default:
		h.mux.ServeHTTP(rec, r)
	}
	// One line per request, as the API logs: the route pattern, never the
	// URL (a search may carry a worker's name or address); the client's
	// network, not its address; the staff member's id, never the username.
	if h.log.Enabled(r.Context(), slog.LevelInfo) {
		attrs := []any{"method", r.Method, "route", r.Pattern, "status", rec.status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000, "client", auth.ClientNetwork(h.ClientAddr(r))}
		if note.staffID != "" {
			attrs = append(attrs, "staff_id", note.staffID)
		}
		h.log.InfoContext(r.Context(), "console request", attrs...)
	}
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

func peerAddr(r *http.Request) string {
	host := r.RemoteAddr
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			host = host[:i]
			break
		}
	}
	if len(host) > 1 && host[0] == '[' {
		host = host[1 : len(host)-1]
	}
	return host
}
