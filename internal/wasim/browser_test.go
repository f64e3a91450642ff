package wasim

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// These tests load the simulator in real headless Chromium at the real
// origin (https://web.whatsapp.com/, mapped to the test server with a pinned
// self-signed certificate), the way the product's integration tests do.

func TestBrowserLinkResumeLogout(t *testing.T) {
	b := newSimBrowser(t, Config{QRFirst: time.Minute, QRInterval: time.Minute, SyncDelay: 100 * time.Millisecond})
	profile := t.TempDir()
	const phone = "15551234567"

	// First launch: a QR, scanned from the phone, leads to MAIN.
	ctx, closeBrowser := b.launch(profile)
	code := b.shownQR(ctx)
	if ev := events(t, ctx); !has(ev, "conn.main_ready") || !has(ev, "conn.auth_code_change") {
		t.Errorf("QR screen events = %v, want conn.main_ready (wa-js quirk) and conn.auth_code_change", ev)
	}
	l := b.scan(code, phone)
	waitJS(t, ctx, "MAIN after scan", jsMain+` && document.body.dataset.screen === 'main'`)
	ev := events(t, ctx)
	for _, want := range []string{"conn.authenticated", "conn.main_loaded"} {
		if !has(ev, want) {
			t.Errorf("events after scan = %v, missing %s", ev, want)
		}
	}
	if got := eval[string](t, ctx, `WPP.conn.getMyUserId()._serialized + '|' + WPP.profile.getMyProfileName()`); got != phone+"@c.us|Alice" {
		t.Errorf("me = %q", got)
	}
	if c := readCreds(t, ctx); c.IDB == nil || c.IDB.DeviceID != l.DeviceID || c.Wid == nil || *c.Wid != `"`+l.DeviceID+`@c.us"` {
		t.Fatalf("stored credentials = %+v", c)
	}
	closeBrowser()

	// Relaunch on the same profile: resumes with no QR and no conn.authenticated.
	ctx, closeBrowser = b.launch(profile)
	waitJS(t, ctx, "MAIN after relaunch", jsMain)
	ev = events(t, ctx)
	if has(ev, "conn.authenticated") || has(ev, "conn.qrcode_idle") {
		t.Errorf("resume events = %v, want no conn.authenticated", ev)
	}
	if codes := eval[string](t, ctx, `JSON.stringify(window.__rec.filter((e) => e.name === 'conn.auth_code_change' && e.data))`); codes != "[]" {
		t.Errorf("resume showed auth codes: %s", codes)
	}
	if infos := eval[string](t, ctx, `window.__rec.filter((e) => e.name === 'conn.stream_info_changed').map((e) => e.data).join(',')`); !strings.HasPrefix(infos, "RESUMING") {
		t.Errorf("stream infos on resume = %q, want RESUMING first", infos)
	}
	closeBrowser()

	// The phone logs the device out while the browser is closed: the next
	// launch is refused, purges the profile and shows a QR.
	call(t, b.ts, "POST", "/__sim/logout", `{"phone":"`+phone+`"}`, nil)
	ctx, closeBrowser = b.launch(profile)
	code = b.shownQR(ctx)
	if ev := events(t, ctx); !has(ev, "conn.require_auth") || has(ev, "conn.authenticated") {
		t.Errorf("refused resume events = %v, want conn.require_auth", ev)
	}
	if c := readCreds(t, ctx); c.IDB != nil || c.Wid != nil {
		t.Errorf("storage not purged after a refused resume: %+v", c)
	}

	// Link again, then a live logout from the phone reloads to a fresh QR.
	b.scan(code, phone)
	waitJS(t, ctx, "MAIN after second scan", jsMain)
	call(t, b.ts, "POST", "/__sim/logout", `{"phone":"`+phone+`"}`, nil)
	waitJS(t, ctx, "post-logout QR", `location.search === '?post_logout=1' && `+jsHasQR)
	code2 := b.shownQR(ctx)
	if code2 == code {
		t.Error("post-logout QR is not fresh")
	}
	tab := eval[string](t, ctx, `sessionStorage.getItem('__rec')`)
	for _, want := range []string{`"name":"conn.logout_reason","data":"device_removed"`, `"name":"conn.logout"`} {
		if !strings.Contains(tab, want) {
			t.Errorf("events before the reload lack %s", want)
		}
	}
	if c := readCreds(t, ctx); c.IDB != nil || c.Wid != nil {
		t.Errorf("storage not purged after a live logout: %+v", c)
	}
	closeBrowser()

	var devs devicesResponse
	call(t, b.ts, "GET", "/__sim/devices", "", &devs)
	if len(devs.Accounts) != 1 || len(devs.Accounts[0].Devices) != 2 {
		t.Fatalf("devices = %+v", devs)
	}
	for _, d := range devs.Accounts[0].Devices {
		if !d.LoggedOut {
			t.Errorf("device %s not logged out", d.ID)
		}
	}
}

