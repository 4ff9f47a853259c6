package main

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"yizhan/internal/aid"
	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/console"
	"yizhan/internal/coverage"
	"yizhan/internal/geo"
	"yizhan/internal/httpapi"
	"yizhan/internal/photo"
	"yizhan/internal/standard"
	"yizhan/internal/wechat"
	"yizhan/internal/worker"
)

// config is everything the environment may set. README.md documents each.
type config struct {
	DatabaseURL    string        // DATABASE_URL (required)
	Addr           string        // API_ADDR, default 127.0.0.1:8080
	LogLevel       slog.Level    // LOG_LEVEL: debug, info (default), warn, error
	TrustedProxies []string      // TRUSTED_PROXIES: comma-separated CIDRs whose X-Forwarded-For is believed
	ShutdownGrace  time.Duration // SHUTDOWN_GRACE, default 10s
	// ReconcileInterval bounds how stale the search index can get when a
	// change notification is lost: SEARCH_RECONCILE_INTERVAL, default 2s.
	ReconcileInterval time.Duration
	// Limits: RATE_LIMIT_PUBLIC (per address, default 20:40), RATE_LIMIT_TOKEN
	// (per token, default 10:30), RATE_LIMIT_LOGIN (per address on logins,
	// default 1:20); each RATE:BURST or off.
	Limits httpapi.RateLimits
	// GCPercent is the garbage collector's target for `serve`: 400 unless
	// the standard GOGC variable is set (then 0: leave the runtime alone).
	GCPercent int
	// WeChat is the mini-program whose users may sign in: WECHAT_API_BASE
	// (default https://api.weixin.qq.com), WECHAT_APPID and WECHAT_SECRET.
	// Without an app id mini-program login answers 503.
	WeChat wechat.Config
	// ClaimTTL is how long a benefit claim waits to be collected before it
	// expires and its stock returns: BENEFIT_CLAIM_TTL, default 168h.
	ClaimTTL time.Duration
	// ExpiryInterval is how often the sweeper expires overdue claims:
	// BENEFIT_EXPIRY_INTERVAL, default 1m.
	ExpiryInterval time.Duration
	// MetricsAddr, when set, is where /metrics is served instead of
	// API_ADDR: METRICS_ADDR, default none (served on API_ADDR).
	MetricsAddr string
	// Workers tunes mini-program sign-in: WORKER_LOGINS_PER_ADDR (default
	// 60) logins per client address per 10 minutes.
	Workers worker.Config
	// MaxConns caps the connections held at once: MAX_CONNS, by default
	// derived from the open-file limit (0 here); MaxConnsPerAddr caps them
	// per client address: MAX_CONNS_PER_ADDR, default 256.
	MaxConns        int
	MaxConnsPerAddr int
	// TOTPRequired says which staff must sign in with a second factor:
	// STAFF_TOTP_REQUIRED, "" (none) or "admins".
	TOTPRequired auth.TOTPPolicy
	// Console is the staff console's set-up: CONSOLE_SECURE_COOKIE (true
	// behind HTTPS), CONSOLE_TILE_URL (a Leaflet URL template; "none" for
	// a plain background; AutoNavi's GCJ-02 street map by default),
	// CONSOLE_TILE_SUBDOMAINS (what {s} takes, default 1234) and
	// CONSOLE_TILE_CRS (gcj02, the default, or wgs84).
	Console console.Config
	// Aid tunes hardship aid: AID_SECOND_REVIEW_YUAN (default 2000), the
	// amount above which an approval needs a second one.
	Aid aid.Config
	// Notify is how workers hear of events through WeChat subscribe
	// messages: WECHAT_TEMPLATES or WECHAT_TEMPLATES_FILE,
	// WECHAT_MINIPROGRAM_STATE and NOTIFY_* (cmd/api/notify.go).
	Notify notifyConfig
	// Demand is how searches are counted and shown (issue 13):
	// DEMAND_FLUSH_INTERVAL (default 1m), DEMAND_MIN_COUNT (default 5),
	// DEMAND_RETENTION (default 400 days, as 9600h), and DemandCounting,
	// DEMAND_COUNTING (on, the default, or off: searches are not counted).
	Demand         coverage.Config
	DemandCounting bool
	// Photos are the station photos' set-up (issue 15 §1): PHOTO_DIR (no
	// default: unset, uploads answer 503), PHOTO_BASE_URL, PHOTO_MAX_PIXELS
	// (40000000), PHOTO_DECODES (the number of CPUs), PHOTO_SWEEP_INTERVAL
	// (1h) and PHOTO_ORPHAN_GRACE (1h).
	Photos photoConfig
	// StarRule turns inspections and map listings into star levels:
	// STAR_RULE, a JSON rule (see standard.ParseRule); standard.DefaultRule
	// when unset. Each process rewrites the stars the rule changes at start.
	StarRule standard.Rule
	// Partner access (issue 15 §3). PartnerKeyCheckEachRequest, from
	// PARTNER_KEY_CHECK_EACH_REQUEST=true, makes every keyed request ask
	// PostgreSQL whether its key still stands, instead of trusting the
	// in-memory map (NOTIFY and a 2 s reload keep it fresh): a measuring
	// knob, to show what the map saves (BENCHMARKS.md).
	PartnerKeyCheckEachRequest bool
}

