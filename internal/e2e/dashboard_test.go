package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// TestDashboard drives /dashboard/ in a real headless Chromium, through the
// page only (the phone's part goes through the simulator's control API):
// a wrong key, then the right one; create a session and watch its QR code
// rotate; scan it and see WORKING with the account's number; receive and
// send a message; stop and start it and see RESUMING → WORKING; the event
// monitor with filters, JSON, pause and a gap-free resume after the stream
// drops; webhooks; and the phone-width layout. Screenshots land in
// test-artifacts/dashboard/; EASY_API_UPDATE_DOCS=1 also refreshes
// docs/dashboard.png.
func TestDashboard(t *testing.T) {
	skipShort(t)
	sm := startSim(t, wasim.Config{QRFirst: 1500 * time.Millisecond, QRInterval: 1500 * time.Millisecond, QRMax: 10, SyncDelay: 50 * time.Millisecond})
	const key = "dashboard-test-key"
	srv := startServer(t, testDir(t), sm, serverOpts{apiKey: key})
	ui := newDashboardUI(t, srv.http.URL)

	t.Log("a wrong key is refused with a clear message")
	ui.navigate("/dashboard/")
	ui.waitJS("the key prompt", `!document.getElementById('login').hidden`)
	ui.do(chromedp.SendKeys(chromedp.CSS("#key-input"), "not-the-key"), chromedp.Click(chromedp.CSS("#key-form button[type=submit]")))
	ui.waitJS("the wrong-key message", `document.getElementById('key-error').textContent.includes('Wrong API key')
		&& !document.getElementById('login').hidden && document.getElementById('nav').hidden`)
	ui.screenshot("01-wrong-key")

	t.Log("the right key opens the dashboard and the live stream")
	ui.do(chromedp.SendKeys(chromedp.CSS("#key-input"), key), chromedp.Click(chromedp.CSS("#key-form button[type=submit]")))
	ui.waitJS("the sessions view", `!document.getElementById('view-sessions').hidden && document.getElementById('conn').dataset.state === 'live'`)
	if stored := ui.eval(`sessionStorage.getItem('easy-api.key')`); stored != key {
		t.Errorf("sessionStorage key = %q, want the key", stored)
	}
	if u := ui.eval(`location.href`); strings.Contains(u, key) {
		t.Errorf("the key leaked into the URL: %s", u)
	}

	t.Log("create a session; its QR code appears and rotates")
	ui.do(chromedp.Click(chromedp.CSS("#create-box > summary")),
		chromedp.SendKeys(chromedp.CSS("#create-id"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#create-qr-max"), "10"),
		chromedp.Click(chromedp.CSS("#create-form button[type=submit]")))
	ui.waitJS("alice in the list", `!!document.querySelector('#session-list li[data-id="alice"]')`)
	ui.waitJS("the QR image", `(() => { const i = document.getElementById('qr-img');
		return !document.getElementById('qr-box').hidden && i.src.startsWith('data:image/png;base64,') && i.complete && i.naturalWidth > 0 })()`)
	first := ui.eval(`document.getElementById('qr-img').dataset.code`)
	ui.screenshot("02-qr")
	ui.waitJS("the next QR code", fmt.Sprintf(`(() => { const i = document.getElementById('qr-img');
		return i.dataset.code !== %q && i.src.startsWith('data:image/png') })()`, first))
	if left := ui.eval(`document.getElementById('qr-left').textContent`); !strings.Contains(left, "left") && !strings.Contains(left, "expired") {
		t.Errorf("QR time left = %q", left)
	}

	t.Log("scan the code the page shows; WORKING with the account's number")
	ui.scan(sm, "15551234567", "Alice")
	ui.waitJS("WORKING with the account", `document.getElementById('detail-status').dataset.status === 'WORKING'
		&& !document.getElementById('account').hidden
		&& document.getElementById('account-phone').textContent === '+15551234567'
		&& document.getElementById('account-name').textContent === 'Alice'`)
	ui.waitJS("the status in the list", `document.querySelector('#session-list li[data-id="alice"] .badge').dataset.status === 'WORKING'`)
	ui.screenshot("03-working")

	t.Log("messaging: an incoming message shows up; a reply goes out")
	if c, b := sm.control(t, "POST", "/__sim/messages", map[string]string{"phone": "15551234567", "from": "15559990000", "from_name": "Bob", "text": "hi from Bob"}); c != http.StatusOK {
		t.Fatalf("sim message: %d %s", c, b)
	}
	ui.waitJS("Bob's chat", `!!document.querySelector('#chat-list button[data-chat="15559990000@c.us"]')`)
	ui.do(chromedp.Click(chromedp.CSS(`#chat-list button[data-chat="15559990000@c.us"]`)))
	ui.waitJS("Bob's message", `[...document.querySelectorAll('#message-list .msg.them .body')].some(e => e.textContent === 'hi from Bob')`)
	ui.do(chromedp.SendKeys(chromedp.CSS("#send-text"), "hello Bob"), chromedp.Click(chromedp.CSS("#send-form button[type=submit]")))
	ui.waitJS("our reply", `[...document.querySelectorAll('#message-list .msg.me .body')].some(e => e.textContent === 'hello Bob')`)
	waitOutbox(t, sm, "15551234567", "hello Bob")
	ui.waitJS("resources", `/MB|kB/.test(document.getElementById('resources').textContent)`)
	ui.docsScreenshot()

	t.Log("stop, then start: RESUMING → WORKING with no QR")
	ui.do(chromedp.Click(chromedp.CSS(`#detail [data-action="stop"]`)))
	ui.waitJS("STOPPED", `document.getElementById('detail-status').dataset.status === 'STOPPED'`)
	ui.do(chromedp.Click(chromedp.CSS(`#detail [data-action="start"]`)))
	// Newest first: WORKING, then SYNCING while the resumed session syncs, then RESUMING.
	ui.waitJS("RESUMING → WORKING", `document.getElementById('detail-status').dataset.status === 'WORKING'
		&& /^WORKING (SYNCING )?RESUMING/.test([...document.querySelectorAll('#history .badge')].map(b => b.textContent).join(' '))`)
	ui.screenshot("04-resumed")

	t.Log("the event monitor shows the status events, filters them and shows their JSON")
	ui.do(chromedp.Click(chromedp.CSS(`#nav a[data-view="events"]`)))
	ui.waitJS("status events", `(() => { const b = [...document.querySelectorAll('#ev-list li[data-type="session.status"][data-session="alice"] .ev-brief')].map(e => e.textContent);
		return b.includes('STARTING → RESUMING (api)') && (b.includes('RESUMING → WORKING (reauth_ok)') || b.includes('SYNCING → WORKING (reauth_ok)')) && b.some(x => x.includes('→ SCAN_QR_CODE')) })()`)
	ui.selectOption("#ev-type", "session.status")
	ui.waitJS("only status events", `(() => { const rows = [...document.querySelectorAll('#ev-list li')];
		return rows.length >= 5 && rows.every(r => r.dataset.type === 'session.status') })()`)
	ui.do(chromedp.Click(chromedp.CSS(`#ev-list li:first-child summary`)))
	var env struct {
		ID      uint64 `json:"id"`
		Session string `json:"session"`
		Type    string `json:"type"`
		Data    struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(ui.eval(`document.querySelector('#ev-list li:first-child pre').textContent`)), &env); err != nil {
		t.Fatalf("JSON view: %v", err)
	}
	if env.Session != "alice" || env.Type != "session.status" || env.Data.Status != "WORKING" || env.ID == 0 {
		t.Errorf("JSON view of the newest status event = %+v", env)
	}
	ui.screenshot("05-events")

	t.Log("pause holds new events back; resume shows them")
	ui.do(chromedp.Click(chromedp.CSS("#ev-pause")))
	ui.waitJS("paused", `document.getElementById('ev-pause').getAttribute('aria-pressed') === 'true'`)
	before := ui.eval(`String(document.querySelectorAll('#ev-list li').length)`)
	if c, b := srv.call("POST", "/v1/sessions/alice/restart", nil); c != http.StatusOK {
		t.Fatalf("restart: %d %s", c, b)
	}
	ui.waitJS("events waiting while paused", `/Paused: [1-9]\d* new event/.test(document.getElementById('ev-paused').textContent)`)
	if n := ui.eval(`String(document.querySelectorAll('#ev-list li').length)`); n != before {
		t.Errorf("paused list changed from %s to %s rows", before, n)
	}
	ui.do(chromedp.Click(chromedp.CSS("#ev-pause")))
	ui.waitJS("the held events", fmt.Sprintf(`document.querySelectorAll('#ev-list li').length > %s`, before))
	ui.waitJS("WORKING after the restart", `document.querySelector('#session-list li[data-id="alice"] .badge').dataset.status === 'WORKING'`)

	t.Log("the stream drops; the page reconnects and misses nothing")
	ui.selectOption("#ev-type", "")
	srv.http.CloseClientConnections()
	// The restart happens while the page is cut off, from outside (a POST of
	// the page could itself land on a connection just closed): its events
	// must reach the page through the resumed stream.
	fresh := &http.Client{Transport: keyTransport{key: key, next: &http.Transport{DisableKeepAlives: true}}} // no connection just cut
	if code, body := do(t, fresh, "POST", srv.http.URL+"/v1/sessions/alice/restart", "", nil); code != http.StatusOK {
		t.Fatalf("restart: %d %s", code, body)
	}
	srv.wait("alice", session.StatusWorking)
	ui.waitJS("live again", `document.getElementById('conn').dataset.state === 'live' && document.getElementById('conn').dataset.opens === '2'`)
	ui.waitJS("WORKING after the second restart", `document.querySelector('#session-list li[data-id="alice"] .badge').dataset.status === 'WORKING'`)
	ui.do(chromedp.Click(chromedp.CSS(`#nav a[data-view="events"]`)))
	// The page follows every event, so the ids it shows are consecutive.
	ids := ui.eval(`[...document.querySelectorAll('#ev-list li')].map(l => l.dataset.id).join(',')`)
	assertConsecutive(t, ids)

	t.Log("webhooks: create, test, disable, deliveries")
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hook.Close)
	ui.do(chromedp.Click(chromedp.CSS(`#nav a[data-view="webhooks"]`)),
		chromedp.Click(chromedp.CSS("#wh-create-box > summary")),
		chromedp.SendKeys(chromedp.CSS("#wh-url"), hook.URL+"/hook"),
		chromedp.SendKeys(chromedp.CSS("#wh-sessions"), "alice"),
		chromedp.Click(chromedp.CSS("#wh-form button[type=submit]")))
	ui.waitJS("the webhook and its secret", `!!document.querySelector('#wh-list li.wh') && document.querySelector('#wh-secret code').textContent.startsWith('whsec_')`)
	ui.do(chromedp.Click(chromedp.CSS(`#wh-list li.wh .actions button:first-child`)))
	ui.waitJS("the test result", `document.querySelector('#wh-list li.wh .action-msg').textContent.startsWith('Test delivered: HTTP 204')`)
	ui.do(chromedp.Click(chromedp.CSS(`#wh-list li.wh input[type=checkbox]`)))
	ui.waitJS("disabled", `document.querySelector('#wh-list li.wh .action-msg').textContent === 'Disabled.' && !document.querySelector('#wh-list li.wh input[type=checkbox]').checked`)
	ui.do(chromedp.Click(chromedp.CSS(`#wh-list li.wh .actions button:nth-child(2)`)))
	ui.waitJS("the delivery log", `!document.getElementById('wh-deliveries').hidden`)
	ui.screenshot("06-webhooks")

	t.Log("link a second session with a pairing code, then delete it after confirming")
	ui.do(chromedp.Click(chromedp.CSS(`#nav a[data-view="sessions"]`)),
		chromedp.Click(chromedp.CSS("#create-box > summary")),
		chromedp.SendKeys(chromedp.CSS("#create-id"), "bob"),
		chromedp.Click(chromedp.CSS("#create-form button[type=submit]")))
	ui.waitJS("bob's pairing form", `document.getElementById('detail-title').textContent === 'bob' && !document.getElementById('pair-form').hidden`)
	// Typed and submitted with Enter, as a keyboard user does (a click could
	// land on the create form while it folds away).
	ui.do(chromedp.SendKeys(chromedp.CSS("#pair-phone"), "+1 555 777 8888"+kb.Enter))
	ui.waitJS("the pairing code", `!!document.getElementById('pair-code').dataset.code`)
	ui.screenshot("07-pairing-code")
	if c, b := sm.control(t, "POST", "/__sim/pair", map[string]string{"code": ui.eval(`document.getElementById('pair-code').dataset.code`), "name": "Bob"}); c != http.StatusOK {
		t.Fatalf("pair: %d %s", c, b)
	}
	ui.waitJS("bob WORKING", `document.getElementById('detail-status').dataset.status === 'WORKING'
		&& document.getElementById('account-phone').textContent === '+15557778888'`)
	ui.do(chromedp.Click(chromedp.CSS(`#detail [data-action="delete"]`)))
	ui.waitJS("the confirmation", `document.getElementById('confirm').open && document.activeElement.value === 'cancel'`)
	ui.screenshot("08-confirm-delete")
	ui.do(chromedp.Click(chromedp.CSS("#confirm-check")), chromedp.Click(chromedp.CSS("#confirm-ok")))
	ui.waitJS("bob gone", `!document.querySelector('#session-list li[data-id="bob"]') && !document.getElementById('detail-empty').hidden`)
	if c, _ := srv.call("GET", "/v1/sessions/bob", nil); c != http.StatusNotFound {
		t.Errorf("bob after delete: %d, want 404", c)
	}

	t.Log("phone width: no horizontal overflow in any view")
	ui.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	for _, view := range []string{"sessions/alice", "events", "webhooks"} {
		ui.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = '#/%s'`, view)))
		ui.waitJS("the "+view+" view at phone width", fmt.Sprintf(`!document.getElementById('view-%s').hidden && innerWidth === 390`, strings.Split(view, "/")[0]))
		if w := ui.eval(`String(document.scrollingElement.scrollWidth)`); w != "390" {
			ui.screenshot("fail-phone-" + strings.Split(view, "/")[0])
			t.Errorf("%s at 390px: scrollWidth %s, want 390 (horizontal overflow: %s)", view, w,
				ui.eval(`[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.scroll-x')?.contains(e.offsetParent)).slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className).join(', ')`))
		}
		ui.screenshot("09-phone-" + strings.Split(view, "/")[0])
	}
}

// dashboardUI is the test's browser tab on the dashboard.
type dashboardUI struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string // screenshots
}

