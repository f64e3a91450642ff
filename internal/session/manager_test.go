package session

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/easy-api/easy-api/internal/apperr"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type harness struct {
	t   *testing.T
	m   *Manager
	l   *fakeLauncher
	pub *recorder
	reg *memRegistry
	dir string
	// patience bounds each wait for a launch or a status: 5 s of real
	// time, or an hour of a synctest bubble's fake time (newBubbleHarness).
	patience time.Duration
}

func newHarness(t *testing.T, mod func(*ManagerConfig)) *harness {
	t.Helper()
	h := &harness{t: t, l: newFakeLauncher(), pub: newRecorder(), reg: newMemRegistry(), dir: t.TempDir(), patience: 5 * time.Second}
	cfg := ManagerConfig{Registry: h.reg, Launcher: h.l, Publisher: h.pub, DataPath: h.dir, URL: "https://web.whatsapp.com/",
		Defaults:     Config{AuthTimeout: new(Duration(5 * time.Second)), QRMax: new(6)},
		CloseTimeout: time.Second, CallTimeout: time.Second, SampleInterval: 10 * time.Millisecond,
		Restart: RestartPolicy{InitialBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Budget: 3, Window: time.Minute},
		Log:     zerolog.Nop()}
	if mod != nil {
		mod(&cfg)
	}
	h.m = NewManager(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.m.Serve(ctx) }()
	<-h.m.serving
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return h
}

// newBubbleHarness is newHarness for a test inside synctest.Test: the
// manager gets production-like intervals (realTimes), which the bubble's
// fake clock makes free.
func newBubbleHarness(t *testing.T, mod func(*ManagerConfig)) *harness {
	h := newHarness(t, func(c *ManagerConfig) {
		realTimes(c)
		if mod != nil {
			mod(c)
		}
	})
	h.patience = time.Hour
	return h
}

func (h *harness) page() *fakePage {
	h.t.Helper()
	select {
	case p := <-h.l.pages:
		return p
	case <-time.After(h.patience):
		h.t.Fatal("no browser launched")
		return nil
	}
}

func (h *harness) wait(id string, want Status) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), h.patience)
	defer cancel()
	if _, err := h.m.WaitStatus(ctx, id, want); err != nil {
		h.t.Fatal(err)
	}
}

