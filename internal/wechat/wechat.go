// Package wechat calls WeChat's auth.code2Session for the mini-program
// login. It returns the worker's openid and unionid only: the session_key
// WeChat also sends is never decoded, kept, logged or returned, and neither
// the app secret nor the login code ever appears in an error.
package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"yizhan/internal/apperr"
	"yizhan/internal/worker"
)

// DefaultBaseURL is WeChat's public API host.
const DefaultBaseURL = "https://api.weixin.qq.com"

// DefaultTimeout bounds one code2Session call.
const DefaultTimeout = 3 * time.Second

// Config says which mini-program to sign in to.
type Config struct {
	BaseURL string // DefaultBaseURL when empty
	AppID   string
	Secret  string
	// Timeout bounds one call; DefaultTimeout when zero.
	Timeout time.Duration
	// HTTPClient is http.DefaultClient when nil.
	HTTPClient *http.Client
}

// String describes the config without its secret.
func (c Config) String() string {
	return fmt.Sprintf("wechat.Config{BaseURL: %q, AppID: %q, Secret: [redacted]}", c.BaseURL, c.AppID)
}

// Client implements worker.WeChat against the real API.
type Client struct {
	endpoint string
	appID    string
	secret   string
	timeout  time.Duration
	http     *http.Client
}

var _ worker.WeChat = (*Client)(nil)

// New returns a Client. It refuses a config without an app id or secret, or
// with a base URL that is not absolute http(s).
func New(c Config) (*Client, error) {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("WECHAT_API_BASE %q is not an http(s) URL such as %s", c.BaseURL, DefaultBaseURL)
	}
	if c.AppID == "" || c.Secret == "" {
		return nil, errors.New("WECHAT_APPID and WECHAT_SECRET must both be set")
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	return &Client{
		endpoint: strings.TrimRight(c.BaseURL, "/") + "/sns/jscode2session",
		appID:    c.AppID,
		secret:   c.Secret,
		timeout:  c.Timeout,
		http:     c.HTTPClient,
	}, nil
}

// reply is code2Session's answer, without session_key: what is not decoded
// cannot leak.
type reply struct {
	OpenID  string `json:"openid"`
	UnionID string `json:"unionid"`
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// Code2Session implements worker.WeChat. WeChat's errcodes map to:
// 40029 and 40163 (a bad or used code) Unauthorized; 45011 (rate limit)
// RateLimited; 40226 (a high-risk user) Forbidden; -1 (busy), any other
// code, an HTTP failure or a timeout Unavailable with a RetryAfter.
func (c *Client) Code2Session(ctx context.Context, code string) (worker.Identity, error) {
	q := url.Values{
		"appid":      {c.appID},
		"secret":     {c.secret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return worker.Identity{}, unavailable(nil, "the request could not be made; try again shortly")
	}
	res, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return worker.Identity{}, unavailable(nil, "WeChat did not answer within %v; try again shortly", c.timeout)
		}
		return worker.Identity{}, unavailable(withoutURL(err), "WeChat could not be reached; try again shortly")
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return worker.Identity{}, unavailable(nil, "WeChat did not answer within %v; try again shortly", c.timeout)
		}
		return worker.Identity{}, unavailable(withoutURL(err), "WeChat's answer could not be read; try again shortly")
	}
	if res.StatusCode != http.StatusOK {
		return worker.Identity{}, unavailable(nil, "WeChat answered HTTP %d; try again shortly", res.StatusCode)
	}
	var r reply
	if err := json.Unmarshal(body, &r); err != nil {
		return worker.Identity{}, unavailable(nil, "WeChat's answer is not JSON; try again shortly")
	}
	switch r.ErrCode {
	case 0:
		if r.OpenID == "" {
			return worker.Identity{}, unavailable(nil, "WeChat answered without an openid; try again shortly")
		}
		return worker.Identity{OpenID: r.OpenID, UnionID: r.UnionID}, nil
	case 40029, 40163:
		return worker.Identity{}, &apperr.Error{Code: apperr.Unauthorized, Message: "the login code is invalid or was already used; call wx.login again"}
	case 45011:
		return worker.Identity{}, &apperr.Error{Code: apperr.RateLimited, Message: "WeChat is limiting logins for this user; try again in a minute", RetryAfter: time.Minute}
	case 40226:
		return worker.Identity{}, &apperr.Error{Code: apperr.Forbidden, Message: "WeChat refused this login (a high-risk user)"}
	case -1:
		return worker.Identity{}, unavailable(nil, "WeChat is busy; try again shortly")
	default:
		// errmsg is WeChat's own text about our request, logged for the
		// operator; the secret and the code are struck out in case it
		// quotes them.
		msg := strings.NewReplacer(c.secret, "[secret]", code, "[code]").Replace(r.ErrMsg)
		return worker.Identity{}, unavailable(fmt.Errorf("errcode %d: %.200s", r.ErrCode, msg), "WeChat refused the login; try again shortly")
	}
}

// retryAfter is what a client is told to wait when WeChat fails.
const retryAfter = 5 * time.Second

func unavailable(cause error, format string, args ...any) error {
	return apperr.Wrap(apperr.Unavailable, cause, format, args...).Retry(retryAfter)
}

// withoutURL strips the request URL, which carries the secret and the code,
// from a transport error.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
