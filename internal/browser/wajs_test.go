package browser

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/wasim"
)

// repoRoot is where package.json and node_modules live.
const repoRoot = "../.."

// TestRealWAJSBundleAtDocumentStart injects the real, pinned
// @wppconnect/wa-js bundle (as `make assets` installs it) into a page served
// under a strict nonce CSP. wa-js must run at document start — before the
// page's own nonce script, which sees window.WPP with the pinned version —
// must not break that script, and must stay un-injected (it waits for
// WhatsApp's module system, which this page lacks).
func TestRealWAJSBundleAtDocumentStart(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Chromium")
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	pinned := pkg.Dependencies["@wppconnect/wa-js"]
	bundle := filepath.Join(repoRoot, "node_modules/@wppconnect/wa-js/dist/wppconnect-wa.js")
	if _, err := os.Stat(bundle); err != nil {
		t.Fatalf("wa-js bundle missing (%v): run `make assets`", err)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "node_modules/@wppconnect/wa-js/LICENSE")); err != nil {
		t.Errorf("wa-js LICENSE not shipped next to the bundle: %v", err)
	}

	sim := wasim.New(wasim.Config{})
	ts := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		ts.Close()
	})
	cfg := testConfig(t)
	cfg.WAJS = bundle
	p, _ := launch(t, cfg, ts.URL+"/__page/blank")

	var boot struct {
		WPP bool `json:"wpp"`
	}
	if err := json.Unmarshal(waitEvent(t, p, session.BridgeBoot), &boot); err != nil {
		t.Fatal(err)
	}
	if !boot.WPP {
		t.Error("the bridge did not see window.WPP at document start")
	}
	var got struct {
		Version  string `json:"version"`
		Injected bool   `json:"injected"`
		Config   bool   `json:"config"`
		Page     *struct {
			Ran     bool   `json:"ran"`
			WPP     bool   `json:"wpp"`
			Version string `json:"version"`
		} `json:"page"`
	}
	evalJSON(t, p, `new Promise(r => { const f = () => window.__pageScript ? r({version: String(WPP.version),
		injected: !!WPP.isInjected, config: !!(window.WPPConfig && WPPConfig.disableGoogleAnalytics),
		page: window.__pageScript}) : setTimeout(f, 10); f(); })`, &got)
	if got.Version != pinned || got.Injected || !got.Config {
		t.Errorf("window.WPP = %+v; want version %s, not injected, WPPConfig set", got, pinned)
	}
	if got.Page == nil || !got.Page.Ran || !got.Page.WPP || got.Page.Version != pinned {
		t.Errorf("the page's nonce script saw %+v; want it to run after wa-js %s", got.Page, pinned)
	}
}
