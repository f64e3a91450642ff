package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// TestPairingCodeLifecycle: wa-js 4.6's managed pairing flow replaces the
// code before it expires; each new code reaches clients as
// session.pairing_code, the end of the flow too (state expired), the
// phone is refused the expired code, and a code asked for afterwards
// pairs.
func TestPairingCodeLifecycle(t *testing.T) {
	skipShort(t)
	sm := startSim(t, wasim.Config{QRFirst: 30 * time.Second, QRInterval: 30 * time.Second, SyncDelay: 50 * time.Millisecond,
		PairCodeTTL: 300 * time.Millisecond})
	pub := newRecordingPublisher()
	srv := startMsgServer(t, testDir(t), sm, pub, pageCallTimeout)
	srv.create("pc", nil)
	srv.wait("pc", session.StatusScanQRCode)

	first := srv.pairingCode("pc", "+1 555 000 2222")
	replaced := pub.wait(t, "pc", session.EventPairingCode, func(d any) bool {
		e := d.(session.PairingCodeEvent)
		return e.State == "active" && e.Code != "" && e.Code != first.Code
	}).Data.(session.PairingCodeEvent)
	if len(replaced.Code) != 8 || replaced.Phone != "15550002222" {
		t.Fatalf("replacement event = %+v", replaced)
	}
	// wa-js refreshes five times, then gives up.
	expired := pub.wait(t, "pc", session.EventPairingCode, func(d any) bool { return d.(session.PairingCodeEvent).State == "expired" })
	if d := expired.Data.(session.PairingCodeEvent); d.Code != "" || d.Detail == "" {
		t.Errorf("expired event = %+v", d)
	}
	// The flow's codes, as clients saw them. The first is published when the
	// call answers, which under load may come after the page's refreshes:
	// their order is not asserted, their number is.
	var active []string
	pub.count("pc", session.EventPairingCode, func(d any) bool {
		if e := d.(session.PairingCodeEvent); e.State == "active" {
			active = append(active, e.Code)
		}
		return false
	})
	if len(active) != 6 || !slices.Contains(active, first.Code) || len(slices.Compact(slices.Sorted(slices.Values(active)))) != 6 {
		t.Errorf("active pairing codes %v, want six different (the first %s and five refreshes)", active, first.Code)
	}
	// Every code of the flow is refused, as by WhatsApp: the replaced ones
	// are unknown, the last one expired with the flow.
	expiredCodes := 0
	for _, code := range active {
		c, b := sm.control(t, "POST", "/__sim/pair", map[string]string{"code": code})
		if c != http.StatusConflict {
			t.Errorf("pairing with %s after the flow expired: %d %s, want 409", code, c, b)
		}
		if strings.Contains(string(b), `"code_expired"`) {
			expiredCodes++
		}
	}
	if expiredCodes != 1 {
		t.Errorf("%d of the flow's codes answered code_expired, want the last one", expiredCodes)
	}

	again := srv.pairingCode("pc", "15550002222")
	if again.Code == "" {
		t.Fatalf("pairing-code after expiry: %+v", again)
	}
	if c, b := sm.control(t, "POST", "/__sim/pair", map[string]string{"code": again.Code}); c != http.StatusOK {
		t.Fatalf("pair: %d %s", c, b)
	}
	if v := srv.wait("pc", session.StatusWorking); v.Reason != session.ReasonPaired {
		t.Fatalf("view = %+v", v)
	}
}

// pairingCode asks the API for a pairing code of session id for phone and
// fails the test unless it answers 200.
func (s *server) pairingCode(id, phone string) session.PairingCodeEvent {
	s.t.Helper()
	code, body := s.call("POST", "/v1/sessions/"+id+"/pairing-code", map[string]string{"phone": phone})
	if code != http.StatusOK {
		s.t.Fatalf("pairing-code: %d %s", code, body)
	}
	var pc session.PairingCodeEvent
	mustJSON(s.t, body, &pc)
	return pc
}
