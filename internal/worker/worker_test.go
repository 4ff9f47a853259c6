package worker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
	"yizhan/internal/worker"
)

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ phone, want string }{
		{"13800138000", "138****8000"},
		{"", ""},
		{"12345", "****"},
	} {
		if got := worker.MaskPhone(tc.phone); got != tc.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tc.phone, got, tc.want)
		}
	}
}

// Workers and applications that end up in a log line keep their personal
// data out of it.
func TestLogValuesHidePersonalData(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	w := worker.Worker{ID: uuid.New(), OpenID: "oSecretOpenID", UnionID: "uSecretUnionID", Nickname: "小王", Phone: "13800138000", Employer: "美团"}
	a := worker.Application{ID: uuid.New(), RealName: "王小明", Phone: "13912345678", DistrictCode: "330726", Status: worker.Pending}
	log.Info("x", "worker", w, "application", a)
	got := buf.String()
	for _, secret := range []string{"oSecretOpenID", "uSecretUnionID", "小王", "13800138000", "美团", "王小明", "13912345678"} {
		if strings.Contains(got, secret) {
			t.Errorf("the log line holds %q: %s", secret, got)
		}
	}
	for _, want := range []string{"138****8000", "139****5678", w.ID.String(), "330726"} {
		if !strings.Contains(got, want) {
			t.Errorf("the log line lacks %q: %s", want, got)
		}
	}
}

// fakeStore is a worker.Store of function fields; a nil field panics.
type fakeStore struct {
	worker.Store
	recordLoginAttempt func(ctx context.Context, subject string, now, since time.Time, limit int) (bool, error)
	signIn             func(ctx context.Context, w worker.Worker) (worker.Worker, bool, error)
}

func (f fakeStore) RecordLoginAttempt(ctx context.Context, subject string, now, since time.Time, limit int) (bool, error) {
	return f.recordLoginAttempt(ctx, subject, now, since, limit)
}

func (f fakeStore) SignIn(ctx context.Context, w worker.Worker) (worker.Worker, bool, error) {
	return f.signIn(ctx, w)
}

type wechatFunc func(ctx context.Context, code string) (worker.Identity, error)

func (f wechatFunc) Code2Session(ctx context.Context, code string) (worker.Identity, error) {
	return f(ctx, code)
}

type tokensFunc func(ctx context.Context, id uuid.UUID) (string, time.Time, error)

func (f tokensFunc) IssueWorkerToken(ctx context.Context, id uuid.UUID) (string, time.Time, error) {
	return f(ctx, id)
}

func TestLoginOrder(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	var calls []string
	store := fakeStore{
		recordLoginAttempt: func(_ context.Context, subject string, at, since time.Time, limit int) (bool, error) {
			calls = append(calls, "throttle "+subject)
			if !at.Equal(now) || !since.Equal(now.Add(-10*time.Minute)) || limit != 60 {
				t.Errorf("RecordLoginAttempt(%v, %v, %d)", at, since, limit)
			}
			return !strings.Contains(subject, "203.0.113.9"), nil
		},
		signIn: func(_ context.Context, w worker.Worker) (worker.Worker, bool, error) {
			calls = append(calls, "sign in "+w.OpenID+"/"+w.UnionID)
			return w, true, nil
		},
	}
	wx := wechatFunc(func(_ context.Context, code string) (worker.Identity, error) {
		calls = append(calls, "wechat "+code)
		if code == "bad" {
			return worker.Identity{}, apperr.New(apperr.Unauthorized, "bad code")
		}
		return worker.Identity{OpenID: "o1", UnionID: "u1"}, nil
	})
	tokens := tokensFunc(func(context.Context, uuid.UUID) (string, time.Time, error) {
		calls = append(calls, "token")
		return "yzw_x", now.Add(time.Hour), nil
	})
	svc := worker.NewService(store, wx, tokens, worker.DefaultConfig, func() time.Time { return now })
	for _, tc := range []struct {
		code, addr string
		wantErr    apperr.Code
		wantCalls  []string
	}{
		{"good", "192.0.2.1", "", []string{"throttle addr:192.0.2.1", "wechat good", "sign in o1/u1", "token"}},
		{"bad", "192.0.2.1", apperr.Unauthorized, []string{"throttle addr:192.0.2.1", "wechat bad"}},
		{"good", "203.0.113.9", apperr.RateLimited, []string{"throttle addr:203.0.113.9"}},
		{"", "192.0.2.1", apperr.Invalid, nil}, // bad input costs no attempt
	} {
		calls = nil
		_, err := svc.Login(context.Background(), tc.code, tc.addr)
		if got := apperr.CodeOf(err); (err == nil) != (tc.wantErr == "") || (err != nil && got != tc.wantErr) {
			t.Errorf("Login(%q, %s) = %v, want %q", tc.code, tc.addr, err, tc.wantErr)
		}
		if strings.Join(calls, "; ") != strings.Join(tc.wantCalls, "; ") {
			t.Errorf("Login(%q, %s) called %q, want %q", tc.code, tc.addr, calls, tc.wantCalls)
		}
	}

	// Without WeChat configured, logins are Unavailable, not a panic.
	svc = worker.NewService(store, nil, tokens, worker.DefaultConfig, func() time.Time { return now })
	var e *apperr.Error
	if _, err := svc.Login(context.Background(), "good", "192.0.2.1"); !errors.As(err, &e) || e.Code != apperr.Unavailable || e.RetryAfter == 0 {
		t.Errorf("login without WeChat: %v", err)
	}
}