func TestBrowserPairingAndPageLogout(t *testing.T) {
	b := newSimBrowser(t, Config{QRFirst: time.Minute, SyncDelay: 50 * time.Millisecond, PairCodeTTL: 400 * time.Millisecond})
	ctx, _ := b.launch(t.TempDir())
	b.shownQR(ctx)

	// The managed flow of wa-js 4.6: a code, then a fresh one when it expires
	// (PairCodeTTL), each announced by conn.link_code_change.
	first := eval[string](t, ctx, `WPP.conn.startLinkDeviceCodeForPhoneNumber('15557654321')`)
	if len(first) != 8 || strings.Trim(first, pairAlphabet) != "" {
		t.Fatalf("pairing code %q", first)
	}
	waitJS(t, ctx, "a second code", `window.__rec.filter((e) => e.name === 'conn.link_code_change').length >= 2`)
	code := eval[string](t, ctx, `window.__rec.filter((e) => e.name === 'conn.link_code_change').at(-1).data`)
	if code == first {
		t.Fatalf("the code was not replaced: %q", code)
	}
	if again := eval[string](t, ctx, `WPP.conn.startLinkDeviceCodeForPhoneNumber('15557654321')`); again != code {
		t.Errorf("a second start for the same phone = %q, want the live code %q", again, code)
	}
	waitJS(t, ctx, "pairing code on screen", `document.getElementById('pair-code').textContent === '`+code[:4]+"-"+code[4:]+`'`)
	if st := call(t, b.ts, "POST", "/__sim/pair", `{"code":"`+first+`"}`, nil); st != 409 {
		t.Errorf("pair with the replaced code: status %d, want 409", st)
	}
	var l Linked
	if st := call(t, b.ts, "POST", "/__sim/pair", `{"code":"`+code+`"}`, &l); st != 200 || l.Phone != "15557654321" {
		t.Fatalf("pair: %d %+v", st, l)
	}
	waitJS(t, ctx, "MAIN after pairing", jsMain)
	if ev := events(t, ctx); !has(ev, "conn.authenticated") {
		t.Errorf("events after pairing = %v, want conn.authenticated", ev)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`WPP.conn.startLinkDeviceCodeForPhoneNumber('15551110000')`, chromedp.EvalAwaitPromise)); err == nil ||
		!strings.Contains(err.Error(), "already authenticated") {
		t.Errorf("code for an authenticated page: %v", err)
	}

	// WPP.conn.logout from the page: the device is gone, the page shows a QR.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`WPP.conn.logout()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Logf("logout (the page may reload before answering): %v", err)
	}
	waitJS(t, ctx, "QR after page logout", `location.search === '?post_logout=1' && `+jsHasQR)
	b.shownQR(ctx)
	var devs devicesResponse
	call(t, b.ts, "GET", "/__sim/devices", "", &devs)
	if d := devs.Accounts[0].Devices[0]; !d.LoggedOut || d.Connected {
		t.Errorf("device after page logout = %+v", d)
	}
}

func TestBrowserQRIdleAndReload(t *testing.T) {
	b := newSimBrowser(t, Config{QRFirst: time.Second, QRInterval: 300 * time.Millisecond, QRMax: 2})
	ctx, _ := b.launch(t.TempDir())
	waitJS(t, ctx, "idle", `window.WPP && WPP.conn.isIdle() && document.body.dataset.screen === 'idle'`)
	// As in wa-js, getAuthCode has no idle check: an idle page still
	// answers its last ref, and idling is no ref change (no auth_code_change).
	last := eval[string](t, ctx, `window.__rec.filter((e) => e.name === 'conn.auth_code_change').at(-1).data`)
	if c := eval[string](t, ctx, jsAuthCode); c == "" || c != last {
		t.Errorf("auth code while idle = %q, want the last one shown %q", c, last)
	}
	var qrs qrResponse
	if call(t, b.ts, "GET", "/__sim/qr", "", &qrs); len(qrs.Pages) != 0 {
		t.Errorf("/__sim/qr while idle = %+v", qrs)
	}
	ev := events(t, ctx)
	if !has(ev, "conn.qrcode_idle") {
		t.Errorf("events = %v, want conn.qrcode_idle", ev)
	}
	// refreshQR starts a new run and resolves with its first code (it waits
	// for the next conn.auth_code_change).
	next := eval[string](t, ctx, `WPP.conn.refreshQR().then((c) => c.fullCode)`)
	if now := eval[string](t, ctx, jsAuthCode); next == "" || next == last || next != now || eval[bool](t, ctx, `WPP.conn.isIdle()`) {
		t.Errorf("refreshQR() = %q; now showing %q (last before idle %q)", next, now, last)
	}
	// "Click to reload" does the same from the page.
	waitJS(t, ctx, "idle again", `WPP.conn.isIdle()`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("qr-reload"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "QR after reload", jsHasQR+` && !WPP.conn.isIdle()`)
}
