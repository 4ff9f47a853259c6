package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"yizhan/internal/notify"
)

// Token is an access token of the mini-program, as WeChat's
// cgi-bin/stable_token gives it.
type Token struct {
	Value       string
	ExpiresAt   time.Time
	RefreshedAt time.Time
}

// TokenStore shares the access token between the API's processes
// (postgres.WeChatTokenStore).
type TokenStore interface {
	// Token returns appID's stored token; the zero Token when there is none.
	Token(ctx context.Context, appID string) (Token, error)
	// Replace calls fetch with the stored token (the zero Token when none)
	// while holding a lock that every process's Replace of appID waits for,
	// and stores what fetch returns.
	Replace(ctx context.Context, appID string, fetch func(current Token) (Token, error)) (Token, error)
}

// RefreshMargin is how long before its expiry a token is replaced.
const RefreshMargin = 5 * time.Minute

// Messenger sends subscribe messages (message/subscribe/send) with an access
// token from cgi-bin/stable_token, kept in memory and shared with the other
// processes through a TokenStore. It implements notify.Sender.
type Messenger struct {
	base    string
	appID   string
	secret  string
	timeout time.Duration
	http    *http.Client
	tokens  TokenStore
	now     func() time.Time
	// State is the mini-program version a message opens: formal (the
	// default), trial or developer (WECHAT_MINIPROGRAM_STATE).
	state string

	mu     sync.Mutex
	cached Token
}

var _ notify.Sender = (*Messenger)(nil)

// MiniprogramStates are the versions a message may open.
var MiniprogramStates = []string{"formal", "trial", "developer"}

// NewMessenger returns a Messenger for the mini-program of c (checked as by
// New), sharing tokens through tokens. state is one of MiniprogramStates;
// empty is formal. now is time.Now when nil.
func NewMessenger(c Config, tokens TokenStore, state string, now func() time.Time) (*Messenger, error) {
	if _, err := New(c); err != nil {
		return nil, err
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.HTTPClient == nil {
		c.HTTPClient = http.DefaultClient
	}
	switch state {
	case "":
		state = "formal"
	case "formal", "trial", "developer":
	default:
		return nil, fmt.Errorf("WECHAT_MINIPROGRAM_STATE %q is not formal, trial or developer", state)
	}
	if now == nil {
		now = time.Now
	}
	return &Messenger{base: strings.TrimRight(c.BaseURL, "/"), appID: c.AppID, secret: c.Secret, timeout: c.Timeout,
		http: c.HTTPClient, tokens: tokens, now: now, state: state}, nil
}

// fresh says t may be used without a refresh.
func (m *Messenger) fresh(t Token) bool {
	return t.Value != "" && m.now().Before(t.ExpiresAt.Add(-RefreshMargin))
}

// token returns a token that is not about to expire: this process's, else
// the shared one, else a new one fetched under the shared lock.
func (m *Messenger) token(ctx context.Context) (string, error) {
	m.mu.Lock()
	t := m.cached
	m.mu.Unlock()
	if m.fresh(t) {
		return t.Value, nil
	}
	t, err := m.tokens.Token(ctx, m.appID)
	if err != nil {
		return "", fmt.Errorf("read the shared access token: %w", err)
	}
	if !m.fresh(t) {
		if t, err = m.refresh(ctx, ""); err != nil {
			return "", err
		}
	}
	m.keep(t)
	return t.Value, nil
}

func (m *Messenger) keep(t Token) {
	m.mu.Lock()
	m.cached = t
	m.mu.Unlock()
}

// refresh replaces the shared token, unless another process did while this
// one waited for the lock. bad, when set, is a token WeChat refused: it is
// replaced even if it looks fresh, with force_refresh.
func (m *Messenger) refresh(ctx context.Context, bad string) (Token, error) {
	t, err := m.tokens.Replace(ctx, m.appID, func(cur Token) (Token, error) {
		if cur.Value != "" && cur.Value != bad {
			// Another process's: fresh, or taken so lately that asking
			// again would only get the same one back.
			if m.fresh(cur) || (m.now().Before(cur.ExpiresAt) && m.now().Sub(cur.RefreshedAt) < time.Minute) {
				return cur, nil
			}
		}
		return m.fetch(ctx, bad != "" && cur.Value == bad)
	})
	if err != nil {
		return Token{}, err
	}
	m.keep(t)
	return t, nil
}

// fetch asks cgi-bin/stable_token for the token.
func (m *Messenger) fetch(ctx context.Context, force bool) (Token, error) {
	body, _ := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": m.appID, "secret": m.secret, "force_refresh": force})
	var r struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
	}
	now := m.now()
	if err := m.post(ctx, m.base+"/cgi-bin/stable_token", body, &r); err != nil {
		return Token{}, fmt.Errorf("stable_token: %w", err)
	}
	if r.ErrCode != 0 || r.AccessToken == "" || r.ExpiresIn <= 0 {
		// errmsg is about our request; the secret is struck out in case it
		// quotes it.
		msg := strings.ReplaceAll(r.ErrMsg, m.secret, "[secret]")
		return Token{}, &notify.SendError{Errcode: r.ErrCode, Message: "stable_token: " + msg}
	}
	return Token{Value: r.AccessToken, ExpiresAt: now.Add(time.Duration(r.ExpiresIn) * time.Second), RefreshedAt: now}, nil
}

// Send implements notify.Sender: message/subscribe/send. A token WeChat
// calls invalid or expired (40001, 42001) is replaced and the message sent
// once more.
func (m *Messenger) Send(ctx context.Context, msg notify.Message) error {
	data := make(map[string]map[string]string, len(msg.Data))
	for k, v := range msg.Data {
		data[k] = map[string]string{"value": v}
	}
	req := map[string]any{"touser": msg.OpenID, "template_id": msg.TemplateID, "data": data,
		"miniprogram_state": m.state, "lang": "zh_CN"}
	if msg.Page != "" {
		req["page"] = msg.Page
	}
	body, err := json.Marshal(req)
	if err != nil {
		return err
	}
	tok, err := m.token(ctx)
	if err != nil {
		return err
	}
	for try := 0; ; try++ {
		var r struct {
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if err := m.post(ctx, m.base+"/cgi-bin/message/subscribe/send?access_token="+url.QueryEscape(tok), body, &r); err != nil {
			return fmt.Errorf("subscribe/send: %w", err)
		}
		switch {
		case r.ErrCode == 0:
			return nil
		case (r.ErrCode == 40001 || r.ErrCode == 42001) && try == 0:
			t, err := m.refresh(ctx, tok)
			if err != nil {
				return err
			}
			tok = t.Value
		default:
			return &notify.SendError{Errcode: r.ErrCode, Message: strings.ReplaceAll(r.ErrMsg, tok, "[token]")}
		}
	}
}

// post sends body as JSON to u and decodes the JSON answer into v. Its
// errors never hold the URL, which may carry the access token.
func (m *Messenger) post(ctx context.Context, u string, body []byte, v any) error {
	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return errors.New("the request could not be made")
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := m.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("no answer within %v", m.timeout)
		}
		return withoutURL(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("the answer could not be read: %w", withoutURL(err))
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", res.StatusCode)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errors.New("the answer is not JSON")
	}
	return nil
}
