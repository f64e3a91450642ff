package wasim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rotateAsync calls POST /__sim/rotate, which waits for the page, and
// delivers its status and result.
func rotateAsync(ts string, phone string) <-chan RotateResult {
	out := make(chan RotateResult, 1)
	go func() {
		var res RotateResult
		resp, err := http.Post(ts+"/__sim/rotate", "application/json", strings.NewReader(`{"phone":"`+phone+`"}`))
		if err == nil {
			if resp.StatusCode == http.StatusOK {
				json.NewDecoder(resp.Body).Decode(&res)
			}
			resp.Body.Close()
		}
		out <- res
	}()
	return out
}

func awaitRotation(t *testing.T, c <-chan RotateResult) RotateResult {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(15 * time.Second):
		t.Fatal("POST /__sim/rotate did not answer")
		return RotateResult{}
	}
}

// TestRotationRefusesOlderCredentials: after a rotation the page holds new
// credentials, and a profile copied before it is refused at resume with
// credentials_rotated, while the rotated one resumes.
func TestRotationRefusesOlderCredentials(t *testing.T) {
	s, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})
	const phone = "15551230001"
	if st := call(t, ts, "POST", "/__sim/rotate", `{"phone":"`+phone+`"}`, nil); st != http.StatusNotFound {
		t.Errorf("rotate of an unknown phone = %d, want 404", st)
	}
	page, old := linkedPage(t, ts, phone)

	done := rotateAsync(ts.URL, phone)
	rot := page.next(msgRotate)
	if rot.Creds == nil || rot.Creds.DeviceID != old.DeviceID || rot.Creds.Secret == old.Secret {
		t.Fatalf("rotate message = %+v, want new credentials for %s", rot.Creds, old.DeviceID)
	}
	page.send(inMsg{T: msgRotated, Creds: rot.Creds})
	res := awaitRotation(t, done)
	if len(res.Devices) != 1 || res.Devices[0].ID != old.DeviceID || res.Devices[0].Rotations != 1 {
		t.Fatalf("rotate result = %+v", res)
	}
	if d := s.Accounts()[0].Devices[0]; d.Rotations != 1 || d.RotatedAt == nil {
		t.Errorf("device after rotation = %+v", d)
	}
	page.conn.Close()

	stale := dialPage(t, ts)
	stale.send(inMsg{T: msgHello, Keys: testKeys, Creds: old})
	if r := stale.next(msgRefused); r.Reason != reasonCredsRotated {
		t.Errorf("resume with pre-rotation credentials refused with %q, want %q", r.Reason, reasonCredsRotated)
	}
	fresh := dialPage(t, ts)
	fresh.send(inMsg{T: msgHello, Keys: testKeys, Creds: rot.Creds})
	fresh.next(msgResumed)
}

// TestRotationCompletesAtResume: a page that stored its new credentials but
// went away before answering resumes with them, which completes the
// rotation; the old ones are refused from then on.
func TestRotationCompletesAtResume(t *testing.T) {
	_, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})
	const phone = "15551230002"
	page, old := linkedPage(t, ts, phone)
	done := rotateAsync(ts.URL, phone)
	rot := page.next(msgRotate)
	page.conn.Close()

	again := dialPage(t, ts)
	again.send(inMsg{T: msgHello, Keys: testKeys, Creds: rot.Creds})
	again.next(msgResumed)
	if res := awaitRotation(t, done); len(res.Devices) != 1 || res.Devices[0].Rotations != 1 {
		t.Fatalf("rotate result = %+v", res)
	}
	stale := dialPage(t, ts)
	stale.send(inMsg{T: msgHello, Keys: testKeys, Creds: old})
	stale.next(msgRefused)
}

// TestRotationNeedsALiveDevice: a phone whose devices are all offline
// rotates nothing (409), and their credentials still resume.
func TestRotationNeedsALiveDevice(t *testing.T) {
	s, ts := simServer(t, Config{QRFirst: time.Minute, SyncDelay: time.Millisecond})
	const phone = "15551230003"
	page, creds := linkedPage(t, ts, phone)
	page.conn.Close()
	waitFor(t, func() bool { return !s.Accounts()[0].Devices[0].Connected })
	var p Problem
	if st := call(t, ts, "POST", "/__sim/rotate", `{"phone":"`+phone+`"}`, &p); st != http.StatusConflict || p.Code != string(CodeConflict) {
		t.Errorf("rotate with no live device = %d %+v, want 409 conflict", st, p)
	}
	again := dialPage(t, ts)
	again.send(inMsg{T: msgHello, Keys: testKeys, Creds: creds})
	again.next(msgResumed)
}
