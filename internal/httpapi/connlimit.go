package httpapi

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"yizhan/internal/auth"
)

// ConnLimits caps the connections the server holds open, so that a client
// holding thousands of idle keep-alives cannot use up the process's file
// descriptors and leave /healthz and every route unanswered. The zero value
// caps nothing.
type ConnLimits struct {
	// Max is the most connections held at once, from everyone. At the cap
	// a new connection displaces the connection that has been quiet (idle
	// between requests, or not yet sent a byte) the longest; only when none
	// is quiet is it refused.
	Max int
	// PerAddr is the most connections from one client address (an IPv6
	// address counts by its /64, which one host usually owns). Beyond it a
	// new connection is refused.
	PerAddr int
	// Exempt are addresses the per-address cap spares: reverse proxies
	// (TRUSTED_PROXIES) carry every client's connections.
	Exempt []netip.Prefix
}

// limitListener enforces ConnLimits on the connections it accepts. Its
// ConnState hook, installed on the http.Server, tells it which connections
// are quiet. golang.org/x/net/netutil.LimitListener caps the total but
// blocks Accept at the cap instead of shedding idle connections, and knows
// nothing of addresses, hence this small wrapper.
type limitListener struct {
	net.Listener
	lim ConnLimits
	log *slog.Logger

	mu     sync.Mutex
	total  int
	byAddr map[netip.Addr]int
	quiet  quietList // new or idle connections, the longest quiet first

	lastWarn atomic.Int64 // unix seconds of the last refusal logged
}

func newLimitListener(ln net.Listener, lim ConnLimits, log *slog.Logger) *limitListener {
	return &limitListener{Listener: ln, lim: lim, log: log, byAddr: map[netip.Addr]int{}}
}

// limitedConn is an accepted connection the listener counts until it is
// closed.
type limitedConn struct {
	net.Conn
	l      *limitListener
	addr   netip.Addr
	exempt bool
	// prev and next link the connection into l.quiet while it is new or
	// idle (inQuiet); guarded by l.mu. The links live in the connection,
	// so that going idle after each request allocates nothing.
	prev, next *limitedConn
	inQuiet    bool
	closed     bool // guarded by l.mu
}

// quietList is a doubly linked list of connections through their own
// links, oldest first.
type quietList struct{ head, tail *limitedConn }

func (q *quietList) front() *limitedConn { return q.head }

func (q *quietList) pushBack(c *limitedConn) {
	c.prev, c.next, c.inQuiet = q.tail, nil, true
	if q.tail != nil {
		q.tail.next = c
	} else {
		q.head = c
	}
	q.tail = c
}

func (q *quietList) remove(c *limitedConn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		q.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		q.tail = c.prev
	}
	c.prev, c.next, c.inQuiet = nil, nil, false
}

// Accept returns the next connection within the limits; it refuses (answers
// 503 and closes) the ones beyond them and goes on waiting.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		lc, shed, why := l.admit(c)
		if shed != nil {
			shed.Conn.Close() // outside the lock; the bookkeeping is done
		}
		if lc != nil {
			return lc, nil
		}
		l.refuse(c, why)
	}
}

func (l *limitListener) admit(c net.Conn) (lc *limitedConn, shed *limitedConn, why string) {
	addr := clientKey(c.RemoteAddr())
	exempt := false
	for _, p := range l.lim.Exempt {
		if p.Contains(addr) {
			exempt = true
			break
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lim.PerAddr > 0 && !exempt && l.byAddr[addr] >= l.lim.PerAddr {
		return nil, nil, "too many connections from one address"
	}
	if l.lim.Max > 0 && l.total >= l.lim.Max {
		shed = l.quiet.front()
		if shed == nil {
			return nil, nil, "too many connections"
		}
		l.forgetLocked(shed)
	}
	lc = &limitedConn{Conn: c, l: l, addr: addr, exempt: exempt}
	l.total++
	l.byAddr[addr]++
	l.quiet.pushBack(lc) // new: quiet until its first byte
	return lc, shed, ""
}

// forgetLocked stops counting c; l.mu is held.
func (l *limitListener) forgetLocked(c *limitedConn) {
	if c.closed {
		return
	}
	c.closed = true
	if c.inQuiet {
		l.quiet.remove(c)
	}
	l.total--
	if n := l.byAddr[c.addr] - 1; n > 0 {
		l.byAddr[c.addr] = n
	} else {
		delete(l.byAddr, c.addr)
	}
}

// connState is the http.Server's ConnState hook.
func (l *limitListener) connState(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if lc.closed {
		return
	}
	switch state {
	case http.StateIdle:
		if !lc.inQuiet {
			l.quiet.pushBack(lc)
		}
	case http.StateActive, http.StateHijacked, http.StateClosed:
		if lc.inQuiet {
			l.quiet.remove(lc)
		}
	}
}

// refusal is the whole answer to a connection beyond the limits; it is
// written before the request is read, which HTTP/1.1 clients accept.
const refusal = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

func (l *limitListener) refuse(c net.Conn, why string) {
	_ = c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
	_, _ = c.Write([]byte(refusal))
	c.Close()
	// One line a minute at most: a flood of refusals must not flood the log.
	now := time.Now().Unix()
	if last := l.lastWarn.Load(); now-last >= 60 && l.lastWarn.CompareAndSwap(last, now) {
		l.log.Warn("refusing connections", "reason", why, "max_conns", l.lim.Max, "max_conns_per_addr", l.lim.PerAddr)
	}
}

// Close closes the connection and stops counting it.
func (c *limitedConn) Close() error {
	c.l.mu.Lock()
	c.l.forgetLocked(c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// clientKey is the address a connection counts against: the IP, or an
// IPv6 address's /64.
func clientKey(a net.Addr) netip.Addr {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Addr{}
	}
	return auth.ClientKey(ta.AddrPort().Addr())
}
