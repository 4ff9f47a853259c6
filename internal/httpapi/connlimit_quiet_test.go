package httpapi

import (
	"log/slog"
	"net"
	"net/http"
	"testing"
)

// At the cap, a new connection displaces the one quiet the longest, never
// one at work; and a connection going idle and back to work between
// requests allocates nothing (it happens twice a request).
func TestLimitListenerShedsTheLongestQuiet(t *testing.T) {
	l := newLimitListener(nil, ConnLimits{Max: 3}, slog.New(slog.DiscardHandler))
	conn := func() *limitedConn {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		lc, shed, why := l.admit(a)
		if lc == nil {
			t.Fatalf("refused: %s", why)
		}
		if shed != nil {
			t.Fatalf("shed a connection below the cap")
		}
		return lc
	}
	c1, c2, c3 := conn(), conn(), conn()
	l.connState(c1, http.StateActive)
	l.connState(c3, http.StateActive)
	l.connState(c2, http.StateIdle) // quiet since it was accepted
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c4, shed, _ := l.admit(a)
	if c4 == nil || shed != c2 {
		t.Fatalf("at the cap: admitted %v, shed %p; want the only quiet one, %p", c4 != nil, shed, c2)
	}
	l.connState(c4, http.StateActive)
	l.connState(c3, http.StateIdle)
	l.connState(c1, http.StateIdle)
	l.connState(c3, http.StateActive) // at work again: no longer quiet
	a2, b2 := net.Pipe()
	defer a2.Close()
	defer b2.Close()
	c5, shed, _ := l.admit(a2)
	if c5 == nil || shed != c1 {
		t.Fatalf("shed %p, want c1 %p (c3 is at work)", shed, c1)
	}
	l.connState(c5, http.StateActive)
	a3, b3 := net.Pipe()
	defer a3.Close()
	defer b3.Close()
	if c6, shed, why := l.admit(a3); c6 != nil || shed != nil {
		t.Fatalf("admitted with every connection at work (shed %p)", shed)
	} else if why == "" {
		t.Fatal("no reason for the refusal")
	}
	if n := testing.AllocsPerRun(1000, func() {
		l.connState(c4, http.StateIdle)
		l.connState(c4, http.StateActive)
	}); n != 0 {
		t.Errorf("a request's idle and active cost %v allocations, want 0", n)
	}
}
