package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/wechat/wechattest"
)

const notifyTemplatesJSON = `{
  "report_resolved": {"template_id": "tplReport", "page": "pages/reports/index",
    "data": {"thing1": "station", "phrase2": "result", "thing3": "note"}}
}`

// Notification settings are checked at start: a mistake stops the server
// with a sentence naming the variable.
func TestNotifyConfiguration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "templates.json")
	if err := os.WriteFile(file, []byte(notifyTemplatesJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	wx := map[string]string{"WECHAT_APPID": "wxdemo", "WECHAT_SECRET": "SECRET-x"}
	with := func(kv ...string) map[string]string {
		m := mapsClone(wx)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		env  map[string]string
		want string // "" for accepted
	}{
		{with(), ""},
		{with("WECHAT_TEMPLATES", notifyTemplatesJSON), ""},
		{with("WECHAT_TEMPLATES_FILE", file), ""},
		{with("WECHAT_TEMPLATES", notifyTemplatesJSON, "WECHAT_TEMPLATES_FILE", file), "both set"},
		{with("WECHAT_TEMPLATES_FILE", filepath.Join(dir, "missing.json")), "WECHAT_TEMPLATES_FILE"},
		{with("WECHAT_TEMPLATES", `{"report_resolve": {"template_id": "a", "data": {"thing1": "station"}}}`), `"report_resolve" is not an event`},
		{with("WECHAT_TEMPLATES", `{"report_resolved": {"template_id": "a", "data": {"thing1": "title"}}}`), `names "title"`},
		{with("WECHAT_TEMPLATES", `not json`), "WECHAT_TEMPLATES"},
		{map[string]string{"WECHAT_TEMPLATES": notifyTemplatesJSON}, "needs WECHAT_APPID"},
		{with("WECHAT_MINIPROGRAM_STATE", "beta"), "WECHAT_MINIPROGRAM_STATE"},
		{with("NOTIFY_RETRY_BASE", "0s"), "NOTIFY_RETRY_BASE"},
		{with("NOTIFY_RETRY_BASE", "1h", "NOTIFY_RETRY_MAX", "1m"), "shorter than"},
		{with("NOTIFY_CONCURRENCY", "0"), "NOTIFY_CONCURRENCY"},
		{with("NOTIFY_INTERVAL", "soon"), "NOTIFY_INTERVAL"},
	} {
		c, err := loadConfig(func(k string) string { return tc.env[k] })
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: err = %v, want it to say %q", tc.env, err, tc.want)
		case tc.want == "" && tc.env["WECHAT_TEMPLATES_FILE"] != "" && c.Notify.Templates["report_resolved"].TemplateID != "tplReport":
			t.Errorf("the file was not read: %+v", c.Notify.Templates)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET-x") {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

// Two API processes with WeChat configured deliver an event written into
// the outbox once, through the fake WeChat; /metrics counts it by result and
// shows the outbox's age; no log line holds the message's words or the
// worker's openid.
func TestNotificationsThroughTheBinary(t *testing.T) {
	t.Parallel()
	fake := wechattest.New("wxdemo", "SECRET-8277e0910d750195b448797616e091ad")
	defer fake.Close()
	db := pgtest.NewDatabase(t)
	env := map[string]string{"DATABASE_URL": db, "LOG_LEVEL": "debug",
		"WECHAT_API_BASE": fake.URL(), "WECHAT_APPID": "wxdemo", "WECHAT_SECRET": "SECRET-8277e0910d750195b448797616e091ad",
		"WECHAT_TEMPLATES": notifyTemplatesJSON, "NOTIFY_INTERVAL": "20ms", "NOTIFY_RETRY_BASE": "50ms", "NOTIFY_RETRY_MAX": "200ms"}
	ctx := context.Background()
	logs := &syncBuffer{}
	getenv := func(k string) string { return env[k] }
	if err := run(ctx, []string{"migrate"}, getenv, nil, logs, logs); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"worker", "token", "--openid", "oBinaryRider"}, getenv, nil, &out, logs); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	bases := []string{startLogged(t, env, logs), startLogged(t, env, logs)}

	res := postJSON(t, bases[1]+"/v1/me/subscriptions", token, `{"template_ids":["tplReport"]}`)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"remaining":1`) {
		t.Fatalf("subscribe: %d %s", res.StatusCode, body)
	}
	// During an outage the message waits and the outbox ages; after it, it
	// arrives once.
	fake.SetOutage(wechattest.Busy)
	pool, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Pool.Exec(ctx, `INSERT INTO notification_outbox (worker_id, event, dedup_key, data)
		SELECT id, 'report_resolved', 'report_resolved:binary', '{"station": "浦阳街道快递驿站", "result": "已处理", "note": "热水器已修好"}'
		FROM workers WHERE openid = 'oBinaryRider'`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fake.Stats().ByErrcode[-1] < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if age := metric(t, bases[0], "yizhan_notification_outbox_age_seconds"); age <= 0 {
		t.Errorf("during the outage the outbox age is %v", age)
	}
	if n := metric(t, bases[0], "yizhan_notification_outbox_pending"); n != 1 {
		t.Errorf("during the outage %v messages pending, want 1", n)
	}
	fake.SetOutage(wechattest.Up)
	for len(fake.Sent()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // time for a second send, were there one
	if sent := fake.Sent(); len(sent) != 1 || sent[0].Data["thing3"] != "热水器已修好" || sent[0].ToUser != "oBinaryRider" {
		t.Fatalf("sent %+v, want the one message", sent)
	}
	var sentTotal, retries float64
	for _, b := range bases {
		sentTotal += metric(t, b, `yizhan_notifications_total{result="sent"}`)
		retries += metric(t, b, `yizhan_notifications_total{result="retry"}`)
	}
	if sentTotal != 1 || retries < 2 {
		t.Errorf("the processes count %v sent and %v retries, want 1 and at least 2", sentTotal, retries)
	}
	if age := metric(t, bases[1], "yizhan_notification_outbox_age_seconds"); age != 0 {
		t.Errorf("after delivery the outbox age is %v, want 0", age)
	}
	for _, secret := range []string{"热水器", "浦阳街道", "oBinaryRider", "SECRET-8277e", "ACCESS_TOKEN"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
	if !strings.Contains(logs.String(), "send failed; will retry") {
		t.Errorf("the logs do not say the sends failed:\n%s", logs)
	}
}

// startLogged starts a server on env whose logs go to logs.
func startLogged(t *testing.T, env map[string]string, logs io.Writer) string {
	t.Helper()
	env = mapsClone(env)
	env["API_ADDR"] = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, logs, logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	base := "http://" + env["API_ADDR"]
	waitReady(t, base+"/readyz")
	return base
}

// metric reads one sample from a server's /metrics.
func metric(t *testing.T, base, name string) float64 {
	t.Helper()
	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("/metrics has no %s", name)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(fmt.Errorf("%s: %w", name, err))
	}
	return v
}
