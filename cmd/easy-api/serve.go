package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/easy-api/easy-api/internal/api"
	"github.com/easy-api/easy-api/internal/apikey"
	"github.com/easy-api/easy-api/internal/browser"
	"github.com/easy-api/easy-api/internal/events"
	"github.com/easy-api/easy-api/internal/events/webhook"
	"github.com/easy-api/easy-api/internal/metrics"
	"github.com/easy-api/easy-api/internal/session"
	"github.com/easy-api/easy-api/internal/store"
)

// serveConfig holds every setting of `easy-api serve`.
type serveConfig struct {
	Host, Port            string
	DataPath              string
	BrowserPath           string
	Headful               bool
	WAURL, WAJS           string
	QRTimeout             time.Duration
	QRMax                 int
	AuthTimeout           time.Duration
	RelinkOnLogout        bool
	MaxConcurrentLaunches int
	CloseTimeout          time.Duration
	ShutdownTimeout       time.Duration
	StoreSync             string
	LogLevel, LogFormat   string
	SessionID             string
	Simulator             bool
	SimulatorAddr         string
	Config                string
	HostResolverRules     string
	SPKIPins              listFlag
	SessionData           string
	MaxSessionMemory      session.ByteSize
	RecycleAfter          time.Duration
	SampleInterval        time.Duration
	BlockAssets           bool
	EventRetention        time.Duration
	EventMax              int64
	Webhooks              listFlag
	WebhookSecret         string
	AllowedOrigins        listFlag
	MaxMediaBytes         session.ByteSize
	MediaFetchTimeout     time.Duration
	security              securityConfig
}

func (c *serveConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Host, "host", "127.0.0.1", "address to listen on")
	fs.StringVar(&c.Port, "port", "8080", "port to listen on")
	fs.StringVar(&c.DataPath, "session-data-path", ".", "folder for IGNORE_<id> profiles, <id>.data.json files and easy-api-store/")
	fs.StringVar(&c.BrowserPath, "browser-path", "", "Chromium binary (default: first of chromium-headless-shell, chromium, google-chrome on PATH)")
	fs.BoolVar(&c.Headful, "headful", false, "default for new sessions: show a browser window (needs DISPLAY or WAYLAND_DISPLAY)")
	fs.StringVar(&c.WAURL, "wa-url", "https://web.whatsapp.com/", "WhatsApp Web URL")
	fs.StringVar(&c.WAJS, "wajs", "", "wa-js bundle path, or none (against the simulator); default: "+waJSFile+" or "+waJSInCheckout+" next to the executable, in the session data path or in the working directory (see easy-api setup)")
	fs.DurationVar(&c.QRTimeout, "qr-timeout", 120*time.Second, "default: give up (FAILED qr_timeout) when no scan happens this long; 0 = never")
	fs.IntVar(&c.QRMax, "qr-max", 6, "default: give up after this many QR codes; 0 = no limit")
	fs.DurationVar(&c.AuthTimeout, "auth-timeout", 60*time.Second, "default: how long re-auth from stored data may take before a re-scan is asked")
	fs.BoolVar(&c.RelinkOnLogout, "relink-on-logout", true, "default: after a phone logout show a new QR (true) or stop the session (false)")
	fs.IntVar(&c.MaxConcurrentLaunches, "max-concurrent-launches", 2, "browsers launching at the same time")
	fs.DurationVar(&c.CloseTimeout, "close-timeout", 10*time.Second, "graceful browser close before it is killed")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "bound on the whole shutdown")
	fs.StringVar(&c.StoreSync, "store-sync", "default", "store durability: default (survives a process kill) or always (fsync per write)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "trace, debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", "auto", "json, pretty, or auto (pretty on a terminal)")
	fs.StringVar(&c.SessionID, "session-id", "", "create and start this session at boot and print its QR code in the terminal")
	fs.BoolVar(&c.Simulator, "simulator", false, "run the WhatsApp Web simulator in-process and point sessions at it")
	fs.StringVar(&c.SimulatorAddr, "simulator-addr", "127.0.0.1:7000", "with --simulator: plain-HTTP address of the simulator's control API")
	fs.StringVar(&c.Config, "config", "", "JSON file of settings (keys are flag names)")
	fs.StringVar(&c.HostResolverRules, "host-resolver-rules", "", "Chromium --host-resolver-rules, e.g. to serve web.whatsapp.com from an external easy-api simulator --tls")
	fs.Var(&c.MaxSessionMemory, "max-session-memory", "default max_memory: a browser whose PSS crosses it is recycled (graceful close, re-auth, no QR); e.g. 300MB, 1.5GB; 0 = no limit")
	fs.DurationVar(&c.RecycleAfter, "recycle-after", 0, "recycle browsers WORKING this long, one session at a time; 0 = never")
	fs.BoolVar(&c.BlockAssets, "block-assets", false, "fail the page's image, font and media requests to save memory (screenshots lose pictures)")
	fs.DurationVar(&c.SampleInterval, "sample-interval", 10*time.Second, "how often each session's resources (PSS, CPU, processes) are sampled")
	fs.DurationVar(&c.EventRetention, "event-retention", events.DefaultMaxAge, "how long events stay in the log (replay, history, webhook retries)")
	fs.Int64Var(&c.EventMax, "event-max", events.DefaultMaxMsgs, "at most this many events stay in the log")
	fs.Var(&c.Webhooks, "webhook", "URL of a global webhook receiving every event; repeatable (env: comma-separated)")
	fs.StringVar(&c.WebhookSecret, "webhook-secret", "", "whsec_... secret for the --webhook receivers (default: generated and printed once)")
	fs.Var(&c.AllowedOrigins, "allowed-origins", "origins allowed to open WebSocket streams from a browser (* = any); default same-origin only; repeatable")
	c.MaxMediaBytes = 16 << 20
	fs.Var(&c.MaxMediaBytes, "max-media-bytes", "largest media a message may carry (base64 body or fetched URL), e.g. 16MiB")
	fs.DurationVar(&c.MediaFetchTimeout, "media-fetch-timeout", 30*time.Second, "bound on fetching a message's media.url")
	fs.StringVar(&c.SessionData, "session-data", "", "seed a session at boot from a session data file: a path, or the file's content in base64 (restored only when the session has no profile yet)")
	fs.Var(&c.SPKIPins, "ignore-cert-spki", "SPKI pin (base64 SHA-256) of a certificate Chromium should accept; repeatable")
	c.security.flags(fs)
}

