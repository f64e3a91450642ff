package browser

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"github.com/chromedp/chromedp"

	"github.com/easy-api/easy-api/internal/session"
)

// flag is one browser command line switch: a string value gives
// --name=value, true gives --name.
type flag struct {
	name  string
	value any
}

// disabledFeatures are Chromium features a WhatsApp tab does not need; most
// cost memory, a process or background network traffic.
var disabledFeatures = []string{
	"Translate", "OptimizationHints", "OptimizationGuideModelDownloading",
	"MediaRouter", "DialMediaRouteProvider", "AutofillServerCommunication",
	"CertificateTransparencyComponentUpdater", "InterestFeedContentSuggestions",
	"PrivacySandboxSettings4", "BackForwardCache", "HeavyAdPrivacyMitigations",
	"LensOverlay", "PaintHolding", "CalculateNativeWinOcclusion",
	"AudioServiceOutOfProcess",
	// One renderer for the tab: site isolation would add processes for
	// cross-site frames, and we only ever load WhatsApp Web.
	"site-per-process", "IsolateOrigins",
}

// baseFlags returns the switches for every launch (DESIGN §4). They keep one
// session's process tree small: no GPU process, network service in the
// browser process, no site isolation, no background networking.
func baseFlags(headful bool) []flag {
	fs := []flag{
		{"no-first-run", true},
		{"no-default-browser-check", true},
		{"no-pings", true},
		{"disable-background-networking", true},
		{"disable-component-update", true},
		{"disable-component-extensions-with-background-pages", true},
		{"disable-default-apps", true},
		{"disable-extensions", true},
		{"disable-sync", true},
		{"disable-breakpad", true},
		{"disable-client-side-phishing-detection", true},
		{"disable-domain-reliability", true},
		{"disable-dev-shm-usage", true},
		{"disable-hang-monitor", true},
		{"disable-prompt-on-repost", true},
		// A session's tab is never visible; it must keep its timers.
		{"disable-background-timer-throttling", true},
		{"disable-renderer-backgrounding", true},
		{"disable-backgrounding-occluded-windows", true},
		{"disable-site-isolation-trials", true},
		{"disable-features", strings.Join(disabledFeatures, ",")},
		{"enable-features", "NetworkServiceInProcess2"},
		{"disable-blink-features", "AutomationControlled"},
		{"metrics-recording-only", true},
		{"safebrowsing-disable-auto-update", true},
		{"password-store", "basic"},
		{"use-mock-keychain", true},
		{"force-color-profile", "srgb"},
		{"mute-audio", true},
		{"window-size", "1280,900"},
	}
	if os.Geteuid() == 0 {
		// Chromium's sandbox cannot run as root. Without it the zygote
		// processes only cost memory (~9 MB PSS per session measured).
		fs = append(fs, flag{"no-sandbox", true}, flag{"no-zygote", true})
	}
	if !headful {
		fs = append(fs,
			flag{"headless", true},
			flag{"hide-scrollbars", true},
			flag{"disable-gpu", true},
			flag{"in-process-gpu", true},
		)
	}
	return fs
}

// allocatorOptions builds the chromedp allocator options for one launch.
func (l *Launcher) allocatorOptions(bin string, spec session.LaunchSpec, ua userAgent, uaKnown bool, modify func(*exec.Cmd)) []chromedp.ExecAllocatorOption {
	fs := baseFlags(spec.Headful)
	if l.cfg.HostResolverRules != "" {
		fs = append(fs, flag{"host-resolver-rules", l.cfg.HostResolverRules})
	}
	if len(l.cfg.SPKIPins) > 0 {
		fs = append(fs, flag{"ignore-certificate-errors-spki-list", strings.Join(l.cfg.SPKIPins, ",")})
	}
	if uaKnown {
		// Also covers workers, which the per-tab override does not reach.
		fs = append(fs, flag{"user-agent", ua.ua})
	}
	fs = mergeFlags(fs, l.cfg.ExtraFlags)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(spec.ProfileDir),
		chromedp.ModifyCmdFunc(modify),
	}
	for _, f := range fs {
		opts = append(opts, chromedp.Flag(f.name, f.value))
	}
	if spec.Headful {
		if d := l.cfg.Getenv("DISPLAY"); d != "" {
			opts = append(opts, chromedp.Env("DISPLAY="+d))
		}
		if d := l.cfg.Getenv("WAYLAND_DISPLAY"); d != "" {
			opts = append(opts, chromedp.Env("WAYLAND_DISPLAY="+d))
		}
	}
	return opts
}

// mergeFlags applies extra to fs: a known name takes the new value, false
// removes it, a new name is appended (in sorted order, for a stable command
// line).
func mergeFlags(fs []flag, extra map[string]any) []flag {
	if len(extra) == 0 {
		return fs
	}
	out := make([]flag, 0, len(fs)+len(extra))
	seen := map[string]bool{}
	for _, f := range fs {
		seen[f.name] = true
		v, ok := extra[f.name]
		switch {
		case !ok:
			out = append(out, f)
		case v == false:
		default:
			out = append(out, flag{f.name, v})
		}
	}
	names := make([]string, 0, len(extra))
	for name := range extra {
		if !seen[name] {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		if v := extra[name]; v != false {
			out = append(out, flag{name, v})
		}
	}
	return out
}

// processAttrs puts the browser in its own process group, so that Close can
// kill its whole tree, and has the kernel kill it when the thread that
// started it (locked by chromedp for the browser's life) goes away.
func processAttrs(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = new(syscall.SysProcAttr)
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