// newDashboardUI starts one headless Chromium (the suite shares 2 cores
// with the sessions' browsers) with a desktop-sized window.
func newDashboardUI(t *testing.T, base string) *dashboardUI {
	t.Helper()
	bin := chromiumBinary(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin),
		chromedp.UserDataDir(filepath.Join(testDir(t), "dashboard-profile")), chromedp.WindowSize(1280, 900),
		chromedp.Flag("hide-scrollbars", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser on ctx itself: started under a per-step deadline,
	// it would end with that step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	// Start clean, so the folder shows this run's pictures only.
	dir := filepath.Join(repoRoot(t), "test-artifacts", "dashboard")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &dashboardUI{t: t, ctx: ctx, base: base, dir: dir}
}

func (u *dashboardUI) navigate(path string) {
	u.t.Helper()
	u.do(chromedp.Navigate(u.base + path))
}

// do runs actions, for at most 30s (a click waits for its element to be
// visible, forever without a deadline); a failure saves a screenshot and
// fails the test.
func (u *dashboardUI) do(actions ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		u.fail("do", err)
	}
}

// eval returns a JavaScript expression's value as a string.
func (u *dashboardUI) eval(expr string) string {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		u.fail("eval "+expr, err)
	}
	return v
}

// waitJS polls a JavaScript condition until it holds, for at most 30s.
func (u *dashboardUI) waitJS(what, cond string) {
	u.t.Helper()
	_, err := chromedp.Run(u.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		u.fail("waiting for "+what, err)
	}
}

