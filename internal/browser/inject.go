package browser

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	goruntime "runtime"
	"strings"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/easy-api/easy-api/internal/session"
)

// bindingName is the Runtime binding the bridge reports through.
const bindingName = "__easyEmit"

// wppConfigJS configures wa-js before it loads (DESIGN §4).
const wppConfigJS = `window.WPPConfig = Object.assign({}, window.WPPConfig, {disableGoogleAnalytics: true, linkPreviewApiServers: []});`

// initScripts returns the scripts to install on every new document, in
// order: the localStorage seed of spec (when spec.LocalStorage is set; see
// seed.go), WPPConfig, the wa-js bundle (unless wajs is "" or "none"), the
// compiled bridge bridgeJS. Each runs in the top frame only. A wajs path
// that does not exist gives an error wrapping session.ErrMissingBundle.
func initScripts(wajs, bridgeJS string, spec session.LaunchSpec) ([]string, error) {
	var scripts []string
	seed, err := seedScript(spec.URL, spec.LocalStorage)
	if err != nil {
		return nil, err
	}
	if seed != "" {
		scripts = append(scripts, seed)
	}
	scripts = append(scripts, topFrameOnly(wppConfigJS))
	if wajs != "" && wajs != WAJSNone {
		b, err := os.ReadFile(wajs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%w: %s does not exist: run `easy-api setup` (or `make assets` in a checkout) to fetch @wppconnect/wa-js, or use --wajs none with the simulator", session.ErrMissingBundle, wajs)
		case err != nil:
			return nil, fmt.Errorf("%w: %w", session.ErrMissingBundle, err)
		}
		scripts = append(scripts, topFrameOnly(string(b)))
	}
	return append(scripts, topFrameOnly(bridgeJS)), nil
}

// topFrameOnly wraps src so that it does nothing in iframes. The newlines
// keep a trailing line comment in src from swallowing the closing brace.
func topFrameOnly(src string) string {
	return "(function () {\nif (window.top !== window) return;\n" + src + "\n})();\n"
}

// install adds the binding and the init scripts to the tab, in the order of
// DESIGN §4, before anything is navigated.
func install(ctx context.Context, scripts []string) error {
	if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: bindingName}); err != nil {
		return fmt.Errorf("add binding: %w", err)
	}
	for i, src := range scripts {
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: src}); err != nil {
			return fmt.Errorf("add init script %d: %w", i, err)
		}
	}
	return nil
}

// userAgent is a normal Chrome identity derived from the browser's own.
type userAgent struct {
	ua    string // navigator.userAgent / User-Agent
	major string // e.g. "156"
	full  string // e.g. "156.0.8078.108"
}

// cachedUA returns the user agent learnt from an earlier launch of bin.
func (l *Launcher) cachedUA(bin string) (userAgent, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ua, ok := l.uaCache[bin]
	return ua, ok
}

// overrideUA asks the browser for its version, replaces HeadlessChrome with
// Chrome (or uses Config.UserAgent) and applies it to the tab, including the
// client hints of navigator.userAgentData.
func (l *Launcher) overrideUA(ctx context.Context, bin string) error {
	v, err := chromedp.CallBrowser(ctx, browser.GetVersion, cdp.Empty{})
	if err != nil {
		return fmt.Errorf("get version: %w", err)
	}
	ua := deriveUA(v)
	if l.cfg.UserAgent != "" {
		ua.ua = l.cfg.UserAgent
	}
	l.mu.Lock()
	l.uaCache[bin] = ua
	l.mu.Unlock()
	_, err = chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
		UserAgent:         ua.ua,
		UserAgentMetadata: uaMetadata(ua),
	})
	if err != nil {
		return fmt.Errorf("set user agent: %w", err)
	}
	return nil
}

// deriveUA turns the browser's version into a normal Chrome user agent.
func deriveUA(v browser.GetVersionResult) userAgent {
	full := v.Product
	if i := strings.IndexByte(full, '/'); i >= 0 {
		full = full[i+1:]
	}
	major, _, _ := strings.Cut(full, ".")
	ua := strings.ReplaceAll(v.UserAgent, "HeadlessChrome", "Chrome")
	if ua == "" {
		ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/" + major + ".0.0.0 Safari/537.36"
	}
	return userAgent{ua: ua, major: major, full: full}
}

// uaMetadata is the client hints matching ua.
func uaMetadata(ua userAgent) *emulation.UserAgentMetadata {
	arch, bitness := "x86", "64"
	switch goruntime.GOARCH {
	case "arm64":
		arch = "arm"
	case "386":
		bitness = "32"
	case "arm":
		arch, bitness = "arm", "32"
	}
	brands := []*emulation.UserAgentBrandVersion{
		{Brand: "Chromium", Version: ua.major},
		{Brand: "Google Chrome", Version: ua.major},
		{Brand: "Not_A Brand", Version: "24"},
	}
	full := []*emulation.UserAgentBrandVersion{
		{Brand: "Chromium", Version: ua.full},
		{Brand: "Google Chrome", Version: ua.full},
		{Brand: "Not_A Brand", Version: "24.0.0.0"},
	}
	return &emulation.UserAgentMetadata{
		Brands: brands, FullVersionList: full,
		Platform: "Linux", PlatformVersion: "", Architecture: arch, Bitness: bitness,
	}
}