// photoConfig is where station photos are kept and what an upload may cost.
type photoConfig struct {
	Dir           string
	BaseURL       string
	Limits        photo.Limits
	SweepInterval time.Duration
	OrphanGrace   time.Duration
}

func loadPhotoConfig(c *photoConfig, getenv func(string) string) error {
	c.Dir, c.BaseURL = getenv("PHOTO_DIR"), getenv("PHOTO_BASE_URL")
	c.Limits = photo.DefaultLimits
	c.SweepInterval, c.OrphanGrace = time.Hour, time.Hour
	for _, n := range []struct {
		env string
		to  *int
	}{{"PHOTO_MAX_PIXELS", &c.Limits.MaxPixels}, {"PHOTO_DECODES", &c.Limits.Decodes}} {
		if v := getenv(n.env); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 1 {
				return fmt.Errorf("%s: %q is not a positive whole number", n.env, v)
			}
			*n.to = i
		}
	}
	for _, d := range []struct {
		env string
		to  *time.Duration
	}{{"PHOTO_SWEEP_INTERVAL", &c.SweepInterval}, {"PHOTO_ORPHAN_GRACE", &c.OrphanGrace}} {
		if v := getenv(d.env); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				return fmt.Errorf("%s: %q is not a positive duration such as 1h", d.env, v)
			}
			*d.to = t
		}
	}
	return nil
}

func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DatabaseURL:       getenv("DATABASE_URL"),
		Addr:              getenv("API_ADDR"),
		ShutdownGrace:     10 * time.Second,
		ReconcileInterval: 2 * time.Second,
		ClaimTTL:          benefit.DefaultConfig.ClaimTTL,
		ExpiryInterval:    time.Minute,
		MetricsAddr:       getenv("METRICS_ADDR"),
		Workers:           worker.DefaultConfig,
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if err := c.LogLevel.UnmarshalText([]byte(orDefault(getenv("LOG_LEVEL"), "info"))); err != nil {
		return c, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	if v := getenv("TRUSTED_PROXIES"); v != "" {
		for _, p := range strings.Split(v, ",") {
			c.TrustedProxies = append(c.TrustedProxies, strings.TrimSpace(p))
		}
	}
	if v := getenv("SHUTDOWN_GRACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return c, fmt.Errorf("SHUTDOWN_GRACE: %q is not a duration such as 10s", v)
		}
		c.ShutdownGrace = d
	}
	for _, l := range []struct {
		env, def string
		dst      *httpapi.Rate
	}{
		{"RATE_LIMIT_PUBLIC", "20:40", &c.Limits.Public},
		{"RATE_LIMIT_TOKEN", "10:30", &c.Limits.Token},
		{"RATE_LIMIT_LOGIN", "1:20", &c.Limits.Login},
	} {
		r, err := httpapi.ParseRate(orDefault(getenv(l.env), l.def))
		if err != nil {
			return c, fmt.Errorf("%s: %w", l.env, err)
		}
		*l.dst = r
	}
	c.WeChat = wechat.Config{BaseURL: orDefault(getenv("WECHAT_API_BASE"), wechat.DefaultBaseURL), AppID: getenv("WECHAT_APPID"), Secret: getenv("WECHAT_SECRET")}
	if c.WeChat.AppID != "" || c.WeChat.Secret != "" {
		if _, err := wechat.New(c.WeChat); err != nil {
			return c, err
		}
	}
	if getenv("GOGC") == "" {
		c.GCPercent = 400
	}
	if v := getenv("SEARCH_RECONCILE_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SEARCH_RECONCILE_INTERVAL: %q is not a positive duration such as 2s", v)
		}
		c.ReconcileInterval = d
	}
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{
		{"BENEFIT_CLAIM_TTL", &c.ClaimTTL},
		{"BENEFIT_EXPIRY_INTERVAL", &c.ExpiryInterval},
	} {
		if v := getenv(d.env); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				return c, fmt.Errorf("%s: %q is not a positive duration such as 1m", d.env, v)
			}
			*d.dst = x
		}
	}
	if v := getenv("WORKER_LOGINS_PER_ADDR"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return c, fmt.Errorf("WORKER_LOGINS_PER_ADDR: %q is not a positive number of logins such as 60", v)
		}
		c.Workers.LoginsPerAddr = n
	}
	c.Aid = aid.DefaultConfig
	if v := getenv("AID_SECOND_REVIEW_YUAN"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > aid.MaxAmountYuan {
			return c, fmt.Errorf("AID_SECOND_REVIEW_YUAN: %q is not an amount of yuan such as 2000", v)
		}
		c.Aid.SecondReviewYuan = n
	}
	if c.MetricsAddr != "" && c.MetricsAddr == c.Addr {
		return c, fmt.Errorf("METRICS_ADDR: %q is API_ADDR too; leave it unset to serve /metrics there", c.MetricsAddr)
	}
	var ok bool
	if c.TOTPRequired, ok = auth.ParseTOTPPolicy(getenv("STAFF_TOTP_REQUIRED")); !ok {
		return c, fmt.Errorf("STAFF_TOTP_REQUIRED: %q is neither admins nor off", getenv("STAFF_TOTP_REQUIRED"))
	}
	var err error
	if c.MaxConns, err = parseConnCap(getenv, "MAX_CONNS", 0); err != nil {
		return c, err
	}
	if c.MaxConnsPerAddr, err = parseConnCap(getenv, "MAX_CONNS_PER_ADDR", defaultMaxConnsPerAddr); err != nil {
		return c, err
	}
	if err := loadPhotoConfig(&c.Photos, getenv); err != nil {
		return c, err
	}
	if err := loadConsoleConfig(&c.Console, getenv); err != nil {
		return c, err
	}
	if err := loadNotifyConfig(&c.Notify, c.WeChat, getenv); err != nil {
		return c, err
	}
	if err := loadDemandConfig(&c, getenv); err != nil {
		return c, err
	}
	c.StarRule = standard.DefaultRule
	if v := getenv("STAR_RULE"); v != "" {
		if c.StarRule, err = standard.ParseRule(v); err != nil {
			return c, fmt.Errorf("STAR_RULE: %w", err)
		}
	}
	switch v := getenv("PARTNER_KEY_CHECK_EACH_REQUEST"); v {
	case "", "false":
	case "true":
		c.PartnerKeyCheckEachRequest = true
	default:
		return c, fmt.Errorf("PARTNER_KEY_CHECK_EACH_REQUEST: %q is not true or false", v)
	}
	return c, nil
}

