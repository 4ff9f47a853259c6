package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"syscall"

	"yizhan/internal/httpapi"
)

// defaultMaxConnsPerAddr is MAX_CONNS_PER_ADDR unless set: enough for a
// carrier NAT's worth of couriers behind one address, far from the file
// limit.
const defaultMaxConnsPerAddr = 256

// raiseFileLimit lifts the soft limit on open files to the hard limit and
// returns the limit in force (0 when it cannot be read).
func raiseFileLimit() uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0
	}
	if r.Cur < r.Max {
		want := r
		want.Cur = want.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
			r = want
		}
	}
	return r.Cur
}

// defaultMaxConns leaves room under the file limit for what else the
// process opens (database connections, the listener, log files): a tenth
// of the limit, and at least 64 descriptors; and it holds no more than
// maxDefaultConns, whatever the file limit.
func defaultMaxConns(fileLimit uint64) int {
	if fileLimit == 0 || fileLimit > 1<<30 {
		return maxDefaultConns
	}
	n := int(fileLimit)
	if m := n - max(64, n/10); m >= 16 {
		return min(m, maxDefaultConns)
	}
	return max(1, n/2)
}

// maxDefaultConns bounds MAX_CONNS's default by memory rather than by
// descriptors: an idle keep-alive costs the server about 16 KB (its
// goroutine's 8 KB stack and its read buffer), so the common hard file
// limit of 1,048,576 would let idle connections from many addresses take
// some 15 GB before any was shed. 32,768 of them take about half a
// gigabyte; at the cap the longest idle is shed for a new one, so live
// clients are still served.
const maxDefaultConns = 32768

// connLimits is what Serve enforces: MAX_CONNS (or the default from the
// file limit), MAX_CONNS_PER_ADDR, sparing the trusted proxies.
func (c config) connLimits(fileLimit uint64) (httpapi.ConnLimits, error) {
	l := httpapi.ConnLimits{Max: c.MaxConns, PerAddr: c.MaxConnsPerAddr}
	if l.Max == 0 {
		l.Max = defaultMaxConns(fileLimit)
	}
	for _, p := range c.TrustedProxies {
		pre, err := netip.ParsePrefix(p)
		if err != nil {
			return l, fmt.Errorf("TRUSTED_PROXIES: %w", err)
		}
		l.Exempt = append(l.Exempt, pre.Masked())
	}
	return l, nil
}

// parseConnCap reads MAX_CONNS or MAX_CONNS_PER_ADDR: a positive integer,
// or def when unset.
func parseConnCap(getenv func(string) string, env string, def int) (int, error) {
	v := strings.TrimSpace(getenv(env))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s: %q is not a positive whole number", env, v)
	}
	return n, nil
}
