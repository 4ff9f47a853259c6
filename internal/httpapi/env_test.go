package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"yizhan/internal/activity"
	"yizhan/internal/aid"
	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/coverage"
	"yizhan/internal/httpapi"
	"yizhan/internal/notify"
	"yizhan/internal/pgtest"
	"yizhan/internal/photo"
	"yizhan/internal/postgres"
	"yizhan/internal/search"
	"yizhan/internal/standard"
	"yizhan/internal/station"
	"yizhan/internal/truth"
	"yizhan/internal/wish"
	"yizhan/internal/worker"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is one API server on its own database.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	db    *postgres.DB
	auth  *auth.Service
	clock *clock
	store *postgres.StationStore
	// The worker service and the fake WeChat its login calls.
	workers *worker.Service
	wechat  *fakeWeChat
	// The benefit service, whose welcome grant the approvals call.
	benefits *benefit.Service
	// activities: issue 12 §1.
	activities *activity.Service
	// The searches' demand counter, flushed by the coverage tests (issue 13).
	demand *coverage.Counter
}

// testAuthConfig keeps production rules but cheap hashing: argon2id at
// production cost under the race detector would dominate the suite.
var testAuthConfig = func() auth.Config {
	c := auth.DefaultConfig
	c.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	// Tests fire dozens of logins at once to test the throttle, not the
	// bound on concurrent logins (logingate_test.go does).
	c.LoginQueue, c.LoginWait = 100, time.Minute
	return c
}()

func newEnv(t *testing.T, opts ...func(*httpapi.Deps)) *env {
	t.Helper()
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	clk := &clock{t: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)} // a Monday, 18:00 in Shanghai
	authSvc, err := auth.NewService(postgres.NewAuthStore(db), testAuthConfig, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	engine := search.NewEngine()
	store := postgres.NewStationStore(db)
	all, _, err := store.ChangesSince(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	engine.Load(all)
	wx := newFakeWeChat(t)
	workers := worker.NewService(postgres.NewWorkerStore(db), wx.client(t), authSvc, testWorkerConfig, clk.Now)
	benefits := benefit.NewService(postgres.NewBenefitStore(db), benefit.DefaultConfig, clk.Now)
	workers.OnApproved = benefits.WelcomeHook(slog.New(slog.DiscardHandler))
	t.Cleanup(benefits.WaitGrants)
	indexed := func(ss ...*station.Station) { engine.Apply(ss...) }
	photoDir, err := photo.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	deps := httpapi.Deps{
		Photos:    photo.NewService(postgres.NewPhotoStore(db), photoDir, photo.NewProcessor(photo.Limits{}), clk.Now, indexed),
		Stations:  station.NewService(store, clk.Now, indexed),
		Truth:     truth.NewService(postgres.NewTruthStore(db), clk.Now, indexed),
		Standards: standard.NewService(postgres.NewStandardStore(db), standard.DefaultRule, clk.Now, indexed),
		Auth:      authSvc,
		Search:    engine,
		Workers:   workers,
		Benefits:  benefits,
		Ready:     db.Ready,
		Feed:      store,
		// Activities and courses (issue 12 §1).
		Activities: activity.NewService(postgres.NewActivityStore(db), clk.Now),
		// Micro-wishes and hardship aid (issue 12 §§2–3).
		Wishes: wish.NewService(postgres.NewWishStore(db), clk.Now),
		Aid:    aid.NewService(postgres.NewAidStore(db), aid.DefaultConfig, clk.Now),
		// Notifications: the templates of testTemplates (subscriptions_test.go).
		Notify:   &notify.Service{Store: postgres.NewNotifyStore(db), Templates: testTemplates, Now: clk.Now},
		Coverage: coverage.NewService(postgres.NewDemandStore(db), engine, coverage.DefaultConfig, clk.Now),
		Demand:   coverage.NewCounter(),
	}
	activities := deps.Activities
	for _, o := range opts {
		o(&deps)
	}
	h, err := httpapi.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, db: db, auth: authSvc, clock: clk, store: store, workers: workers, wechat: wx, benefits: benefits,
		activities: activities, demand: deps.Demand}
}

// staff creates an account and returns a bearer token for it.
func (e *env) staff(username string, role auth.Role, districts ...string) string {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.auth.CreateStaff(ctx, username, "correct horse battery", role, districts, station.ValidDivisionCode); err != nil {
		e.t.Fatalf("create staff %s: %v", username, err)
	}
	token, _, err := e.auth.Login(ctx, username, "correct horse battery", "192.0.2.1")
	if err != nil {
		e.t.Fatalf("login %s: %v", username, err)
	}
	return token
}

