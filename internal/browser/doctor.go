package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/easy-api/easy-api/internal/session"
)

// DoctorReport is what Doctor found on a page (`easy-api doctor`).
type DoctorReport struct {
	URL string `json:"url"`
	// Loaded: the page loaded and the bridge ran in it.
	Loaded bool `json:"loaded"`
	// BundleLoaded: window.WPP existed when the page's own scripts started,
	// so neither the CSP nor anything else kept the wa-js bundle out (false
	// when no bundle is injected and the page has no WPP of its own).
	BundleLoaded bool `json:"bundle_loaded"`
	// WPPVersion is WPP.version; Ready is WPP.isReady at the end (wa-js
	// found WhatsApp Web's modules).
	WPPVersion string `json:"wpp_version"`
	Ready      bool   `json:"is_ready"`
	// WAVersion is WhatsApp Web's own version, when it tells.
	WAVersion string `json:"wa_version"`
	// StreamMode is WhatsApp Web's stream mode (QR, MAIN, ...).
	StreamMode string `json:"stream_mode"`
	// Functions: each WPP path the bridge uses, present or missing.
	Functions map[string]bool `json:"functions"`
	// Problems lists what is wrong, for a person; empty when all is well.
	Problems []string `json:"problems"`
}

// OK reports whether the page is fit for sessions.
func (r DoctorReport) OK() bool { return len(r.Problems) == 0 }

// Missing returns the WPP paths the bridge uses that the page lacks, sorted.
func (r DoctorReport) Missing() []string {
	var out []string
	for p, ok := range r.Functions {
		if !ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// Doctor opens url in a throwaway profile with the flags and scripts a
// session gets, waits up to wait for wa-js to be ready, and reports what it
// found. It fails only when no browser could be started; a page that is not
// fit is a report with Problems.
func (l *Launcher) Doctor(ctx context.Context, url string, wait time.Duration) (DoctorReport, error) {
	rep := DoctorReport{URL: url}
	dir, err := os.MkdirTemp("", "easy-api-doctor-")
	if err != nil {
		return rep, fmt.Errorf("doctor: %w", err)
	}
	defer os.RemoveAll(dir)
	p, err := l.launch(ctx, session.LaunchSpec{SessionID: "doctor", ProfileDir: dir, URL: url})
	if err != nil {
		return rep, fmt.Errorf("doctor: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.cfg.CloseTimeout)
		defer cancel()
		_ = p.Close(cctx)
	}()
	deadline, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	rep.Loaded, rep.BundleLoaded = awaitBoot(deadline, p)
	var d struct {
		WPPLoaded  bool            `json:"wpp_loaded"`
		WPPVersion string          `json:"wpp_version"`
		IsReady    bool            `json:"is_ready"`
		WAVersion  *string         `json:"wa_version"`
		StreamMode string          `json:"stream_mode"`
		Functions  map[string]bool `json:"functions"`
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var callErr error
poll:
	for rep.Loaded {
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		callErr = p.Call(cctx, "doctor", nil, &d)
		ccancel()
		// OFFLINE is where WhatsApp Web starts before its socket connects.
		if callErr == nil && d.IsReady && d.StreamMode != "" && d.StreamMode != "OFFLINE" {
			break
		}
		select {
		case <-deadline.Done():
			break poll
		case <-tick.C:
		}
	}
	rep.WPPVersion, rep.Ready, rep.StreamMode, rep.Functions = d.WPPVersion, d.IsReady, d.StreamMode, d.Functions
	if d.WAVersion != nil {
		rep.WAVersion = *d.WAVersion
	}
	rep.BundleLoaded = rep.BundleLoaded || d.WPPLoaded
	rep.Problems = doctorProblems(rep, l.cfg.WAJS, wait)
	if callErr != nil {
		rep.Problems = append(rep.Problems, "the bridge did not answer: "+callErr.Error())
	}
	return rep, nil
}

// awaitBoot waits for the bridge's boot event: the page loaded and the
// bridge ran; wpp says whether window.WPP was there at document start.
func awaitBoot(ctx context.Context, p *Page) (loaded, wpp bool) {
	for {
		select {
		case <-ctx.Done():
			return false, false
		case ev, ok := <-p.Events():
			if !ok {
				return false, false
			}
			if ev.Type != session.BridgeBoot {
				continue
			}
			var b struct{ WPP bool }
			_ = json.Unmarshal(ev.Data, &b)
			return true, b.WPP
		}
	}
}

func doctorProblems(r DoctorReport, wajs string, wait time.Duration) []string {
	var out []string
	switch {
	case !r.Loaded:
		return []string{"the page did not load, or the bridge did not run in it, within " + wait.String()}
	case !r.BundleLoaded && (wajs == "" || wajs == WAJSNone):
		out = append(out, "the page has no window.WPP and no wa-js bundle is injected (--wajs none)")
	case !r.BundleLoaded:
		out = append(out, "window.WPP is missing: the wa-js bundle "+wajs+" did not run (blocked by the page or not a wa-js bundle)")
	}
	if r.BundleLoaded && !r.Ready {
		out = append(out, "WPP.isReady stayed false for "+wait.String()+": wa-js did not find WhatsApp Web's modules (WhatsApp Web changed, or the page is not WhatsApp Web)")
	}
	if m := r.Missing(); len(m) > 0 {
		out = append(out, fmt.Sprintf("WPP lacks %d function(s) the bridge calls: %v", len(m), m))
	}
	return out
}
