package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"yizhan/internal/notify"
	"yizhan/internal/postgres"
	"yizhan/internal/wechat"
)

// notifyConfig is how workers are notified through WeChat subscribe
// messages (issue 12 section 4). README.md documents each variable.
type notifyConfig struct {
	// Templates: WECHAT_TEMPLATES (JSON) or WECHAT_TEMPLATES_FILE (a path
	// to the same JSON); event → {template_id, page, data}.
	Templates notify.Templates
	// State: WECHAT_MINIPROGRAM_STATE, formal (default), trial or developer.
	State string
	// The deliverer's rhythm: NOTIFY_INTERVAL (1s), NOTIFY_RETRY_BASE
	// (30s), NOTIFY_RETRY_MAX (30m), NOTIFY_MAX_AGE (24h) and
	// NOTIFY_CONCURRENCY (4).
	Interval, RetryBase, RetryMax, MaxAge time.Duration
	Concurrency                           int
}

func loadNotifyConfig(c *notifyConfig, wx wechat.Config, getenv func(string) string) error {
	raw, file := getenv("WECHAT_TEMPLATES"), getenv("WECHAT_TEMPLATES_FILE")
	var src []byte
	switch {
	case raw != "" && file != "":
		return fmt.Errorf("WECHAT_TEMPLATES and WECHAT_TEMPLATES_FILE are both set; set one")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("WECHAT_TEMPLATES_FILE: %w", err)
		}
		src = b
	default:
		src = []byte(raw)
	}
	t, err := notify.ParseTemplates(src)
	if err != nil {
		return fmt.Errorf("WECHAT_TEMPLATES: %w", err)
	}
	c.Templates = t
	if len(t) > 0 && wx.AppID == "" {
		return fmt.Errorf("WECHAT_TEMPLATES needs WECHAT_APPID and WECHAT_SECRET: the messages are sent as the mini-program")
	}
	c.State = orDefault(getenv("WECHAT_MINIPROGRAM_STATE"), "formal")
	if c.State != "formal" && c.State != "trial" && c.State != "developer" {
		return fmt.Errorf("WECHAT_MINIPROGRAM_STATE: %q is not formal, trial or developer", c.State)
	}
	c.Interval, c.RetryBase, c.RetryMax, c.MaxAge, c.Concurrency = time.Second, 30*time.Second, 30*time.Minute, 24*time.Hour, 4
	for _, d := range []struct {
		env string
		dst *time.Duration
	}{
		{"NOTIFY_INTERVAL", &c.Interval},
		{"NOTIFY_RETRY_BASE", &c.RetryBase},
		{"NOTIFY_RETRY_MAX", &c.RetryMax},
		{"NOTIFY_MAX_AGE", &c.MaxAge},
	} {
		if v := getenv(d.env); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				return fmt.Errorf("%s: %q is not a positive duration such as 30s", d.env, v)
			}
			*d.dst = x
		}
	}
	if c.RetryMax < c.RetryBase {
		return fmt.Errorf("NOTIFY_RETRY_MAX (%v) is shorter than NOTIFY_RETRY_BASE (%v)", c.RetryMax, c.RetryBase)
	}
	if v := getenv("NOTIFY_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 64 {
			return fmt.Errorf("NOTIFY_CONCURRENCY: %q is not a number of sends in flight from 1 to 64", v)
		}
		c.Concurrency = n
	}
	return nil
}

// notifications is the wiring of notifications in one process.
type notifications struct {
	store    *postgres.NotifyStore
	service  *notify.Service // nil without WeChat
	sender   *wechat.Messenger
	messages *prometheus.CounterVec
}

func newNotifications(db *postgres.DB, cfg config) (*notifications, error) {
	n := &notifications{
		store: postgres.NewNotifyStore(db),
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "yizhan_notifications_total",
			Help: "Notification messages by result, as this process delivered them: sent, or dropped (no_template, no_acceptance, unsubscribed, erased, rejected, expired), and failed attempts to be retried (retry).",
		}, []string{"result"}),
	}
	for _, r := range notify.Results {
		n.messages.WithLabelValues(string(r))
	}
	if cfg.WeChat.AppID == "" {
		return n, nil
	}
	sender, err := wechat.NewMessenger(cfg.WeChat, postgres.NewWeChatTokenStore(db), cfg.Notify.State, nil)
	if err != nil {
		return nil, err
	}
	n.sender = sender
	n.service = &notify.Service{Store: n.store, Templates: cfg.Notify.Templates}
	return n, nil
}

// run delivers the outbox until ctx ends; every API process runs one.
// Without WeChat nothing is delivered and the messages wait.
func (n *notifications) run(ctx context.Context, cfg config, log *slog.Logger) {
	if n.sender == nil {
		log.Warn("WECHAT_APPID is not set: notifications are not sent, and dropped after NOTIFY_MAX_AGE")
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if err := notify.Tidy(ctx, n.store, time.Now(), cfg.Notify.MaxAge, log); err != nil && ctx.Err() == nil {
				log.Warn("notifications: tidying the outbox failed", "error", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
	if len(cfg.Notify.Templates) == 0 {
		log.Warn("WECHAT_TEMPLATES is not set: every notification is dropped as no_template")
	}
	d := &notify.Deliverer{
		Store: n.store, Sender: n.sender, Templates: cfg.Notify.Templates, Log: log,
		Observe:  func(r notify.Result) { n.messages.WithLabelValues(string(r)).Inc() },
		Interval: cfg.Notify.Interval, RetryBase: cfg.Notify.RetryBase, RetryMax: cfg.Notify.RetryMax,
		MaxAge: cfg.Notify.MaxAge, Concurrency: cfg.Notify.Concurrency,
	}
	d.Run(ctx)
}

// collectors are the notification metrics: messages by result, and the
// outbox's backlog and the age of its oldest undelivered message.
func (n *notifications) collectors() []prometheus.Collector {
	stats := func() (int, time.Time) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		pending, oldest, err := n.store.OutboxStats(ctx)
		if err != nil {
			return -1, time.Time{}
		}
		return pending, oldest
	}
	return []prometheus.Collector{
		n.messages,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_notification_outbox_pending", Help: "Notification messages waiting for delivery (-1: the database did not answer).",
		}, func() float64 { p, _ := stats(); return float64(p) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "yizhan_notification_outbox_age_seconds", Help: "Age of the oldest notification message waiting for delivery; 0 when none waits.",
		}, func() float64 {
			_, oldest := stats()
			if oldest.IsZero() {
				return 0
			}
			return time.Since(oldest).Seconds()
		}),
	}
}
