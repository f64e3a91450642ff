package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestSwaggerUI opens /api-docs/ in real headless Chromium, authorizes with
// a scoped API key through the "Authorize" dialog, runs "Try it out" on GET
// /v1/sessions and sees the 200 answer, with the key's session in it,
// rendered. The page runs under its Content-Security-Policy: any violation
// (an inline script, a foreign host) fails the test.
func TestSwaggerUI(t *testing.T) {
	skipShort(t)
	sm := fastSim(t)
	const admin = "swagger-ui-admin-key-0123456789"
	srv := startServer(t, testDir(t), sm, serverOpts{apiKey: admin, keys: true})
	for _, id := range []string{"alice", "bob"} {
		if code, b := srv.call("POST", "/v1/sessions", map[string]any{"id": id, "start": false}); code != 201 {
			t.Fatalf("create %s: %d %s", id, code, b)
		}
	}
	var key struct{ Key string }
	code, b := srv.call("POST", "/v1/keys", map[string]any{"sessions": []string{"alice"}, "name": "swagger"})
	if code != 201 {
		t.Fatalf("create key: %d %s", code, b)
	}
	mustJSON(t, b, &key)

	ctx := headlessBrowser(t, "ui-profile")
	// Content-Security-Policy violations arrive as log entries of source
	// "security" (or "violation"); scripts that fail throw exceptions.
	problems := make(chan string, 64)
	ectx, stopEvents := context.WithCancel(ctx)
	entries, exceptions := chromedp.Events(ectx, cdplog.EntryAdded), chromedp.Events(ectx, runtime.ExceptionThrown)
	var watchers sync.WaitGroup
	report := func(s string) {
		select {
		case problems <- s:
		default:
		}
	}
	watchers.Go(func() {
		for ev, err := range entries {
			if err != nil {
				return
			}
			if ev.Entry.Source == cdplog.EntrySourceSecurity || ev.Entry.Source == cdplog.EntrySourceViolation {
				report(ev.Entry.Text)
			}
		}
	})
	watchers.Go(func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			report(fmt.Sprintf("exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
		}
	})
	defer func() { stopEvents(); watchers.Wait() }()
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	wait := func(what, cond string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(30*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 3000)`))
			t.Fatalf("waiting for %s: %v\npage ends with:\n%s", what, err, page)
		}
	}
	click := func(what, sel string) {
		t.Helper()
		wait(what, fmt.Sprintf(`!!document.querySelector(%q)`, sel))
		step(what, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel)))
	}

	step("open /api-docs/", chromedp.Navigate(srv.http.URL+"/api-docs/"))
	wait("the operations", `!!document.querySelector('#operations-sessions-listSessions')`)
	click("Authorize", `.auth-wrapper .btn.authorize`)
	wait("the key field", `!!document.querySelector('.modal-ux input')`)
	step("type the key", chromedp.SendKeys(chromedp.CSS(".modal-ux input"), key.Key))
	click("authorize with it", `.modal-ux .auth-btn-wrapper .btn.authorize`)
	click("close the dialog", `.modal-ux .btn-done`)
	click("open GET /v1/sessions", `#operations-sessions-listSessions .opblock-summary-control`)
	click("Try it out", `#operations-sessions-listSessions .try-out__btn`)
	click("Execute", `#operations-sessions-listSessions .execute`)
	wait("the 200 answer", `(() => {
		const op = document.querySelector('#operations-sessions-listSessions');
		const st = op && op.querySelector('.live-responses-table tbody td');
		return !!st && st.textContent.trim() === '200';
	})()`)
	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#operations-sessions-listSessions .live-responses-table tbody td:nth-child(2)').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `"alice"`) || strings.Contains(body, `"bob"`) {
		t.Fatalf("rendered answer %q: want alice's session only", body)
	}
	stopEvents()
	watchers.Wait()
	select {
	case e := <-problems:
		t.Fatalf("/api-docs/ in the browser: %s", e)
	default:
	}
}
