package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"yizhan/internal/notify"
	"yizhan/internal/wechat"
	"yizhan/internal/wechat/wechattest"
)

const (
	appID  = "wx0123456789abcdef"
	secret = "SECRET-e4da3b7fbbce2345d7772b0674a318d5"
)

// memTokens is a TokenStore in memory: one process's view of the shared row.
type memTokens struct {
	mu sync.Mutex
	t  wechat.Token
}

func (m *memTokens) Token(context.Context, string) (wechat.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t, nil
}

func (m *memTokens) Replace(_ context.Context, _ string, fetch func(wechat.Token) (wechat.Token, error)) (wechat.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, err := fetch(m.t)
	if err == nil {
		m.t = t
	}
	return t, err
}

var msg = notify.Message{OpenID: "oX", TemplateID: "tpl", Data: map[string]string{"thing1": "热水器已修好"}}

// A token is kept while fresh, and replaced once, within the last five
// minutes before it expires.
func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	fake := wechattest.New(appID, secret)
	defer fake.Close()
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m, err := wechat.NewMessenger(wechat.Config{BaseURL: fake.URL(), AppID: appID, Secret: secret}, &memTokens{}, "trial", clock)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := m.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	if st := fake.Stats(); st.TokenCalls != 1 {
		t.Fatalf("%d stable_token calls for 5 sends, want 1", st.TokenCalls)
	}
	// 4 minutes before expiry (by our clock), the token is replaced.
	mu.Lock()
	now = now.Add(7200*time.Second - 4*time.Minute)
	mu.Unlock()
	for range 5 {
		if err := m.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	if st := fake.Stats(); st.TokenCalls != 2 {
		t.Errorf("%d stable_token calls, want 2: one refresh near expiry, then no more", st.TokenCalls)
	}
	if sent := fake.Sent(); len(sent) != 10 || sent[0].State != "trial" || sent[0].Data["thing1"] != "热水器已修好" {
		t.Errorf("sent %d: %+v", len(sent), sent[0])
	}
}

// Neither the secret nor the token ever reaches an error, which is logged.
func TestMessengerErrorsHideSecretAndToken(t *testing.T) {
	t.Parallel()
	var token string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/stable_token" {
			token = "TOKEN-c4ca4238a0b923820dcc509a6f75849b"
			w.Write([]byte(`{"access_token":"` + token + `","expires_in":7200}`))
			return
		}
		if r.URL.Query().Get("access_token") != token {
			t.Error("the send does not carry the token")
		}
		w.Write([]byte(`{"errcode":40037,"errmsg":"invalid template_id, token TOKEN-c4ca4238a0b923820dcc509a6f75849b"}`))
	}))
	m, err := wechat.NewMessenger(wechat.Config{BaseURL: srv.URL, AppID: appID, Secret: secret}, &memTokens{}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), msg)
	var se *notify.SendError
	if !errors.As(err, &se) || se.Errcode != 40037 {
		t.Fatalf("err = %v, want errcode 40037", err)
	}
	srv.Close() // now a transport failure, whose URL carries the token
	err2 := m.Send(context.Background(), msg)
	for _, e := range []error{err, err2} {
		if e == nil || strings.Contains(e.Error(), token) || strings.Contains(e.Error(), secret) {
			t.Errorf("error %v shows a credential", e)
		}
	}
	if _, err := wechat.NewMessenger(wechat.Config{AppID: appID, Secret: secret}, &memTokens{}, "beta", nil); err == nil {
		t.Error("a bad miniprogram_state was accepted")
	}
}
