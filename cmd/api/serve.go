package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"yizhan/internal/activity"
	"yizhan/internal/aid"
	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/console"
	"yizhan/internal/coverage"
	"yizhan/internal/httpapi"
	"yizhan/internal/partner"
	"yizhan/internal/photo"
	"yizhan/internal/postgres"
	"yizhan/internal/search"
	"yizhan/internal/standard"
	"yizhan/internal/station"
	"yizhan/internal/truth"
	"yizhan/internal/wechat"
	"yizhan/internal/wish"
	"yizhan/internal/worker"
)

// app is the wired service.
type app struct {
	db       *postgres.DB
	store    *postgres.StationStore
	stations *station.Service
	auth     *auth.Service
	search   *search.Engine
	workers  *worker.Service
	benefits *benefit.Service
	truth    *truth.Service
	// activities: issue 12 §1.
	activities *activity.Service
	wishes     *wish.Service
	aid        *aid.Service
	notify     *notifications
	coverage   *coverage.Service
	demand     *coverage.Counter // nil when DEMAND_COUNTING=off
	photos     *photo.Service
	// standards: map listings, inspections, stars and service tallies.
	standards *standard.Service
	// partners issues keys (admins); gate admits the requests carrying them.
	partners *partner.Service
	gate     *partner.Gate
}

