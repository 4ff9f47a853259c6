package console_test

// The browser-test harness: the real server (API and console on one
// handler, as cmd/api serves them) on a real PostgreSQL, driven by Debian's
// headless Chromium through chromedp. Every page a test opens fails the test
// if it logs a JavaScript error or throws, and env.shot saves screenshots
// into console-shots/ at the repository root (git-ignored), so that a
// reviewer can look at every page at both sizes.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"yizhan/internal/activity"
	"yizhan/internal/aid"
	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/console"
	"yizhan/internal/coverage"
	"yizhan/internal/geo"
	"yizhan/internal/httpapi"
	"yizhan/internal/partner"
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

// chromiumPath is Debian's chromium; CHROMIUM overrides it.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// The browser is started once for the package; each test gets its own
// browser context (its own cookies) in it.
var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserErr    error
	browserCancel = func() {}
)

func TestMain(m *testing.M) {
	code := m.Run()
	browserCancel()
	os.Exit(code)
}

func sharedBrowser(t testing.TB) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		if _, err := os.Stat(chromiumPath()); err != nil {
			browserErr = fmt.Errorf("%s is missing: install Debian's chromium (scripts/test.sh does when it can): %w", chromiumPath(), err)
			return
		}
		dir, err := os.MkdirTemp("", "yizhan-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(chromiumPath()),
			chromedp.UserDataDir(dir),
			chromedp.Flag("headless", true),
			chromedp.Flag("no-sandbox", true),
			chromedp.Flag("disable-gpu", true),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("no-first-run", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("hide-scrollbars", true),
			chromedp.Flag("mute-audio", true),
			chromedp.Flag("lang", "zh-CN"),
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil { // starts the browser
			cancelCtx()
			cancelAlloc()
			browserErr = fmt.Errorf("start %s: %w", chromiumPath(), err)
			return
		}
		browserCtx = ctx
		browserCancel = func() { cancelCtx(); cancelAlloc(); os.RemoveAll(dir) }
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	return browserCtx
}

// env is one server, API and console, on its own database.
type env struct {
	URL      string
	Handler  http.Handler // the server's handler, for benchmarks without the network
	DB       *postgres.DB
	Auth     *auth.Service
	Stations *station.Service
	Store    *postgres.StationStore
	Search   *search.Engine
	Workers  *worker.Service
	Benefits *benefit.Service
	Truth    *truth.Service
	Coverage *coverage.Service // issue 13
	Photos   *photo.Service
	Partners *partner.Service
	Config   console.Config
	// Activities: issue 12 §1.
	Activities *activity.Service
	// Micro-wishes and hardship aid (issue 12 §§2–3).
	Wishes *wish.Service
	Aid    *aid.Service
	// Standards: map listings, inspections, stars, service tallies.
	Standards *standard.Service
}

// testAuthConfig keeps production rules but cheap hashing.
var testAuthConfig = func() auth.Config {
	c := auth.DefaultConfig
	c.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	return c
}()

// newEnv starts the server. The console has no tile server unless opts set
// one, so that tests need no network: the map shows a plain background.
func newEnv(t testing.TB, opts ...func(*console.Config)) *env {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	authSvc, err := auth.NewService(postgres.NewAuthStore(db), testAuthConfig, nil)
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
	benefits := benefit.NewService(postgres.NewBenefitStore(db), benefit.DefaultConfig, nil)
	t.Cleanup(benefits.WaitGrants)
	workers := worker.NewService(postgres.NewWorkerStore(db), nil, authSvc, worker.DefaultConfig, nil)
	workers.OnApproved = benefits.WelcomeHook(slog.New(slog.DiscardHandler))
	stations := station.NewService(store, nil, func(ss ...*station.Station) { engine.Apply(ss...) })
	truthSvc := truth.NewService(postgres.NewTruthStore(db), nil, func(ss ...*station.Station) { engine.Apply(ss...) })
	photoDir, err := photo.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	photos := photo.NewService(postgres.NewPhotoStore(db), photoDir, photo.NewProcessor(photo.Limits{}), nil, func(ss ...*station.Station) { engine.Apply(ss...) })
	standards := standard.NewService(postgres.NewStandardStore(db), standard.DefaultRule, nil, func(ss ...*station.Station) { engine.Apply(ss...) })
	cfg := console.Config{TileCRS: geo.GCJ02}
	for _, o := range opts {
		o(&cfg)
	}
	wishes, aidSvc := wish.NewService(postgres.NewWishStore(db), nil), aid.NewService(postgres.NewAidStore(db), aid.DefaultConfig, nil)
	cov := coverage.NewService(postgres.NewDemandStore(db), engine, coverage.DefaultConfig, nil)
	api, err := httpapi.New(httpapi.Deps{Stations: stations, Auth: authSvc, Search: engine, Workers: workers, Benefits: benefits, Truth: truthSvc, Ready: db.Ready,
		Wishes: wishes, Aid: aidSvc, Coverage: cov, Photos: photos, Standards: standards})
	if err != nil {
		t.Fatal(err)
	}
	activities := activity.NewService(postgres.NewActivityStore(db), nil)
	partners := partner.NewService(postgres.NewPartnerStore(db), nil)
	c, err := console.New(console.Deps{Auth: authSvc, Stations: stations, Search: engine, Workers: workers, Benefits: benefits, Truth: truthSvc, Config: cfg,
		Activities: activities, Wishes: wishes, Aid: aidSvc, Coverage: cov, Photos: photos, Standards: standards, Partners: partners,
		Notify: console.NotifyDeps{Status: postgres.NewNotifyStore(db).Status, Templates: testNotifyTemplates, Sending: true}})
	if err != nil {
		t.Fatal(err)
	}
	// As cmd/api's withConsole mounts them.
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, console.Prefix) {
			c.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	return &env{URL: srv.URL, Handler: root, DB: db, Auth: authSvc, Stations: stations, Store: store, Search: engine, Workers: workers, Benefits: benefits, Truth: truthSvc, Config: cfg,
		Activities: activities, Wishes: wishes, Aid: aidSvc, Coverage: cov, Photos: photos, Standards: standards, Partners: partners}
}

// testPassword is every test account's password.
const testPassword = "correct horse battery"

// staff creates an account with testPassword.
func (e *env) staff(t testing.TB, username string, role auth.Role, districts ...string) {
	t.Helper()
	if _, err := e.Auth.CreateStaff(context.Background(), username, testPassword, role, districts, station.ValidDivisionCode); err != nil {
		t.Fatalf("create staff %s: %v", username, err)
	}
}

// staffID is the account id of a username, as audit records name it.
func (e *env) staffID(t testing.TB, username string) string {
	t.Helper()
	var id string
	if err := e.DB.Pool.QueryRow(context.Background(), `SELECT id::text FROM staff WHERE username = $1`, username).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// size is a browser window.
type size struct {
	Name          string
	Width, Height int64
	Mobile        bool
}

var (
	desktop = size{"desktop", 1280, 900, false}
	phone   = size{"phone", 390, 844, true}
	sizes   = []size{desktop, phone}
)

// browser opens a tab in a fresh browser context (no cookies) at the size.
// Any JavaScript error, uncaught exception or browser-log error (a CSP
// violation, a failed asset) fails the test when it ends; checkConsole
// fails it sooner.
func (e *env) browser(t testing.TB, sz size) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(sharedBrowser(t), chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	tb := &tab{t: t, ctx: ctx, env: e, size: sz}
	msgs := chromedp.Console(ctx)
	var emulate []chromedp.EmulateViewportOption
	if sz.Mobile {
		emulate = append(emulate, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(sz.Width, sz.Height, emulate...)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			// A page answered 403 or 404 on purpose logs "Failed to load
			// resource" too: the tests check the status of pages they open,
			// so only assets that fail to load count here.
			if m.Source == "network" && !strings.Contains(m.URL, "/console/static/") {
				continue
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				tb.mu.Lock()
				tb.errs = append(tb.errs, fmt.Sprintf("%s (%s:%d)", m.String(), m.URL, m.Line+1))
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		tb.checkConsole()
		cancelTimeout()
		cancel()
		<-done
	})
	return tb
}

// tab is one browser tab of a test.
type tab struct {
	t    testing.TB
	ctx  context.Context
	env  *env
	size size
	mu   sync.Mutex
	errs []string
}

// checkConsole fails the test for every JavaScript error seen so far.
func (tb *tab) checkConsole() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.errs {
		tb.t.Errorf("browser console: %s", e)
	}
	tb.errs = nil
}

// consoleErrors returns and forgets the errors seen so far (for tests that
// expect one).
func (tb *tab) consoleErrors() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	out := tb.errs
	tb.errs = nil
	return out
}

// do runs actions, failing the test on error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.failShot()
		tb.t.Fatalf("browser: %v (at %s)", err, tb.lastURL())
	}
}

