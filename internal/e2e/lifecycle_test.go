package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/browser"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

var dataRoot string

func TestMain(m *testing.M) {
	var err error
	dataRoot, err = os.MkdirTemp("", "easy-api-e2e-")
	if err != nil {
		panic(err)
	}
	code := m.Run()
	if procs := chromiumProcesses(dataRoot); len(procs) > 0 {
		os.Stderr.WriteString("browsers left running after the suite:\n" + strings.Join(procs, "\n") + "\n")
		code = 1
	}
	// nats.go v1.55 ObjectStore.Put (snapshots) races its own cleanup and
	// can park one goroutine on a nil channel for good; upstream bug, see
	// internal/store/snapshots.go.
	if err := goleak.Find(goleak.IgnoreTopFunction("github.com/nats-io/nats.go/jetstream.(*jetStream).resetPendingAcksOnReconnect")); err != nil {
		os.Stderr.WriteString("goroutines leaked: " + err.Error() + "\n")
		code = 1
	}
	os.RemoveAll(dataRoot)
	os.Exit(code)
}

func testDir(t testing.TB) string {
	d, err := os.MkdirTemp(dataRoot, strings.ReplaceAll(t.Name(), "/", "_")+"-")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func skipShort(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test; runs in make test")
	}
}

func TestFullFlowQRScanWorking(t *testing.T) {
	skipShort(t)
	sm, srv := fastServer(t)
	srv.create("alice", nil)
	srv.wait("alice", session.StatusScanQRCode)

	// JSON form: the code shown by the page, an image, an index.
	code, body := do(t, srv.http.Client(), "GET", srv.http.URL+"/v1/sessions/alice/qr", "application/json", nil)
	if code != http.StatusOK {
		t.Fatalf("qr json: %d %s", code, body)
	}
	var qr api.QRResponse
	mustJSON(t, body, &qr)
	displayed := sm.QRCodes()
	if len(displayed) != 1 || displayed[0].Code != qr.Code || qr.Index < 1 || !strings.HasPrefix(qr.Image, "data:image/png;base64,") {
		t.Fatalf("qr = %+v, simulator shows %+v", qr, displayed)
	}
	// PNG by default.
	code, body = srv.call("GET", "/v1/sessions/alice/qr", nil)
	if _, err := png.Decode(bytes.NewReader(body)); code != http.StatusOK || err != nil {
		t.Fatalf("qr png: %d, %v", code, err)
	}

	if c, b := sm.control(t, "POST", "/__sim/scan", map[string]string{"code": qr.Code, "phone": "15551234567", "name": "Alice"}); c != http.StatusOK {
		t.Fatalf("scan: %d %s", c, b)
	}
	v := srv.wait("alice", session.StatusWorking)
	if v.Reason != session.ReasonScanned || !historyHas(v, session.StatusSyncing) {
		t.Errorf("WORKING view = %+v", v)
	}
	code, body = srv.call("GET", "/v1/sessions/alice/me", nil)
	var me session.Account
	mustJSON(t, body, &me)
	if code != http.StatusOK || me.Phone != "15551234567" || me.ID != "15551234567@c.us" {
		t.Errorf("me = %d %+v", code, me)
	}
	code, body = srv.call("GET", "/v1/sessions/alice/screenshot", nil)
	if _, err := png.Decode(bytes.NewReader(body)); code != http.StatusOK || err != nil {
		t.Errorf("screenshot: %d %v", code, err)
	}
	if code, _ := srv.call("GET", "/v1/sessions/alice/qr", nil); code != http.StatusConflict {
		t.Errorf("qr while WORKING = %d, want 409", code)
	}
}

