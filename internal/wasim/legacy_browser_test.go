package wasim

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// jsLegacyKeys reads the four legacy localStorage keys, raw.
const jsLegacyKeys = `JSON.stringify(Object.fromEntries(['WABrowserId', 'WASecretBundle', 'WAToken1', 'WAToken2']
	.map((k) => [k, localStorage.getItem(k)])))`

// seedJS returns an init script that writes kv into localStorage once per
// tab, as the browser layer does when restoring a legacy session.
func seedJS(t *testing.T, kv map[string]string) string {
	b, err := json.Marshal(kv)
	if err != nil {
		t.Fatal(err)
	}
	return `(() => { if (window.top !== window || sessionStorage.getItem('seeded')) return;
		const kv = ` + string(b) + `; for (const k in kv) localStorage.setItem(k, kv[k]);
		sessionStorage.setItem('seeded', '1'); })()`
}

func TestBrowserLegacy(t *testing.T) {
	b := newSimBrowser(t, Config{QRFirst: time.Minute, SyncDelay: 100 * time.Millisecond})
	const phone = "15551234567"
	jsMode := func(mode string) string { return `window.WPP && WPP.conn.getStreamData().mode === '` + mode + `'` }

	// A legacy link keeps the four tokens in localStorage, JSON-encoded,
	// and nothing in IndexedDB.
	ctxA, _ := b.launch(t.TempDir())
	code := b.shownQR(ctxA)
	call(t, b.ts, "POST", "/__sim/scan", `{"code":"`+code+`","phone":"`+phone+`","legacy":true}`, nil)
	waitJS(t, ctxA, "A in MAIN", jsMain+` && document.body.dataset.screen === 'main'`)
	if md := eval[bool](t, ctxA, `WPP.conn.isMultiDevice()`); md {
		t.Error("isMultiDevice() = true on a legacy page")
	}
	var raw map[string]*string
	json.Unmarshal([]byte(eval[string](t, ctxA, jsLegacyKeys)), &raw)
	tokens := map[string]string{}
	for k, v := range raw {
		if v == nil {
			t.Fatalf("localStorage.%s missing; stored: %v", k, raw)
		}
		tokens[k] = *v
		var decoded any
		if err := json.Unmarshal([]byte(*v), &decoded); err != nil {
			t.Errorf("localStorage.%s = %q is not JSON", k, *v)
		}
	}
	if !strings.HasPrefix(tokens["WABrowserId"], `"`) || !strings.HasPrefix(tokens["WAToken2"], `"1@`) ||
		!strings.Contains(tokens["WASecretBundle"], `"encKey"`) {
		t.Errorf("legacy tokens = %v", tokens)
	}
	if c := readCreds(t, ctxA); c.IDB != nil || c.Wid != nil {
		t.Errorf("a legacy page stored multi-device credentials: %+v", c)
	}

	// A second browser on a copy of the tokens: CONFLICT; A keeps working.
	ctxB, closeB := b.launchSeeded(t.TempDir(), seedJS(t, tokens))
	waitJS(t, ctxB, "B in CONFLICT", jsMode("CONFLICT")+` && WPP.conn.isAuthenticated() && document.body.dataset.screen === 'conflict'`)
	if ev := eval[string](t, ctxB, `window.__rec.filter((e) => e.name === 'conn.stream_mode_changed').map((e) => e.data).join(',')`); !strings.HasSuffix(ev, "CONFLICT") {
		t.Errorf("B's stream modes = %s", ev)
	}
	waitJS(t, ctxA, "A still MAIN", jsMain)
	if _, err := chromedp.Run(ctxB, chromedp.Evaluate[any](`WPP.chat.list()`, chromedp.EvalAwaitPromise)); err == nil || !strings.Contains(err.Error(), "open on another computer") {
		t.Errorf("chat.list in CONFLICT: %v", err)
	}

	// Takeover flips them.
	if ok := eval[bool](t, ctxB, `WPP.whatsapp.Socket.takeover()`); !ok {
		t.Error("takeover() = false")
	}
	waitJS(t, ctxB, "B in MAIN after takeover", jsMain+` && WPP.conn.getMyUserId()._serialized === '`+phone+`@c.us'`)
	waitJS(t, ctxA, "A in CONFLICT", jsMode("CONFLICT"))
	if ok := eval[bool](t, ctxB, `WPP.whatsapp.Socket.takeover()`); ok {
		t.Error("takeover() of the live page = true")
	}

	// The phone goes offline and back: B stays MAIN, isOnline and conn.online follow.
	call(t, b.ts, "POST", "/__sim/phone-online", `{"phone":"`+phone+`","online":false}`, nil)
	waitJS(t, ctxB, "B offline", jsMain+` && !WPP.conn.isOnline() && !document.getElementById('phone-offline').hidden &&
		window.__rec.some((e) => e.name === 'conn.online' && e.data === false)`)
	call(t, b.ts, "POST", "/__sim/phone-online", `{"phone":"`+phone+`","online":true}`, nil)
	waitJS(t, ctxB, "B online", jsMain+` && WPP.conn.isOnline() && window.__rec.at(-1).name === 'conn.online' && window.__rec.at(-1).data === true`)

	// B goes away; A, reloaded, resumes normally.
	closeB()
	waitJS(t, ctxA, "B gone", `fetch('/__sim/devices').then((r) => r.json()).then((d) => !d.accounts[0].devices[0].connected)`)
	if err := chromedp.Do(ctxA, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctxA, "A in MAIN after reload", jsMain)
}
