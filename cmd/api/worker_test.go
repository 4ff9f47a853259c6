package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"yizhan/internal/pgtest"
)

// getJSON GETs url with a bearer token and decodes the answer into v.
func getJSON(t *testing.T, url, token string, v any) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil && res.StatusCode == 200 {
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode
}

// `api worker token --openid demo-rider` prints a token that the served API
// accepts, for the same worker every time; and the served API signs workers
// in through the WeChat named by WECHAT_API_BASE.
func TestWorkerTokenCommandAndWechatLogin(t *testing.T) {
	t.Parallel()
	const secret = "SECRET-0cc175b9c0f1b6a831c399e269772661"
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/sns/jscode2session" || q.Get("appid") != "wxdemo" || q.Get("secret") != secret {
			fmt.Fprint(w, `{"errcode":40125,"errmsg":"invalid appsecret"}`)
			return
		}
		fmt.Fprintf(w, `{"openid":%q,"session_key":"SESSIONKEY-xyz"}`, "o-"+q.Get("js_code"))
	}))
	defer fake.Close()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "LOG_LEVEL": "info",
		"WECHAT_API_BASE": fake.URL, "WECHAT_APPID": "wxdemo", "WECHAT_SECRET": secret}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var logs bytes.Buffer
	if err := run(ctx, []string{"migrate"}, getenv, nil, &logs, &logs); err != nil {
		t.Fatal(err)
	}
	token := func() string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, []string{"worker", "token", "--openid", "demo-rider"}, getenv, nil, &out, &logs); err != nil {
			t.Fatalf("worker token: %v", err)
		}
		tok := strings.TrimSpace(out.String())
		if !strings.HasPrefix(tok, "yzw_") || len(tok) != 47 || strings.Count(out.String(), "\n") != 1 {
			t.Fatalf("worker token printed %q, want one yzw_ token", out.String())
		}
		return tok
	}
	first, second := token(), token()

	base := startServer(t, env)
	var me1, me2 struct{ ID string }
	if s := getJSON(t, base+"/v1/me", first, &me1); s != 200 {
		t.Fatalf("GET /v1/me with the printed token: %d", s)
	}
	if getJSON(t, base+"/v1/me", second, &me2); me1.ID != me2.ID || me1.ID == "" {
		t.Errorf("two tokens for demo-rider name workers %q and %q", me1.ID, me2.ID)
	}

	res := postJSON(t, base+"/v1/auth/wechat/login", "", `{"code":"abc"}`)
	var in struct {
		Token string
		IsNew bool `json:"is_new"`
	}
	if err := json.NewDecoder(res.Body).Decode(&in); err != nil || res.StatusCode != 200 || !in.IsNew {
		t.Fatalf("wechat login: %d %+v %v", res.StatusCode, in, err)
	}
	res.Body.Close()
	if s := getJSON(t, base+"/v1/me", in.Token, nil); s != 200 {
		t.Errorf("GET /v1/me after a WeChat login: %d", s)
	}
	for _, leak := range []string{first, second, in.Token, secret, "SESSIONKEY-xyz"} {
		if strings.Contains(logs.String(), leak) {
			t.Errorf("the command's logs contain %q", leak)
		}
	}

	for _, args := range [][]string{
		{"worker"},
		{"worker", "token"},
		{"worker", "token", "--openid", ""},
		{"worker", "token", "--openid", "has space"},
		{"worker", "token", "--unionid", "x"},
		{"worker", "revoke", "--openid", "demo-rider"},
	} {
		if err := run(ctx, args, getenv, nil, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("api %s succeeded", strings.Join(args, " "))
		}
	}
}

// Without WECHAT_APPID the service runs and mini-program login answers 503;
// a half or bad WeChat configuration is refused at start.
func TestWechatConfiguration(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "LOG_LEVEL": "error"}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	base := startServer(t, env)
	res := postJSON(t, base+"/v1/auth/wechat/login", "", `{"code":"abc"}`)
	res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" {
		t.Errorf("login without WeChat configured: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	const secret = "SECRET-92eb5ffee6ae2fec3ad71c777531578f"
	for _, bad := range []map[string]string{
		{"WECHAT_APPID": "wxdemo"},
		{"WECHAT_SECRET": secret},
		{"WECHAT_APPID": "wxdemo", "WECHAT_SECRET": secret, "WECHAT_API_BASE": "api.weixin.qq.com"},
	} {
		bad["DATABASE_URL"] = "x"
		err := run(context.Background(), []string{"serve"}, func(k string) string { return bad[k] }, nil, &out, &out)
		if err == nil {
			t.Errorf("serve started with %v", bad)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}
