package httpapi

import (
	"crypto/sha256"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
)

// Rate is a token bucket: PerSecond requests on average, Burst at once.
// The zero Rate allows everything.
type Rate struct {
	PerSecond float64
	Burst     int
}

// ParseRate reads "RATE:BURST" (e.g. "20:40"), or "0" / "off" for no limit.
func ParseRate(s string) (Rate, error) {
	if s == "0" || s == "off" {
		return Rate{}, nil
	}
	a, b, ok := strings.Cut(s, ":")
	per, err1 := strconv.ParseFloat(a, 64)
	burst, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || !(per > 0) || math.IsInf(per, 0) || burst < 1 {
		return Rate{}, fmt.Errorf("%q is not RATE:BURST (e.g. 20:40) or off", s)
	}
	return Rate{PerSecond: per, Burst: burst}, nil
}

// RateLimits are the request limits of the API.
type RateLimits struct {
	Public Rate // per client address, for every request
	Token  Rate // per bearer token
	Login  Rate // per client address, on the login endpoints, on top of Public
}

// limiter keeps one token bucket per key.
type limiter struct {
	rate      Rate
	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(r Rate) *limiter {
	if r.PerSecond <= 0 {
		return nil
	}
	return &limiter{rate: r, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or says how long until one is free.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		// Forget buckets that have refilled: they hold no information.
		full := time.Duration(float64(l.rate.Burst) / l.rate.PerSecond * float64(time.Second))
		for k, b := range l.buckets {
			if now.Sub(b.at) > full {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: float64(l.rate.Burst), at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(float64(l.rate.Burst), b.tokens+now.Sub(b.at).Seconds()*l.rate.PerSecond)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate.PerSecond * float64(time.Second))
	return false, wait
}

type rateLimiters struct {
	public, token, login *limiter
}

func newRateLimiters(r RateLimits) rateLimiters {
	return rateLimiters{public: newLimiter(r.Public), token: newLimiter(r.Token), login: newLimiter(r.Login)}
}

func rateLimited(wait time.Duration) error {
	return &apperr.Error{Code: apperr.RateLimited, Message: "too many requests; slow down", RetryAfter: max(wait, time.Second)}
}

// limitRequests applies the per-address limit to every request, and the
// per-token limit on top to requests that carry a bearer token. Tokens do
// not buy a separate allowance: a made-up token per request would otherwise
// walk past the address limit. Couriers on mobile networks share addresses
// behind carrier NAT, so the public limit must be generous.
func (s *server) limitRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// Partner access (partners.go): a request carrying a partner's key
		// is held to that key's limits instead of these.
		if key, ok := s.partnerKey(c); ok {
			return s.admitPartner(c, key, next)
		}
		now := time.Now()
		if s.limits.public != nil {
			if ok, wait := s.limits.public.allow(c.RealIP(), now); !ok {
				return rateLimited(wait)
			}
		}
		if s.limits.token == nil {
			return next(c)
		}
		if token, err := bearer(c); err == nil {
			sum := sha256.Sum256([]byte(token)) // the token itself is not kept
			if ok, wait := s.limits.token.allow(string(sum[:16]), now); !ok {
				return rateLimited(wait)
			}
		}
		return next(c)
	}
}

// limitLogins is the tighter limit on sign-in endpoints, per address.
func (s *server) limitLogins(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if ok, wait := s.limits.login.allow(c.RealIP(), time.Now()); !ok {
			return rateLimited(wait)
		}
		return next(c)
	}
}