func TestQRRotationThenQRMaxFails(t *testing.T) {
	skipShort(t)
	sm := startSim(t, wasim.Config{QRFirst: 700 * time.Millisecond, QRInterval: 500 * time.Millisecond, QRMax: 2, SyncDelay: 50 * time.Millisecond})
	srv := startServer(t, testDir(t), sm, serverOpts{})
	srv.create("rot", map[string]any{"qr_max": 3, "qr_timeout": "0s"})
	srv.wait("rot", session.StatusScanQRCode)
	seen := map[string]int{}
	deadline := time.Now().Add(30 * time.Second)
	for srv.get("rot").Status != session.StatusFailed {
		if time.Now().After(deadline) {
			t.Fatalf("never FAILED; saw %d codes", len(seen))
		}
		if c, b := do(t, srv.http.Client(), "GET", srv.http.URL+"/v1/sessions/rot/qr", "application/json", nil); c == http.StatusOK {
			var qr api.QRResponse
			mustJSON(t, b, &qr)
			seen[qr.Code] = qr.Index
		}
		time.Sleep(50 * time.Millisecond) // polling interval, bounded by the deadline above
	}
	v := srv.get("rot")
	if v.Reason != session.ReasonQRTimeout || v.Error == "" {
		t.Fatalf("view = %+v", v)
	}
	if len(seen) < 2 {
		t.Errorf("saw %d distinct codes, want the QR to rotate", len(seen))
	}
	if code, _ := srv.call("GET", "/v1/sessions/rot/screenshot", nil); code != http.StatusConflict {
		t.Errorf("screenshot after FAILED = %d, want 409 (browser freed)", code)
	}
}

func TestQRTimeoutFails(t *testing.T) {
	skipShort(t)
	_, srv := fastServer(t)
	srv.create("slow", map[string]any{"qr_timeout": "1s"})
	srv.wait("slow", session.StatusScanQRCode)
	v := srv.wait("slow", session.StatusFailed)
	if v.Reason != session.ReasonQRTimeout {
		t.Fatalf("reason = %s", v.Reason)
	}
}

func TestPairingCode(t *testing.T) {
	skipShort(t)
	sm, srv := fastServer(t)
	srv.create("pair", nil)
	srv.wait("pair", session.StatusScanQRCode)
	pc := srv.pairingCode("pair", "+1 555 000 1111")
	if len(pc.Code) != 8 || pc.Phone != "15550001111" {
		t.Fatalf("pairing code = %+v", pc)
	}
	if c, b := sm.control(t, "POST", "/__sim/pair", map[string]string{"code": pc.Code}); c != http.StatusOK {
		t.Fatalf("pair: %d %s", c, b)
	}
	v := srv.wait("pair", session.StatusWorking)
	if v.Reason != session.ReasonPaired || v.Me == nil || v.Me.Phone != "15550001111" {
		t.Fatalf("view = %+v", v)
	}
}

func TestRestartReauthsWithoutQR(t *testing.T) {
	skipShort(t)
	sm, srv := linkedServer(t, "re", "15550000001")
	dir := srv.dir

	// API restart.
	if code, b := srv.call("POST", "/v1/sessions/re/restart", nil); code != http.StatusOK {
		t.Fatalf("restart: %d %s", code, b)
	}
	v := srv.wait("re", session.StatusWorking)
	assertResumed(t, v)

	// Graceful stop keeps auth; start resumes.
	srv.call("POST", "/v1/sessions/re/stop", nil)
	if v := srv.get("re"); v.Status != session.StatusStopped {
		t.Fatalf("after stop: %s", v.Status)
	}
	srv.call("POST", "/v1/sessions/re/start", nil)
	assertResumed(t, srv.wait("re", session.StatusWorking))

	// Server restart: the session was running, so it comes back by itself.
	srv.stop()
	srv2 := startServer(t, dir, sm, serverOpts{})
	v = srv2.wait("re", session.StatusWorking)
	assertResumed(t, v)
	if !historyHasReason(v, session.StatusStarting, session.ReasonBoot) {
		t.Errorf("boot start reason missing: %+v", v.History)
	}
}

