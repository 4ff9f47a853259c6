// Package wechattest is a fake of WeChat's server-side API on loopback, for
// tests and benchmarks: cgi-bin/stable_token and
// cgi-bin/message/subscribe/send, with the error modes the notification
// deliverer must survive. The real wechat.Messenger talks to it over HTTP.
package wechattest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Outage modes: what every send answers while one is set.
const (
	Up        = ""      // sends work
	Busy      = "busy"  // errcode -1, "system error"
	Quota     = "quota" // errcode 45009, the daily quota reached
	HTTPError = "http"  // HTTP 502 without JSON
)

// Sent is a message the fake accepted.
type Sent struct {
	ToUser     string
	TemplateID string
	Page       string
	State      string
	Lang       string
	Data       map[string]string
}

// Fake is the fake server. Its zero value is not usable: call New.
type Fake struct {
	AppID, Secret string
	srv           *httptest.Server

	mu             sync.Mutex
	tokens         map[string]time.Time // valid access tokens and their expiry
	current        string
	issued         int
	tokenCalls     int
	forced         int
	tokenOutage    bool
	expiresIn      int
	outage         string
	failNext       []int
	unsubscribed   map[string]bool
	sent           []Sent
	sendCalls      int
	sendByErrcode  map[int]int
	latency        time.Duration
	wrongTokenSeen int
}

// New starts a fake on loopback for the mini-program appID with secret;
// Close stops it.
func New(appID, secret string) *Fake {
	f := &Fake{AppID: appID, Secret: secret, tokens: map[string]time.Time{}, expiresIn: 7200,
		unsubscribed: map[string]bool{}, sendByErrcode: map[int]int{}}
	f.srv = httptest.NewServer(f)
	return f
}

// URL is the base to give as WECHAT_API_BASE.
func (f *Fake) URL() string { return f.srv.URL }

// Close stops the server.
func (f *Fake) Close() { f.srv.Close() }

// ServeHTTP serves the two endpoints; another server may hand it its
// /cgi-bin/ requests.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	latency := f.latency
	f.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency)
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/cgi-bin/stable_token":
		f.stableToken(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/cgi-bin/message/subscribe/send":
		f.send(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *Fake) stableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenCalls++
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.GrantType != "client_credential" {
		fmt.Fprint(w, `{"errcode":40002,"errmsg":"invalid grant_type"}`)
		return
	}
	if req.AppID != f.AppID || req.Secret != f.Secret {
		fmt.Fprint(w, `{"errcode":40125,"errmsg":"invalid appsecret"}`)
		return
	}
	if f.tokenOutage {
		fmt.Fprint(w, `{"errcode":-1,"errmsg":"system error"}`)
		return
	}
	now := time.Now()
	exp, ok := f.tokens[f.current]
	if req.ForceRefresh || !ok || !now.Before(exp) {
		if req.ForceRefresh {
			f.forced++
			delete(f.tokens, f.current)
		}
		f.issued++
		f.current = fmt.Sprintf("ACCESS_TOKEN_%d_%d", f.issued, now.UnixNano())
		exp = now.Add(time.Duration(f.expiresIn) * time.Second)
		f.tokens[f.current] = exp
	}
	fmt.Fprintf(w, `{"access_token":%q,"expires_in":%d}`, f.current, int(time.Until(exp).Seconds()))
}

// limits are WeChat's longest values per field kind, in characters.
var limits = map[string]int{"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32}

func (f *Fake) send(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ToUser     string                       `json:"touser"`
		TemplateID string                       `json:"template_id"`
		Page       string                       `json:"page"`
		State      string                       `json:"miniprogram_state"`
		Lang       string                       `json:"lang"`
		Data       map[string]map[string]string `json:"data"`
	}
	decodeErr := json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sendCalls++
	answer := func(code int, msg string) {
		f.sendByErrcode[code]++
		fmt.Fprintf(w, `{"errcode":%d,"errmsg":%q}`, code, msg)
	}
	exp, ok := f.tokens[r.URL.Query().Get("access_token")]
	switch {
	case !ok:
		f.wrongTokenSeen++
		answer(40001, "invalid credential, access_token is invalid or not latest")
		return
	case !time.Now().Before(exp):
		f.wrongTokenSeen++
		answer(42001, "access_token expired")
		return
	}
	switch f.outage {
	case Busy:
		answer(-1, "system error")
		return
	case Quota:
		answer(45009, "reach max api daily quota limit")
		return
	case HTTPError:
		f.sendByErrcode[-502]++
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	if len(f.failNext) > 0 {
		code := f.failNext[0]
		f.failNext = f.failNext[1:]
		answer(code, "scripted failure")
		return
	}
	if decodeErr != nil || req.ToUser == "" || req.TemplateID == "" || len(req.Data) == 0 {
		answer(47001, "data format error")
		return
	}
	if f.unsubscribed[req.ToUser] {
		answer(43101, "user refuse to accept the msg")
		return
	}
	data := map[string]string{}
	for k, v := range req.Data {
		val := v["value"]
		kind := strings.TrimRight(k, "0123456789")
		if val == "" || (limits[kind] > 0 && utf8.RuneCountInString(val) > limits[kind]) {
			answer(47003, "argument invalid! data."+k+".value invalid")
			return
		}
		data[k] = val
	}
	f.sent = append(f.sent, Sent{ToUser: req.ToUser, TemplateID: req.TemplateID, Page: req.Page, State: req.State, Lang: req.Lang, Data: data})
	answer(0, "ok")
}

// SetOutage makes every send answer as mode says (Busy, Quota, HTTPError),
// or work again (Up).
func (f *Fake) SetOutage(mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outage = mode
}

// SetTokenOutage makes stable_token answer errcode -1 while on.
func (f *Fake) SetTokenOutage(on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenOutage = on
}

// FailNext makes the next sends answer these errcodes, one each.
func (f *Fake) FailNext(codes ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext = append(f.failNext, codes...)
}

// Unsubscribe makes sends to openid answer 43101.
func (f *Fake) Unsubscribe(openid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unsubscribed[openid] = true
}

// InvalidateTokens makes every token issued so far unknown (40001), as when
// another client forced a refresh.
func (f *Fake) InvalidateTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
}

// ExpireTokens makes every token issued so far expired (42001).
func (f *Fake) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.tokens {
		f.tokens[k] = time.Now().Add(-time.Second)
	}
}

// SetExpiresIn sets the lifetime of tokens issued from now on, in seconds.
func (f *Fake) SetExpiresIn(s int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expiresIn = s
}

// SetLatency delays every answer by d.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// Sent returns the messages accepted so far.
func (f *Fake) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sent(nil), f.sent...)
}

// Stats are the fake's counters.
type Stats struct {
	TokenCalls     int         // stable_token calls
	TokensIssued   int         // distinct tokens handed out
	ForcedRefresh  int         // stable_token calls with force_refresh
	SendCalls      int         // subscribe/send calls
	ByErrcode      map[int]int // subscribe/send answers by errcode (0: accepted; -502: an HTTPError outage's answer)
	WrongTokenSeen int         // sends with an unknown or expired token
}

// Stats returns the counters so far.
func (f *Fake) Stats() Stats {
	f.mu.Lock()
	defer f.mu.Unlock()
	by := make(map[int]int, len(f.sendByErrcode))
	for k, v := range f.sendByErrcode {
		by[k] = v
	}
	return Stats{TokenCalls: f.tokenCalls, TokensIssued: f.issued, ForcedRefresh: f.forced, SendCalls: f.sendCalls,
		ByErrcode: by, WrongTokenSeen: f.wrongTokenSeen}
}
