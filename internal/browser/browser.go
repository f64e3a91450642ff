// Package browser runs one supervised headless Chromium per WhatsApp session
// through the Chrome DevTools Protocol (chromedp). It is the only package that
// imports chromedp and cdproto.
//
// A Launcher starts a browser on a session's profile folder, installs the
// page bridge (window.__easy, TypeScript in bridge/ compiled once per
// Launcher; see docs/bridge.md) before any page script runs, and navigates to WhatsApp Web. The returned *Page
// delivers the bridge's events, runs bridge calls, and reports why it ended:
// browser exit, renderer crash or a hung page (see session.Page).
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/browser/bridge"
	"github.com/easy-api/easy-api/internal/pagescript"
	"github.com/easy-api/easy-api/internal/session"
)

// Defaults used for zero Config fields.
const (
	DefaultHeartbeatInterval = 5 * time.Second
	DefaultHeartbeatTimeout  = 10 * time.Second
	DefaultCloseTimeout      = 10 * time.Second
	DefaultLaunchTimeout     = 60 * time.Second
)

// WAJSNone is the Config.WAJS value that injects no wa-js bundle, for pages
// that provide window.WPP themselves (the simulator).
const WAJSNone = "none"

// Config configures a Launcher. The zero value works: it finds a browser on
// PATH, injects no wa-js bundle (WAJS "" means "none"; production must name
// the bundle) and uses the Default* timings.
type Config struct {
	// BrowserPath is the browser binary; empty finds one (see Launch).
	BrowserPath string
	// WAJS is the path of the @wppconnect/wa-js bundle, or "none" (or "")
	// to inject none.
	WAJS string
	// HostResolverRules is passed as --host-resolver-rules, e.g.
	// "MAP web.whatsapp.com 127.0.0.1:8443, MAP * ~NOTFOUND".
	HostResolverRules string
	// SPKIPins are base64 SHA-256 SPKI hashes of certificates to trust
	// (--ignore-certificate-errors-spki-list).
	SPKIPins []string
	// UserAgent overrides the user agent; empty derives a normal Chrome one
	// from the browser's version.
	UserAgent string
	// HeartbeatInterval is how often the page is probed; HeartbeatTimeout
	// is how long a probe may take before the page counts as hung.
	HeartbeatInterval, HeartbeatTimeout time.Duration
	// CloseTimeout bounds a graceful close before the browser is killed.
	CloseTimeout time.Duration
	// LaunchTimeout bounds Launch (start, inject, navigate).
	LaunchTimeout time.Duration
	// ExtraFlags are added to (or override) the browser flags: a string
	// value gives --name=value, true gives --name, false removes a flag.
	ExtraFlags map[string]any
	// Log receives the launcher's and the pages' log lines.
	Log zerolog.Logger
	// BlockAssets fails the page's image, font and media requests to save
	// memory (--block-assets).
	BlockAssets bool
	// Getenv reads the environment (DISPLAY, WAYLAND_DISPLAY); nil means
	// os.Getenv.
	Getenv func(string) string
}

// Launcher starts browsers. It implements session.Launcher and is safe for
// concurrent use.
type Launcher struct {
	cfg    Config
	bridge *pagescript.Set // bridge.Entry, compiled on first use

	mu      sync.Mutex
	uaCache map[string]userAgent // by binary path, learnt from the first launch
}

// New returns a Launcher with cfg, filling zero fields with defaults.
func New(cfg Config) *Launcher {
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if cfg.HeartbeatTimeout <= 0 {
		cfg.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = DefaultCloseTimeout
	}
	if cfg.LaunchTimeout <= 0 {
		cfg.LaunchTimeout = DefaultLaunchTimeout
	}
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	return &Launcher{cfg: cfg, bridge: pagescript.NewSet(bridge.Sources(), bridge.Entry), uaCache: map[string]userAgent{}}
}

// CompileBridge compiles the page bridge from its embedded TypeScript
// unless this Launcher already did, and returns how long that took. Launch
// compiles it on first use; call CompileBridge at startup so a script that
// does not build fails the boot, not the first session.
func (l *Launcher) CompileBridge() (time.Duration, error) {
	took, err := l.bridge.Compile()
	if err != nil {
		return took, fmt.Errorf("browser: compile the bridge: %w", err)
	}
	return took, nil
}

var _ session.Launcher = (*Launcher)(nil)

// Launch starts a browser on spec.ProfileDir, installs the bridge and
// navigates to spec.URL; see session.Launcher. When spec.LocalStorage is set,
// its entries are written into the localStorage of spec.URL's origin before
// any script of the page runs, once per tab: a reload in the same browser
// does not write them again, a new Launch does (set it only to restore). The returned page lives until
// Close, a failure (exit, renderer crash, hang) or the end of ctx, whichever
// comes first; when ctx ends the page closes gracefully as Close would.
//
// Launch fails at once, starting nothing, with an error wrapping
// session.ErrNoDisplay (headful without DISPLAY/WAYLAND_DISPLAY),
// session.ErrNoBrowser (no binary) or session.ErrMissingBundle (WAJS names a
// file that does not exist). A failed navigation wraps session.ErrLoadFailed.
// On any error no browser process is left running.
func (l *Launcher) Launch(ctx context.Context, spec session.LaunchSpec) (session.Page, error) {
	p, err := l.launch(ctx, spec)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// launch is Launch returning the concrete type.
func (l *Launcher) launch(ctx context.Context, spec session.LaunchSpec) (*Page, error) {
	if spec.ProfileDir == "" {
		return nil, errors.New("browser: launch: empty profile dir")
	}
	if spec.Headful && l.cfg.Getenv("DISPLAY") == "" && l.cfg.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, fmt.Errorf("browser: launch %s: %w: set DISPLAY or WAYLAND_DISPLAY, or run headless", spec.SessionID, session.ErrNoDisplay)
	}
	bin, err := findBrowser(l.cfg.BrowserPath, spec.Headful)
	if err != nil {
		return nil, fmt.Errorf("browser: launch %s: %w", spec.SessionID, err)
	}
	bridgeJS, err := l.bridge.Script(bridge.Entry)
	if err != nil {
		return nil, fmt.Errorf("browser: launch %s: %w", spec.SessionID, err)
	}
	scripts, err := initScripts(l.cfg.WAJS, bridgeJS, spec)
	if err != nil {
		return nil, fmt.Errorf("browser: launch %s: %w", spec.SessionID, err)
	}
	if err := prepareProfile(spec.ProfileDir); err != nil {
		return nil, fmt.Errorf("browser: launch %s: %w", spec.SessionID, err)
	}
	ua, uaKnown := l.cachedUA(bin)
	p := newPage(l.cfg, spec, l.cfg.Log.With().Str("session", spec.SessionID).Logger())
	opts := l.allocatorOptions(bin, spec, ua, uaKnown, p.modifyCmd)
	if err := p.open(ctx, opts, scripts, l, bin); err != nil {
		return nil, fmt.Errorf("browser: launch %s: %w", spec.SessionID, err)
	}
	p.log.Debug().Int("pid", p.PID()).Str("browser", bin).Msg("browser launched")
	return p, nil
}