// assertResumed checks that the last run went RESUMING → (SYNCING) →
// WORKING, all reauth_ok, with no QR in between.
func assertResumed(t *testing.T, v session.View) {
	t.Helper()
	n := len(v.History)
	if n < 2 || v.History[n-1].Status != session.StatusWorking || v.History[n-1].Reason != session.ReasonReauthOK {
		t.Fatalf("want WORKING(reauth_ok), history %+v", v.History)
	}
	i := n - 2
	if v.History[i].Status == session.StatusSyncing && v.History[i].Reason == session.ReasonReauthOK {
		i--
	}
	if i < 0 || v.History[i].Status != session.StatusResuming {
		t.Fatalf("want RESUMING → (SYNCING) → WORKING, history %+v", v.History)
	}
}

func TestPhoneLogoutWhileStoppedAsksForScan(t *testing.T) {
	skipShort(t)
	sm, srv := linkedServer(t, "lo", "15550000002")
	srv.call("POST", "/v1/sessions/lo/stop", nil)
	if c, b := sm.control(t, "POST", "/__sim/logout", map[string]string{"phone": "15550000002"}); c != http.StatusOK {
		t.Fatalf("sim logout: %d %s", c, b)
	}
	srv.call("POST", "/v1/sessions/lo/start", nil)
	v := srv.wait("lo", session.StatusScanQRCode)
	if v.Reason != session.ReasonReauthFailed || !historyHas(v, session.StatusResuming) {
		t.Fatalf("want RESUMING then SCAN_QR_CODE(reauth_failed): %+v", v.History)
	}
	// And it can be linked again.
	srv.link(sm, "lo", "15550000002")
}

func TestLivePhoneLogout(t *testing.T) {
	skipShort(t)
	sm, srv := linkedServer(t, "live", "15550000003")
	sm.control(t, "POST", "/__sim/logout", map[string]string{"phone": "15550000003"})
	v := srv.wait("live", session.StatusScanQRCode)
	if v.Reason != session.ReasonLoggedOut || v.Me != nil {
		t.Fatalf("view = %+v", v)
	}
	// A fresh QR arrives.
	waitFor(t, 20*time.Second, "a QR after the live logout", func() bool {
		code, _ := srv.call("GET", "/v1/sessions/live/qr", nil)
		return code == http.StatusOK
	})
}

