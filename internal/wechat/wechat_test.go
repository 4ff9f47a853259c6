package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"yizhan/internal/apperr"
	"yizhan/internal/worker"
)

const (
	appID  = "wx0123456789abcdef"
	secret = "SECRET-9e107d9d372bb6826bd81d3542a419d6"
)

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{AppID: appID, Secret: secret}, true},
		{"no secret", Config{AppID: appID}, false},
		{"no app id", Config{Secret: secret}, false},
		{"relative base", Config{BaseURL: "api.weixin.qq.com", AppID: appID, Secret: secret}, false},
		{"ftp base", Config{BaseURL: "ftp://api.weixin.qq.com", AppID: appID, Secret: secret}, false},
		{"base with a query", Config{BaseURL: "https://x.example/?a=1", AppID: appID, Secret: secret}, false},
	} {
		c, err := New(tc.cfg)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the secret", tc.name)
		}
		if tc.name == "defaults" && (c.endpoint != DefaultBaseURL+"/sns/jscode2session" || c.timeout != 3*time.Second) {
			t.Errorf("defaults: endpoint %q, timeout %v", c.endpoint, c.timeout)
		}
	}
	if s := fmt.Sprint(Config{AppID: appID, Secret: secret}); strings.Contains(s, secret) {
		t.Errorf("a printed Config shows the secret: %s", s)
	}
}

func TestCode2SessionRequest(t *testing.T) {
	t.Parallel()
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		fmt.Fprint(w, `{"openid":"oX","session_key":"k","unionid":"uX"}`)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/", AppID: appID, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.Code2Session(context.Background(), "0a3&b=c+d")
	if err != nil {
		t.Fatal(err)
	}
	if id != (worker.Identity{OpenID: "oX", UnionID: "uX"}) {
		t.Errorf("identity = %+v", id)
	}
	want := url.Values{"appid": {appID}, "secret": {secret}, "js_code": {"0a3&b=c+d"}, "grant_type": {"authorization_code"}}
	if got.Method != "GET" || got.URL.Path != "/sns/jscode2session" || got.URL.Query().Encode() != want.Encode() {
		t.Errorf("request %s %s", got.Method, got.URL)
	}
}

// Neither the secret nor the code ever reaches an error, which is logged.
func TestErrorsHideSecretAndCode(t *testing.T) {
	t.Parallel()
	const code = "CODE-4f3c2a"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"errcode":40125,"errmsg":"invalid appsecret %s for code %s"}`, r.URL.Query().Get("secret"), r.URL.Query().Get("js_code"))
	}))
	c, err := New(Config{BaseURL: srv.URL, AppID: appID, Secret: secret, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, echoed := c.Code2Session(context.Background(), code)
	srv.Close()
	_, unreachable := c.Code2Session(context.Background(), code) // the server is gone
	for name, err := range map[string]error{"echoed errmsg": echoed, "unreachable": unreachable} {
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Unavailable || e.RetryAfter <= 0 {
			t.Errorf("%s: %v, want unavailable with Retry-After", name, err)
			continue
		}
		if s := err.Error(); strings.Contains(s, secret) || strings.Contains(s, code) {
			t.Errorf("%s: the error shows the secret or the code: %s", name, s)
		}
	}
}
