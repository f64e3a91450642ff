package wasim

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The harness of the browser tests: the simulator served over TLS at the
// real origin, Chromium launched against it, and reading the page's state.

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