// serve runs the server until ctx ends, then shuts down in reverse order of
// start, each step bounded.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.flags(fs)
	if err := parseFlags(fs, args, getenv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	sec := &c.security
	if err := sec.resolve(getenv); err != nil {
		return err
	}
	if sec.PrintConfig {
		if sec.APIKey != "" {
			_ = fs.Set("api-key", sec.APIKey) // from a file or EASY_API_KEY: show that one is set
		}
		return printConfig(fs, stdout)
	}
	if err := sec.checkExposure(c.Host); err != nil {
		return err
	}
	log, err := newLogger(c.LogLevel, c.LogFormat, stderr)
	if err != nil {
		return err
	}
	if sec.APIKey == "" && !isLoopback(c.Host) {
		log.Warn().Str("host", c.Host).Msg("--insecure-no-auth: serving without an API key on a non-loopback address")
	}
	dataPath, err := filepath.Abs(c.DataPath)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dataPath, 0o700); err != nil {
		return fmt.Errorf("session data path: %w", err)
	}

	// Components open in dependency order; shutdown runs the deferred steps
	// in reverse: HTTP, sessions (browsers close gracefully, their last
	// events are published), webhook flush, bus and streams, store.
	st, err := store.Open(ctx, store.Config{Dir: filepath.Join(dataPath, "easy-api-store"), Sync: c.StoreSync, Log: log.With().Str("component", "store").Logger()})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error().Err(err).Msg("close store")
		}
	}()
	snaps, err := st.Snapshots(ctx)
	if err != nil {
		return err
	}
	bus, err := events.NewBus(ctx, events.BusConfig{JS: st.JetStream(), MaxAge: c.EventRetention, MaxMsgs: c.EventMax,
		Log: log.With().Str("component", "events").Logger()})
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	defer bus.Close()
	met := metrics.New(metrics.Config{Version: version})
	outbox, err := webhook.New(ctx, webhook.Config{Bus: bus, Observe: met.ObserveWebhookDelivery, Log: log.With().Str("component", "webhooks").Logger()})
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	defer outbox.Close(context.WithoutCancel(ctx))
	if len(c.Webhooks) > 0 {
		created, err := outbox.EnsureGlobal(ctx, c.Webhooks, c.WebhookSecret)
		if err != nil {
			return fmt.Errorf("--webhook: %w", err)
		}
		for _, w := range created {
			log.Info().Str("webhook", w.ID).Str("url", w.URL).Msg("global webhook created")
			if c.WebhookSecret == "" {
				fmt.Fprintf(stdout, "webhook %s for %s signs with secret %s\n", w.ID, w.URL, w.Secret)
			}
		}
	}

	wajs, wajsReady := resolveWAJS(c.WAJS, c.Simulator, dataPath, log)
	bcfg := browser.Config{BrowserPath: c.BrowserPath, WAJS: wajs, CloseTimeout: c.CloseTimeout,
		HostResolverRules: c.HostResolverRules, SPKIPins: c.SPKIPins, BlockAssets: c.BlockAssets,
		Log: log.With().Str("component", "browser").Logger(), Getenv: getenv}
	waURL := c.WAURL
	if c.Simulator {
		sim, err := startSimulator(ctx, c.SimulatorAddr, log)
		if err != nil {
			return err
		}
		defer sim.Close()
		bcfg.HostResolverRules, bcfg.SPKIPins, bcfg.WAJS = sim.hostRules, []string{sim.pin}, "none"
		waURL = "https://web.whatsapp.com/"
	}

	relink := c.RelinkOnLogout
	mgr := session.NewManager(session.ManagerConfig{
		Registry: st.Sessions(), Launcher: browser.New(bcfg), Publisher: met.Publisher(bus), Snapshots: snaps, DataPath: dataPath, URL: waURL,
		OnUsage: func(id string, u session.Usage) { met.SetSessionPSS(id, u.PSSBytes) },
		Defaults: session.Config{Headful: c.Headful, AuthTimeout: session.Duration(c.AuthTimeout), QRTimeout: session.Duration(c.QRTimeout),
			QRMax: c.QRMax, RelinkOnLogout: &relink, MaxMemory: c.MaxSessionMemory},
		RecycleAfter: c.RecycleAfter, SampleInterval: c.SampleInterval,
		MaxConcurrentLaunches: c.MaxConcurrentLaunches, CloseTimeout: c.CloseTimeout,
		Log: log.With().Str("component", "sessions").Logger(),
	})
	mctx, stopSessions := context.WithCancel(context.WithoutCancel(ctx))
	mdone := make(chan error, 1)
	go func() { mdone <- mgr.Serve(mctx) }()
	// Sessions resting in STOPPED or FAILED emit nothing at boot: count them.
	if views, err := mgr.List(ctx); err == nil {
		for _, v := range views {
			met.TrackSession(v.ID, v.Status)
		}
	}
	defer func() {
		stopSessions()
		select {
		case err := <-mdone:
			if err != nil {
				log.Error().Err(err).Msg("sessions")
			}
		case <-time.After(c.ShutdownTimeout):
			log.Error().Msg("sessions did not stop within --shutdown-timeout")
		}
	}()

	streams := events.NewHandlers(events.HandlersConfig{Bus: bus, Webhooks: webhook.NewHandlers(outbox),
		CheckOrigin: originChecker(c.AllowedOrigins), StreamOpened: met.IncStreamClients, StreamClosed: met.DecStreamClients,
		Log: log.With().Str("component", "streams").Logger()})
	keys, err := apikey.Open(ctx, st.JetStream())
	if err != nil {
		return fmt.Errorf("keys: %w", err)
	}
	proxies, _ := sec.proxies() // checked by resolve
	handler := api.New(api.Config{Sessions: mgr, Mount: streams.Mount, Version: version, Log: log.With().Str("component", "api").Logger(),
		Metrics: met.Handler(), HTTPMetrics: met.HTTP, OnDelete: met.DeleteSession, MetricsPublic: sec.MetricsPublic,
		Ready:    func() error { return errors.Join(st.Ready(), mgr.Ready(), wajsReady()) },
		Media:    api.MediaConfig{MaxBytes: int64(c.MaxMediaBytes), FetchTimeout: c.MediaFetchTimeout},
		AdminKey: sec.APIKey, Keys: keys, AuthFailures: sec.AuthFailures, TrustedProxies: proxies, CORSOrigins: sec.CORSOrigins,
		MaxBodyBytes: int64(sec.MaxBodyBytes), MaxDataBytes: int64(sec.MaxDataBytes)})
	ln, err := net.Listen("tcp", net.JoinHostPort(c.Host, c.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := sec.newHTTPServer(handler)
	herr := make(chan error, 1)
	go func() { herr <- srv.Serve(ln) }()
	log.Info().Str("addr", "http://"+ln.Addr().String()).Str("data", dataPath).Str("version", version).
		Bool("api_key", sec.APIKey != "").Msg("easy-api listening")

	if c.SessionData != "" {
		if err := seedSession(ctx, mgr, dataPath, c.SessionData); err != nil {
			return fmt.Errorf("--session-data: %w", err)
		}
	}
	if c.SessionID != "" {
		term := newTerminal(bus, c.SessionID, stdout)
		tctx, stopTerm := context.WithCancel(ctx)
		tdone := term.start(tctx)
		defer func() { stopTerm(); <-tdone }()
		if err := bootSession(ctx, mgr, c.SessionID); err != nil {
			log.Error().Err(err).Str("session", c.SessionID).Msg("--session-id")
		}
	}

	select {
	case <-ctx.Done():
	case err := <-herr:
		return fmt.Errorf("http: %w", err)
	}
	log.Info().Msg("shutting down")
	// Open streams never end by themselves: give requests a moment, then cut.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	return nil
}

// originChecker allows WebSocket upgrades from the listed origins ("*" = any);
// with none it keeps gorilla's same-origin rule.
func originChecker(allowed []string) func(*http.Request) bool {
	if len(allowed) == 0 {
		return nil
	}
	return func(r *http.Request) bool {
		o := r.Header.Get("Origin")
		return o == "" || slices.Contains(allowed, "*") || slices.Contains(allowed, o)
	}
}

// bootSession creates (or starts) the --session-id session.
func bootSession(ctx context.Context, mgr *session.Manager, id string) error {
	_, err := mgr.Create(ctx, id, mgr.Defaults(), true)
	if err == nil {
		return nil
	}
	if _, gerr := mgr.Get(ctx, id); gerr != nil {
		return err
	}
	_, err = mgr.Start(ctx, id)
	return err
}

// seedSession imports a session data file given as a path or as base64, as
// open-wa lets containers do, unless that session already has a profile.
func seedSession(ctx context.Context, mgr *session.Manager, dataPath, v string) error {
	b, err := os.ReadFile(v)
	if err != nil {
		if b, err = base64.StdEncoding.DecodeString(strings.TrimSpace(v)); err != nil {
			return errors.New("neither a readable file nor base64")
		}
	}
	var head struct{ Session string }
	if err := json.Unmarshal(b, &head); err != nil || session.ValidateID(head.Session) != nil {
		return errors.New("not a session data file (no valid \"session\")")
	}
	if _, err := os.Stat(session.ProfileDir(dataPath, head.Session)); err == nil {
		return nil // already restored on an earlier boot
	}
	_, err = mgr.ImportData(ctx, head.Session, b)
	return err
}

// newLogger builds the zerolog logger of the flags.
func newLogger(level, format string, w io.Writer) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil {
		return zerolog.Logger{}, fmt.Errorf("--log-level: %w", err)
	}
	switch format {
	case "json":
	case "pretty":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	case "auto":
		if f, ok := w.(*os.File); ok && isTerminal(f) {
			w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
		}
	default:
		return zerolog.Logger{}, fmt.Errorf("--log-format: %q is not json, pretty or auto", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
