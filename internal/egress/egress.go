// Package egress guards the server's outgoing connections to addresses a
// client names (media URLs, webhooks of scoped keys) against server-side
// request forgery: loopback, private, link-local, CGNAT, unspecified,
// multicast and NAT64-mapped addresses are refused at dial time, after DNS
// resolution, so a name that resolves inside the network is caught too.
package egress

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrRefused is returned (wrapped) for a refused address.
var ErrRefused = errors.New("address is loopback, private, link-local or otherwise internal")

// blocked are ranges net.IP's predicates do not cover.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this network"
	netip.MustParsePrefix("100.64.0.0/10"), // CGNAT, some cloud metadata services
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64: an IPv4 address in disguise
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// Internal reports whether ip must not be dialled on a client's behalf.
func Internal(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsUnspecified() || ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Control is a net.Dialer.Control that refuses internal addresses.
func Control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || Internal(ip) {
		return fmt.Errorf("%s: %w", host, ErrRefused)
	}
	return nil
}
