package egress_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/easy-api/easy-api/internal/egress"
	"github.com/easy-api/easy-api/internal/egress/egresstest"
)

// internal is every range the guard must refuse, in the spellings a
// client could use.
var internal = []string{
	"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
	"100.100.100.200", "0.0.0.0", "0.1.2.3", "192.0.0.170", "198.18.0.1", "224.0.0.1", "240.0.0.1",
	"255.255.255.255", "::", "::1", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
	"::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254", "::127.0.0.1", // IPv4-mapped and -compatible
	"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", // NAT64
	"2002:7f00:1::1", "2002:a9fe:a9fe::", // 6to4 of 127.0.0.1 and 169.254.169.254
	"2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo (client 127.0.0.1)
}

func TestRefused(t *testing.T) {
	for _, a := range internal {
		if !egress.Refused(netip.MustParseAddr(a)) {
			t.Errorf("Refused(%s) = false", a)
		}
	}
	for _, a := range []string{"93.184.216.34", "8.8.8.8", "2606:2800:220:1::1", "2a00:1450:4001::200e"} {
		if egress.Refused(netip.MustParseAddr(a)) {
			t.Errorf("Refused(%s) = true", a)
		}
	}
}

func TestControl(t *testing.T) {
	g := egress.New(egress.Config{})
	for _, a := range internal {
		if err := g.Control("tcp6", net.JoinHostPort(a, "443"), nil); !errors.Is(err, egress.ErrRefused) {
			t.Errorf("dial %s = %v, want refused", a, err)
		}
	}
	if err := g.Control("udp4", "8.8.8.8:53", nil); !errors.Is(err, egress.ErrRefused) {
		t.Errorf("udp dial = %v, want refused", err)
	}
	if err := g.Control("tcp4", "8.8.8.8:8443", nil); err != nil {
		t.Errorf("public dial on any port = %v", err)
	}
}

// TestTransportRefusesNamesAndRedirects: names that resolve inside, and
// redirects from an allowed origin to internal addresses, never reach the
// internal listener.
func TestTransportRefusesNamesAndRedirects(t *testing.T) {
	var hits atomic.Int64
	inside := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(inside.Close)
	_, port, _ := net.SplitHostPort(inside.Listener.Addr().String())
	origin := egresstest.PublicOrigin(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
		}
	}))
	dns := egresstest.DNS(t, map[string][]string{
		"inside.test.": {"127.0.0.1"}, "metadata.test.": {"169.254.169.254"}, "mapped.test.": {"::ffff:127.0.0.1"},
		"public.test.": {egresstest.PublicAddr},
	})
	tr := egress.New(egress.Config{Allow: egresstest.Allow, Resolver: dns}).Transport()
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	for _, target := range []string{
		"http://inside.test:" + port + "/", "http://metadata.test/", "http://mapped.test:" + port + "/",
		"http://localhost:" + port + "/", "http://127.0.0.1:" + port + "/", "http://[::ffff:127.0.0.1]:" + port + "/",
		origin + "/?to=http://127.0.0.1:" + port + "/", origin + "/?to=http://inside.test:" + port + "/",
		origin + "/?to=http://[::1]:" + port + "/",
	} {
		resp, err := client.Get(target)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s: %s, want refused", target, resp.Status)
		} else if !errors.Is(err, egress.ErrRefused) {
			t.Errorf("GET %s: %v, want refused", target, err)
		}
	}
	resp, err := client.Get("http://public.test:" + strings.TrimPrefix(origin, "http://"+egresstest.PublicAddr+":") + "/")
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("the allowed origin by name: %v %v", resp, err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the internal listener got %d requests", n)
	}
}
