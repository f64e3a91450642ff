package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The dashboard tests' browser tab: navigate, act, wait on the page's state
// and keep screenshots of what it showed.

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
	ctx := headlessBrowser(t, "dashboard-profile", chromedp.Flag("hide-scrollbars", true))
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