// log, when not nil, hears what the services report on their own (welcome gifts not granted).
func newApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	if err := cfg.requireDB(); err != nil {
		return nil, err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	authCfg := auth.DefaultConfig
	authCfg.TOTPRequired = cfg.TOTPRequired
	authSvc, err := auth.NewService(postgres.NewAuthStore(db), authCfg, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	// Without an app id the service runs, and mini-program login answers 503.
	var wx worker.WeChat
	if cfg.WeChat.AppID != "" {
		if wx, err = wechat.New(cfg.WeChat); err != nil {
			db.Close()
			return nil, err
		}
	}
	engine := search.NewEngine()
	store := postgres.NewStationStore(db)
	indexed := func(ss ...*station.Station) { engine.Apply(ss...) }
	partnerStore := postgres.NewPartnerStore(db)
	gate := partner.NewGate(partnerStore, nil, log)
	gate.CheckEachRequest = cfg.PartnerKeyCheckEachRequest
	partners := partner.NewService(partnerStore, nil)
	// A key this process revokes stops here before the admin's answer; the
	// other processes hear of it through NOTIFY.
	partners.Changed = func() {
		if err := gate.Reload(ctx); err != nil {
			gate.Changed()
		}
	}
	benefits := benefit.NewService(postgres.NewBenefitStore(db), benefit.Config{ClaimTTL: cfg.ClaimTTL, Log: log}, nil)
	notes, err := newNotifications(db, cfg)
	if err != nil {
		db.Close()
		return nil, err
	}
	var demand *coverage.Counter
	if cfg.DemandCounting {
		demand = coverage.NewCounter()
	}
	var photoDir *photo.Dir
	if cfg.Photos.Dir != "" {
		if photoDir, err = photo.OpenDir(cfg.Photos.Dir); err != nil {
			db.Close()
			return nil, fmt.Errorf("PHOTO_DIR: %w", err)
		}
	}
	return &app{
		notify:   notes,
		coverage: coverage.NewService(postgres.NewDemandStore(db), engine, cfg.Demand, nil),
		demand:   demand,
		db:       db,
		store:    store,
		// Every committed write reaches this process's index before the
		// request returns; other processes learn of it through the Syncer.
		stations: station.NewService(store, nil, indexed),
		truth:    truth.NewService(postgres.NewTruthStore(db), nil, indexed),
		auth:     authSvc,
		search:   engine,
		workers:  worker.NewService(postgres.NewWorkerStore(db), wx, authSvc, cfg.Workers, nil),
		benefits: benefits,
		// Activities and courses (issue 12 §1).
		activities: activity.NewService(postgres.NewActivityStore(db), nil),
		wishes:     wish.NewService(postgres.NewWishStore(db), nil),
		aid:        aid.NewService(postgres.NewAidStore(db), cfg.Aid, nil),
		photos:     photo.NewService(postgres.NewPhotoStore(db), photoDir, photo.NewProcessor(cfg.Photos.Limits), nil, indexed),
		standards:  standard.NewService(postgres.NewStandardStore(db), cfg.StarRule, nil, indexed),
		partners:   partners,
		gate:       gate,
	}, nil
}

// serve runs the API until ctx ends. When ready is not nil it receives the
// listening address.
func serve(ctx context.Context, cfg config, log *slog.Logger, ready chan<- string) error {
	if cfg.GCPercent != 0 {
		// The station records are a large, long-lived, pointer-rich heap that
		// every collection must mark, while requests allocate little that
		// lives. Collecting less often buys throughput and tail latency with
		// memory (see BENCHMARKS.md); GOGC, when set, wins.
		debug.SetGCPercent(cfg.GCPercent)
	}
	// Connections are capped below the file limit, so that accept never
	// fails for want of a descriptor.
	conns, err := cfg.connLimits(raiseFileLimit())
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.db.Close()
	// Passwords are hashed and checked in a child process at the lowest
	// CPU priority, out of this heap (internal/auth/hasher.go); it ends
	// with this process.
	hasher := auth.StartHasher(auth.HasherConfig{Workers: auth.LoginWorkers(auth.DefaultConfig), Log: log})
	defer hasher.Close()
	a.auth.UseHasher(hasher)
	if cfg.WeChat.AppID == "" {
		log.Warn("WECHAT_APPID is not set: mini-program login answers 503")
	}
	syncCtx, stopSync := context.WithCancel(ctx)
	defer stopSync()
	// Stars follow the rule in force (STAR_RULE may have changed).
	if n, err := a.standards.RecomputeStars(ctx); err != nil {
		log.Warn("could not bring star levels in line with STAR_RULE; they follow it from each station's next inspection or listing", "err", err)
	} else if n > 0 {
		log.Info("star levels rewritten for the rule in force", "stations", n)
	}
	syncer := &search.Syncer{Engine: a.search, Source: a.store, Log: log, Interval: cfg.ReconcileInterval}
	go syncer.Run(syncCtx)
	// Approved members get the welcome benefit; grants in flight finish
	// before the database closes.
	a.workers.OnApproved = a.benefits.WelcomeHook(log)
	defer a.benefits.WaitGrants()
	sweeper := &benefit.Sweeper{Service: a.benefits, Interval: cfg.ExpiryInterval, Log: log}
	go sweeper.Run(syncCtx)
	// Every process delivers the notification outbox (issue 12 section 4);
	// a send in flight is recorded before the database closes.
	delivering := make(chan struct{})
	go func() {
		defer close(delivering)
		a.notify.run(syncCtx, cfg, log)
	}()
	defer func() {
		stopSync()
		<-delivering
	}()
	// Demand counts are flushed every DEMAND_FLUSH_INTERVAL and once more
	// after the last request, before the database closes.
	flushCtx, stopFlush := context.WithCancel(context.Background())
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		(&coverage.Flusher{Counter: a.demand, Store: postgres.NewDemandStore(a.db), Interval: cfg.Demand.FlushInterval,
			Retention: cfg.Demand.Retention, Log: log}).Run(flushCtx)
	}()
	defer func() { stopFlush(); <-flushed }()
	if cfg.Photos.Dir == "" {
		log.Warn("PHOTO_DIR is not set: photo uploads answer 503")
	} else {
		photoSweeper := &photo.Sweeper{Service: a.photos, Interval: cfg.Photos.SweepInterval, Grace: cfg.Photos.OrphanGrace, Log: log}
		go photoSweeper.Run(syncCtx)
	}
	// Partner keys: loaded before the first request is accepted, then kept
	// fresh; on the way out the gate gives back the quota this process
	// reserved and did not use.
	if err := a.gate.Reload(ctx); err != nil {
		log.Warn("partner keys not loaded yet; keyed requests answer 503 until they are", "error", err)
	}
	gateDone := make(chan struct{})
	go func() { defer close(gateDone); a.gate.Run(syncCtx) }()
	defer func() { stopSync(); <-gateDone }()
	readyCheck := func(ctx context.Context) error {
		if !a.search.Loaded() {
			return errors.New("the search index is still loading")
		}
		return a.db.Ready(ctx)
	}
	reg := newRegistry(a)
	metrics := httpapi.NewMetrics(reg)
	h, err := httpapi.New(httpapi.Deps{
		Log:            log,
		Stations:       a.stations,
		Auth:           a.auth,
		Search:         a.search,
		Workers:        a.workers,
		Benefits:       a.benefits,
		Truth:          a.truth,
		Activities:     a.activities,
		Wishes:         a.wishes,
		Aid:            a.aid,
		Photos:         a.photos,
		PhotoBaseURL:   cfg.Photos.BaseURL,
		Standards:      a.standards,
		Feed:           a.store,
		Coverage:       a.coverage,
		Demand:         a.demand,
		Metrics:        metrics,
		MetricsApart:   cfg.MetricsAddr != "",
		Limits:         cfg.Limits,
		Ready:          readyCheck,
		TrustedProxies: cfg.TrustedProxies,
		Notify:         a.notify.service,
		Partners:       a.gate,
		PartnerMetrics: httpapi.NewPartnerMetrics(reg),
	})
	if err != nil {
		return err
	}
	root, err := withConsole(h, a, cfg, log)
	if err != nil {
		return err
	}
	if cfg.MetricsAddr == "" {
		return httpapi.Serve(ctx, cfg.Addr, root, log, cfg.ShutdownGrace, conns, ready)
	}
	// /metrics on a listener of its own, off the public port. When either
	// listener fails, both stop.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	metricsErr := make(chan error, 1)
	go func() {
		err := httpapi.Serve(ctx, cfg.MetricsAddr, mux, log.With("listener", "metrics"), cfg.ShutdownGrace, httpapi.ConnLimits{}, nil)
		cancel()
		metricsErr <- err
	}()
	err = httpapi.Serve(ctx, cfg.Addr, root, log, cfg.ShutdownGrace, conns, ready)
	cancel()
	if merr := <-metricsErr; err == nil && merr != nil {
		err = fmt.Errorf("METRICS_ADDR: %w", merr)
	}
	return err
}

