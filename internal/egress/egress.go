// Package egress guards the server's outgoing connections to addresses a
// client names (media URLs, webhooks of scoped keys) against server-side
// request forgery. The guard is code.dny.dev/ssrf: every address in IANA's
// special-purpose registries is refused — loopback, private, link-local,
// CGNAT, reserved (240.0.0.0/4, 255.255.255.255), multicast, and the IPv6
// forms that carry an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo), as
// well as anything outside IPv6 global unicast. It runs as the dialer's
// Control, on the address actually dialled after DNS resolution, so a name
// or a redirect that leads inside the network is caught too.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// ErrRefused is returned (wrapped) for a refused address.
var ErrRefused = errors.New("address is loopback, private, link-local or otherwise internal")

// Config configures a Guard. The zero value is the production guard.
type Config struct {
	// Allow lists prefixes dialled although internal. Tests stand a
	// "public" origin on 127.0.0.2 this way; production leaves it empty.
	Allow []netip.Prefix
	// Resolver resolves names before the guard sees their addresses.
	// Default net.DefaultResolver.
	Resolver *net.Resolver
}

// Guard refuses internal addresses. It is safe for concurrent use.
type Guard struct {
	ssrf     *ssrf.Guardian
	resolver *net.Resolver
}

// New returns a Guard. Any port is allowed: webhook receivers and media
// servers listen where they like.
func New(cfg Config) *Guard {
	var v4, v6 []netip.Prefix
	for _, p := range cfg.Allow {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return &Guard{
		ssrf:     ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV4Prefixes(v4...), ssrf.WithAllowedV6Prefixes(v6...)),
		resolver: cfg.Resolver,
	}
}

// strict is the guard with no exceptions; a Guardian is immutable.
var strict = ssrf.New(ssrf.WithAnyPort())

// Refused reports whether ip must never be dialled on a client's behalf
// (the check a Guard with no Allow makes at dial time). Use it to refuse a
// literal address early, when a client names it.
func Refused(ip netip.Addr) bool { return strict.SafeAddr(ip) != nil }

// Control is a net.Dialer.Control that refuses internal addresses (and
// networks other than TCP).
func (g *Guard) Control(network, address string, c syscall.RawConn) error {
	if err := g.ssrf.Safe(network, address, c); err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return nil
}

// Timeouts of the guarded transport; callers bound whole requests with
// their own http.Client.Timeout.
const (
	dialTimeout = 10 * time.Second
	tlsTimeout  = 10 * time.Second
)

// Transport returns an http.Transport that dials through the guard. It
// never uses a proxy: the proxy would dial for us, unchecked. Build it
// once and share it (it holds the connection pool).
func (g *Guard) Transport() *http.Transport {
	dialer := &net.Dialer{Timeout: dialTimeout, Control: g.Control, Resolver: g.resolver}
	return &http.Transport{
		DialContext: dialer.DialContext, Proxy: nil, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: tlsTimeout, MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second,
	}
}
