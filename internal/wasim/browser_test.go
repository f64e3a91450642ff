package wasim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// These tests load the simulator in real headless Chromium at the real
// origin (https://web.whatsapp.com/, mapped to the test server with a pinned
// self-signed certificate), the way the product's integration tests do.

const origin = "https://web.whatsapp.com/"

// recorderJS runs before the page's scripts in every document and records
// each WPP conn event, for the current document (window.__rec) and for the
// tab across reloads (sessionStorage "__rec").
const recorderJS = `(() => {
  if (window.top !== window) return;
  const names = ['auth_code_change', 'qrcode_idle', 'authenticated', 'main_loaded', 'main_ready',
    'logout', 'logout_reason', 'require_auth', 'stream_mode_changed', 'stream_info_changed', 'online',
    'needs_update', 'link_code_change', 'link_code_expired', 'link_code_error'];
  window.__rec = [];
  const record = (name, data) => {
    const e = {name, data: data && data.fullCode ? data.fullCode : (data === undefined ? null : data), url: location.href};
    window.__rec.push(e);
    const all = JSON.parse(sessionStorage.getItem('__rec') || '[]');
    all.push(e);
    sessionStorage.setItem('__rec', JSON.stringify(all));
  };
  let wpp;
  Object.defineProperty(window, 'WPP', {configurable: true, get: () => wpp, set: (v) => {
    wpp = v;
    // wa-js's WPP.on works from the start; WPP.webpack and WPP.conn.on do not exist.
    if (v.webpack || v.conn.on) throw new Error('WPP.webpack / WPP.conn.on are not wa-js 4.6');
    names.forEach((n) => v.on('conn.' + n, (d) => record('conn.' + n, d)));
  }});
})()`

// simBrowser is a simulator served over TLS plus what Chromium needs to
// reach it.
type simBrowser struct {
	t     *testing.T
	s     *Server
	ts    *httptest.Server
	bin   string
	rules string
	pin   string
}

func newSimBrowser(t *testing.T, cfg Config) *simBrowser {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Chromium; skipped with -short")
	}
	bin := chromiumPath(t)
	cert, pin, err := SelfSignedCert("web.whatsapp.com", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	s := New(cfg)
	ts := httptest.NewUnstartedServer(s)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.StartTLS()
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return &simBrowser{t: t, s: s, ts: ts, bin: bin, pin: pin,
		rules: fmt.Sprintf("MAP web.whatsapp.com %s, MAP * ~NOTFOUND", ts.Listener.Addr())}
}

func chromiumPath(t *testing.T) string {
	if p := os.Getenv("WASIM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium-headless-shell", "chromium", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found (install chromium-headless-shell, or set WASIM_CHROMIUM); use -short to skip")
	return ""
}

// launch starts a browser on profile dir, installs the recorder and opens the
// simulator. The browser closes gracefully at the returned func or cleanup.
func (b *simBrowser) launch(dir string) (context.Context, func()) {
	b.t.Helper()
	return b.launchSeeded(dir, "")
}

// launchSeeded is launch with an extra init script, installed first.
func (b *simBrowser) launchSeeded(dir, initJS string) (context.Context, func()) {
	b.t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(b.bin), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", b.rules),
		chromedp.Flag("ignore-certificate-errors-spki-list", b.pin),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	closed := false
	closeFn := func() {
		if closed {
			return
		}
		closed = true
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		defer ccancel()
		if err := chromedp.Cancel(cctx); err != nil {
			b.t.Logf("graceful close: %v", err)
		}
		cancel()
		cancelAlloc()
	}
	b.t.Cleanup(closeFn)
	if initJS != "" {
		if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument,
			cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: initJS}); err != nil {
			b.t.Fatalf("install init script: %v", err)
		}
	}
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument,
		cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: recorderJS}); err != nil {
		b.t.Fatalf("install recorder: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(origin)); err != nil {
		b.t.Fatalf("navigate: %v", err)
	}
	return ctx, closeFn
}

// eval evaluates expr (awaiting a promise) in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// waitJS polls the async JS condition cond until it is true, through
// reloads, for at most 20 s.
func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	expr := "(async () => !!(" + cond + "))()"
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise))
		if err == nil && ok {
			return
		}
		last = err
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({url: location.href,
		stream: window.WPP && WPP.conn.getStreamData(), auth: window.WPP && WPP.conn.isAuthenticated(),
		screen: document.body && document.body.dataset.screen, rec: window.__rec})`))
	t.Fatalf("%s: not true within 20s (last error %v); page: %s", what, last, state)
}

// Conditions and reads used by the tests.
const (
	jsMain        = `window.WPP && WPP.isReady && WPP.conn.isAuthenticated() && WPP.conn.getStreamData().mode === 'MAIN'`
	jsHasQR       = `window.WPP && WPP.isReady && WPP.conn.getAuthCode().then((c) => !!c)`
	jsAuthCode    = `WPP.conn.getAuthCode().then((c) => c ? c.fullCode : '')`
	jsEventsNow   = `JSON.stringify(window.__rec.map((e) => e.name))`
	jsStoredCreds = `new Promise((resolve) => {
		const r = indexedDB.open('wawc');
		r.onupgradeneeded = () => r.result.createObjectStore('user');
		r.onsuccess = () => {
			const db = r.result;
			const g = db.transaction('user').objectStore('user').get('creds');
			g.onsuccess = () => { db.close(); resolve(JSON.stringify({idb: g.result || null,
				wid: localStorage.getItem('last-wid-md')})); };
		};
	})`
)

type storedCreds struct {
	IDB *struct {
		DeviceID string `json:"device_id"`
	} `json:"idb"`
	Wid *string `json:"wid"`
}

func readCreds(t *testing.T, ctx context.Context) storedCreds {
	t.Helper()
	var c storedCreds
	if err := json.Unmarshal([]byte(eval[string](t, ctx, jsStoredCreds)), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func events(t *testing.T, ctx context.Context) []string {
	t.Helper()
	var names []string
	json.Unmarshal([]byte(eval[string](t, ctx, jsEventsNow)), &names)
	return names
}

func has(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// shownQR waits for a QR and checks the page shows what GET /__sim/qr says.
func (b *simBrowser) shownQR(ctx context.Context) string {
	t := b.t
	t.Helper()
	waitJS(t, ctx, "QR shown", jsHasQR+` && document.body.dataset.screen === 'qr' && document.getElementById('qr-img').complete && document.getElementById('qr-img').naturalWidth > 0`)
	code := eval[string](t, ctx, jsAuthCode)
	var qrs qrResponse
	call(t, b.ts, "GET", "/__sim/qr", "", &qrs)
	if len(qrs.Pages) != 1 || qrs.Pages[0].Code != code {
		t.Fatalf("page shows %q, /__sim/qr says %+v", code, qrs.Pages)
	}
	if img := eval[string](t, ctx, `document.getElementById('qr-img').dataset.code`); img != code {
		t.Errorf("QR image encodes %q, auth code is %q", img, code)
	}
	return code
}

func (b *simBrowser) scan(code, phone string) Linked {
	b.t.Helper()
	var l Linked
	body, _ := json.Marshal(scanRequest{Code: code, Phone: phone, Name: "Alice"})
	if st := call(b.t, b.ts, "POST", "/__sim/scan", string(body), &l); st != 200 {
		b.t.Fatalf("scan: status %d", st)
	}
	return l
}

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
