package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/auth"
	"yizhan/internal/wechat"
	"yizhan/internal/wechat/wechattest"
	"yizhan/internal/worker"
)

// The fake mini-program's credentials. The secret and the session key are
// distinctive so that a test can look for them in logs and answers.
const (
	fakeAppID      = "wx0123456789abcdef"
	fakeSecret     = "SECRET-d41d8cd98f00b204e9800998ecf8427e"
	fakeSessionKey = "SESSIONKEY-tiOqy2cBrz8qzTbVHRHxXw=="
	// fakeTimeout stands in for the 3 s default so that the timeout test
	// does not wait long.
	fakeTimeout = 300 * time.Millisecond
)

// testWorkerConfig allows 30 mini-program logins per address per window.
var testWorkerConfig = worker.Config{LoginsPerAddr: 30, LoginWindow: 10 * time.Minute}

// fakeWeChat is a code2Session server on loopback, called by the real
// wechat.Client. What it answers is spelt in the code:
//
//	ok:OPENID[:UNIONID]  success
//	err:ERRCODE          {"errcode": ERRCODE}
//	http:STATUS          an HTTP error status
//	slow                 no answer before the client's timeout
//	garbage              a body that is not JSON
//
// Under /cgi-bin/ it is WeChat's server-side API (stable_token and
// subscribe/send, with their error modes): wechattest.Fake, in msgs.
type fakeWeChat struct {
	srv   *httptest.Server
	calls atomic.Int64
	msgs  *wechattest.Fake
}

func newFakeWeChat(t *testing.T) *fakeWeChat {
	t.Helper()
	f := &fakeWeChat{msgs: wechattest.New(fakeAppID, fakeSecret)}
	t.Cleanup(f.msgs.Close)
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWeChat) serve(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/cgi-bin/") {
		f.msgs.ServeHTTP(w, r)
		return
	}
	f.calls.Add(1)
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/plain") // as WeChat sends it
	if r.Method != http.MethodGet || r.URL.Path != "/sns/jscode2session" || q.Get("appid") != fakeAppID ||
		q.Get("secret") != fakeSecret || q.Get("grant_type") != "authorization_code" {
		fmt.Fprint(w, `{"errcode":40125,"errmsg":"invalid appsecret, rid: 1"}`)
		return
	}
	kind, arg, _ := strings.Cut(q.Get("js_code"), ":")
	switch kind {
	case "ok":
		openid, unionid, _ := strings.Cut(arg, ":")
		fmt.Fprintf(w, `{"openid":%q,"session_key":%q`, openid, fakeSessionKey)
		if unionid != "" {
			fmt.Fprintf(w, `,"unionid":%q`, unionid)
		}
		fmt.Fprint(w, `}`)
	case "err":
		fmt.Fprintf(w, `{"errcode":%s,"errmsg":"fake error for %s"}`, arg, q.Get("js_code"))
	case "http":
		code, _ := strconv.Atoi(arg)
		http.Error(w, "fake failure", code)
	case "slow":
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	case "garbage":
		fmt.Fprint(w, `<html>502 Bad Gateway</html>`)
	default:
		fmt.Fprint(w, `{"errcode":40029,"errmsg":"invalid code"}`)
	}
}

// client is the real code2Session client, pointed at the fake.
func (f *fakeWeChat) client(t *testing.T) *wechat.Client {
	t.Helper()
	c, err := wechat.New(wechat.Config{BaseURL: f.srv.URL, AppID: fakeAppID, Secret: fakeSecret, Timeout: fakeTimeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// worker signs a new worker in without WeChat and returns their token and
// id.
func (e *env) worker(openid string) (string, uuid.UUID) {
	e.t.Helper()
	in, err := e.workers.SignInAs(context.Background(), openid)
	if err != nil {
		e.t.Fatalf("sign in %s: %v", openid, err)
	}
	return in.Token, in.Worker.ID
}

// expiredToken stores a session that expired an hour ago, of the staff
// member or (when username is empty) the worker.
func (e *env) expiredToken(username string, workerID uuid.UUID) string {
	e.t.Helper()
	now := e.clock.Now()
	var err error
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	random := base64.RawURLEncoding.EncodeToString(b)
	token := "yzw_" + random
	if username != "" {
		token = "yzs_" + random
		_, err = e.db.Pool.Exec(context.Background(), `INSERT INTO staff_sessions (token_hash, staff_id, created_at, expires_at)
			SELECT $1, id, $2, $3 FROM staff WHERE username = $4`, auth.HashToken(token), now.Add(-13*time.Hour), now.Add(-time.Hour), username)
	} else {
		_, err = e.db.Pool.Exec(context.Background(), `INSERT INTO worker_sessions (token_hash, worker_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4)`, auth.HashToken(token), workerID, now.Add(-31*24*time.Hour), now.Add(-time.Hour))
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

// validApplication is a complete application in Pujiang (330726).
func validApplication() map[string]any {
	return map[string]any{
		"real_name":     "王小明",
		"phone":         "13800138000",
		"occupation":    "food_delivery",
		"employer":      "美团",
		"district_code": "330726",
		"consent":       true,
	}
}

// validApplicationInput is validApplication for the service.
func validApplicationInput(district string) worker.ApplicationInput {
	s := func(v string) *string { return &v }
	yes := true
	return worker.ApplicationInput{RealName: s("王小明"), Phone: s("13800138000"), Occupation: s("food_delivery"),
		Employer: s("美团"), DistrictCode: s(district), Consent: &yes}
}

// pendingApplication files an application for a new worker, through the
// service, and returns its id.
func (e *env) pendingApplication(openid, district string) string {
	e.t.Helper()
	_, id := e.worker(openid)
	a, err := e.workers.Apply(context.Background(), id, validApplicationInput(district))
	if err != nil {
		e.t.Fatalf("apply: %v", err)
	}
	return a.ID.String()
}

// logBuffer is a log sink that many request goroutines may write at once.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
