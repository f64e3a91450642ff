package browser

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// legacyState is the part of the bridge's state payload legacy sessions add.
type legacyState struct {
	Phase       string `json:"phase"`
	StreamMode  string `json:"stream_mode"`
	PhoneOnline bool   `json:"phone_online"`
	Conflict    bool   `json:"conflict"`
}

// simPost sends a control-API request to the simulator and fails the test
// unless it answers 200.
func simPost(t *testing.T, ts *httptest.Server, path, body string) {
	t.Helper()
	resp, err := ts.Client().Post(ts.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: %s", path, body, resp.Status)
	}
}

// TestBridgeLegacy drives the bridge through a legacy account of the
// simulator: link, tokens, a restored copy that meets CONFLICT and takes
// over, and the phone going offline and back.
func TestBridgeLegacy(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	sim := wasim.New(wasim.Config{QRFirst: time.Minute, SyncDelay: 50 * time.Millisecond})
	ts := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		ts.Close()
	})
	const phone = "15551234567"
	cfg := testConfig(t)

	a, _ := launch(t, cfg, ts.URL+"/")
	var qr struct{ Code string }
	if err := json.Unmarshal(waitEvent(t, a, session.BridgeQR), &qr); err != nil || qr.Code == "" {
		t.Fatalf("qr event: %v %+v", err, qr)
	}
	var none map[string]string
	call(t, a, "legacyTokens", nil, &none)
	if none != nil {
		t.Errorf("legacyTokens before linking = %v, want null", none)
	}
	simPost(t, ts, "/__sim/scan", `{"code":"`+qr.Code+`","phone":"`+phone+`","legacy":true}`)
	var acc session.Account
	if err := json.Unmarshal(waitEvent(t, a, session.BridgeReady), &acc); err != nil {
		t.Fatal(err)
	}
	if acc.ID != phone+"@c.us" || acc.MultiDevice == nil || *acc.MultiDevice {
		t.Errorf("ready = %+v, want %s with multi_device false", acc, phone)
	}
	var tokens map[string]string
	call(t, a, "legacyTokens", nil, &tokens)
	if len(tokens) != 4 || !strings.HasPrefix(tokens["WABrowserId"], `"`) || !strings.HasPrefix(tokens["WAToken2"], `"1@`) {
		t.Fatalf("legacyTokens = %v", tokens)
	}

	// A browser restored from the tokens meets CONFLICT and is not ready.
	b, _ := launchSpec(t, cfg, session.LaunchSpec{URL: ts.URL + "/", LocalStorage: tokens})
	waitEvent(t, b, session.BridgeConflict)
	var st legacyState
	call(t, b, "state", nil, &st)
	if !st.Conflict || st.Phase == "ready" || st.StreamMode != "CONFLICT" {
		t.Errorf("state in conflict = %+v", st)
	}
	var restored map[string]string
	call(t, b, "legacyTokens", nil, &restored)
	if diff := cmp.Diff(tokens, restored); diff != "" {
		t.Errorf("restored tokens (-want +got):\n%s", diff)
	}

	// Takeover: b is ready, a in CONFLICT.
	var ok bool
	call(t, b, "takeover", nil, &ok)
	if !ok {
		t.Error("takeover = false")
	}
	waitEvent(t, b, session.BridgeReady)
	waitEvent(t, a, session.BridgeConflict)
	call(t, a, "state", nil, &st)
	if !st.Conflict || st.Phase == "ready" {
		t.Errorf("taken-over state = %+v", st)
	}

	// The phone goes offline and back: phone events, state.phone_online.
	for _, online := range []bool{false, true} {
		simPost(t, ts, "/__sim/phone-online", `{"phone":"`+phone+`","online":`+map[bool]string{true: "true", false: "false"}[online]+`}`)
		var ev struct {
			Online *bool `json:"online"`
		}
		if err := json.Unmarshal(waitEvent(t, b, session.BridgePhone), &ev); err != nil || ev.Online == nil || *ev.Online != online {
			t.Fatalf("phone event = %+v (%v), want online %v", ev, err, online)
		}
		call(t, b, "state", nil, &st)
		if st.PhoneOnline != online || st.Phase != "ready" {
			t.Errorf("state with the phone online=%v: %+v", online, st)
		}
	}
}