// withConsole serves the staff console at /console/ beside the API, on the
// same services.
func withConsole(api http.Handler, a *app, cfg config, log *slog.Logger) (http.Handler, error) {
	clientAddr, err := httpapi.ClientAddr(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	c, err := console.New(console.Deps{
		Log:          log,
		Auth:         a.auth,
		Stations:     a.stations,
		Search:       a.search,
		Workers:      a.workers,
		Benefits:     a.benefits,
		Truth:        a.truth,
		Activities:   a.activities,
		Wishes:       a.wishes,
		Aid:          a.aid,
		Coverage:     a.coverage,
		Photos:       a.photos,
		PhotoBaseURL: cfg.Photos.BaseURL,
		Standards:    a.standards,
		Partners:     a.partners,
		ClientAddr:   clientAddr,
		Config:       cfg.Console,
		Notify: console.NotifyDeps{Status: a.notify.store.Status, Templates: cfg.Notify.Templates,
			Sending: a.notify.sender != nil},
	})
	if err != nil {
		return nil, err
	}
	// A plain prefix test rather than a ServeMux, which would clean and
	// redirect the API's paths.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, console.Prefix):
			c.ServeHTTP(w, r)
		case p == "/console" || p == "/":
			http.Redirect(w, r, console.Prefix, http.StatusSeeOther)
		default:
			api.ServeHTTP(w, r)
		}
	}), nil
}

func migrate(ctx context.Context, cfg config, log *slog.Logger) error {
	if err := cfg.requireDB(); err != nil {
		return err
	}
	return postgres.Migrate(ctx, cfg.DatabaseURL, log)
}
