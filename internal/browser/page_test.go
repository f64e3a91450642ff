package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/easy-api/easy-api/internal/session"
)

// TestPageFlow drives one page through the production path: TLS at
// web.whatsapp.com mapped to a local server, a wa-js bundle, the bridge under
// a strict nonce CSP, events from QR to ready, calls, a screenshot and Close.
func TestPageFlow(t *testing.T) {
	srv, pin := newFakeTLSServer(t)
	cfg := testConfig(t)
	cfg.HostResolverRules = "MAP web.whatsapp.com " + srv.Listener.Addr().String() + ", MAP * ~NOTFOUND"
	cfg.SPKIPins = []string{pin}
	cfg.WAJS = writeFile(t, "wppconnect-wa.js",
		"window.__wajs = {config: !!window.WPPConfig, bridge: !!window.__easy};\n// trailing line comment")
	p, dir := launch(t, cfg, "https://web.whatsapp.com/")

	var boot struct {
		URL string `json:"url"`
		WPP bool   `json:"wpp"`
	}
	if err := json.Unmarshal(waitEvent(t, p, session.BridgeBoot), &boot); err != nil {
		t.Fatal(err)
	}
	if boot.URL != "https://web.whatsapp.com/" || boot.WPP {
		t.Errorf("boot = %+v, want the page URL and wpp false (bridge runs first)", boot)
	}
	waitState(t, p, "loading")

	t.Run("injection order", func(t *testing.T) {
		type seen struct {
			Config bool `json:"config"`
			Bridge bool `json:"bridge"`
		}
		var order struct {
			Config bool  `json:"config"`
			WAJS   *seen `json:"wajs"`
			Bridge bool  `json:"bridge"`
		}
		evalJSON(t, p, `new Promise(r => { const f = () => window.__order ? r(window.__order) : setTimeout(f, 10); f(); })`, &order)
		want := struct {
			Config bool  `json:"config"`
			WAJS   *seen `json:"wajs"`
			Bridge bool  `json:"bridge"`
		}{Config: true, WAJS: &seen{Config: true, Bridge: false}, Bridge: true}
		if diff := cmp.Diff(want, order); diff != "" {
			t.Errorf("what ran before the page's first script (-want +got):\n%s", diff)
		}
		var frame map[string]bool
		evalJSON(t, p, `new Promise(r => { const f = () => { const w = document.querySelector('iframe').contentWindow; if (w && w.__frame) r(w.__frame); else setTimeout(f, 20); }; f(); })`, &frame)
		if diff := cmp.Diff(map[string]bool{"config": false, "wajs": false, "bridge": false}, frame); diff != "" {
			t.Errorf("init scripts ran in an iframe (-want +got):\n%s", diff)
		}
	})

	t.Run("service workers", func(t *testing.T) {
		// As wa-js's tooling and wppconnect do: WhatsApp Web cannot register
		// a service worker (which would serve a cached build under our scripts).
		var sw struct {
			Register string `json:"register"`
			Regs     int    `json:"regs"`
		}
		evalJSON(t, p, `navigator.serviceWorker.getRegistrations().then(rs => ({register: typeof navigator.serviceWorker.register, regs: rs.length}))`, &sw)
		if sw.Register == "function" || sw.Regs != 0 {
			t.Errorf("service worker = %+v, want register stubbed and none registered", sw)
		}
	})

	t.Run("user agent", func(t *testing.T) {
		var nav struct {
			UA        string   `json:"ua"`
			Webdriver bool     `json:"webdriver"`
			Brands    []string `json:"brands"`
		}
		evalJSON(t, p, `({ua: navigator.userAgent, webdriver: navigator.webdriver, brands: navigator.userAgentData.brands.map(b => b.brand)})`, &nav)
		if strings.Contains(nav.UA, "Headless") || !strings.Contains(nav.UA, "Chrome/") || nav.Webdriver {
			t.Errorf("navigator = %+v, want a normal Chrome without webdriver", nav)
		}
		if strings.Contains(strings.Join(nav.Brands, ","), "Headless") {
			t.Errorf("brands = %v", nav.Brands)
		}
	})

	t.Run("qr", func(t *testing.T) {
		if err := p.Eval(t.Context(), "__test.ready(); __test.qr('ref1')"); err != nil {
			t.Fatal(err)
		}
		if got := string(waitEvent(t, p, session.BridgeQR)); got != `{"code":"ref1,s,i,k"}` {
			t.Errorf("qr event = %s", got)
		}
		var st session.BridgeStateData
		call(t, p, "state", nil, &st)
		if st.Phase != "qr" || st.StreamMode != "QR" {
			t.Errorf("state = %+v, want phase qr", st)
		}
		var qr *struct{ Code string }
		call(t, p, "qr", nil, &qr)
		if qr == nil || qr.Code != "ref1,s,i,k" {
			t.Errorf("qr = %+v", qr)
		}
	})

	t.Run("pairing code", func(t *testing.T) {
		var res struct{ Code string }
		call(t, p, "pairingCode", map[string]string{"phone": "+1 555 123"}, &res)
		if res.Code != "ABCDEFGH" {
			t.Errorf("pairingCode = %q", res.Code)
		}
		// The first code is the call's answer; WhatsApp's replacements and
		// the flow's end come as events.
		if err := p.Eval(t.Context(), "__test.linkCode('WXYZ-1234')"); err != nil {
			t.Fatal(err)
		}
		if got := string(waitEvent(t, p, session.BridgePairingCode)); got != `{"code":"WXYZ1234","phone":"1555123"}` {
			t.Errorf("pairing_code event = %s", got)
		}
		if err := p.Eval(t.Context(), "__test.linkExpired()"); err != nil {
			t.Fatal(err)
		}
		if got := string(waitEvent(t, p, session.BridgePairingExpired)); got != `{"phone":"1555123"}` {
			t.Errorf("pairing_code_expired event = %s", got)
		}
	})

	t.Run("rejection", func(t *testing.T) {
		err := p.Call(t.Context(), "nope", nil, nil)
		var ce *CallError
		if !errors.As(err, &ce) || ce.Message != "unknown call: nope" {
			t.Errorf("Call(nope) = %v, want CallError with the page's message", err)
		}
		err = p.Call(t.Context(), "pairingCode", map[string]string{}, nil)
		if !errors.As(err, &ce) || ce.Message != "phone is required" {
			t.Errorf("Call(pairingCode, {}) = %v", err)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		// wa-js's refreshQR waits, with no timeout, for the next code: the
		// bridge answers at once anyway.
		if err := p.Eval(t.Context(), "__test.hangRefresh(); __test.hangAuthCode()"); err != nil {
			t.Fatal(err)
		}
		call(t, p, "refreshQR", nil, nil)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		err := p.Call(ctx, "qr", nil, nil)
		if !errors.Is(err, session.ErrCallTimeout) {
			t.Errorf("Call(qr) with a hung getAuthCode = %v, want ErrCallTimeout", err)
		}
	})

	t.Run("ready", func(t *testing.T) {
		if err := p.Eval(t.Context(), "__test.scan()"); err != nil {
			t.Fatal(err)
		}
		if got := string(waitEvent(t, p, session.BridgeAuthenticated)); got != `{"method":"pairing"}` {
			t.Errorf("authenticated event = %s", got)
		}
		waitState(t, p, "syncing")
		if err := p.Eval(t.Context(), "__test.main()"); err != nil {
			t.Fatal(err)
		}
		st := waitState(t, p, "ready")
		if !st.Authenticated || st.StreamMode != "MAIN" || st.Percent != 100 {
			t.Errorf("ready state = %+v", st)
		}
		var acc session.Account
		if err := json.Unmarshal(waitEvent(t, p, session.BridgeReady), &acc); err != nil {
			t.Fatal(err)
		}
		md := true // the fake page is multi-device
		want := session.Account{ID: "15551234567@c.us", Phone: "15551234567", PushName: "Tester", MultiDevice: &md}
		if diff := cmp.Diff(want, acc); diff != "" {
			t.Errorf("ready event (-want +got):\n%s", diff)
		}
		var me session.Account
		call(t, p, "me", nil, &me)
		if diff := cmp.Diff(want, me); diff != "" {
			t.Errorf("me (-want +got):\n%s", diff)
		}
		var v struct{ WPP string }
		call(t, p, "versions", nil, &v)
		if v.WPP != "fake-1" {
			t.Errorf("versions = %+v", v)
		}
		var keep bool
		evalJSON(t, p, `window.__keepAlive === true`, &keep)
		if !keep {
			t.Error("the bridge did not call WPP.conn.setKeepAlive(true) once ready")
		}
	})

	t.Run("logout", func(t *testing.T) {
		call(t, p, "logout", nil, nil)
		if got := string(waitEvent(t, p, session.BridgeLogout)); got != `{"reason":"user"}` {
			t.Errorf("logout event = %s", got)
		}
	})

	t.Run("fatal", func(t *testing.T) {
		if err := p.Eval(t.Context(), "__test.mode('TOS_BLOCK')"); err != nil {
			t.Fatal(err)
		}
		var f struct{ Reason, StreamMode, Detail string }
		if err := json.Unmarshal(waitEvent(t, p, session.BridgeFatal), &f); err != nil {
			t.Fatal(err)
		}
		if f.Reason != "account_blocked" || !strings.Contains(f.Detail, "Terms of Service") {
			t.Errorf("fatal event for TOS_BLOCK = %+v", f)
		}
		var st session.BridgeStateData
		call(t, p, "state", nil, &st)
		if st.Phase != "blocked" || st.StreamMode != "TOS_BLOCK" {
			t.Errorf("state = %+v, want phase blocked", st)
		}
		if err := p.Eval(t.Context(), "__test.mode('MAIN'); __test.needsUpdate()"); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(waitEvent(t, p, session.BridgeFatal), &f); err != nil {
			t.Fatal(err)
		}
		if f.Reason != "update_required" || !strings.Contains(f.Detail, "Restart the session") {
			t.Errorf("fatal event for conn.needs_update = %+v", f)
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		png, err := p.Screenshot(t.Context())
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Errorf("Screenshot = %d bytes, %v", len(png), err)
		}
	})

	t.Run("close", func(t *testing.T) {
		if len(p.ProcessTree()) == 0 || p.MemoryPSS() <= 0 {
			t.Errorf("process tree %v, pss %d", p.ProcessTree(), p.MemoryPSS())
		}
		t.Logf("idle page: %d processes, PSS %d MB", len(p.ProcessTree()), p.MemoryPSS()>>20)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := p.Close(ctx); err != nil {
			t.Fatal(err)
		}
		waitDone(t, p)
		if p.Err() != nil {
			t.Errorf("Err after Close = %v, want nil", p.Err())
		}
		assertNoProcesses(t, dir)
		if err := p.Close(ctx); err != nil {
			t.Errorf("second Close = %v", err)
		}
		if err := p.Call(ctx, "state", nil, nil); err == nil {
			t.Error("Call after Close succeeded")
		}
		for range p.Events() {
			// Events is closed after Done; drain what was left.
		}
	})
}

func call(t *testing.T, p *Page, method string, args, result any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), pageDeadline)
	defer cancel()
	if err := p.Call(ctx, method, args, result); err != nil {
		t.Fatalf("Call(%s): %v", method, err)
	}
}

// TestLoadFailed: a navigation error fails Launch with ErrLoadFailed and
// leaves no browser behind.
func TestLoadFailed(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	dir := t.TempDir() + "/IGNORE_t"
	_, err = New(testConfig(t)).Launch(t.Context(), session.LaunchSpec{SessionID: "t", ProfileDir: dir, URL: "http://" + addr + "/"})
	if !errors.Is(err, session.ErrLoadFailed) {
		t.Errorf("Launch = %v, want ErrLoadFailed", err)
	}
	assertNoProcesses(t, dir)
}