// selectOption picks a <select>'s option the way a user does: value, then change.
func (u *dashboardUI) selectOption(sel, value string) {
	u.t.Helper()
	u.do(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.focus(); s.value = %q;
		s.dispatchEvent(new Event('change', {bubbles: true})) })()`, sel, value)))
}

func (u *dashboardUI) fail(what string, err error) {
	u.t.Helper()
	u.screenshot("fail")
	ctx, cancel := context.WithTimeout(u.ctx, 5*time.Second)
	defer cancel()
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`'conn: ' + document.getElementById('conn').textContent +
		' | key-error: ' + document.getElementById('key-error').textContent +
		' | detail: ' + document.getElementById('detail').innerText.slice(0, 600)`))
	u.t.Fatalf("%s: %v\npage: %s", what, err, state)
}

// screenshot saves the viewport as test-artifacts/dashboard/<name>.png.
func (u *dashboardUI) screenshot(name string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(u.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		u.t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(u.dir, name+".png"), png, 0o644); err != nil {
		u.t.Errorf("screenshot %s: %v", name, err)
	}
}

// docsScreenshot refreshes docs/dashboard.png when EASY_API_UPDATE_DOCS is
// set (a normal run must not dirty the tree), with a fixed 1200×760
// viewport so the picture stays small.
func (u *dashboardUI) docsScreenshot() {
	u.t.Helper()
	if os.Getenv("EASY_API_UPDATE_DOCS") == "" {
		return
	}
	u.do(chromedp.EmulateViewport(1200, 760), chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	ctx, cancel := context.WithTimeout(u.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		u.fail("docs screenshot", err)
	}
	if err := os.WriteFile(filepath.Join(repoRoot(u.t), "docs", "dashboard.png"), png, 0o644); err != nil {
		u.t.Fatal(err)
	}
	u.do(chromedp.EmulateViewport(1280, 900))
}

// scan has the simulated phone scan the QR code the page shows. A code can
// expire between reading and scanning (they rotate every 1.5s here): then
// the page shows the next one, which is scanned instead.
func (u *dashboardUI) scan(sm *sim, phone, name string) {
	u.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		code := u.eval(`document.getElementById('qr-img').dataset.code || ''`)
		if code != "" {
			c, b := sm.control(u.t, "POST", "/__sim/scan", map[string]string{"code": code, "phone": phone, "name": name})
			if c == http.StatusOK {
				return
			}
			if c != http.StatusConflict || time.Now().After(deadline) {
				u.t.Fatalf("scan: %d %s", c, b)
			}
		}
		u.waitJS("another QR code", fmt.Sprintf(`(document.getElementById('qr-img').dataset.code || '') !== %q`, code))
	}
}

// waitOutbox waits until the simulated phone's linked device has sent text.
func waitOutbox(t *testing.T, sm *sim, phone, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, b := sm.control(t, "GET", "/__sim/outbox?phone="+url.QueryEscape(phone), nil)
		if strings.Contains(string(b), text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox of %s never held %q: %s", phone, text, b)
		}
		time.Sleep(50 * time.Millisecond) // polling the simulator, bounded by the deadline
	}
}

// assertConsecutive checks that the comma-separated ids (newest first) have
// no gap.
func assertConsecutive(t *testing.T, ids string) {
	t.Helper()
	parts := strings.Split(ids, ",")
	if len(parts) < 10 {
		t.Fatalf("only %d events shown: %s", len(parts), ids)
	}
	var prev int
	for i, p := range parts {
		var n int
		if _, err := fmt.Sscan(p, &n); err != nil {
			t.Fatalf("event id %q: %v", p, err)
		}
		if i > 0 && n != prev-1 {
			t.Fatalf("events shown are not consecutive (a gap or a duplicate after the reconnect): %s", ids)
		}
		prev = n
	}
}

// repoRoot is the module's root folder (where go.mod is).
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}