// open navigates to a console path and waits for the page's main element.
func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.env.URL+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// failShot saves what the tab shows when a step fails, as
// console-shots/FAIL-<test>-<size>.png, if the browser still answers.
func (tb *tab) failShot() {
	// The tab's context may be past its deadline: keep its target, drop
	// its deadline.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.ctx), 5*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return
	}
	_ = os.MkdirAll(shotsDir(), 0o755)
	_ = os.WriteFile(filepath.Join(shotsDir(), "FAIL-"+shotName.ReplaceAllString(strings.ToLower(tb.t.Name()), "-")+"-"+tb.size.Name+".png"), buf, 0o644)
}

func (tb *tab) lastURL() string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.ctx), 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Location())
	return s
}

// text returns the text of the first element the selector finds.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	// Right after a navigation the tab's DOM can still be the old one's:
	// a node found there is gone by the time its text is asked for. Ask
	// again, a few times.
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var s string
		if s, err = chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel))); err == nil {
			return s
		}
		time.Sleep(200 * time.Millisecond)
	}
	tb.t.Fatalf("text of %s: %v", sel, err)
	return ""
}

// location is the tab's current URL.
func (tb *tab) location() string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return s
}

// login signs in through the form and waits for the next page.
func (tb *tab) login(username string) {
	tb.t.Helper()
	tb.open("/console/login")
	tb.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), username),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitReady(chromedp.CSS(`header.top`)),
	)
}

