package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/console"
	"yizhan/internal/httpapi"
	"yizhan/internal/postgres"
	"yizhan/internal/search"
	"yizhan/internal/station"
	"yizhan/internal/truth"
	"yizhan/internal/wechat"
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
	benefits := benefit.NewService(postgres.NewBenefitStore(db), benefit.Config{ClaimTTL: cfg.ClaimTTL, Log: log}, nil)
	return &app{
		db:    db,
		store: store,
		// Every committed write reaches this process's index before the
		// request returns; other processes learn of it through the Syncer.
		stations: station.NewService(store, nil, indexed),
		truth:    truth.NewService(postgres.NewTruthStore(db), nil, indexed),
		auth:     authSvc,
		search:   engine,
		workers:  worker.NewService(postgres.NewWorkerStore(db), wx, authSvc, cfg.Workers, nil),
		benefits: benefits,
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
	// Password checks run on threads of their own at the lowest CPU
	// priority, each holding a P meanwhile: one more P per login slot
	// leaves serving every core it had during a login flood (see
	// internal/auth/hashthread.go). An explicit GOMAXPROCS, when set, wins.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(auth.ServingProcs(auth.DefaultConfig))
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
	if cfg.WeChat.AppID == "" {
		log.Warn("WECHAT_APPID is not set: mini-program login answers 503")
	}
	syncCtx, stopSync := context.WithCancel(ctx)
	defer stopSync()
	syncer := &search.Syncer{Engine: a.search, Source: a.store, Log: log, Interval: cfg.ReconcileInterval}
	go syncer.Run(syncCtx)
	// Approved members get the welcome benefit; grants in flight finish
	// before the database closes.
	a.workers.OnApproved = a.benefits.WelcomeHook(log)
	defer a.benefits.WaitGrants()
	sweeper := &benefit.Sweeper{Service: a.benefits, Interval: cfg.ExpiryInterval, Log: log}
	go sweeper.Run(syncCtx)
	readyCheck := func(ctx context.Context) error {
		if !a.search.Loaded() {
			return errors.New("the search index is still loading")
		}
		return a.db.Ready(ctx)
	}
	metrics := httpapi.NewMetrics(newRegistry(a))
	h, err := httpapi.New(httpapi.Deps{
		Log:            log,
		Stations:       a.stations,
		Auth:           a.auth,
		Search:         a.search,
		Workers:        a.workers,
		Benefits:       a.benefits,
		Truth:          a.truth,
		Feed:           a.store,
		Metrics:        metrics,
		MetricsApart:   cfg.MetricsAddr != "",
		Limits:         cfg.Limits,
		Ready:          readyCheck,
		TrustedProxies: cfg.TrustedProxies,
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
		Log:        log,
		Auth:       a.auth,
		Stations:   a.stations,
		Search:     a.search,
		Workers:    a.workers,
		Benefits:   a.benefits,
		Truth:      a.truth,
		ClientAddr: clientAddr,
		Config:     cfg.Console,
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
