package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// linkLegacy links a legacy session with the simulated phone.
func (s *server) linkLegacy(sm *sim, id, phone string) session.View {
	s.t.Helper()
	s.wait(id, session.StatusScanQRCode)
	_, code := s.call("GET", "/v1/sessions/"+id+"/qr?format=raw", nil)
	if c, b := sm.control(s.t, "POST", "/__sim/scan", map[string]any{"code": string(code), "phone": phone, "legacy": true}); c != http.StatusOK {
		s.t.Fatalf("legacy scan: %d %s", c, b)
	}
	return s.wait(id, session.StatusWorking)
}

func TestLegacySessionMovesConflictsAndFollowsThePhone(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	const phone = "15554440000"
	a := startServer(t, testDir(t), sm, serverOpts{})
	a.create("leg", map[string]any{"multi_device": false})
	v := a.linkLegacy(sm, "leg", phone)
	if v.PhoneOnline == nil || !*v.PhoneOnline {
		t.Fatalf("phone_online = %v", v.PhoneOnline)
	}

	// The data file carries the four tokens.
	code, file := a.call("GET", "/v1/sessions/leg/data", nil)
	var df session.DataFile
	mustJSON(t, file, &df)
	if code != http.StatusOK || df.Kind != session.KindLegacy || df.Legacy == nil || df.Legacy.WAToken1 == "" || df.Profile != nil {
		t.Fatalf("export = %d %+v", code, df)
	}

	// Phone offline: still WORKING, phone_online false, an event says why; back by itself.
	sm.control(t, "POST", "/__sim/phone-online", map[string]any{"phone": phone, "online": false})
	waitFor(t, 20*time.Second, "phone_online false", func() bool {
		v := a.get("leg")
		return v.Status == session.StatusWorking && v.PhoneOnline != nil && !*v.PhoneOnline && v.Reason == session.ReasonPhoneOffline
	})
	sm.control(t, "POST", "/__sim/phone-online", map[string]any{"phone": phone, "online": true})
	waitFor(t, 20*time.Second, "phone back", func() bool {
		v := a.get("leg")
		return v.PhoneOnline != nil && *v.PhoneOnline && v.Reason == session.ReasonPhoneOnline
	})

	// B imports while A is live: CONFLICT, and without takeover B gives up.
	b := startServer(t, testDir(t), sm, serverOpts{})
	if code, body := b.call("PUT", "/v1/sessions/leg/data", file); code != http.StatusOK {
		t.Fatalf("import: %d %s", code, body)
	}
	v = b.wait("leg", session.StatusFailed)
	if v.Reason != session.ReasonConflict {
		t.Fatalf("B = %s/%s, want FAILED conflict", v.Status, v.Reason)
	}
	if v := a.get("leg"); v.Status != session.StatusWorking {
		t.Fatalf("A = %s after B's conflict", v.Status)
	}

	// With takeover B becomes the live one and A gets the conflict.
	if code, body := b.call("PATCH", "/v1/sessions/leg", map[string]any{"takeover_on_conflict": true}); code != http.StatusOK {
		t.Fatalf("patch: %d %s", code, body)
	}
	b.call("POST", "/v1/sessions/leg/start", nil)
	b.wait("leg", session.StatusWorking)
	if v := a.wait("leg", session.StatusFailed); v.Reason != session.ReasonConflict {
		t.Fatalf("A = %s/%s after takeover", v.Status, v.Reason)
	}

	// Moving for real: B stops, C imports the file and resumes with no QR.
	b.call("POST", "/v1/sessions/leg/stop", nil)
	c := startServer(t, testDir(t), sm, serverOpts{})
	if code, body := c.call("PUT", "/v1/sessions/leg/data", file); code != http.StatusOK {
		t.Fatalf("import on C: %d %s", code, body)
	}
	v = c.wait("leg", session.StatusWorking)
	assertResumed(t, v)
}
