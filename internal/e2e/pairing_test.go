package e2e

import (
	"net/http"
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
	srv := startMsgServer(t, testDir(t), sm, pub, 3*time.Second)
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
	if n := pub.count("pc", session.EventPairingCode, func(d any) bool { return d.(session.PairingCodeEvent).State == "active" }); n != 6 {
		t.Errorf("%d active pairing_code events, want 6 (the first and five refreshes)", n)
	}
	if c, _ := sm.control(t, "POST", "/__sim/pair", map[string]string{"code": replaced.Code}); c != http.StatusConflict {
		t.Errorf("pairing with a replaced code: %d, want 409", c)
	}
	// The last code expired with the flow: the phone is refused, as by WhatsApp.
	var last string
	pub.count("pc", session.EventPairingCode, func(d any) bool {
		if e := d.(session.PairingCodeEvent); e.State == "active" {
			last = e.Code
		}
		return false
	})
	if c, b := sm.control(t, "POST", "/__sim/pair", map[string]string{"code": last}); c != http.StatusConflict || !strings.Contains(string(b), `"code_expired"`) {
		t.Errorf("pairing with the last code after the flow expired: %d %s, want 409 code_expired", c, b)
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