func TestCrashesRecoverWithoutQR(t *testing.T) {
	skipShort(t)
	_, srv := linkedServer(t, "crash", "15550000004")

	for _, tc := range []struct {
		name   string
		reason session.Reason
		do     func(t *testing.T)
	}{
		{"sigkill", session.ReasonBrowserExited, func(t *testing.T) {
			if err := syscall.Kill(srv.launcher.page("crash").PID(), syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}},
		{"renderer crash", session.ReasonRendererCrashed, func(t *testing.T) {
			_ = srv.launcher.page("crash").CrashRenderer(context.Background())
		}},
		{"hung page", session.ReasonUnresponsive, func(t *testing.T) {
			_ = srv.launcher.page("crash").Eval(context.Background(), "setTimeout(() => { for (;;) {} }, 0)")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.do(t)
			srv.wait("crash", session.StatusRestarting)
			v := srv.wait("crash", session.StatusWorking)
			if !historyHasReason(v, session.StatusRestarting, tc.reason) {
				t.Fatalf("want RESTARTING(%s): %+v", tc.reason, v.History)
			}
			assertResumed(t, v)
		})
	}
}

func historyHasReason(v session.View, st session.Status, r session.Reason) bool {
	for _, h := range v.History {
		if h.Status == st && h.Reason == r {
			return true
		}
	}
	return false
}

func TestLaunchFailuresFailOneSessionOnly(t *testing.T) {
	skipShort(t)
	sm, srv := fastServer(t)
	srv.create("ok", nil)
	srv.create("headful", map[string]any{"headful": true})
	v := srv.wait("headful", session.StatusFailed)
	if v.Reason != session.ReasonNoDisplay || !strings.Contains(v.Error, "DISPLAY") {
		t.Fatalf("headful view = %+v", v)
	}
	srv.wait("ok", session.StatusScanQRCode)

	srv2 := startServer(t, testDir(t), sm, serverOpts{browser: func(c *browserConfig) { c.BrowserPath = "/nonexistent/chromium" }})
	srv2.create("nobin", nil)
	v = srv2.wait("nobin", session.StatusFailed)
	if v.Reason != session.ReasonLaunchFailed || v.Error == "" {
		t.Fatalf("no binary view = %+v", v)
	}
}

func TestTwoSessionsStayIsolated(t *testing.T) {
	skipShort(t)
	sm, srv := fastServer(t)
	srv.create("a", nil)
	srv.create("b", nil)
	va := srv.link(sm, "a", "15550000010")
	vb := srv.link(sm, "b", "15550000020")
	if va.Me.Phone == vb.Me.Phone {
		t.Fatal("both sessions linked to one account")
	}
	// Logging one out leaves the other WORKING.
	sm.control(t, "POST", "/__sim/logout", map[string]string{"phone": "15550000010"})
	srv.wait("a", session.StatusScanQRCode)
	if v := srv.get("b"); v.Status != session.StatusWorking {
		t.Fatalf("b = %s after a's logout", v.Status)
	}
	code, body := srv.call("GET", "/v1/sessions", nil)
	var list api.SessionList
	mustJSON(t, body, &list)
	if code != http.StatusOK || len(list.Sessions) != 2 {
		t.Fatalf("list = %d %s", code, body)
	}
}

// TestBlockAssets: with --block-assets the page's images do not load (the
// simulator shows its QR as an <img>; without the flag it loads) and the
// session still links.
func TestBlockAssets(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	for _, block := range []bool{false, true} {
		srv := startServer(t, testDir(t), sm, serverOpts{browser: func(c *browserConfig) { c.BlockAssets = block }})
		id := fmt.Sprintf("lean%v", block)
		srv.create(id, nil)
		srv.wait(id, session.StatusScanQRCode)
		if loaded := qrImageLoaded(t, srv.launcher.page(id)); loaded == block {
			t.Fatalf("block-assets %v: QR image loaded = %v", block, loaded)
		}
		phone := fmt.Sprintf("155500001%02d", boolInt(block))
		if v := srv.link(sm, id, phone); v.Me == nil || v.Me.Phone != phone {
			t.Fatalf("view = %+v", v)
		}
	}
}

// qrImageLoaded waits until the simulator page's QR <img> finished (loaded
// or failed) and reports whether it loaded.
func qrImageLoaded(t *testing.T, p *browser.Page) bool {
	t.Helper()
	const probe = `(() => { const i = document.getElementById('qr-img');
		if (!i || !i.src || !i.complete) throw new Error('pending');
		if (i.naturalWidth > 0) throw new Error('loaded'); })()`
	var loaded bool
	waitFor(t, 20*time.Second, "the QR image to finish", func() bool {
		err := p.Eval(context.Background(), probe)
		loaded = err != nil && strings.Contains(err.Error(), "loaded")
		return err == nil || loaded
	})
	return loaded
}

// TestMemoryLimitBelowNeedEndsFailed: a limit no browser can meet does not
// become a restart storm; the budget ends it FAILED naming the setting.
func TestMemoryLimitBelowNeedEndsFailed(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	srv := startServer(t, testDir(t), sm, serverOpts{restart: session.RestartPolicy{
		InitialBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Budget: 3, Window: time.Minute}})
	srv.create("tiny", map[string]any{"max_memory": "1MB"})
	v := srv.wait("tiny", session.StatusFailed)
	if v.Reason != session.ReasonMemoryLimit || !strings.Contains(v.Error, "--max-session-memory") {
		t.Fatalf("view = %+v", v)
	}
	if !historyHasReason(v, session.StatusRestarting, session.ReasonMemoryLimit) {
		t.Fatalf("no RESTARTING(memory_limit) in %+v", v.History)
	}
	if v.Resources.Restarts != 2 {
		t.Fatalf("restarts = %d, want the budget's 2 relaunches before FAILED", v.Resources.Restarts)
	}
}