var shotName = regexp.MustCompile(`[^a-z0-9-]+`)

// shotsDir is where screenshots go: console-shots/ at the repository root,
// or CONSOLE_SHOTS.
func shotsDir() string {
	if d := os.Getenv("CONSOLE_SHOTS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "console-shots")
}

// shot saves a full-page screenshot as console-shots/<name>-<size>.png.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := shotsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	file := filepath.Join(dir, shotName.ReplaceAllString(strings.ToLower(name), "-")+"-"+tb.size.Name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// client is an HTTP client with its own cookie jar, for the tests that
// speak to the console without a browser.
func (e *env) client(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signedIn returns a client signed in as username through the sign-in form.
func (e *env) signedIn(t testing.TB, username string) *http.Client {
	t.Helper()
	c := e.client(t)
	token := formToken(t, c, e.URL+"/console/login")
	res, err := c.PostForm(e.URL+"/console/login", url.Values{"username": {username}, "password": {testPassword}, "csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", username, res.StatusCode)
	}
	return c
}

// post sends a form with the client's CSRF token (read from a page) and
// returns the answer, its body read.
func (e *env) post(t *testing.T, c *http.Client, path string, form url.Values) *response {
	t.Helper()
	form.Set("csrf", formToken(t, c, e.URL+"/console/stations"))
	return e.postRaw(t, c, path, form)
}

// postRaw sends the form as it is.
func (e *env) postRaw(t *testing.T, c *http.Client, path string, form url.Values) *response {
	t.Helper()
	res, err := c.PostForm(e.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &response{StatusCode: res.StatusCode, Header: res.Header, Body: string(body)}
}

// get fetches a page.
func (e *env) get(t *testing.T, c *http.Client, path string) *response {
	t.Helper()
	res, err := c.Get(e.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &response{StatusCode: res.StatusCode, Header: res.Header, Body: string(body)}
}

// response is an answer with its body.
type response struct {
	StatusCode int
	Header     http.Header
	Body       string
}
