package e2e

import (
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
	sm.deliver(t, map[string]string{"phone": "15551234567", "from": "15559990000", "from_name": "Bob", "text": "hi from Bob"})
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
