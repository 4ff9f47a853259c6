package auth

import (
	"context"
	"crypto/sha256"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The login throttle slows password guessing without letting a stranger
// lock a staff member out.
//
// Each attempt counts, within Config.FailureWindow, against three subjects:
//   - the client address, for any usernames (AddrFailures): one machine
//     guessing many accounts;
//   - the username from that address (UserFailures): one machine guessing
//     one account;
//   - the username from everywhere (UserAnyFailures): guessing spread over
//     many addresses.
//
// Only the last could be tripped by someone far away, since a failure from
// their address is one for the username everywhere. So it does not apply
// where the owner is known to be: a client address (ClientKey: an IPv4
// address, an IPv6 /64) from which this account signed in successfully
// within KnownNetworkTTL (30 days). An owner at their office or at home is
// never refused for failures from other addresses; an attacker behind the
// same address is still held to the first two limits. The exemption is not
// widened to the address's /24 or /48: an attacker anywhere in it (a
// carrier's NAT pool, a shared IPv6 /48) could then guess without the
// total limit, with a fresh allowance of the first two from each of its
// addresses. Addresses are remembered per account as SHA-256(username,
// address), so the table does not say where staff are at a glance (an
// IPv4 address is few enough to enumerate; it is not a secret).

// ThrottleStore keeps what the login throttle needs besides failures.
type ThrottleStore interface {
	// LoginRecord returns what a login checks for the username: the
	// account's id, role, password hash and second factor, and whether
	// network was remembered for it at or after knownSince. Returns
	// NotFound when there is no such user.
	LoginRecord(ctx context.Context, username string, network []byte, knownSince time.Time) (LoginRecord, error)
	// RememberNetwork records a successful login of the account from the
	// network at the instant, and forgets its networks last used before
	// forgetBefore.
	RememberNetwork(ctx context.Context, staffID uuid.UUID, network []byte, at, forgetBefore time.Time) error
}

// LoginRecord is what Login reads of an account, in one query.
type LoginRecord struct {
	StaffID      uuid.UUID
	Role         Role
	PasswordHash string
	// TOTPSecret is the confirmed second factor, "" when none.
	TOTPSecret string
	// TOTPLastStep is the last time step a code was accepted for.
	TOTPLastStep int64
	// KnownNetwork reports that the account signed in from the client's
	// network lately.
	KnownNetwork bool
}

// noLimit counts a subject's failures without ever refusing on them.
const noLimit = math.MaxInt32

// ClientKey is the address a client is known by, to every per-address
// limit: an IPv4 address as it is, an IPv6 address cut to its /64, which
// one host or household owns whole and picks addresses from at will.
// Counted by the full IPv6 address, each of a client's 2^64 addresses would
// get a fresh allowance of every limit.
func ClientKey(a netip.Addr) netip.Addr {
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// ClientAddress is ClientKey of a textual address; text that is no address
// is returned as it is.
func ClientAddress(ip string) string {
	if !strings.Contains(ip, ":") {
		return ip // IPv4, the usual case: no parse, no allocation
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	return ClientKey(a).String()
}

// networkKey is the stored form of the client's address (ClientAddress)
// for the username.
func networkKey(username, clientAddr string) []byte {
	h := sha256.Sum256([]byte("yizhan login network\x00" + username + "\x00" + ClientAddress(clientAddr)))
	return h[:]
}

// throttleSubjects are the subjects a login attempt counts against and
// their limits. A username no account could have counts against the
// address only (the keys join it to the address with "@", which usernames
// cannot hold).
func (s *Service) throttleSubjects(name, clientAddr string, known bool) (subjects []string, limits []int, user string) {
	subjects, limits = []string{"addr:" + clientAddr}, []int{s.cfg.AddrFailures}
	if !validUsername(name) {
		return subjects, limits, ""
	}
	user = "user:" + name
	anywhere := s.cfg.UserAnyFailures
	if known {
		anywhere = noLimit // still counted, so that guesses elsewhere see it
	}
	return append(subjects, user+"@"+clientAddr, user), append(limits, s.cfg.UserFailures, anywhere), user
}

// ClientNetwork is the client address cut to its /24 (IPv4) or /48 (IPv6),
// what access logs record: enough to see a brute force or a flood from one
// network, not enough to tell one courier from their neighbours. "" when ip
// is not an address.
func ClientNetwork(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ""
	}
	a = a.Unmap().WithZone("")
	bits := 48
	if a.Is4() {
		bits = 24
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}