// actor is how audit records name the staff member signed in with token:
// by account id, never by username.
func (e *env) actor(token string) string {
	e.t.Helper()
	p, err := e.auth.Authenticate(context.Background(), token)
	if err != nil {
		e.t.Fatal(err)
	}
	return "staff:" + p.StaffID.String()
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// problem decodes a problem+json answer.
func (r response) Problem(t *testing.T) httpapi.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, r.Body)
	}
	var p httpapi.Problem
	r.JSON(t, &p)
	return p
}

// req describes a request.
type req struct {
	Method, Path string
	Token        string
	Body         any // []byte and string are sent as is; anything else as JSON
	ContentType  string
	Header       map[string]string
	// Expect5xx marks a request whose 5xx answer is what the test wants
	// (a dependency down); other 5xx answers fail the test.
	Expect5xx bool
}

// do sends the request and checks the response against openapi.yaml.
func (e *env) do(r req) response {
	e.t.Helper()
	var body io.Reader
	ct := r.ContentType
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	case string:
		body = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(raw)
	}
	if body != nil && ct == "" {
		ct = "application/json"
	}
	hr, err := http.NewRequest(r.Method, e.srv.URL+r.Path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		hr.Header.Set("Content-Type", ct)
	}
	if r.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Header {
		hr.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Body: raw}
	checkContract(e.t, hr, out)
	checkChineseFirst(e.t, hr, out)
	if ct := res.Header.Get("Content-Type"); r.Method != "HEAD" && (strings.HasPrefix(ct, "application/json") || ct == "application/problem+json") && !res.Uncompressed && res.ContentLength != int64(len(raw)) {
		e.t.Errorf("%s %s: %d bytes of JSON sent with Content-Length %d (-1: chunked)", r.Method, r.Path, len(raw), res.ContentLength)
	}
	if out.Status >= 500 && !r.Expect5xx {
		e.t.Errorf("%s %s answered %d: %s", r.Method, r.Path, out.Status, raw)
	}
	return out
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// checkContract fails the test when the response is not what openapi.yaml
// promises for the request: an undocumented status, header or body shape.
func checkContract(t *testing.T, hr *http.Request, r response) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(filepath.Join(repoRoot(), "openapi.yaml"))
		if err != nil {
			specErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = err
			return
		}
		doc.Servers = nil
		specRouter, specErr = legacy.NewRouter(doc)
	})
	if specErr != nil {
		t.Fatalf("openapi.yaml: %v", specErr)
	}
	u := *hr.URL
	u.Scheme, u.Host = "", ""
	probe := hr.Clone(context.Background())
	probe.URL = &u
	route, params, err := specRouter.FindRoute(probe)
	if err != nil {
		if r.Status == http.StatusNotFound || r.Status == http.StatusMethodNotAllowed {
			return // a path or method the API does not have
		}
		t.Errorf("openapi.yaml has no route for %s %s: %v", hr.Method, hr.URL.Path, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route},
		Status:                 r.Status,
		Header:                 r.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s → %d does not match openapi.yaml: %v\nbody: %s", hr.Method, hr.URL.Path, r.Status, err, truncate(r.Body))
	}
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

// checkChineseFirst fails the test when an answer is not what a Chinese
// user should get: a problem told to a client that did not prefer another
// language must be in Chinese, title, detail and every field message; and
// every timestamp in a JSON answer carries Shanghai's +08:00.
func checkChineseFirst(t *testing.T, hr *http.Request, r response) {
	t.Helper()
	ct := r.Header.Get("Content-Type")
	if ct != "application/problem+json" && !strings.HasPrefix(ct, "application/json") || len(r.Body) == 0 {
		return
	}
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		return // checkContract reports it
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case string:
			if rfc3339.MatchString(x) && !strings.HasSuffix(x, "+08:00") {
				t.Errorf("%s %s: %s = %q, want a time with the +08:00 offset", hr.Method, hr.URL.Path, path, x)
			}
		case []any:
			for i, y := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), y)
			}
		case map[string]any:
			for k, y := range x {
				walk(path+"."+k, y)
			}
		}
	}
	walk("", v)
	if ct != "application/problem+json" {
		return
	}
	lang := apperr.PreferredLang(hr.Header.Get("Accept-Language"))
	if got := r.Header.Get("Content-Language"); got != string(lang) {
		t.Errorf("%s %s: Content-Language %q, want %q", hr.Method, hr.URL.Path, got, lang)
	}
	if lang != apperr.ZhCN {
		return
	}
	var p httpapi.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		return
	}
	texts := map[string]string{"title": p.Title, "detail": p.Detail}
	for i, f := range p.Errors {
		texts[fmt.Sprintf("errors[%d].message", i)] = f.Message
	}
	for name, text := range texts {
		if !hasHan(text) {
			t.Errorf("%s %s: the problem's %s %q is not in Chinese (add it to internal/apperr/zh_cn.go)", hr.Method, hr.URL.Path, name, text)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