// loadDemandConfig reads the DEMAND_* variables (issue 13).
func loadDemandConfig(c *config, getenv func(string) string) error {
	c.Demand = coverage.DefaultConfig
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{
		{"DEMAND_FLUSH_INTERVAL", &c.Demand.FlushInterval},
		{"DEMAND_RETENTION", &c.Demand.Retention},
	} {
		if v := getenv(d.env); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				return fmt.Errorf("%s: %q is not a positive duration such as 1m or 9600h", d.env, v)
			}
			*d.dst = x
		}
	}
	if v := getenv("DEMAND_MIN_COUNT"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fmt.Errorf("DEMAND_MIN_COUNT: %q is not a positive number such as 5", v)
		}
		c.Demand.MinCount = n
	}
	switch v := getenv("DEMAND_COUNTING"); v {
	case "", "on":
		c.DemandCounting = true
	case "off":
	default:
		return fmt.Errorf("DEMAND_COUNTING: %q is not on or off", v)
	}
	return nil
}

func loadConsoleConfig(c *console.Config, getenv func(string) string) error {
	switch v := getenv("CONSOLE_SECURE_COOKIE"); v {
	case "", "false":
	case "true":
		c.SecureCookie = true
	default:
		return fmt.Errorf("CONSOLE_SECURE_COOKIE: %q is not true or false", v)
	}
	c.TileURL = orDefault(getenv("CONSOLE_TILE_URL"), console.DefaultTileURL)
	if c.TileURL == "none" {
		c.TileURL = ""
	}
	if c.TileURL != "" && !strings.HasPrefix(c.TileURL, "https://") && !strings.HasPrefix(c.TileURL, "http://") {
		return fmt.Errorf("CONSOLE_TILE_URL: %q is not an http(s) URL template such as https://tile.example/{z}/{x}/{y}.png, nor none", c.TileURL)
	}
	c.TileSubdomains = orDefault(getenv("CONSOLE_TILE_SUBDOMAINS"), console.DefaultTileSubdomains)
	switch v := orDefault(getenv("CONSOLE_TILE_CRS"), "gcj02"); v {
	case "gcj02":
		c.TileCRS = geo.GCJ02
	case "wgs84":
		c.TileCRS = geo.WGS84
	default:
		return fmt.Errorf("CONSOLE_TILE_CRS: %q is not gcj02 or wgs84", v)
	}
	return nil
}

func (c config) requireDB() error {
	if c.DatabaseURL == "" {
		return fmt.Errorf("DATABASE_URL is not set; for make run's local database: export DATABASE_URL='postgres://postgres@127.0.0.1:54329/yizhan?sslmode=disable' (54329, or your DEV_PG_PORT)")
	}
	return nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