// wait2 is wait returning the view.
func (h *harness) wait2(id string, want Status) View {
	h.t.Helper()
	h.wait(id, want)
	v, err := h.m.Get(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return v
}

func (h *harness) create(id string, cfg Config) {
	h.t.Helper()
	if _, err := h.m.Create(context.Background(), id, cfg, true); err != nil {
		h.t.Fatal(err)
	}
}

func link(p *fakePage) {
	p.emit(BridgeAuthenticated, map[string]string{"method": "qr"})
	p.emit(BridgeReady, Account{ID: "15551234567@c.us", Phone: "15551234567", PushName: "Alice"})
}

func TestScanThenCrashResumesWithoutQR(t *testing.T) {
	h := newHarness(t, nil)
	h.create("alice", Config{})
	p := h.page()
	p.emit(BridgeBoot, map[string]any{})
	p.emit(BridgeQR, map[string]string{"code": "ref1,a,b,c"})
	h.wait("alice", StatusScanQRCode)
	qr, err := h.m.QR(context.Background(), "alice")
	if err != nil || qr.Code != "ref1,a,b,c" || qr.Index != 1 {
		t.Fatalf("QR = %+v, %v", qr, err)
	}
	link(p)
	h.wait("alice", StatusWorking)
	v, _ := h.m.Get(context.Background(), "alice")
	if v.Reason != ReasonScanned || v.Me == nil || v.Me.Phone != "15551234567" {
		t.Fatalf("view after scan = %+v", v)
	}

	p.crash(ErrBrowserExited)
	p2 := h.page()
	h.wait("alice", StatusResuming)
	p2.emit(BridgeReady, Account{ID: "15551234567@c.us"})
	h.wait("alice", StatusWorking)
	v, _ = h.m.Get(context.Background(), "alice")
	if v.Reason != ReasonReauthOK {
		t.Fatalf("reason after resume = %s, want reauth_ok; history %+v", v.Reason, v.History)
	}
	var sawRestarting bool
	for _, tr := range v.History {
		if tr.Status == StatusRestarting && tr.Reason == ReasonBrowserExited {
			sawRestarting = true
		}
		if tr.Status == StatusScanQRCode {
			t.Errorf("history shows a QR after the crash: %+v", v.History)
		}
	}
	if !sawRestarting {
		t.Errorf("history lacks RESTARTING/browser_exited: %+v", v.History)
	}
}

func TestQRBeforeMainIsReauthFailed(t *testing.T) {
	h := newHarness(t, nil)
	h.create("bob", Config{})
	p := h.page()
	p.emit(BridgeQR, map[string]string{"code": "c1"})
	link(p)
	h.wait("bob", StatusWorking)
	if _, err := h.m.Stop(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	h.wait("bob", StatusStopped)
	if _, err := h.m.Start(context.Background(), "bob"); err != nil {
		t.Fatal(err)
	}
	p = h.page()
	h.wait("bob", StatusResuming)
	p.emit(BridgeQR, map[string]string{"code": "c2"})
	h.wait("bob", StatusScanQRCode)
	v, _ := h.m.Get(context.Background(), "bob")
	if v.Reason != ReasonReauthFailed {
		t.Fatalf("reason = %s, want reauth_failed", v.Reason)
	}
	if (profile{dir: ProfileDir(h.dir, "bob")}).hasAuth() {
		t.Fatal("auth marker kept after reauth_failed")
	}
}

func TestAuthTimeoutPurgesAndRelaunches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, nil)
		h.create("carol", Config{AuthTimeout: new(Duration(20 * time.Second))})
		p := h.page()
		link(p)
		h.wait("carol", StatusWorking)
		p.crash(ErrRendererCrashed)
		p2 := h.page()
		h.wait("carol", StatusResuming)
		// The page loads and resumes, but WhatsApp never confirms.
		p2.emit(BridgeState, BridgeStateData{Phase: "resuming", PhoneOnline: true})
		start := time.Now()
		p3 := h.page() // relaunched on a purged profile
		if waited := time.Since(start); waited != 20*time.Second {
			t.Errorf("relaunched after %s in RESUMING, want auth_timeout (20s)", waited)
		}
		if (profile{dir: p3.spec.ProfileDir}).hasAuth() {
			t.Error("relaunched with the refused auth")
		}
		p3.emit(BridgeQR, map[string]string{"code": "fresh"})
		v := h.wait2("carol", StatusScanQRCode)
		if v.Reason != ReasonReauthFailed {
			t.Fatalf("reason = %s", v.Reason)
		}
	})
}

func TestQRMaxFails(t *testing.T) {
	h := newHarness(t, nil)
	h.create("dave", Config{QRMax: new(2)})
	p := h.page()
	for _, c := range []string{"a", "b", "c"} {
		p.emit(BridgeQR, map[string]string{"code": c})
	}
	h.wait("dave", StatusFailed)
	v, _ := h.m.Get(context.Background(), "dave")
	if v.Reason != ReasonQRTimeout || v.Error == "" {
		t.Fatalf("view = %+v", v)
	}
	if _, err := h.m.QR(context.Background(), "dave"); apperr.CodeOf(err) != apperr.NotScanQRCode {
		t.Fatalf("QR on failed session: %v", err)
	}
}

func TestQRTimeoutFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, nil)
		h.create("erin", Config{QRTimeout: new(Duration(2 * time.Minute))})
		p := h.page()
		p.emit(BridgeQR, map[string]string{"code": "a"})
		h.wait("erin", StatusScanQRCode)
		shown := time.Now()
		v := h.wait2("erin", StatusFailed)
		if waited := time.Since(shown); waited != 2*time.Minute || v.Reason != ReasonQRTimeout {
			t.Fatalf("FAILED %s after the QR (want qr_timeout, 2m): %+v", waited, v)
		}
		synctest.Wait()
		if !p.closed {
			t.Error("the browser stays open after qr_timeout")
		}
	})
}

func TestRestartBudgetFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newBubbleHarness(t, nil)
		h.create("fay", Config{})
		// Backoff with 30% jitter: about 1 s, then about 2 s.
		var waits []time.Duration
		for i := range 3 {
			p := h.page()
			if i > 0 {
				v := h.wait2("fay", StatusRestarting)
				waits = append(waits, time.Since(v.History[len(v.History)-1].At))
			}
			p.crash(ErrBrowserExited)
		}
		v := h.wait2("fay", StatusFailed)
		if v.Reason != ReasonRestartBudget || v.Attempt != 3 {
			t.Fatalf("view = %+v", v)
		}
		if len(waits) != 2 || waits[0] < 700*time.Millisecond || waits[0] > 1300*time.Millisecond ||
			waits[1] < 1400*time.Millisecond || waits[1] > 2600*time.Millisecond {
			t.Errorf("backoff waits = %v, want about 1s then 2s", waits)
		}
		// start tries again
		if _, err := h.m.Start(context.Background(), "fay"); err != nil {
			t.Fatal(err)
		}
		h.page()
		if v := h.wait2("fay", StatusStarting); v.Attempt != 0 {
			t.Errorf("attempt after a new start = %d", v.Attempt)
		}
	})
}

func TestLaunchErrorsFailAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want Reason
	}{
		{"no display", ErrNoDisplay, ReasonNoDisplay},
		{"no browser", ErrNoBrowser, ReasonLaunchFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *ManagerConfig) {
				l := c.Launcher.(*fakeLauncher)
				l.LaunchFn = func(LaunchSpec) error { return tc.err }
			})
			h.create("gus", Config{Headful: new(true)})
			h.wait("gus", StatusFailed)
			v, _ := h.m.Get(context.Background(), "gus")
			if v.Reason != tc.want || v.Error == "" {
				t.Fatalf("view = %+v", v)
			}
		})
	}
}

func TestLogoutRelinksOrStops(t *testing.T) {
	no := false
	h := newHarness(t, nil)
	h.create("hal", Config{})
	h.create("ida", Config{RelinkOnLogout: &no})
	pages := map[string]*fakePage{}
	for range 2 {
		p := h.page()
		pages[p.spec.SessionID] = p
	}
	for _, p := range pages {
		link(p)
	}
	h.wait("hal", StatusWorking)
	h.wait("ida", StatusWorking)
	pages["hal"].emit(BridgeLogout, map[string]string{"reason": "phone"})
	pages["ida"].emit(BridgeLogout, map[string]string{"reason": "phone"})
	h.wait("hal", StatusScanQRCode)
	h.wait("ida", StatusStopped)
	for _, id := range []string{"hal", "ida"} {
		v, _ := h.m.Get(context.Background(), id)
		if v.Reason != ReasonLoggedOut || v.Me != nil {
			t.Errorf("%s: view = %+v", id, v)
		}
	}
}

func TestBadInput(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	for _, id := range []string{"", "../x", "-a", string(make([]byte, 65))} {
		if _, err := h.m.Create(ctx, id, Config{}, false); apperr.CodeOf(err) != apperr.InvalidID {
			t.Errorf("Create(%q) = %v, want invalid id", id, err)
		}
	}
	if _, err := h.m.Get(ctx, "nobody"); apperr.CodeOf(err) != apperr.SessionNotFound {
		t.Errorf("Get unknown = %v", err)
	}
	if _, err := h.m.Create(ctx, "x", Config{}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.Create(ctx, "x", Config{}, false); apperr.CodeOf(err) != apperr.SessionExists {
		t.Errorf("Create twice = %v", err)
	}
	if _, err := h.m.Create(ctx, "y", Config{QRMax: new(-1)}, false); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("negative qr_max = %v", err)
	}
	if _, err := h.m.PairingCode(ctx, "x", "12"); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("bad phone = %v", err)
	}
	if _, err := h.m.PairingCode(ctx, "x", "15551234567"); apperr.CodeOf(err) != apperr.NotScanQRCode {
		t.Errorf("pairing while stopped = %v", err)
	}
	if err := h.m.Delete(ctx, "x", true); err != nil {
		t.Fatal(err)
	}
	if _, err := h.m.Get(ctx, "x"); !errors.Is(err, apperr.ErrNotFound) && apperr.CodeOf(err) != apperr.SessionNotFound {
		t.Errorf("Get deleted = %v", err)
	}
}
