package egress

import (
	"errors"
	"net/netip"
	"testing"
)

func TestInternal(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		internal bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"100.100.100.200", true}, {"0.0.0.0", true}, {"0.1.2.3", true},
		{"::1", true}, {"fe80::1", true}, {"fc00::1", true}, {"64:ff9b::a9fe:a9fe", true},
		{"::ffff:127.0.0.1", true}, {"224.0.0.1", true},
		{"93.184.216.34", false}, {"2606:2800:220:1::1", false}, {"8.8.8.8", false},
	} {
		if got := Internal(netip.MustParseAddr(tc.addr)); got != tc.internal {
			t.Errorf("Internal(%s) = %v, want %v", tc.addr, got, tc.internal)
		}
	}
}

func TestControl(t *testing.T) {
	if err := Control("tcp", "127.0.0.1:80", nil); !errors.Is(err, ErrRefused) {
		t.Errorf("loopback dial = %v", err)
	}
	if err := Control("tcp", "8.8.8.8:443", nil); err != nil {
		t.Errorf("public dial = %v", err)
	}
}
