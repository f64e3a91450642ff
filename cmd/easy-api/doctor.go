package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/cmd/easy-api/app"
	"github.com/easy-api/easy-api/internal/browser"
)

// doctor is `easy-api doctor`: before going live, open the configured
// WhatsApp Web URL in a throwaway profile with the flags and scripts a
// session uses and report whether the bridge can work there (the page
// loaded, the wa-js bundle got in past the CSP, WPP.version and
// WPP.isReady, WhatsApp Web's version, the stream mode, and each WPP
// function the bridge calls). It returns an error (exit status 1) when
// anything is missing.
func doctor(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	waURL := fs.String("wa-url", "https://web.whatsapp.com/", "WhatsApp Web URL")
	wajs := fs.String("wajs", "", "wa-js bundle path, or none; default: found as serve finds it (see easy-api setup)")
	dataPath := fs.String("session-data-path", ".", "where serve keeps its data (one of the places the wa-js bundle is looked for)")
	browserPath := fs.String("browser-path", "", "Chromium binary (default: first of chromium-headless-shell, chromium, google-chrome on PATH)")
	rules := fs.String("host-resolver-rules", "", "Chromium --host-resolver-rules")
	pinList := fs.String("ignore-cert-spki", "", "SPKI pins (base64 SHA-256, comma-separated) of certificates Chromium should accept")
	wait := fs.Duration("wait", 60*time.Second, "how long WhatsApp Web may take to load and wa-js to become ready")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	sim := fs.Bool("simulator", false, "check an in-process WhatsApp Web simulator instead (no internet needed)")
	simAddr := fs.String("simulator-addr", "127.0.0.1:0", "with --simulator: address of the simulator's control API")
	fs.String("config", "", "JSON file of settings (keys are flag names)")
	if _, err := app.ParseFlags(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	var pins []string
	for _, p := range strings.Split(*pinList, ",") {
		if p = strings.TrimSpace(p); p != "" {
			pins = append(pins, p)
		}
	}
	cfg := browser.Config{BrowserPath: *browserPath, HostResolverRules: *rules, SPKIPins: pins,
		Getenv: getenv, Log: zerolog.Nop()}
	if !*sim {
		path, err := app.FindWAJS(*wajs, app.WAJSDirs(*dataPath))
		if err != nil {
			return fmt.Errorf("doctor: %w", err)
		}
		cfg.WAJS = path
	}
	if *sim {
		s, err := app.StartSimulator(ctx, *simAddr, zerolog.Nop())
		if err != nil {
			return err
		}
		defer s.Close()
		cfg.HostResolverRules, cfg.SPKIPins, cfg.WAJS = s.HostResolverRules, []string{s.SPKIPin}, browser.WAJSNone
		*waURL = "https://web.whatsapp.com/"
	}
	rep, err := browser.New(cfg).Doctor(ctx, *waURL, *wait)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printDoctor(stdout, rep)
	}
	if !rep.OK() {
		return fmt.Errorf("doctor: %d problem(s): %s", len(rep.Problems), strings.Join(rep.Problems, "; "))
	}
	return nil
}

// printDoctor writes rep for a person.
func printDoctor(w io.Writer, rep browser.DoctorReport) {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	or := func(s, dflt string) string {
		if s == "" {
			return dflt
		}
		return s
	}
	fmt.Fprintf(w, "easy-api doctor: %s\n", rep.URL)
	fmt.Fprintf(w, "  page loaded, bridge ran     %s\n", yes(rep.Loaded))
	fmt.Fprintf(w, "  wa-js (window.WPP) in page  %s\n", yes(rep.BundleLoaded))
	fmt.Fprintf(w, "  WPP.version                 %s\n", or(rep.WPPVersion, "-"))
	fmt.Fprintf(w, "  WPP.isReady                 %s\n", yes(rep.Ready))
	fmt.Fprintf(w, "  WhatsApp Web version        %s\n", or(rep.WAVersion, "unknown"))
	fmt.Fprintf(w, "  stream mode                 %s\n", or(rep.StreamMode, "unknown"))
	paths := make([]string, 0, len(rep.Functions))
	for p := range rep.Functions {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	fmt.Fprintf(w, "  WPP the bridge uses (%d):\n", len(paths))
	for _, p := range paths {
		state := "present"
		if !rep.Functions[p] {
			state = "MISSING"
		}
		fmt.Fprintf(w, "    %-44s %s\n", "WPP."+p, state)
	}
	if rep.OK() {
		fmt.Fprintln(w, "ok: sessions can run here")
		return
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "problem:", p)
	}
}
