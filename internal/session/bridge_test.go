package session

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestFatalStreamEndsFailed: a blocked account or an outdated WhatsApp Web
// ends the session FAILED with the bridge's reason and a detail a person can
// act on, and no relaunch (retrying cannot help).
func TestFatalStreamEndsFailed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason Reason
		detail string
	}{
		{"blocked", ReasonAccountBlocked, "WhatsApp banned this account (TOS_BLOCK)"},
		{"outdated", ReasonUpdateRequired, "WhatsApp Web asks to be updated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testFatalStreamEndsFailed(t, tc.reason, tc.detail) })
		})
	}
}

func testFatalStreamEndsFailed(t *testing.T, reason Reason, detail string) {
	h := newBubbleHarness(t, nil)
	h.create("f", Config{})
	p := h.page()
	p.emit(BridgeQR, map[string]string{"code": "ref1,a,b,c"})
	h.wait("f", StatusScanQRCode)
	p.emit(BridgeFatal, map[string]string{"reason": string(reason), "stream_mode": "X", "detail": detail})
	v := h.wait2("f", StatusFailed)
	if v.Reason != reason || v.Error != detail {
		t.Fatalf("view = reason %q error %q, want %q %q", v.Reason, v.Error, reason, detail)
	}
	// Past the longest restart backoff, with every goroutine settled: a
	// relaunch would have asked for a page by now.
	time.Sleep(2 * time.Minute)
	synctest.Wait()
	select {
	case <-h.l.pages:
		t.Fatal("a FAILED session relaunched")
	default:
	}
	if v, _ := h.m.Get(context.Background(), "f"); v.Status != StatusFailed {
		t.Fatalf("status %s after two minutes, want it to stay FAILED", v.Status)
	}
}

// TestPairingCodeEvents: a code WhatsApp replaced, and the end of the flow,
// reach clients as session.pairing_code events.
func TestPairingCodeEvents(t *testing.T) {
	h := newHarness(t, nil)
	h.create("p", Config{})
	p := h.page()
	p.emit(BridgeQR, map[string]string{"code": "ref1,a,b,c"})
	h.wait("p", StatusScanQRCode)
	p.emit(BridgePairingCode, map[string]string{"code": "WXYZ1234", "phone": "15551234567"})
	p.emit(BridgePairingExpired, map[string]string{"phone": "15551234567"})
	p.emit(BridgePairingError, map[string]string{"phone": "15551234567", "message": "linking failed"})
	var got []PairingCodeEvent
	timeout := time.After(5 * time.Second)
	for len(got) < 3 {
		select {
		case e := <-h.pub.ch:
			if e.Type == EventPairingCode {
				got = append(got, e.Data.(PairingCodeEvent))
			}
		case <-timeout:
			t.Fatalf("pairing events = %+v, want 3", got)
		}
	}
	if len(got) != 3 {
		t.Fatalf("pairing events = %+v", got)
	}
	if got[0] != (PairingCodeEvent{Code: "WXYZ1234", Phone: "15551234567", State: "active"}) {
		t.Errorf("new code event = %+v", got[0])
	}
	if got[1].State != "expired" || got[1].Code != "" || !strings.Contains(got[1].Detail, "/v1/sessions/p/pairing-code") {
		t.Errorf("expired event = %+v", got[1])
	}
	if got[2].State != "error" || !strings.Contains(got[2].Detail, "linking failed") {
		t.Errorf("error event = %+v", got[2])
	}
}
